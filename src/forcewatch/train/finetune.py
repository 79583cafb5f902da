"""Fine-tune a ForceWatch model on a few labelled chips (``forcewatch train --init MODEL``).

The start is the init model's ONNX file, rebuilt as a trainable net (:mod:`forcewatch.train.rebuild`)
and checked to reproduce the file's outputs. The result keeps everything that makes the init model
run correctly — classes, GSD, normalisation, tile and overlap — and learns with what suits a few
shots: a fifth of the from-scratch learning rate on weights of their from-scratch size (each
channel's scale is held by its batch norm's γ), frozen batch-norm statistics, a share of crops
from chips without objects (hard negatives), and mild augmentation (the 8 flips/rotations, small
scale and colour jitter, no degradation). A wall-clock budget ends it (10 minutes by default: about
10–30 chips on 2 CPU cores).

Its score on labels held out from its training is measured here too: the held-out chips' score
(:func:`score_held_out`), or k-fold cross-validation (:func:`out_of_fold_predictions`: fold models
trained with the shipped model's recipe, as many steps, on the other folds' chips), recorded in the
model file under ``holdout`` (:func:`record_held_out`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from forcewatch import __version__
from forcewatch.detect.metadata import ModelMeta, at_least_as_coarse
from forcewatch.errors import ModelError
from forcewatch.train.annotations import AnnotationSet
from forcewatch.train.augment import AugmentConfig
from forcewatch.train.crossval import Fold, HeldOut, threshold_of_max_f1
from forcewatch.train.evaluate import ImagePrediction
from forcewatch.train.loop import RunState, TrainConfig

#: Fine-tuning uses this share of the from-scratch learning rate.
LR_FACTOR = 0.2
DEFAULT_MINUTES = 10.0
DEFAULT_ITERATIONS = 1500
#: Share of crops drawn from chips without objects, when there are some.
EMPTY_SHARE = 0.25
WARMUP_STEPS = 30
#: Largest output difference allowed between the rebuilt net and the init model's file.
REBUILD_TOLERANCE = 1e-4
#: Augmentation for a few chips at their own GSD: flips and rotations (always), small scale and
#: colour jitter, a little haze, greyscale and blur; no simulated coarser sensor, no composites.
FEW_SHOT_AUGMENT = AugmentConfig(
    scale_jitter=1.1,
    object_centred=0.6,
    degrade_p=0.0,
    haze_p=0.1,
    grey_p=0.1,
    blur_p=0.1,
    military_p=0.0,
    colour_jitter=0.5,
)


@dataclass(frozen=True)
class InitModel:
    """The model a fine-tune starts from: its file, metadata, hash and network width."""

    path: Path
    meta: ModelMeta
    sha256: str
    width: int

    @property
    def cited(self) -> str:
        """How the fine-tuned model names its start: ``vehicle-0.3m-v2 (sha256 …)``."""
        return f"{self.meta.model_id} (sha256 {self.sha256})"


def load_init(name_or_path: str) -> InitModel:
    """The init model: a bundled model's name (vehicle, tent, aircraft) or a ForceWatch ``.onnx`` file."""
    from forcewatch.detect.onnx_backend import read_meta
    from forcewatch.detect.registry import float_model_path
    from forcewatch.provenance import file_sha256
    from forcewatch.train.rebuild import infer_width, onnx_convs

    path = float_model_path(name_or_path)  # a bundled INT8 model: the float file it was quantised from
    if path.suffix.lower() != ".onnx" or not path.is_file():
        raise ModelError(
            f"--init {name_or_path}: not a ForceWatch .onnx file. Fix: give a bundled model's name "
            "(vehicle, tent, aircraft) or the model.onnx that forcewatch train wrote."
        )
    meta = read_meta(path)
    source = meta.scores.get("quantized_from")
    if isinstance(source, dict):
        raise ModelError(
            f"--init {name_or_path}: an INT8 copy of {source.get('model')} (sha256 {str(source.get('sha256'))[:12]}…), "
            "whose weights cannot be trained. Fix: fine-tune the float model it was quantised from."
        )
    return InitModel(path, meta, file_sha256(path), infer_width(onnx_convs(path), path))


def finetune_config(
    init: InitModel,
    *,
    iterations: int = DEFAULT_ITERATIONS,
    minutes: float = DEFAULT_MINUTES,
    batch_size: int = 16,
    crop_px: int = 256,
    seed: int = 0,
    has_empty_chips: bool = True,
) -> TrainConfig:
    """The training configuration of a fine-tune from ``init`` (its GSD, width and normalisation)."""
    base = TrainConfig()
    return TrainConfig(
        target_gsd_m=init.meta.gsd_m,
        iterations=iterations,
        batch_size=batch_size,
        crop_px=crop_px,
        learning_rate=base.learning_rate * LR_FACTOR,
        width=init.width,
        seed=seed,
        checkpoint_every=50,
        augment=FEW_SHOT_AUGMENT,
        max_minutes=minutes,
        warmup_steps=min(WARMUP_STEPS, max(1, iterations // 10)),
        freeze_bn=True,
        empty_share=EMPTY_SHARE if has_empty_chips else 0.0,
        mean=init.meta.mean,
        std=init.meta.std,
        init=f"{init.meta.model_id} sha256 {init.sha256}",
    )


def rebuilt_init_net(init: InitModel) -> Any:
    """The init model as a trainable CentreNet, checked to reproduce the file's outputs."""
    from forcewatch.train.rebuild import max_output_diff, rebuild_net

    net, _ = rebuild_net(init.path)
    diff = max_output_diff(net, init.path)
    if diff >= REBUILD_TOLERANCE:
        raise ModelError(
            f"{init.path}: the rebuilt network differs from the file by {diff:.2g} (more than {REBUILD_TOLERANCE:g}). "
            "Fix: fine-tune from a model exported by this version of ForceWatch, or train from scratch."
        )
    return net


def combined_licence(init_licence: str, data_licence: str) -> str:
    """The licence of fine-tuned weights: the init model's and the data's, both binding.

    >>> combined_licence("CC BY-NC-SA 4.0", "CC0")
    'CC BY-NC-SA 4.0 (init model) + CC0 (fine-tuning data)'
    """
    return f"{init_licence} (init model) + {data_licence} (fine-tuning data)"


def finetuned_training_data(data_label: str, images: int, objects: int, init: InitModel) -> str:
    """The ``training_data`` metadata: the dataset and the model it was fine-tuned from."""
    return f"{data_label}: {images} images, {objects} objects; fine-tuned from {init.cited}"


def default_model_id(init: InitModel, data_name: str) -> str:
    """``<init id>-ft-<data name>`` (letters, digits, dots and dashes)."""
    stem = re.sub(r"[^A-Za-z0-9.]+", "-", data_name).strip("-")
    return f"{init.meta.model_id}-ft" + (f"-{stem}" if stem else "")


def data_name(data: Path) -> str:
    """The name a dataset gives a fine-tuned model: its folder's, or its annotation file's stem."""
    return data.stem if data.is_file() else data.name


def finetuned_meta(
    init: InitModel,
    *,
    model_id: str,
    training_data: str,
    licence: str,
    overlap_px: int | None = None,
    max_source_gsd_m: float | None = None,
) -> ModelMeta:
    """The init model's metadata with the fine-tune's identity; its threshold kept, its scores dropped
    (they are the init model's, not these weights')."""
    return replace(
        init.meta,
        model_id=model_id,
        training_data=training_data,
        licence=licence,
        version=__version__,
        created=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        scores={},
        overlap_px=init.meta.overlap_px if overlap_px is None else overlap_px,
        max_source_gsd_m=init.meta.max_source_gsd_m if max_source_gsd_m is None else max_source_gsd_m,
    )


def export_finetuned(ckpt: Path, out: Path, meta: ModelMeta) -> Path:
    """Write the fine-tuned checkpoint ``ckpt`` to ``out`` (ONNX) with ``meta``."""
    from forcewatch.train.export import export_net
    from forcewatch.train.loop import load_net

    net, _ = load_net(ckpt)
    return export_net(net, out, meta)


def finetune_run(
    init: InitModel,
    data: AnnotationSet,
    out_dir: Path,
    config: TrainConfig,
    meta: ModelMeta,
    *,
    resume: bool = True,
    progress: Callable[[int, int, dict[str, float]], None] | None = None,
) -> tuple[Path, RunState]:
    """Fine-tune ``init`` on ``data`` in ``out_dir`` (checkpoint, log) and write ``out_dir/model.onnx``
    with ``meta``; returns the file and how far the run went."""
    from forcewatch.train.loop import run_state, train

    ckpt = train(
        data,
        out_dir,
        config,
        classes=init.meta.classes,
        resume=resume,
        progress=progress,
        init_net=rebuilt_init_net(init),
    )
    return export_finetuned(ckpt, out_dir / "model.onnx", meta), run_state(ckpt)


#: A run whose step count is matched to an earlier one may take this much longer than its time share.
STEP_MATCH_SLACK = 1.25


def for_data(config: TrainConfig, data: AnnotationSet) -> TrainConfig:
    """``config`` for ``data``: hard-negative crops only when it has chips without objects."""
    return replace(config, empty_share=EMPTY_SHARE if any(not im.objects for im in data.images) else 0.0)


def matched(config: TrainConfig, steps: int) -> TrainConfig:
    """The recipe of a run that took ``steps`` steps under ``config``, for the runs after it: as many steps
    and the same warm-up (so the same learning-rate course), its time budget only a cap (× slack)."""
    assert config.max_minutes is not None
    return replace(
        config,
        iterations=max(1, steps),
        warmup_steps=config.warmup_steps,
        max_minutes=round(config.max_minutes * STEP_MATCH_SLACK, 4),
    )


def out_of_fold_predictions(
    init: InitModel,
    data: AnnotationSet,
    folds: Sequence[Fold],
    folder: Path,
    config: TrainConfig,
    *,
    resume: bool = True,
    progress: Callable[[int, int, dict[str, float]], None] | None = None,
    on_fold: Callable[[int, Fold], None] | None = None,
) -> tuple[list[ImagePrediction], list[RunState], TrainConfig]:
    """Cross-validation: for each fold, fine-tune ``init`` on its training chips (in ``folder/fold-N``)
    and predict its held-out chips; every chip of ``data`` is held out by one fold. The first fold runs
    ``config`` (its time budget sets the step count); the others, and the shipped model after them,
    run :func:`matched` to it. Returns the pooled predictions (score floor 0.05), each fold's run and
    the matched recipe. The fold model files are removed once they have predicted (their checkpoints
    stay, for a resumed run)."""
    from forcewatch.train.evaluate import predict_set
    from forcewatch.train.export import fresh_detector

    preds: list[ImagePrediction] = []
    runs: list[RunState] = []
    recipe = config
    for i, fold in enumerate(folds):
        if on_fold is not None:
            on_fold(i, fold)
        meta = replace(init.meta, model_id=f"{init.meta.model_id}-fold{i + 1}", scores={})
        train_set = data.subset(set(fold.train))
        path, state = finetune_run(init, train_set, folder / f"fold-{i + 1}", for_data(recipe, train_set), meta,
                                   resume=resume, progress=progress)  # fmt: skip
        if i == 0:
            recipe = matched(config, state.iterations_done)
        preds += predict_set(fresh_detector(path), data.subset(set(fold.held)), score_floor=0.05)
        path.unlink()
        runs.append(state)
    return preds, runs, recipe


def score_held_out(
    model_path: Path,
    init: InitModel,
    held_set: AnnotationSet,
    preds: list[ImagePrediction] | None,
    *,
    kind: str,
    method: str,
    data_label: str,
    gsd_m: float | None,
    synthetic: str | None,
    fold_steps: int = 0,
) -> HeldOut:
    """The held-out score: of ``preds`` (out-of-fold predictions) or of the shipped model on ``held_set``,
    at the threshold of maximum F1 there; and the init model's on the same images, at its threshold for
    imagery of ``gsd_m`` (a model may read coarse imagery at a threshold of its own)."""
    from forcewatch.detect.registry import load_detector
    from forcewatch.train.evaluate import evaluate_predictions, predict_set
    from forcewatch.train.export import fresh_detector

    if preds is None:
        preds = predict_set(fresh_detector(model_path), held_set, score_floor=0.05)
    f1 = {k / 100: float(np.mean([r.f1 for r in evaluate_predictions(preds, held_set, k / 100)])) for k in range(5, 96)}
    thr = threshold_of_max_f1(f1)
    init_preds = predict_set(load_detector(str(init.path)), held_set, score_floor=0.05)
    return HeldOut(
        kind=kind,
        method=method,
        data_label=data_label,
        images=len(held_set.images),
        objects=held_set.object_count,
        gsd_m=gsd_m,
        threshold=thr,
        scores=tuple(evaluate_predictions(preds, held_set, thr)),
        init_scores=tuple(evaluate_predictions(init_preds, held_set, init.meta.threshold_at(gsd_m))),
        validates=synthetic is None,
        not_validating=synthetic,
        fold_steps=fold_steps,
    )


def record_held_out(model_path: Path, held: HeldOut) -> ModelMeta:
    """Store the threshold and the held-out score in the model file: key ``holdout`` (what estimates correct
    counts with, and what validates them unless the data is synthetic); with --val also ``val``.

    The threshold chosen on the held-out chips is the one imagery like theirs is read at: the init model's
    thresholds for imagery as coarse as the chips (``coarse_thresholds``, chosen for the init's weights) are
    dropped; those for coarser imagery only are kept (all are dropped when the chips' GSD is unknown)."""
    from forcewatch.detect.onnx_backend import read_meta
    from forcewatch.train.export import score_entry, update_metadata

    method = held.method
    if held.kind == "cross-validation":
        method += (
            f"; each fold model fine-tuned like the shipped model ({held.fold_steps} steps) on the other folds' "
            "chips only (less data: a conservative estimate); threshold of maximum F1 on the pooled out-of-fold "
            "predictions"
        )
    entry = score_entry(
        held.scores,
        data=held.data_label,
        images=held.images,
        threshold=held.threshold,
        gsd_m=held.gsd_m,
        validates=held.validates,
        method=method,
        not_validating=held.not_validating,
    )
    scores: dict[str, object] = {"holdout": entry}
    if held.kind == "val":
        scores["val"] = {**entry, "data": "--val images (also chose the threshold)"}
    coarse = tuple(
        (from_m, thr)
        for from_m, thr in read_meta(model_path).coarse_thresholds
        if held.gsd_m is not None and not at_least_as_coarse(held.gsd_m, from_m)
    )
    return update_metadata(model_path, score_threshold=held.threshold, coarse_thresholds=coarse, scores=scores)
