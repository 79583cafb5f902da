"""``forcewatch synth-camps``: a labelled dataset of synthetic tent camps and vehicle parks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from forcewatch.cli.common import console, steps_progress
from forcewatch.cli.options import ImageGsdOpt, SeedOpt


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
    gsd_m: ImageGsdOpt = None,
    split: Annotated[
        Path | None, typer.Option("--split", help="JSON split file: use only the images of --split-key.")
    ] = None,
    split_key: Annotated[
        str, typer.Option("--split-key", help="Which list of --split (train, val, holdout).")
    ] = "train",
    scenes: Annotated[int, typer.Option("--scenes", help="How many scenes to render.")] = 300,
    scene_px: Annotated[int, typer.Option("--scene-px", help="Scene side in background pixels.")] = 640,
    seed: SeedOpt = 0,
) -> None:
    """Render SYNTHETIC tents and military vehicles on windows of real imagery at its true GSD."""
    from forcewatch.app.synth import synth_camps

    with steps_progress("rendering scenes") as progress:
        manifest, n_backgrounds = synth_camps(
            backgrounds,
            out,
            fmt=fmt,
            gsd_m=gsd_m,
            split=split,
            split_key=split_key,
            scenes=scenes,
            scene_px=scene_px,
            seed=seed,
            progress=progress,
        )
    console.print(
        f"{manifest['scenes']} SYNTHETIC scenes on {n_backgrounds} backgrounds in {out}: {manifest['objects']}"
    )


def register(app: typer.Typer) -> None:
    app.command("synth-camps")(synth_camps_cmd)
