"""Labelled datasets as the use cases read them: a reader call with the user's options, and the
train/val/holdout split files."""

from __future__ import annotations

import json
from pathlib import Path

from forcewatch.errors import InputError
from forcewatch.train.annotations import AnnotationSet
from forcewatch.train.readers import read_annotations


def parse_class_map(pairs: list[str] | None) -> dict[str, str]:
    """``--class-map FROM=TO`` pairs as a mapping (TO may be ``-``: drop the class)."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise InputError(f"--class-map {pair!r}: expected FROM=TO, for example plane=aircraft.")
        a, b = pair.split("=", 1)
        out[a.strip()] = b.strip()
    return out


def dataset_label(path: Path, fmt: str | None = None) -> str:
    """How a dataset is named in a model's card and in every output: its folder's name (and the file's,
    for an annotation file), never a path of the machine it lay on.

    >>> dataset_label(Path("/srv/data/airbus-aircraft/annotations.csv"), "airbus")
    'airbus-aircraft/annotations.csv (airbus)'
    """
    p = Path(path)
    name = p.name if p.is_dir() or not p.suffix else f"{p.parent.name}/{p.name}"
    return f"{name} ({fmt})" if fmt else name


def read_dataset(
    path: Path,
    fmt: str,
    *,
    gsd_m: float | None = None,
    classes: list[str] | None = None,
    class_map: list[str] | None = None,
    images: Path | None = None,
) -> AnnotationSet:
    """Read a labelled dataset in one of the supported formats (its images in ``images`` when the labels
    are kept apart from them)."""
    return read_annotations(
        path, fmt, gsd_m=gsd_m, classes=classes, class_map=parse_class_map(class_map), image_dir=images
    )


def read_split(path: Path, key: str | None = None) -> dict[str, list[str]]:
    """A JSON split file (``train``, ``val``, ``holdout`` lists of image names); ``key`` must be in it."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: cannot read the split file ({exc}). Fix: give a JSON file of image lists.") from None
    if not isinstance(doc, dict):
        raise InputError(f"{path}: a split file is a JSON object of lists (train, val, holdout).")
    if key is not None and key not in doc:
        raise InputError(f"{path}: no {key!r} list. Fix: use one of {', '.join(doc)}.")
    return doc
