"""Train a detector on labelled imagery, or fine-tune one from a few labelled chips, and export it to
ONNX (``forcewatch train``; needs the ``train`` extra: torch)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from forcewatch.app.datasets import dataset_label, read_dataset, read_split
from forcewatch.detect.metadata import ModelMeta
from forcewatch.errors import InputError
from forcewatch.train.annotations import AnnotationSet
from forcewatch.train.evaluate import ClassReport

#: From-scratch defaults of the options that a fine-tune takes from its init model instead.
SCRATCH_TARGET_GSD_M = 1.0
SCRATCH_ITERATIONS = 3000
SCRATCH_WIDTH = 32
SCRATCH_MAX_OBJECT_M = 120.0
SCRATCH_NAME = "detector"

Progress = Callable[[int, int, dict[str, float]], None]


@dataclass(frozen=True)
class TrainRequest:
    """What to train on and how: the options of ``forcewatch train``.

    ``None`` means the default: from scratch the ``SCRATCH_*`` values; with ``init`` (a bundled
    model's name or a ForceWatch ``.onnx``) the init model's GSD, width and overlap, and the
    fine-tune's step count and time budget (``minutes``).
    """

    data: Path
    fmt: str
    out: Path
    gsd_m: float | None = None
    target_gsd_m: float | None = None
    split: Path | None = None
    val: Path | None = None
    classes: list[str] | None = None
    class_map: list[str] | None = None
    iterations: int | None = None
    batch_size: int = 16
    crop_px: int = 256
    seed: int = 0
    width: int | None = None
    max_object_m: float | None = None
    military: float = 0.0
    max_source_gsd_m: float = 0.0
    name: str | None = None
    licence: str = "unknown"
    resume: bool = True
    init: str | None = None
    minutes: float | None = None


@dataclass(frozen=True)
class TrainOutcome:
    model_path: Path
    images: int
    objects: int
    notes: tuple[str, ...]
    card_path: Path | None = None
    steps: int = 0
    minutes: float = 0.0
    threshold: float | None = None
    threshold_how: str = ""
    scores: dict[str, dict[str, object]] = field(default_factory=dict)


def train_model(
    req: TrainRequest,
    *,
    on_start: Callable[[str], None] | None = None,
    progress: Progress | None = None,
) -> TrainOutcome:
    """Read the data (and its split), train (from ``req.init`` when given: :func:`finetune_model`),
    choose the threshold on the validation images (or the training ones) and export ``OUT/model.onnx``
    with its metadata."""
    if req.init is not None:
        return finetune_model(req, on_start=on_start, progress=progress)
    if req.minutes is not None:
        raise InputError("--minutes is the time budget of a fine-tune. Fix: give --init MODEL, or use --iterations.")
    from forcewatch.train.augment import AugmentConfig
    from forcewatch.train.export import ExportInfo, export_onnx
    from forcewatch.train.loop import TrainConfig, train

    data_set, train_set, val_set = _read_sets(req, req.classes)
    if on_start is not None:
        for note in data_set.notes:
            on_start(note)
        on_start(f"training on {len(train_set.images)} images, {train_set.object_count} objects")
    cfg = TrainConfig(
        width=req.width or SCRATCH_WIDTH,
        target_gsd_m=req.target_gsd_m or SCRATCH_TARGET_GSD_M,
        iterations=req.iterations or SCRATCH_ITERATIONS,
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
            model_id=req.name or SCRATCH_NAME,
            training_data=dataset_label(req.data, req.fmt),
            licence=req.licence,
            max_object_m=req.max_object_m or SCRATCH_MAX_OBJECT_M,
            max_source_gsd_m=req.max_source_gsd_m,
        ),
        threshold_data=val_set or train_set,
    )
    return TrainOutcome(model_path, len(train_set.images), train_set.object_count, tuple(data_set.notes))


def _read_sets(
    req: TrainRequest, classes: list[str] | None
) -> tuple[AnnotationSet, AnnotationSet, AnnotationSet | None]:
    """(everything read, the training images, the validation images or None) from the data, split and --val."""

    def read(path: Path) -> AnnotationSet:
        return read_dataset(path, req.fmt, gsd_m=req.gsd_m, classes=classes, class_map=req.class_map)

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
    return data_set, train_set, val_set


def _check_kept_options(req: TrainRequest, gsd_m: float, width: int, model_id: str) -> None:
    """A fine-tune keeps its init model's GSD and width: a different value asked for is an error."""
    if req.target_gsd_m is not None and not math.isclose(req.target_gsd_m, gsd_m, rel_tol=1e-6):
        raise InputError(
            f"--target-gsd-m {req.target_gsd_m:g}: a model fine-tuned from {model_id} keeps its GSD ({gsd_m:g} m). "
            "Fix: drop --target-gsd-m, or train from scratch (without --init)."
        )
    if req.width is not None and req.width != width:
        raise InputError(
            f"--width {req.width}: {model_id} has width {width}, and a fine-tune keeps it. Fix: drop --width."
        )
    if req.military:
        raise InputError("--military is for training from scratch. Fix: drop it, or drop --init.")


def finetune_model(
    req: TrainRequest,
    *,
    on_start: Callable[[str], None] | None = None,
    progress: Progress | None = None,
) -> TrainOutcome:
    """Fine-tune ``req.init`` on the data: write ``OUT/model.onnx`` (the init model's classes, GSD,
    normalisation and tiling; threshold from ``--val`` or kept) and its card ``OUT/MODEL.md``."""
    from forcewatch.train import finetune as ft
    from forcewatch.train.card import FinetuneSummary, finetune_card
    from forcewatch.train.loop import run_state, train

    assert req.init is not None
    init = ft.load_init(req.init)
    init_id = init.meta.model_id
    _check_kept_options(req, init.meta.gsd_m, init.width, init_id)
    if req.classes and not set(req.classes) <= set(init.meta.classes):
        raise InputError(
            f"--classes {','.join(req.classes)}: {init_id} has classes {', '.join(init.meta.classes)}, and a "
            "fine-tune keeps them. Fix: drop --classes, or map the data's classes with --class-map FROM=TO."
        )
    data_set, train_set, val_set = _read_sets(req, list(init.meta.classes))
    if not train_set.object_count:
        raise InputError(
            f"{req.data}: no labelled objects of {', '.join(init.meta.classes)}. Fix: label some, or map the "
            "data's class names with --class-map FROM=TO."
        )
    empty = sum(not im.objects for im in train_set.images)
    labelled = {o.class_name for im in train_set.images for o in im.objects}
    unlabelled = tuple(c for c in init.meta.classes if c not in labelled)
    cfg = ft.finetune_config(
        init,
        iterations=req.iterations or ft.DEFAULT_ITERATIONS,
        minutes=req.minutes if req.minutes is not None else ft.DEFAULT_MINUTES,
        batch_size=req.batch_size,
        crop_px=req.crop_px,
        seed=req.seed,
        has_empty_chips=empty > 0,
    )
    if on_start is not None:
        for note in data_set.notes:
            on_start(note)
        on_start(
            f"fine-tuning {init.cited} on {len(train_set.images)} chips ({empty} without objects), "
            f"{train_set.object_count} objects; at most {cfg.max_minutes:g} minutes or {cfg.iterations} steps"
        )
        if unlabelled:
            on_start(f"the data labels no {', '.join(unlabelled)}: those classes are learnt as absent from it")
    ckpt = train(
        train_set,
        req.out,
        cfg,
        classes=init.meta.classes,
        resume=req.resume,
        progress=progress,
        init_net=ft.rebuilt_init_net(init),
    )
    state = run_state(ckpt)
    label = dataset_label(req.data, req.fmt)
    meta = ft.finetuned_meta(
        init,
        model_id=req.name or ft.default_model_id(init, req.data),
        training_data=ft.finetuned_training_data(label, len(train_set.images), train_set.object_count, init),
        licence=ft.combined_licence(init.meta.licence, req.licence),
        overlap_px=None if req.max_object_m is None else int(math.ceil(req.max_object_m / init.meta.gsd_m / 32) * 32),
        max_source_gsd_m=req.max_source_gsd_m or None,
    )
    model_path = ft.export_finetuned(ckpt, req.out / "model.onnx", meta)
    how = f"kept from {init_id}: no --val data was given, so it was not re-chosen"
    scores: tuple[ClassReport, ...] = ()
    init_scores: tuple[ClassReport, ...] = ()
    if val_set is not None and val_set.images:
        meta, scores, init_scores = _threshold_on_val(model_path, init.path, val_set)
        how = f"maximum F1 on {len(val_set.images)} --val images ({init_id} uses {init.meta.score_threshold:.2f})"
    summary = FinetuneSummary(
        meta=meta,
        init=init,
        data_label=label,
        images=len(train_set.images),
        empty_images=empty,
        objects=train_set.object_count,
        config=cfg,
        steps=state.iterations_done,
        minutes=state.elapsed_s / 60,
        stopped_on_time=state.stopped_on_time,
        threshold_how=how,
        val_label=dataset_label(req.val, req.fmt) if req.val else (f"{label}, split 'val'" if val_set else None),
        val_images=len(val_set.images) if val_set else 0,
        scores=scores,
        init_scores=init_scores,
        unlabelled_classes=unlabelled,
    )
    card = req.out / "MODEL.md"
    card.write_text(finetune_card(summary), encoding="utf-8")
    return TrainOutcome(
        model_path,
        len(train_set.images),
        train_set.object_count,
        tuple(data_set.notes),
        card_path=card,
        steps=state.iterations_done,
        minutes=state.elapsed_s / 60,
        threshold=meta.score_threshold,
        threshold_how=how,
        scores={
            "finetuned": {r.class_name: r.to_json() for r in scores},
            "init": {r.class_name: r.to_json() for r in init_scores},
        }
        if scores
        else {},
    )


def _threshold_on_val(
    model_path: Path, init_path: Path, val_set: AnnotationSet
) -> tuple[ModelMeta, tuple[ClassReport, ...], tuple[ClassReport, ...]]:
    """Choose the fine-tuned model's threshold on ``val_set`` (max F1), store it and the scores there in
    the file (key ``val``); returns (metadata, its reports, the init model's reports at its threshold)."""
    from forcewatch.detect.registry import load_detector
    from forcewatch.train.evaluate import best_f1_threshold, evaluate_predictions, predict_set
    from forcewatch.train.export import fresh_detector, update_metadata

    preds = predict_set(fresh_detector(model_path), val_set, score_floor=0.05)
    thr = best_f1_threshold(preds, val_set)
    reports = tuple(evaluate_predictions(preds, val_set, thr))
    init_det = load_detector(str(init_path))
    init_reports = tuple(
        evaluate_predictions(predict_set(init_det, val_set, score_floor=0.05), val_set, init_det.meta.score_threshold)
    )
    doc = {
        "data": "--val images (also chose the threshold)",
        "images": len(val_set.images),
        "threshold": thr,
        "classes": {r.class_name: {**r.to_json(), "n_detections": r.n_detections} for r in reports},
    }
    meta = update_metadata(model_path, score_threshold=thr, scores={"val": doc})
    return meta, reports, init_reports
