"""Evaluate a detector on labelled images it never saw (``forcewatch evaluate``), and record the
scores in the model's card."""

from __future__ import annotations

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
        }


def _native_gsd_m(data_set: AnnotationSet) -> float | None:
    """The median GSD of the images as labelled (None where they do not say)."""
    import statistics

    gsds = [im.gsd_m for im in data_set.images if im.gsd_m]
    return round(statistics.median(gsds), 3) if gsds else None


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
    progress: Callable[[int, int], None] | None = None,
) -> Evaluation:
    """AP50, precision, recall, F1 and count errors of ``model`` on ``data`` (its ``holdout`` images
    with ``split``); with ``record``, the scores are stored in the model file under that key."""
    detector = load_detector(model)
    data_set = read_dataset(data, fmt, gsd_m=gsd_m, class_map=class_map)
    if split is not None:
        data_set = data_set.subset(set(read_split(split, "holdout")["holdout"]))
    thr = detector.meta.score_threshold if threshold is None else threshold
    preds = predict_set(
        detector, data_set, stated_gsd_m=stated_gsd_m, degrade_to_gsd_m=degrade_to_gsd_m, progress=progress
    )
    reports = evaluate_predictions(preds, data_set, thr)
    if record:
        from forcewatch.train.export import record_scores

        record_scores(
            detector.path,
            record,
            {
                "data": dataset_label(data, fmt),
                "gsd_m": degrade_to_gsd_m or _native_gsd_m(data_set),
                "images": len(data_set.images),
                "threshold": thr,
                "classes": {r.class_name: {**r.to_json(), "n_detections": r.n_detections} for r in reports},
            },
        )
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
    )
