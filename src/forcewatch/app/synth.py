"""Render a labelled dataset of SYNTHETIC tent camps and vehicle parks on real imagery at its true
GSD (``forcewatch synth-camps``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from forcewatch.app.datasets import read_dataset, read_split
from forcewatch.errors import InputError
from forcewatch.synth.scenes import Background, SceneSpec, write_dataset
from forcewatch.train.readers import IMAGE_SUFFIXES


def backgrounds_from(
    source: Path, fmt: str | None, gsd_m: float | None, split: Path | None, split_key: str
) -> list[Background]:
    """The background images: a folder of images, or a labelled dataset whose objects are kept clear
    of synthetic ones; only the images of ``split``'s ``split_key`` list when a split is given."""
    names = set(read_split(split, split_key)[split_key]) if split is not None else None
    if fmt is not None:
        data = read_dataset(source, fmt, gsd_m=gsd_m)
        bgs = [Background(im.image_path, im.gsd_m or 0.0, tuple(o.box_px for o in im.objects)) for im in data.images]
    else:
        if not source.is_dir():
            raise InputError(f"{source}: not a folder. Fix: give a folder of images, or --format for a dataset.")
        bgs = [Background(p, gsd_m or 0.0) for p in sorted(source.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES]
    if names is not None:
        bgs = [b for b in bgs if b.path.name in names]
    if any(b.gsd_m <= 0 for b in bgs):
        raise InputError(f"{source}: ground sample distance unknown. Fix: give --gsd-m METRES.")
    return bgs


def synth_camps(
    source: Path,
    out: Path,
    *,
    fmt: str | None = None,
    gsd_m: float | None = None,
    split: Path | None = None,
    split_key: str = "train",
    scenes: int = 300,
    scene_px: int = 640,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[str, object], int]:
    """Render the dataset into ``out``; returns its manifest and how many backgrounds were used."""
    bgs = backgrounds_from(source, fmt, gsd_m, split, split_key)
    return write_dataset(bgs, out, scenes, seed, SceneSpec(scene_px=scene_px), progress), len(bgs)
