"""``forcewatch train``: train a detector on labelled imagery, or fine-tune one (``--init``), and export
it to ONNX."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from forcewatch.cli.common import progress_bar
from forcewatch.cli.options import (
    BatchSizeOpt,
    ClassesOpt,
    ClassMapOpt,
    CropOpt,
    ImageGsdOpt,
    ImagesDirOpt,
    InitOpt,
    LicenceOpt,
    MaxSourceGsdOpt,
    MilitaryOpt,
    MinutesOpt,
    NoResumeOpt,
    SeedOpt,
    SplitOpt,
    TeacherOpt,
    TrainIterationsOpt,
    TrainMaxObjectOpt,
    TrainNameOpt,
    TrainOutOpt,
    TrainTargetGsdOpt,
    TrainWidthOpt,
    ValOpt,
    WorkspaceOpt,
)

_FROM_WORKSPACE = (
    "Build the chips from the workspace's labels (`forcewatch label import`) instead of DATA: accepted and added "
    "labels are the objects, rejected detections the hard negatives. Needs --init."
)
_CV_FOLDS = (
    "Held-out score of the fine-tuned model without --val: k-fold cross-validation with K folds (2-10), or 0 for "
    "none (default: a grouped hold-out split from 12 chips with objects, else 3-fold cross-validation)."
)
TrainDataArg = Annotated[
    Path | None, typer.Argument(help="Dataset folder or annotation file (not with --from-workspace).")
]
TrainFormatOpt = Annotated[
    str | None, typer.Option("--format", help="airbus | coco | dota | voc | yolo (of DATA and --val)")
]
FromWorkspaceOpt = Annotated[bool, typer.Option("--from-workspace", help=_FROM_WORKSPACE)]
LabelSitesOpt = Annotated[
    list[str] | None, typer.Option("--site", help="With --from-workspace: only this site's labels (repeatable).")
]
LabelDayOpt = Annotated[
    str | None, typer.Option("--date", help="With --from-workspace: only labels on scenes of this date (YYYY-MM-DD).")
]
CvFoldsOpt = Annotated[int | None, typer.Option("--cv-folds", help=_CV_FOLDS)]


def _loss_and_time_left(update: Callable[[int, int, dict[str, float]], None]) -> Callable[..., None]:
    """The training progress as the bar shows it: the loss and the minutes left (by the step rate, or
    the time budget of a fine-tune)."""

    def show(done: int, total: int, stats: dict[str, float]) -> None:
        update(done, total, {"loss": stats.get("loss", float("nan")), "min left": stats.get("eta_min", float("nan"))})

    return show


def train_cmd(
    out: TrainOutOpt,
    data: TrainDataArg = None,
    fmt: TrainFormatOpt = None,
    from_workspace: FromWorkspaceOpt = False,
    site: LabelSitesOpt = None,
    date: LabelDayOpt = None,
    workspace: WorkspaceOpt = None,
    cv_folds: CvFoldsOpt = None,
    gsd_m: ImageGsdOpt = None,
    init: InitOpt = None,
    minutes: MinutesOpt = None,
    target_gsd_m: TrainTargetGsdOpt = None,
    split: SplitOpt = None,
    val: ValOpt = None,
    classes: ClassesOpt = None,
    class_map: ClassMapOpt = None,
    iterations: TrainIterationsOpt = None,
    batch_size: BatchSizeOpt = 16,
    crop_px: CropOpt = 256,
    seed: SeedOpt = 0,
    width: TrainWidthOpt = None,
    teacher: TeacherOpt = None,
    max_object_m: TrainMaxObjectOpt = None,
    military: MilitaryOpt = 0.0,
    max_source_gsd_m: MaxSourceGsdOpt = 0.0,
    name: TrainNameOpt = None,
    licence: LicenceOpt = "unknown",
    no_resume: NoResumeOpt = False,
    images: ImagesDirOpt = None,
) -> None:
    """Train a centre heat-map detector (needs torch, the 'train' extra of forcewatch) and export OUT/model.onnx;
    with --init MODEL, fine-tune that model on a few labelled chips (DATA, or the workspace's labels with
    --from-workspace), measure it on labels held out from its training, and write OUT/MODEL.md beside it."""
    from forcewatch.app.train import TrainRequest, train_model

    req = TrainRequest(
        data=data,
        fmt=fmt,
        out=out,
        gsd_m=gsd_m,
        target_gsd_m=target_gsd_m,
        split=split,
        val=val,
        classes=classes.split(",") if classes else None,
        class_map=class_map,
        iterations=iterations,
        batch_size=batch_size,
        crop_px=crop_px,
        seed=seed,
        width=width,
        teacher=teacher,
        images=images,
        max_object_m=max_object_m,
        military=military,
        max_source_gsd_m=max_source_gsd_m,
        name=name,
        licence=licence,
        resume=not no_resume,
        init=init,
        minutes=minutes,
        from_workspace=from_workspace,
        workspace=workspace,
        sites=tuple(site or ()),
        date=date,
        cv_folds=cv_folds,
    )
    with progress_bar("fine-tuning" if init else "training") as update:
        outcome = train_model(req, on_start=typer.echo, progress=_loss_and_time_left(update))
    if outcome.card_path is not None:
        typer.echo(
            f"{outcome.steps} steps; {outcome.minutes:.1f} min of training in all; threshold {outcome.threshold:.2f} "
            f"({outcome.threshold_how})"
        )
        if outcome.held_out:
            scored = "; ".join(
                f"{c}: AP50 {r['ap50']:.2f}, precision {r['precision']:.2f}, recall {r['recall']:.2f}"
                for c, r in outcome.scores.get("finetuned", {}).items()
            )
            verdict = "validates its counts" if outcome.validates else "does NOT validate its counts"
            typer.echo(f"held out: {outcome.held_out}: {scored} (recorded as 'holdout'; {verdict})")
        else:
            typer.echo(f"no held-out score ({outcome.not_measured}): its counts stay unvalidated candidates")
        typer.echo(f"card: {outcome.card_path}")
    typer.echo(f"model: {outcome.model_path}")


def register(app: typer.Typer) -> None:
    app.command("train")(train_cmd)
