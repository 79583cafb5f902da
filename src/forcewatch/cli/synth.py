"""``forcewatch synth-camps``: a labelled dataset of synthetic tent camps and vehicle parks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from forcewatch.cli.common import console, progress_bar
from forcewatch.errors import InputError


def synth_camps_cmd(
    backgrounds: Annotated[Path, typer.Argument(help="Folder of real images, or a labelled dataset (see --format).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the DOTA dataset (images/, labelTxt/).")],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="Read BACKGROUNDS as a labelled dataset (airbus | coco | dota | yolo): "
            "its objects are kept clear of synthetic ones.",
        ),
    ] = None,
    gsd_m: Annotated[
        float | None, typer.Option("--gsd-m", help="The backgrounds' metres per pixel (where labels do not say).")
    ] = None,
    split: Annotated[
        Path | None, typer.Option("--split", help="JSON split file: use only the images of --split-key.")
    ] = None,
    split_key: Annotated[
        str, typer.Option("--split-key", help="Which list of --split (train, val, holdout).")
    ] = "train",
    scenes: Annotated[int, typer.Option("--scenes", help="How many scenes to render.")] = 300,
    scene_px: Annotated[int, typer.Option("--scene-px", help="Scene side in background pixels.")] = 640,
    seed: Annotated[int, typer.Option(help="Random seed (the same seed renders the same dataset).")] = 0,
) -> None:
    """Render SYNTHETIC tents and military vehicles on windows of real imagery at its true GSD."""
    from forcewatch.synth.scenes import Background, SceneSpec, write_dataset
    from forcewatch.train.readers import IMAGE_SUFFIXES, read_annotations

    names: set[str] | None = None
    if split is not None:
        doc = json.loads(split.read_text(encoding="utf-8"))
        if split_key not in doc:
            raise InputError(f"{split}: no {split_key!r} list. Fix: use --split-key with one of {', '.join(doc)}.")
        names = set(doc[split_key])
    if fmt is not None:
        data = read_annotations(backgrounds, fmt, gsd_m=gsd_m)
        bgs = [Background(im.image_path, im.gsd_m or 0.0, tuple(o.box_px for o in im.objects)) for im in data.images]
    else:
        if not backgrounds.is_dir():
            raise InputError(f"{backgrounds}: not a folder. Fix: give a folder of images, or --format for a dataset.")
        bgs = [Background(p, gsd_m or 0.0) for p in sorted(backgrounds.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES]
    if names is not None:
        bgs = [b for b in bgs if b.path.name in names]
    if any(b.gsd_m <= 0 for b in bgs):
        raise InputError(f"{backgrounds}: ground sample distance unknown. Fix: give --gsd-m METRES.")
    with progress_bar("rendering scenes") as update:
        manifest = write_dataset(bgs, out, scenes, seed, SceneSpec(scene_px=scene_px), lambda i, n: update(i, n, {}))
    console.print(f"{manifest['scenes']} SYNTHETIC scenes on {len(bgs)} backgrounds in {out}: {manifest['objects']}")


def register(app: typer.Typer) -> None:
    app.command("synth-camps")(synth_camps_cmd)
