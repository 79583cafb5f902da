"""``forcewatch train``: train a detector on labelled imagery and export it to ONNX."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from forcewatch.cli.common import parse_class_map, progress_bar


def train_cmd(
    data: Annotated[Path, typer.Argument(help="Dataset folder or annotation file.")],
    fmt: Annotated[str, typer.Option("--format", help="airbus | coco | dota | yolo")],
    out: Annotated[Path, typer.Option("--out", help="Folder for checkpoints, logs and model.onnx.")],
    gsd_m: Annotated[
        float | None,
        typer.Option("--gsd-m", help="The imagery's metres per pixel (where the labels do not say)."),
    ] = None,
    target_gsd_m: Annotated[
        float,
        typer.Option("--target-gsd-m", help="The model's canonical GSD: every image is resampled to it."),
    ] = 1.0,
    split: Annotated[
        Path | None,
        typer.Option("--split", help="JSON with 'train' (and 'val') image names; others are never used."),
    ] = None,
    val: Annotated[
        Path | None,
        typer.Option("--val", help="A separate labelled dataset (same format) that chooses the threshold."),
    ] = None,
    classes: Annotated[
        str | None,
        typer.Option("--classes", help="Comma-separated classes to learn (others are an error)."),
    ] = None,
    class_map: Annotated[
        list[str] | None, typer.Option("--class-map", help="Rename a class: FROM=TO (repeatable).")
    ] = None,
    iterations: Annotated[int, typer.Option(help="Optimiser steps.")] = 3000,
    batch_size: Annotated[int, typer.Option(help="Crops per step.")] = 16,
    crop_px: Annotated[int, typer.Option(help="Crop side at the model GSD.")] = 256,
    seed: Annotated[int, typer.Option(help="Random seed (runs are reproducible).")] = 0,
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
    """Train a centre heat-map detector (needs forcewatch[train]) and export OUT/model.onnx."""
    from forcewatch.train.annotations import AnnotationSet
    from forcewatch.train.augment import AugmentConfig
    from forcewatch.train.export import ExportInfo, export_onnx
    from forcewatch.train.loop import TrainConfig, train
    from forcewatch.train.readers import read_annotations

    def read(path: Path) -> AnnotationSet:
        return read_annotations(
            path,
            fmt,
            gsd_m=gsd_m,
            classes=classes.split(",") if classes else None,
            class_map=parse_class_map(class_map),
        )

    data_set = read(data)
    for note in data_set.notes:
        typer.echo(note)
    val_set = None
    if split is not None:
        doc = json.loads(split.read_text(encoding="utf-8"))
        train_set = data_set.subset(set(doc["train"]))
        if doc.get("val"):
            val_set = data_set.subset(set(doc["val"]))
    else:
        train_set = data_set
    if val is not None:
        val_set = read(val)
    typer.echo(f"training on {len(train_set.images)} images, {train_set.object_count} objects")
    cfg = TrainConfig(
        width=width,
        target_gsd_m=target_gsd_m,
        iterations=iterations,
        batch_size=batch_size,
        crop_px=crop_px,
        seed=seed,
        augment=AugmentConfig(military_p=military),
    )
    with progress_bar("training") as update:
        ckpt = train(train_set, out, cfg, classes=data_set.classes, resume=not no_resume, progress=update)
    model_path = export_onnx(
        ckpt,
        out / "model.onnx",
        ExportInfo(
            model_id=name,
            training_data=f"{data} ({fmt})",
            licence=licence,
            max_object_m=max_object_m,
            max_source_gsd_m=max_source_gsd_m,
        ),
        threshold_data=val_set or train_set,
    )
    typer.echo(f"model: {model_path}")


def register(app: typer.Typer) -> None:
    app.command("train")(train_cmd)
