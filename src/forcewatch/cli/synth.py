"""``forcewatch synth-camps``: a labelled dataset of synthetic tent camps and vehicle parks."""

from __future__ import annotations

import typer

from forcewatch.cli.common import console, steps_progress
from forcewatch.cli.options import (
    BackgroundsArg,
    ImageGsdOpt,
    ScenePxOpt,
    ScenesOpt,
    SeedOpt,
    SplitKeyOpt,
    SplitOpt,
    SynthFormatOpt,
    SynthOutOpt,
)


def synth_camps_cmd(
    backgrounds: BackgroundsArg,
    out: SynthOutOpt,
    fmt: SynthFormatOpt = None,
    gsd_m: ImageGsdOpt = None,
    split: SplitOpt = None,
    split_key: SplitKeyOpt = "train",
    scenes: ScenesOpt = 300,
    scene_px: ScenePxOpt = 640,
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
