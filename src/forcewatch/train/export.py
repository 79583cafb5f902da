"""Export a trained checkpoint to ONNX with its metadata inside the file."""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from forcewatch import __version__
from forcewatch.detect.base import Detector
from forcewatch.detect.metadata import ModelMeta
from forcewatch.train.annotations import AnnotationSet
from forcewatch.train.evaluate import ClassReport
from forcewatch.train.loop import MEAN, STD, load_net


@dataclass(frozen=True)
class ExportInfo:
    model_id: str
    training_data: str
    licence: str
    tile_px: int = 1024
    nms_iou: float = 0.5
    max_object_m: float = 120.0
    max_source_gsd_m: float = 0.0  # coarsest imagery its classes can be seen in (0: 3× its GSD)


def export_onnx(
    ckpt: Path,
    out: Path,
    info: ExportInfo,
    *,
    threshold_data: AnnotationSet | None = None,
    threshold: float = 0.3,
) -> Path:
    """Write ``out`` (ONNX, opset 17, dynamic H×W) from ``ckpt``.

    The operating threshold is the one that maximises F1 on ``threshold_data`` (images the
    model was not trained on, ideally), else ``threshold``.
    """
    from forcewatch.train.net import STRIDE

    net, cfg = load_net(ckpt)
    gsd = float(cfg["target_gsd_m"])
    overlap = int(math.ceil(info.max_object_m / gsd / 32) * 32)
    meta = ModelMeta(
        model_id=info.model_id,
        classes=tuple(cfg["classes"]),
        gsd_m=gsd,
        stride=STRIDE,
        tile_px=info.tile_px,
        overlap_px=overlap,
        mean=MEAN,
        std=STD,
        score_threshold=threshold,
        nms_iou=info.nms_iou,
        version=__version__,
        licence=info.licence,
        training_data=info.training_data,
        created=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        scores={},
        max_source_gsd_m=info.max_source_gsd_m,
    )
    export_net(net, out, meta)
    if threshold_data is not None and threshold_data.images:
        update_metadata(out, score_threshold=best_threshold(out, threshold_data))
    return out


def export_net(net: Any, out: Path, meta: ModelMeta) -> Path:
    """Write ``net`` (a CentreNet; batch norms fused on export) to ``out`` as ONNX (opset 17, dynamic
    H×W, outputs heat, peaks, size, offset) with ``meta`` inside the file."""
    import onnx
    import torch

    from forcewatch.train.net import ExportWrapper

    out.parent.mkdir(parents=True, exist_ok=True)
    raw = out.with_name(out.name + ".raw")
    was_training = net.training
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(
            ExportWrapper(net).eval(),
            (torch.zeros(1, 3, 256, 256),),
            str(raw),
            input_names=["image"],
            output_names=["heat", "peaks", "size", "offset"],
            dynamic_axes={"image": {0: "batch", 2: "height", 3: "width"}},
            opset_version=17,
            dynamo=False,
        )
    net.train(was_training)
    model = onnx.load(str(raw))
    raw.unlink()
    write_metadata(model, meta)
    onnx.save(model, out)
    return out


def best_threshold(model_path: Path, data: AnnotationSet) -> float:
    """The score threshold of the model at ``model_path`` that maximises F1 on ``data``."""
    from forcewatch.train.evaluate import best_f1_threshold, predict_set

    return best_f1_threshold(predict_set(fresh_detector(model_path), data, score_floor=0.05), data)


def fresh_detector(model_path: Path) -> Detector:
    """A detector for a model file just written here (ONNX), loaded afresh: the registry caches by
    path, and a file rewritten in the same process must not run with its former weights."""
    from forcewatch.detect.onnx_backend import OnnxDetector

    return OnnxDetector(model_path)


def score_entry(
    reports: Sequence[ClassReport],
    *,
    data: str,
    images: int,
    threshold: float,
    gsd_m: float | None,
    validates: bool,
    method: str | None = None,
    not_validating: str | None = None,
) -> dict[str, object]:
    """A score entry as a model file records it (key ``holdout``, ``val``, …): the data (named, never a
    local path), the source imagery's GSD, the threshold and each class's scores. ``validates`` says
    whether it may validate the model's counts (:meth:`~forcewatch.detect.metadata.ModelMeta.validation`):
    real imagery of the class's objects, held out from training; ``not_validating`` says why not."""
    entry: dict[str, object] = {
        "data": data,
        "images": images,
        "threshold": round(threshold, 4),
        "gsd_m": None if gsd_m is None else round(gsd_m, 4),
        "validates": validates,
    }
    if method:
        entry["method"] = method
    if not validates and not_validating:
        entry["not_validating"] = not_validating
    entry["classes"] = {r.class_name: {**r.to_json(), "n_detections": r.n_detections} for r in reports}
    return entry


def record_scores(model_path: Path, key: str, scores: dict[str, object]) -> ModelMeta:
    """Store evaluation scores (for example the hold-out's) inside the model file's metadata."""
    from forcewatch.detect.onnx_backend import read_meta

    meta = read_meta(model_path)
    return update_metadata(model_path, scores={**meta.scores, key: scores})


def update_metadata(model_path: Path, **changes: Any) -> ModelMeta:
    """Change fields of the metadata inside a model file (for example ``max_source_gsd_m``)."""
    import onnx

    from forcewatch.detect.onnx_backend import read_meta

    meta = replace(read_meta(model_path), **changes)
    model = onnx.load(str(model_path))
    write_metadata(model, meta)
    onnx.save(model, str(model_path))
    return meta


def write_metadata(model: object, meta: ModelMeta) -> None:
    """Replace the ForceWatch metadata of an in-memory ONNX model."""
    props = model.metadata_props  # type: ignore[attr-defined]
    keep = [(p.key, p.value) for p in props if not p.key.startswith("forcewatch.")]
    del props[:]
    for k, v in [*keep, *meta.to_props().items()]:
        entry = props.add()
        entry.key, entry.value = k, v
