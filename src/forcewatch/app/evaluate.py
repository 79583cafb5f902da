"""Evaluate a detector on labelled images it never saw (``forcewatch evaluate``), and record the
scores in the model's card."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from forcewatch.app.datasets import dataset_label, read_dataset, read_split
from forcewatch.detect.registry import load_detector
from forcewatch.train.annotations import AnnotationSet
from forcewatch.train.evaluate import ClassReport, evaluate_predictions, predict_set


@dataclass(frozen=True)
class Evaluation:
    data: Path
    fmt: str
    images: int
    model_id: str
    threshold: float
    degrade_to_gsd_m: float | None
    stated_gsd_m: float | None
    merged_duplicate_labels: int
    notes: tuple[str, ...]
    classes: tuple[ClassReport, ...]
    recorded: dict[str, object] | None = None  # the score entry written into the model file (--record)

    def to_json(self) -> dict[str, object]:
        return {
            "data": str(self.data),
            "format": self.fmt,
            "images": self.images,
            "model": self.model_id,
            "threshold": self.threshold,
            "degrade_to_gsd_m": self.degrade_to_gsd_m,
            "stated_gsd_m": self.stated_gsd_m,
            "merged_duplicate_labels": self.merged_duplicate_labels,
            "classes": [r.to_json() for r in self.classes],
            **({"recorded": self.recorded} if self.recorded else {}),
        }


def native_gsd_m(data_set: AnnotationSet) -> float | None:
    """The median GSD of the images as labelled (None where they do not say)."""
    import statistics

    gsds = [im.gsd_m for im in data_set.images if im.gsd_m]
    return round(statistics.median(gsds), 3) if gsds else None


#: How ForceWatch marks what it rendered: DOTA label lines, the synth-camps manifest, GeoTIFF tags.
SYNTHETIC_MARK = "SYNTHETIC"


def synthetic_note(data: Path) -> str | None:
    """Why a labelled dataset is synthetic (what ``forcewatch synth-camps`` and the demo write says so), or
    None: a ``manifest.json`` beside it or one folder up whose note says SYNTHETIC, or DOTA label files
    whose ``imagesource`` line does."""
    folder = data if data.is_dir() else data.parent
    for manifest in (folder / "manifest.json", folder.parent / "manifest.json"):
        try:
            note = json.loads(manifest.read_text(encoding="utf-8")).get("note", "")
        except (OSError, ValueError, AttributeError):
            continue
        if SYNTHETIC_MARK in str(note):
            return f"the data is SYNTHETIC ({manifest.parent.name}/manifest.json: {note})"
    for txt in sorted((folder / "labelTxt").glob("*.txt"))[:5] if (folder / "labelTxt").is_dir() else []:
        first = txt.read_text(encoding="utf-8", errors="replace").lstrip().split("\n", 1)[0]
        if first.lower().startswith("imagesource") and SYNTHETIC_MARK in first:
            return f"the data is SYNTHETIC ({txt.parent.name}/{txt.name}: {first.strip()})"
    return None


def evaluate_model(
    data: Path,
    fmt: str,
    model: str | None = None,
    *,
    gsd_m: float | None = None,
    split: Path | None = None,
    degrade_to_gsd_m: float | None = None,
    stated_gsd_m: float | None = None,
    threshold: float | None = None,
    class_map: list[str] | None = None,
    record: str | None = None,
    stand_in: bool = False,
    images: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Evaluation:
    """AP50, precision, recall, F1 and count errors of ``model`` on ``data`` (its ``holdout`` images
    with ``split``); with ``record``, the scores are stored in the model file under that key, marked as
    validating the model's counts unless the data is SYNTHETIC (:func:`synthetic_note`) or ``stand_in``
    (its objects stand in for the class: civilian cars scored for a military vehicle model). ``images`` is
    the folder of the images when the labels file is kept apart from them."""
    detector = load_detector(model)
    data_set = read_dataset(data, fmt, gsd_m=gsd_m, class_map=class_map, images=images)
    if split is not None:
        data_set = data_set.subset(set(read_split(split, "holdout")["holdout"]))
    told_gsd_m = stated_gsd_m or degrade_to_gsd_m or native_gsd_m(data_set)  # what the detector reads them as
    thr = detector.meta.threshold_at(told_gsd_m) if threshold is None else threshold
    preds = predict_set(
        detector, data_set, stated_gsd_m=stated_gsd_m, degrade_to_gsd_m=degrade_to_gsd_m, progress=progress
    )
    reports = evaluate_predictions(preds, data_set, thr)
    entry = None
    if record:
        from forcewatch.train.export import record_scores, score_entry

        why_not = "the objects stand in for the class (--stand-in-objects)" if stand_in else synthetic_note(data)
        entry = score_entry(
            reports,
            data=dataset_label(data, fmt)
            + (", its split's holdout images" if split is not None else "")
            + (f", degraded to {degrade_to_gsd_m:g} m" if degrade_to_gsd_m else ""),
            images=len(data_set.images),
            threshold=thr,
            gsd_m=degrade_to_gsd_m or native_gsd_m(data_set),
            validates=why_not is None,
            not_validating=why_not,
        )
        record_scores(detector.path, record, entry)
    return Evaluation(
        data,
        fmt,
        len(data_set.images),
        detector.model_id,
        thr,
        degrade_to_gsd_m,
        stated_gsd_m,
        data_set.merged_duplicates,
        tuple(data_set.notes),
        tuple(reports),
        entry,
    )
