"""``forcewatch train``: train a detector on labelled imagery and export it to ONNX."""

from __future__ import annotations

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
    IterationsOpt,
    LicenceOpt,
    MaxObjectOpt,
    MaxSourceGsdOpt,
    MilitaryOpt,
    NameOpt,
    NoResumeOpt,
    SeedOpt,
    SplitOpt,
    TargetGsdOpt,
    TrainOutOpt,
    ValOpt,
    WidthOpt,
)


def train_cmd(
    data: DatasetArg,
    fmt: DatasetFormatOpt,
    out: TrainOutOpt,
    gsd_m: ImageGsdOpt = None,
    target_gsd_m: TargetGsdOpt = 1.0,
    split: SplitOpt = None,
    val: ValOpt = None,
    classes: ClassesOpt = None,
    class_map: ClassMapOpt = None,
    iterations: IterationsOpt = 3000,
    batch_size: BatchSizeOpt = 16,
    crop_px: CropOpt = 256,
    seed: SeedOpt = 0,
    width: WidthOpt = 32,
    max_object_m: MaxObjectOpt = 120.0,
    military: MilitaryOpt = 0.0,
    max_source_gsd_m: MaxSourceGsdOpt = 0.0,
    name: NameOpt = "detector",
    licence: LicenceOpt = "unknown",
    no_resume: NoResumeOpt = False,
) -> None:
    """Train a centre heat-map detector (needs torch, the 'train' extra of forcewatch) and export OUT/model.onnx."""
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
    )
    with progress_bar("training") as update:
        outcome = train_model(req, on_start=typer.echo, progress=update)
    typer.echo(f"model: {outcome.model_path}")


def register(app: typer.Typer) -> None:
    app.command("train")(train_cmd)
