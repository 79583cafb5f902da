"""The operating threshold, calibrated for count accuracy across sensors, and the precision/recall
curve of each evaluation set. Pure: predictions and labels in, curves and a choice out.

A threshold chosen by maximum F1 on one provider's imagery is conservative elsewhere: precision stays
near 1 while recall falls, so every count is low. Here the threshold is the one that minimises the
per-image count error (mean absolute error in %, MAPE) averaged over several *sets*: the validation
images as they are and as other sensors would see them (degraded to a coarser GSD, or a simulated
Google Earth or PlanetScope look). Ties are broken by the mean F1, then by the middle of the
thresholds still tied (:func:`~forcewatch.train.crossval.threshold_of_max_f1`).

Each set is matched once, at the score floor of its predictions (:func:`score_set`); every threshold
then only counts (:func:`curve_point`). Only ``val`` sets may choose (:func:`choose_threshold`
refuses any other): hold-out sets are for reporting the chosen point.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from forcewatch.train.annotations import AnnotationSet
from forcewatch.train.crossval import threshold_of_max_f1
from forcewatch.train.evaluate import (
    ClassReport,
    ImagePrediction,
    Matched,
    _gt_arrays,
    average_precision,
    match_image,
)

#: The thresholds tried: 0.05 to 0.95 in steps of 0.01 (as :func:`~forcewatch.train.evaluate.best_f1_threshold`).
THRESHOLDS: tuple[float, ...] = tuple(k / 100 for k in range(5, 96))
#: The only split a threshold may be chosen on.
CHOOSING_SPLIT = "val"


@dataclass(frozen=True)
class ScoredSet:
    """One evaluation set for one class: its images' detections matched to the labels once.

    ``name`` is how every output names the set, and says when the imagery is SYNTHETIC (a simulated
    sensor look on real images); ``split`` is the split its images come from ("val", "holdout").
    """

    name: str
    split: str
    class_name: str
    images: tuple[Matched, ...]
    synthetic: bool = False

    @property
    def n_gt(self) -> int:
        return sum(m.n_gt for m in self.images)


@dataclass(frozen=True)
class CurvePoint:
    """A set's scores at one threshold. Count errors are per image (detections above the threshold
    against whole labelled objects); images without objects have no % error and are left out of
    ``count_mape_pct`` and ``count_bias_pct`` (NaN when no image has objects)."""

    threshold: float
    precision: float
    recall: float
    f1: float
    count_mae: float
    count_mape_pct: float
    count_bias_pct: float  # mean signed error: negative when counts are low
    detections: int

    def to_json(self) -> dict[str, object]:
        return {k: _rounded(v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Choice:
    """The chosen threshold and why: the lowest mean count MAPE over ``chosen_on``, ties broken by mean F1."""

    threshold: float
    mean_count_mape_pct: float
    mean_f1: float
    chosen_on: tuple[str, ...]  # the sets averaged
    left_out: tuple[str, ...]  # sets without labelled objects: no count error in %, no part in the choice
    tied: tuple[float, ...]  # the thresholds of the lowest mean count MAPE

    def to_json(self) -> dict[str, object]:
        return {k: (list(v) if isinstance(v, tuple) else _rounded(v)) for k, v in self.__dict__.items()}


def _rounded(v: object) -> object:
    if isinstance(v, float):
        return None if math.isnan(v) else round(v, 4)
    return v


def score_set(
    name: str,
    split: str,
    preds: Sequence[ImagePrediction],
    data: AnnotationSet,
    class_name: str,
    *,
    synthetic: bool = False,
    iou_threshold: float = 0.5,
) -> ScoredSet:
    """``preds`` (made with a low score floor) matched to ``data``'s labels of ``class_name``, image by
    image, as :func:`~forcewatch.train.evaluate.evaluate_predictions` matches them; an image without
    predictions has none."""
    by_name = {p.name: p for p in preds}
    matched = []
    for im in data.images:
        gt, difficult = _gt_arrays(im, class_name)
        pred = by_name.get(im.name)
        if pred is None:
            boxes, scores = np.zeros((0, 4)), np.zeros((0,))
        else:
            sel = np.array([c == class_name for c in pred.classes], bool)
            boxes, scores = pred.boxes[sel], pred.scores[sel]
        matched.append(match_image(boxes, scores, gt, difficult, iou_threshold))
    return ScoredSet(name, split, class_name, tuple(matched), synthetic)


def ap50(s: ScoredSet) -> float:
    """AP at the IoU of :func:`score_set` over the whole set (NaN without labelled objects)."""
    if not s.images:
        return float("nan")
    scores = np.concatenate([m.scores for m in s.images])
    tp = np.concatenate([m.tp for m in s.images])
    return average_precision(scores, tp, s.n_gt)


def curve_point(s: ScoredSet, threshold: float) -> CurvePoint:
    """Precision, recall, F1 and count errors of ``s`` at ``threshold``."""
    tp = fp = 0
    abs_err: list[int] = []
    pct_err: list[float] = []
    for m in s.images:
        above = m.scores >= threshold
        hits = int(m.tp[above].sum())
        count = int(above.sum())
        tp += hits
        fp += count - hits
        abs_err.append(abs(count - m.n_gt))
        if m.n_gt:
            pct_err.append((count - m.n_gt) / m.n_gt * 100)
    precision = tp / (tp + fp) if tp + fp else 0.0
    n_gt = s.n_gt
    recall = tp / n_gt if n_gt else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    nan = float("nan")
    return CurvePoint(
        threshold,
        precision,
        recall,
        f1,
        float(np.mean(abs_err)) if abs_err else nan,
        float(np.mean(np.abs(pct_err))) if pct_err else nan,
        float(np.mean(pct_err)) if pct_err else nan,
        tp + fp,
    )


def pr_curve(s: ScoredSet, thresholds: Sequence[float] = THRESHOLDS) -> tuple[CurvePoint, ...]:
    """The set's precision/recall curve with its count errors, one point per threshold."""
    return tuple(curve_point(s, t) for t in thresholds)


def choose_threshold(
    sets: Sequence[ScoredSet], thresholds: Sequence[float] = THRESHOLDS, *, tie_pct: float = 1e-9
) -> Choice:
    """The threshold of ``thresholds`` with the lowest count MAPE averaged over ``sets`` (each set
    weighs the same). Thresholds whose mean count MAPE lies within ``tie_pct`` of the lowest tie: the
    highest mean F1 among them wins, then the middle one of those still tied. Sets without labelled
    objects take no part (a false detection on an image without objects has no % error).

    Only :data:`CHOOSING_SPLIT` sets may choose: a hold-out set raises ``ValueError``, so that the
    scores reported on it stay unbiased.
    """
    not_val = [s.name for s in sets if s.split != CHOOSING_SPLIT]
    if not_val:
        raise ValueError(
            f"a threshold is chosen on {CHOOSING_SPLIT!r} sets only, never on {', '.join(not_val)}: "
            "report the hold-out at the chosen threshold instead"
        )
    if not thresholds:
        raise ValueError("no thresholds to choose from")
    used = [s for s in sets if s.n_gt > 0]
    if not used:
        raise ValueError("no set has labelled objects: nothing to choose a threshold on")
    points = {t: [curve_point(s, t) for s in used] for t in thresholds}
    # an image without objects has no % error; a set with objects has at least one image with a % error
    mape = {t: float(np.mean([p.count_mape_pct for p in ps])) for t, ps in points.items()}
    f1 = {t: float(np.mean([p.f1 for p in ps])) for t, ps in points.items()}
    lowest = min(mape.values())
    tied = sorted(t for t in thresholds if mape[t] <= lowest + tie_pct)
    best = threshold_of_max_f1({t: f1[t] for t in tied})
    return Choice(
        best,
        mape[best],
        f1[best],
        tuple(s.name for s in used),
        tuple(s.name for s in sets if s.n_gt == 0),
        tuple(tied),
    )


def choose_on_val(sets: Sequence[ScoredSet], thresholds: Sequence[float] = THRESHOLDS) -> Choice:
    """:func:`choose_threshold` on the :data:`CHOOSING_SPLIT` sets of ``sets``: whatever else is
    among them (the hold-out) is only reported at the choice, never part of it."""
    return choose_threshold([s for s in sets if s.split == CHOOSING_SPLIT], thresholds)


@dataclass(frozen=True)
class Fold:
    """One fold of :func:`leave_one_image_out`: the image held out, the threshold chosen without it,
    and the image's scores at that threshold."""

    held_out: str
    threshold: float
    point: CurvePoint

    def to_json(self) -> dict[str, object]:
        return {"held_out": self.held_out, "threshold": self.threshold, **self.point.to_json()}


def leave_one_image_out(
    fixed: Sequence[ScoredSet],
    grouped: ScoredSet,
    names: Sequence[str],
    thresholds: Sequence[float] = THRESHOLDS,
) -> tuple[tuple[Fold, ...], Choice]:
    """Cross-validate :func:`choose_threshold` over the images of ``grouped`` (each a whole scene or site,
    named by ``names``): each is held out in turn, the threshold chosen on ``fixed`` and the other images
    of ``grouped``, and the held-out image scored at it. Then the choice on all of them, whose scores on
    ``grouped`` are not unseen: the folds are. ``grouped`` is one set in the choice, as each of ``fixed`` is.
    """
    if len(names) != len(grouped.images) or len(grouped.images) < 2:
        raise ValueError(f"{grouped.name}: one name per image and at least two images to hold out in turn")
    as_val = replace(grouped, split=CHOOSING_SPLIT)
    folds = []
    for i, name in enumerate(names):
        rest = replace(as_val, images=tuple(m for j, m in enumerate(grouped.images) if j != i))
        choice = choose_threshold([*fixed, rest], thresholds)
        held = replace(grouped, name=name, images=(grouped.images[i],))
        folds.append(Fold(name, choice.threshold, curve_point(held, choice.threshold)))
    return tuple(folds), choose_threshold([*fixed, as_val], thresholds)


def cross_validated_report(grouped: ScoredSet, folds: Sequence[Fold]) -> ClassReport:
    """The scores of ``grouped`` with each image at its fold's threshold (:func:`leave_one_image_out`):
    precision and recall pooled over the images, count errors averaged per image, AP50 over the set
    (it needs no threshold). What a model file records as the unseen scores of a threshold chosen this way."""
    if len(folds) != len(grouped.images):
        raise ValueError(f"{grouped.name}: {len(folds)} folds for {len(grouped.images)} images")
    tp = sum(int(m.tp[m.scores >= f.threshold].sum()) for f, m in zip(folds, grouped.images, strict=True))
    dets = sum(f.point.detections for f in folds)
    n_gt = grouped.n_gt
    precision = tp / dets if dets else 0.0
    recall = tp / n_gt if n_gt else 0.0
    with_objects = [f.point.count_mape_pct for f in folds if not math.isnan(f.point.count_mape_pct)]
    return ClassReport(
        grouped.class_name,
        ap50(grouped),
        precision,
        recall,
        2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        float(np.mean([f.point.count_mae for f in folds])),
        float(np.mean(with_objects)) if with_objects else float("nan"),
        n_gt,
        len(folds),
        dets,
    )


def rethresholded_scores(
    scores: Mapping[str, Any],
    fresh: Mapping[str, Mapping[str, Any]],
    threshold: float | Callable[[float | None], float],
) -> tuple[dict[str, Any], tuple[str, ...], tuple[str, ...]]:
    """A model file's score entries for the model whose operating threshold becomes ``threshold``: one
    for every entry, or the threshold of each entry's GSD (``ModelMeta.threshold_at`` of a model with
    coarse thresholds: ``holdout@3`` is then measured at the coarse one).

    ``fresh`` maps an entry key (``holdout``, ``holdout@2`` …) to an entry measured again on the same
    data at its threshold (:func:`~forcewatch.train.export.score_entry`); it replaces the entry's
    threshold and class scores where the image counts agree (the old entry's data, GSD and validation
    status are kept). Returns the entries, the keys rescored, and the keys left *stale* (measured at
    another threshold and not measured again).
    """
    out = dict(scores)
    rescored, stale = [], []
    for key, entry in scores.items():
        if not isinstance(entry, dict) or entry.get("threshold") is None:
            continue
        gsd_m = float(entry["gsd_m"]) if entry.get("gsd_m") is not None else None
        thr = threshold(gsd_m) if callable(threshold) else threshold
        if abs(float(entry["threshold"]) - thr) < 1e-9:
            continue
        again = fresh.get(key)
        if again is not None and again.get("images") == entry.get("images"):
            out[key] = {**entry, "threshold": round(thr, 4), "classes": again["classes"]}
            rescored.append(key)
        else:
            stale.append(key)
    return out, tuple(rescored), tuple(stale)
