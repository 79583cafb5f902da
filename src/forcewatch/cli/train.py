"""``forcewatch train``: train a detector on labelled imagery, or fine-tune one (``--init``), and export
it to ONNX."""

from __future__ import annotations

from collections.abc import Callable

import typer

from forcewatch.cli.common import progress_bar
from forcewatch.cli.options import (
    BatchSizeOpt,
    ClassesOpt,
    ClassMapOpt,
    CropOpt,
    DatasetArg,
    DatasetFormatOpt,
    ImageGsdOpt,
    InitOpt,
    LicenceOpt,
    MaxSourceGsdOpt,
    MilitaryOpt,
    MinutesOpt,
    NoResumeOpt,
    SeedOpt,
    SplitOpt,
    TrainIterationsOpt,
    TrainMaxObjectOpt,
    TrainNameOpt,
    TrainOutOpt,
    TrainTargetGsdOpt,
    TrainWidthOpt,
    ValOpt,
)


def _loss_and_time_left(update: Callable[[int, int, dict[str, float]], None]) -> Callable[..., None]:
    """The training progress as the bar shows it: the loss and the minutes left (by the step rate, or
    the time budget of a fine-tune)."""

    def show(done: int, total: int, stats: dict[str, float]) -> None:
        update(done, total, {"loss": stats.get("loss", float("nan")), "min left": stats.get("eta_min", float("nan"))})

    return show


def train_cmd(
    data: DatasetArg,
    fmt: DatasetFormatOpt,
    out: TrainOutOpt,
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
    max_object_m: TrainMaxObjectOpt = None,
    military: MilitaryOpt = 0.0,
    max_source_gsd_m: MaxSourceGsdOpt = 0.0,
    name: TrainNameOpt = None,
    licence: LicenceOpt = "unknown",
    no_resume: NoResumeOpt = False,
) -> None:
    """Train a centre heat-map detector (needs torch, the 'train' extra of forcewatch) and export OUT/model.onnx;
    with --init MODEL, fine-tune that model on a few labelled chips and write OUT/MODEL.md beside it."""
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
        max_object_m=max_object_m,
        military=military,
        max_source_gsd_m=max_source_gsd_m,
        name=name,
        licence=licence,
        resume=not no_resume,
        init=init,
        minutes=minutes,
    )
    with progress_bar("fine-tuning" if init else "training") as update:
        outcome = train_model(req, on_start=typer.echo, progress=_loss_and_time_left(update))
    if outcome.card_path is not None:
        typer.echo(
            f"{outcome.steps} steps in {outcome.minutes:.1f} min; threshold {outcome.threshold:.2f} "
            f"({outcome.threshold_how})"
        )
        typer.echo(f"card: {outcome.card_path}")
    typer.echo(f"model: {outcome.model_path}")


def register(app: typer.Typer) -> None:
    app.command("train")(train_cmd)
