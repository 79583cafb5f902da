"""Train a detector on labelled imagery and export it to ONNX (``forcewatch train``; needs the
``train`` extra: torch)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from forcewatch.app.datasets import dataset_label, read_dataset, read_split
from forcewatch.train.annotations import AnnotationSet


@dataclass(frozen=True)
class TrainRequest:
    """What to train on and how: the options of ``forcewatch train``."""

    data: Path
    fmt: str
    out: Path
    gsd_m: float | None = None
    target_gsd_m: float = 1.0
    split: Path | None = None
    val: Path | None = None
    classes: list[str] | None = None
    class_map: list[str] | None = None
    iterations: int = 3000
    batch_size: int = 16
    crop_px: int = 256
    seed: int = 0
    width: int = 32
    max_object_m: float = 120.0
    military: float = 0.0
    max_source_gsd_m: float = 0.0
    name: str = "detector"
    licence: str = "unknown"
    resume: bool = True


@dataclass(frozen=True)
class TrainOutcome:
    model_path: Path
    images: int
    objects: int
    notes: tuple[str, ...]


def train_model(
    req: TrainRequest,
    *,
    on_start: Callable[[str], None] | None = None,
    progress: Callable[[int, int, dict[str, float]], None] | None = None,
) -> TrainOutcome:
    """Read the data (and its split), train, choose the threshold on the validation images (or the
    training ones) and export ``OUT/model.onnx`` with its metadata."""
    from forcewatch.train.augment import AugmentConfig
    from forcewatch.train.export import ExportInfo, export_onnx
    from forcewatch.train.loop import TrainConfig, train

    def read(path: Path) -> AnnotationSet:
        return read_dataset(path, req.fmt, gsd_m=req.gsd_m, classes=req.classes, class_map=req.class_map)

    data_set = read(req.data)
    val_set = None
    train_set = data_set
    if req.split is not None:
        doc = read_split(req.split, "train")
        train_set = data_set.subset(set(doc["train"]))
        if doc.get("val"):
            val_set = data_set.subset(set(doc["val"]))
    if req.val is not None:
        val_set = read(req.val)
    if on_start is not None:
        for note in data_set.notes:
            on_start(note)
        on_start(f"training on {len(train_set.images)} images, {train_set.object_count} objects")
    cfg = TrainConfig(
        width=req.width,
        target_gsd_m=req.target_gsd_m,
        iterations=req.iterations,
        batch_size=req.batch_size,
        crop_px=req.crop_px,
        seed=req.seed,
        augment=AugmentConfig(military_p=req.military),
    )
    ckpt = train(train_set, req.out, cfg, classes=data_set.classes, resume=req.resume, progress=progress)
    model_path = export_onnx(
        ckpt,
        req.out / "model.onnx",
        ExportInfo(
            model_id=req.name,
            training_data=dataset_label(req.data, req.fmt),
            licence=req.licence,
            max_object_m=req.max_object_m,
            max_source_gsd_m=req.max_source_gsd_m,
        ),
        threshold_data=val_set or train_set,
    )
    return TrainOutcome(model_path, len(train_set.images), train_set.object_count, tuple(data_set.notes))
