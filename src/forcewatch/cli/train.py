"""``forcewatch train``: train a detector on labelled imagery and export it to ONNX."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from forcewatch.cli.common import progress_bar
from forcewatch.cli.options import ClassMapOpt, DatasetArg, DatasetFormatOpt, ImageGsdOpt, SeedOpt, SplitOpt


def train_cmd(
    data: DatasetArg,
    fmt: DatasetFormatOpt,
    out: Annotated[Path, typer.Option("--out", help="Folder for checkpoints, logs and model.onnx.")],
    gsd_m: ImageGsdOpt = None,
    target_gsd_m: Annotated[
        float,
        typer.Option("--target-gsd-m", help="The model's canonical GSD: every image is resampled to it."),
    ] = 1.0,
    split: SplitOpt = None,
    val: Annotated[
        Path | None,
        typer.Option("--val", help="A separate labelled dataset (same format) that chooses the threshold."),
    ] = None,
    classes: Annotated[
        str | None,
        typer.Option("--classes", help="Comma-separated classes to learn (others are an error)."),
    ] = None,
    class_map: ClassMapOpt = None,
    iterations: Annotated[int, typer.Option(help="Optimiser steps.")] = 3000,
    batch_size: Annotated[int, typer.Option(help="Crops per step.")] = 16,
    crop_px: Annotated[int, typer.Option(help="Crop side at the model GSD.")] = 256,
    seed: SeedOpt = 0,
    width: Annotated[int, typer.Option(help="Network width (channels at stride 4); smaller is faster.")] = 32,
    max_object_m: Annotated[
        float, typer.Option("--max-object-m", help="Largest object in metres: sets the tile overlap.")
    ] = 120.0,
    military: Annotated[
        float,
        typer.Option(
            "--military",
            help="Share of crops made to look like a military vehicle park (dusty ground, repainted "
            "vehicles enlarged up to 3x, composited rows of armour and trucks); for vehicle models.",
        ),
    ] = 0.0,
    max_source_gsd_m: Annotated[
        float,
        typer.Option(
            "--max-source-gsd-m",
            help="Coarsest imagery (m/pixel) the classes can be seen in; a scan of coarser imagery "
            "records them as not observable (default: 3x the model GSD).",
        ),
    ] = 0.0,
    name: Annotated[str, typer.Option(help="Model id written into the ONNX metadata.")] = "detector",
    licence: Annotated[
        str,
        typer.Option("--licence", help="Licence of the training data (carried by the weights)."),
    ] = "unknown",
    no_resume: Annotated[bool, typer.Option("--no-resume", help="Start afresh even if a checkpoint exists.")] = False,
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
