"""Train a detector on labelled imagery, or fine-tune one from a few labelled chips, and export it to
ONNX (``forcewatch train``; needs the ``train`` extra: torch)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from forcewatch.app.datasets import dataset_label, read_dataset, read_split
from forcewatch.app.evaluate import native_gsd_m, synthetic_note
from forcewatch.detect import registry
from forcewatch.errors import InputError
from forcewatch.train.annotations import AnnotationSet
from forcewatch.train.crossval import MAX_FOLDS, Fold, HoldoutPlan, init_does_better
from forcewatch.train.evaluate import ImagePrediction
from forcewatch.train.loop import RunState, TrainConfig

#: From-scratch defaults of the options that a fine-tune takes from its init model instead.
SCRATCH_TARGET_GSD_M = 1.0
SCRATCH_ITERATIONS = 3000
SCRATCH_WIDTH = 32
SCRATCH_MAX_OBJECT_M = 120.0
SCRATCH_NAME = "detector"
#: Up to this many images, a dataset's held-out split matches them by features to keep a place together.
MAX_PLACE_MATCH = 60

Progress = Callable[[int, int, dict[str, float]], None]


@dataclass(frozen=True)
class TrainRequest:
    """What to train on and how: the options of ``forcewatch train``.

    ``None`` means the default: from scratch the ``SCRATCH_*`` values; with ``init`` (a bundled
    model's name or a ForceWatch ``.onnx``) the init model's GSD, width and overlap, and the
    fine-tune's step count and time budget (``minutes``, for the whole run: the fold models of a
    cross-validation included). ``from_workspace`` builds the chips from the labels of the workspace
    (of ``sites``, on ``date``) instead of reading ``data``.
    """

    out: Path
    data: Path | None = None
    fmt: str | None = None
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
    from_workspace: bool = False  # the chips are built from the workspace's labels (then no data)
    workspace: Path | None = None
    sites: tuple[str, ...] = ()
    date: str | None = None
    cv_folds: int | None = None  # held-out score: None chooses, 0 none, k ≥ 2 k-fold cross-validation
    teacher: str | None = None  # distil: also learn this model's heat-maps (a bundled name or an .onnx)
    images: Path | None = None  # the folder of DATA's images, when the labels file is kept apart from them


@dataclass(frozen=True)
class TrainOutcome:
    model_path: Path
    images: int
    objects: int
    notes: tuple[str, ...]
    card_path: Path | None = None
    steps: int = 0  # of the shipped model
    minutes: float = 0.0  # of training, every run (the fold models of a cross-validation too)
    threshold: float | None = None
    threshold_how: str = ""
    scores: dict[str, dict[str, dict[str, object]]] = field(default_factory=dict)  # model → class → scores
    held_out: str = ""  # how the held-out score was measured ("" : not measured)
    validates: bool = False  # whether that score validates the model's counts
    not_measured: str = ""  # why there is no held-out score


def train_model(
    req: TrainRequest,
    *,
    on_start: Callable[[str], None] | None = None,
    progress: Progress | None = None,
) -> TrainOutcome:
    """Read the data (and its split), train (from ``req.init`` when given: :func:`finetune_model`),
    choose the threshold on the validation images (or the training ones) and export ``OUT/model.onnx``
    with its metadata."""
    _check_sources(req)
    if req.init is not None and req.teacher is not None:
        raise InputError("--teacher distils into a new net trained from scratch. Fix: drop --init or --teacher.")
    if req.init is not None:
        return finetune_model(req, on_start=on_start, progress=progress)
    if req.minutes is not None:
        raise InputError("--minutes is the time budget of a fine-tune. Fix: give --init MODEL, or use --iterations.")
    if req.cv_folds is not None:
        raise InputError("--cv-folds measures a fine-tune's held-out score. Fix: give --init MODEL, or drop it.")
    # a bundled model teaches from the float file its INT8 copy was made from (the network's own outputs)
    teacher = "" if req.teacher is None else str(registry.float_model_path(req.teacher))
    from forcewatch.train.augment import AugmentConfig
    from forcewatch.train.export import ExportInfo, export_onnx
    from forcewatch.train.loop import train

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
        teacher=teacher,
    )
    ckpt = train(train_set, req.out, cfg, classes=data_set.classes, resume=req.resume, progress=progress)
    model_path = export_onnx(
        ckpt,
        req.out / "model.onnx",
        ExportInfo(
            model_id=req.name or SCRATCH_NAME,
            training_data=dataset_label(data_set.source, data_set.format),
            licence=req.licence,
            max_object_m=req.max_object_m or SCRATCH_MAX_OBJECT_M,
            max_source_gsd_m=req.max_source_gsd_m,
        ),
        threshold_data=val_set or train_set,
    )
    return TrainOutcome(model_path, len(train_set.images), train_set.object_count, tuple(data_set.notes))


def _read_sets(
    req: TrainRequest, classes: list[str] | None, *, with_val: bool = True
) -> tuple[AnnotationSet, AnnotationSet, AnnotationSet | None]:
    """(everything read, the training images, the validation images or None) from the data, split and
    (``with_val``) --val."""

    assert req.data is not None and req.fmt is not None

    def read(path: Path) -> AnnotationSet:
        assert req.fmt is not None
        return read_dataset(path, req.fmt, gsd_m=req.gsd_m, classes=classes, class_map=req.class_map, images=req.images)

    data_set = read(req.data)
    val_set = None
    train_set = data_set
    if req.split is not None:
        doc = read_split(req.split, "train")
        train_set = data_set.subset(set(doc["train"]))
        if doc.get("val"):
            val_set = data_set.subset(set(doc["val"]))
    if req.val is not None and with_val:
        val_set = read(req.val)
    return data_set, train_set, val_set


def _check_sources(req: TrainRequest) -> None:
    """DATA with --format, or --from-workspace (with --init): a clear error for any other combination."""
    if req.from_workspace:
        if req.data is not None:
            raise InputError(
                f"{req.data}: --from-workspace builds the chips from the workspace's labels. Fix: drop DATA, "
                "or drop --from-workspace."
            )
        if req.init is None:
            raise InputError(
                "--from-workspace fine-tunes a model on the workspace's labels. Fix: give --init MODEL "
                "(vehicle, tent, aircraft, or a ForceWatch .onnx)."
            )
        if req.split is not None:
            raise InputError("--split names images of DATA. Fix: drop it with --from-workspace.")
        if req.fmt is not None and req.val is None:
            raise InputError("--format is the format of DATA (or of --val). Fix: drop it with --from-workspace.")
        return
    if req.sites or req.date:
        raise InputError("--site and --date choose the workspace's labels. Fix: add --from-workspace, or drop them.")
    if req.data is None:
        raise InputError("no training data. Fix: give DATA with --format, or --from-workspace with --init MODEL.")
    if req.fmt is None:
        raise InputError(f"{req.data}: --format is missing. Fix: add --format yolo|coco|dota|voc|airbus.")


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
    if req.cv_folds is not None and req.cv_folds != 0 and not 2 <= req.cv_folds <= MAX_FOLDS:
        raise InputError(f"--cv-folds {req.cv_folds}: use 0 (no held-out score) or 2 to {MAX_FOLDS}.")
    if req.cv_folds and req.val is not None:
        raise InputError(
            "--cv-folds with --val: the --val images already give the held-out score. Fix: drop one of them."
        )


@dataclass(frozen=True)
class FinetuneData:
    """What a fine-tune learns from, and what its held-out score needs to know about it."""

    data_set: AnnotationSet  # everything read
    train_set: AnnotationSet  # what the shipped model may learn from
    val_set: AnnotationSet | None
    label: str  # how the card and the model file name the data (never a local path)
    name: str  # what the default model id is named after
    unit: str  # "chip" or "image"
    source_gsd_m: dict[str, float]  # image name → GSD of the imagery it came from
    synthetic: str | None  # why the data is synthetic (its score then validates nothing), or None
    scene_of: dict[str, str] = field(default_factory=dict)  # chip → its scene (workspace chips)
    val_label: str = ""
    val_synthetic: str | None = None


def read_finetune_data(req: TrainRequest, classes: list[str], model_gsd_m: float, model_id: str) -> FinetuneData:
    """The fine-tune's data: DATA (and its split), or chips built from the workspace's labels; and --val."""
    from forcewatch.train.finetune import data_name

    val_set, val_label, val_synthetic = None, "", None
    if req.val is not None:
        if req.fmt is None:
            raise InputError(f"--val {req.val}: its --format is missing. Fix: add --format yolo|coco|dota|voc|airbus.")
        val_set = read_dataset(req.val, req.fmt, gsd_m=req.gsd_m, classes=classes, class_map=req.class_map)
        val_label, val_synthetic = dataset_label(req.val, req.fmt), synthetic_note(req.val)
    if req.from_workspace:
        from forcewatch.app.label_chips import workspace_chips
        from forcewatch.app.workspace import open_workspace

        with open_workspace(req.workspace) as store:
            chips = workspace_chips(
                store,
                req.out / "chips",
                classes=classes,
                model_gsd_m=model_gsd_m,
                model_id=model_id,
                sites=req.sites,
                date=req.date,
                only_classes=bool(req.classes),
            )
        return FinetuneData(
            chips.data, chips.data, val_set, chips.label, chips.name, "chip", chips.source_gsd_m, chips.synthetic,
            chips.scene_of, val_label, val_synthetic,
        )  # fmt: skip
    assert req.data is not None and req.fmt is not None
    data_set, train_set, split_val = _read_sets(req, classes, with_val=False)
    label = dataset_label(req.data, req.fmt)
    synthetic = synthetic_note(req.data)
    if val_set is None and split_val is not None:
        val_set, val_label, val_synthetic = split_val, f"{label}, split 'val'", synthetic
    return FinetuneData(
        data_set,
        train_set,
        val_set,
        label,
        data_name(req.data),
        "image",
        {im.name: im.gsd_m for im in data_set.images if im.gsd_m},
        synthetic,
        {},
        val_label,
        val_synthetic,
    )


def _groupings(fd: FinetuneData) -> list[tuple[str, dict[str, str]]]:
    """How the held-out split keeps images together: workspace chips by scene; a dataset's images by
    place (images that share features: the same place on other dates, or overlapping chips)."""
    if fd.scene_of:
        return [("scene", fd.scene_of)]
    images = fd.train_set.images
    if len(images) > MAX_PLACE_MATCH:
        return []
    from forcewatch.train.splits import group_by_site

    groups = group_by_site([im.image_path for im in images])
    place = {p.name: f"place {i}" for i, g in enumerate(groups) for p in g}
    return [("place", {im.name: place[im.name] for im in images})]


def _source_gsd_m(fd: FinetuneData, names: list[str]) -> float | None:
    import statistics

    gsds = [fd.source_gsd_m[n] for n in names if n in fd.source_gsd_m]
    return round(statistics.median(gsds), 4) if gsds else None


def _with_later(progress: Progress | None, later_minutes: list[float]) -> Progress | None:
    """The progress of one training run, its minutes left counting the runs still to come
    (``later_minutes[0]``, updated between runs)."""
    if progress is None:
        return None
    shown = progress

    def show(done: int, total: int, stats: dict[str, float]) -> None:
        shown(done, total, {**stats, "eta_min": stats.get("eta_min", 0.0) + later_minutes[0]})

    return show


def finetune_model(
    req: TrainRequest,
    *,
    on_start: Callable[[str], None] | None = None,
    progress: Progress | None = None,
) -> TrainOutcome:
    """Fine-tune ``req.init`` on the data (or the workspace's labels): write ``OUT/model.onnx`` (the init
    model's classes, GSD, normalisation and tiling) with its score on labels held out from its training
    (``--val``, a grouped hold-out split, or k-fold cross-validation: :mod:`forcewatch.train.crossval`)
    recorded under ``holdout``, and its card ``OUT/MODEL.md``. ``req.minutes`` bounds the whole run."""
    from forcewatch.train import finetune as ft
    from forcewatch.train.card import FinetuneSummary, finetune_card
    from forcewatch.train.crossval import plan_holdout, run_minutes

    say = on_start or (lambda _msg: None)
    assert req.init is not None
    init = ft.load_init(req.init)
    init_id = init.meta.model_id
    _check_kept_options(req, init.meta.gsd_m, init.width, init_id)
    if req.classes and not set(req.classes) <= set(init.meta.classes):
        raise InputError(
            f"--classes {','.join(req.classes)}: {init_id} has classes {', '.join(init.meta.classes)}, and a "
            "fine-tune keeps them. Fix: drop --classes, or map the data's classes with --class-map FROM=TO."
        )
    fd = read_finetune_data(req, list(req.classes or init.meta.classes), init.meta.gsd_m, init_id)
    if not fd.train_set.object_count:
        raise InputError(
            f"{req.data or 'the workspace labels'}: no labelled objects of {', '.join(init.meta.classes)}. "
            "Fix: label some, or map the data's class names with --class-map FROM=TO."
        )
    for note in fd.data_set.notes:
        say(note)
    plan = None
    if fd.val_set is None:
        objects = {im.name: len(im.objects) for im in fd.train_set.images}
        plan = plan_holdout(objects, _groupings(fd), folds=req.cv_folds, unit=fd.unit)
    cv = plan is not None and plan.kind == "cross-validation"
    total = req.minutes if req.minutes is not None else ft.DEFAULT_MINUTES
    runs = len(plan.folds) + 1 if plan is not None and cv else 1
    minutes = run_minutes(total, runs)
    shipped_set = fd.train_set if plan is None or cv else fd.train_set.subset(set(plan.folds[0].train))
    cfg = ft.finetune_config(
        init,
        iterations=req.iterations or ft.DEFAULT_ITERATIONS,
        minutes=minutes,
        batch_size=req.batch_size,
        crop_px=req.crop_px,
        seed=req.seed,
    )

    empty = sum(not im.objects for im in shipped_set.images)
    labelled = {o.class_name for im in fd.train_set.images for o in im.objects}
    unlabelled = tuple(c for c in init.meta.classes if c not in labelled)
    say(
        f"fine-tuning {init.cited} on {len(fd.train_set.images)} chips "
        f"({sum(not im.objects for im in fd.train_set.images)} without objects), {fd.train_set.object_count} "
        f"objects; time budget {total:g} minutes for the whole run"
    )
    if unlabelled:
        say(f"the data labels no {', '.join(unlabelled)}: those classes are learnt as absent from it")
    not_measured = _not_measured(req, fd, plan)
    budget = f"{total:g} minutes in all: the shipped model at most {minutes:g} minutes"
    if plan is not None and cv:
        budget = (
            f"{total:g} minutes in all, shared by {runs} runs of the same recipe: {len(plan.folds)} fold models for "
            f"the held-out score ({plan.method}), the first one's {minutes:g} minutes setting the step count of "
            "all, then the shipped model on every chip"
        )
    elif plan is not None:
        budget += f", trained on {len(shipped_set.images)} chips; {plan.held_images} held out ({plan.method})"
    elif not_measured:
        say(f"no held-out score: {not_measured}")
    say(f"time budget: {budget}")

    oof: list[ImagePrediction] = []
    fold_runs: list[RunState] = []
    later = [0.0]  # minutes of the runs after the current one
    shown = _with_later(progress, later)
    if plan is not None and cv:

        def on_fold(i: int, fold: Fold) -> None:
            later[0] = (runs - 2 - i) * minutes
            say(f"fold {i + 1}/{len(plan.folds)}: fine-tuning on {len(fold.train)} chips, scoring {len(fold.held)}")

        oof, fold_runs, cfg = ft.out_of_fold_predictions(
            init,
            fd.train_set,
            plan.folds,
            req.out / "cv",
            cfg,
            resume=req.resume,
            progress=shown,
            on_fold=on_fold,
        )
        later[0] = 0.0
        say(f"the shipped model: fine-tuning on all {len(fd.train_set.images)} chips")
    label = fd.label
    meta = ft.finetuned_meta(
        init,
        model_id=req.name or ft.default_model_id(init, fd.name),
        training_data=ft.finetuned_training_data(label, len(shipped_set.images), shipped_set.object_count, init),
        licence=ft.combined_licence(init.meta.licence, req.licence),
        overlap_px=None if req.max_object_m is None else int(math.ceil(req.max_object_m / init.meta.gsd_m / 32) * 32),
        max_source_gsd_m=req.max_source_gsd_m or None,
    )
    cfg = ft.for_data(cfg, shipped_set)
    model_path, state = ft.finetune_run(init, shipped_set, req.out, cfg, meta, resume=req.resume, progress=shown)
    held = None
    how = f"kept from {init_id}: nothing was held out to choose it on"
    if fd.val_set is not None and fd.val_set.images:
        method = "--val images, held out from training (they also chose the threshold)"
        held = ft.score_held_out(
            model_path, init, fd.val_set, None, kind="val", method=method, data_label=fd.val_label,
            gsd_m=native_gsd_m(fd.val_set), synthetic=fd.val_synthetic,
        )  # fmt: skip
        how = f"maximum F1 on {len(fd.val_set.images)} --val images"
    elif plan is not None:
        held_set = fd.train_set if cv else fd.train_set.subset(set(plan.folds[0].held))
        held = ft.score_held_out(
            model_path, init, held_set, oof if cv else None, kind=plan.kind, method=plan.method, data_label=fd.label,
            gsd_m=_source_gsd_m(fd, [im.name for im in held_set.images]), synthetic=fd.synthetic,
            fold_steps=cfg.iterations,
        )  # fmt: skip
        on = "the out-of-fold predictions" if cv else f"the {len(held_set.images)} held-out chips"
        how = f"maximum F1 on {on}"
    if held is not None:
        how += f" ({init_id} reads imagery like it at {init.meta.threshold_at(held.gsd_m):.2f})"
        meta = ft.record_held_out(model_path, held)
        if init_does_better(held):
            say(f"on the held-out chips {init_id} scores a higher AP50: these labels did not improve on it")
    summary = FinetuneSummary(
        meta=meta,
        init=init,
        data_label=label,
        images=len(shipped_set.images),
        empty_images=empty,
        objects=shipped_set.object_count,
        config=cfg,
        steps=state.iterations_done,
        minutes=state.elapsed_s / 60,
        stopped_on_time=state.stopped_on_time,
        threshold_how=how,
        held_out=held,
        not_measured=not_measured,
        budget=budget,
        unlabelled_classes=unlabelled,
    )
    card = req.out / "MODEL.md"
    card.write_text(finetune_card(summary), encoding="utf-8")
    return TrainOutcome(
        model_path,
        len(shipped_set.images),
        shipped_set.object_count,
        tuple(fd.data_set.notes),
        card_path=card,
        steps=state.iterations_done,
        minutes=state.elapsed_s / 60 + sum(r.elapsed_s for r in fold_runs) / 60,
        threshold=meta.score_threshold,
        threshold_how=how,
        scores={
            "finetuned": {r.class_name: r.to_json() for r in held.scores},
            "init": {r.class_name: r.to_json() for r in held.init_scores},
        }
        if held is not None
        else {},
        held_out=held.method if held is not None else "",
        validates=held is not None and held.validates,
        not_measured=not_measured,
    )


def _not_measured(req: TrainRequest, fd: FinetuneData, plan: HoldoutPlan | None) -> str:
    """Why no held-out score will be measured ("" when one will)."""
    if fd.val_set is not None or plan is not None:
        return ""
    if req.cv_folds == 0:
        return "--cv-folds 0 turned it off"
    with_objects = sum(1 for im in fd.train_set.images if im.objects)
    return f"only {with_objects} chip has objects, and cross-validation needs 2 or more"
