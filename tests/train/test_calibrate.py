from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from forcewatch.train.annotations import AnnotationSet, ImageLabels, ObjectLabel
from forcewatch.train.calibrate import (
    THRESHOLDS,
    ScoredSet,
    ap50,
    choose_on_val,
    choose_threshold,
    cross_validated_report,
    curve_point,
    leave_one_image_out,
    pr_curve,
    rethresholded_scores,
    score_set,
)
from forcewatch.train.evaluate import ImagePrediction, best_f1_threshold, evaluate_predictions

# one image: (number of labelled aircraft, detections as (score, hits a labelled aircraft))
Image = tuple[int, list[tuple[float, bool]]]


def _build(images: list[Image]) -> tuple[list[ImagePrediction], AnnotationSet]:
    """Labels 10 px wide in a row; a hit is the next unmatched label's box, a miss is far from all."""
    labels, preds = [], []
    for i, (n_gt, dets) in enumerate(images):
        gt = [(j * 20.0, 0.0, j * 20.0 + 10, 10.0) for j in range(n_gt)]
        labels.append(ImageLabels(Path(f"im{i}.png"), 1000, 1000, tuple(ObjectLabel("aircraft", b) for b in gt)))
        boxes, k = [], 0
        for _score, hit in sorted(dets, reverse=True):
            if hit:
                boxes.append(gt[k])
                k += 1
            else:
                boxes.append((500.0, 500.0 + len(boxes) * 20, 510.0, 510.0 + len(boxes) * 20))
        scores = np.array([s for s, _ in sorted(dets, reverse=True)])
        preds.append(ImagePrediction(f"im{i}.png", np.array(boxes).reshape(-1, 4), scores, ("aircraft",) * len(dets)))
    return preds, AnnotationSet(Path("."), "test", ("aircraft",), tuple(labels))


def _set(images: list[Image], name: str = "val, test", split: str = "val") -> ScoredSet:
    preds, data = _build(images)
    return score_set(name, split, preds, data, "aircraft")


# four aircraft per image: three found with confidence, one only at 0.4; one false alarm at 0.1
UNDERCOUNTED: list[Image] = [(4, [(0.9, True), (0.85, True), (0.8, True), (0.4, True), (0.1, False)])] * 3


def test_a_lower_threshold_fixes_undercounting() -> None:
    s = _set(UNDERCOUNTED)
    assert curve_point(s, 0.62).count_mape_pct == pytest.approx(25.0)
    assert curve_point(s, 0.62).count_bias_pct == pytest.approx(-25.0)  # low
    assert curve_point(s, 0.62).precision == 1.0
    choice = choose_threshold([s])
    # every threshold from 0.11 to 0.40 counts exactly 4; F1 is 1 on all of them: the middle one
    assert choice.tied == tuple(k / 100 for k in range(11, 41))
    assert choice.threshold == 0.25
    assert choice.mean_count_mape_pct == 0.0
    assert curve_point(s, choice.threshold).recall == 1.0
    assert curve_point(s, 0.05).count_mape_pct == pytest.approx(25.0)  # too low: the false alarm counts


def test_count_choice_differs_from_max_f1_when_false_alarms_and_misses_balance() -> None:
    # per image: 10 aircraft, 8 found at 0.9, 2 more at 0.3; 2 false alarms at 0.5.
    # F1 is highest at 0.3 or below (p 10/12, r 1), but 0.31–0.50 counts exactly 10.
    images: list[Image] = [(10, [(0.9, True)] * 8 + [(0.3, True)] * 2 + [(0.5, False)] * 2)] * 2
    s = _set(images)
    preds, data = _build(images)
    assert best_f1_threshold(preds, data) <= 0.3
    choice = choose_threshold([s])
    assert 0.31 <= choice.threshold <= 0.5
    assert curve_point(s, choice.threshold).count_mape_pct == 0.0


def test_count_ties_are_broken_by_f1() -> None:
    # A: 1 aircraft at 0.9, a false alarm at 0.8; B: a false alarm at 0.6, 1 aircraft at 0.5.
    # 0.81–0.90: A 0 %, B 100 % -> 50 % (1 TP: F1 0.67); 0.61–0.80 and 0.05–0.50: 100 %;
    # 0.51–0.60: A 100 %, B 0 % -> 50 % (1 TP, 2 FP: F1 0.4). The middle of all 20 tied would be 0.60.
    s = _set([(1, [(0.9, True), (0.8, False)]), (1, [(0.6, False), (0.5, True)])])
    choice = choose_threshold([s])
    assert choice.mean_count_mape_pct == pytest.approx(50.0)
    assert choice.tied == tuple(k / 100 for k in [*range(51, 61), *range(81, 91)])
    assert curve_point(s, 0.55).f1 == pytest.approx(0.4)
    assert choice.mean_f1 == pytest.approx(2 / 3)
    assert choice.threshold == 0.85  # the middle of 0.81–0.90


def test_sets_weigh_the_same_and_are_averaged() -> None:
    # the big set (20 images) wants 0.31-0.50, the small one (1 image) wants 0.05-0.30: a tie in the mean
    # MAPE across sets is impossible here, so the choice must be the threshold minimising the MEAN of the
    # two set MAPEs, not the pooled per-image mean
    big = _set([(2, [(0.9, True), (0.4, True), (0.2, False)])] * 20, "val, big")
    small = _set([(1, [(0.25, True)])], "val, small")
    choice = choose_threshold([big, small])
    # <=0.20: big 50 %, small 0 % -> 25; 0.21-0.25: big 0, small 0 -> 0; 0.26-0.40: big 0, small 100 -> 50
    assert choice.tied == tuple(k / 100 for k in range(21, 26))
    assert choice.chosen_on == ("val, big", "val, small")


def test_an_empty_set_takes_no_part_and_has_no_count_error() -> None:
    empty = score_set("val, empty", "val", [], AnnotationSet(Path("."), "test", ("aircraft",), ()), "aircraft")
    no_objects = _set([(0, [(0.7, False)])], "val, no aircraft")
    real = _set(UNDERCOUNTED)
    p = curve_point(empty, 0.5)
    assert (p.precision, p.recall, p.f1, p.detections) == (0.0, 0.0, 0.0, 0)
    assert math.isnan(p.count_mape_pct) and math.isnan(p.count_mae) and math.isnan(ap50(empty))
    assert math.isnan(curve_point(no_objects, 0.5).count_mape_pct)
    assert curve_point(no_objects, 0.5).count_mae == 1.0
    alone = choose_threshold([real])
    choice = choose_threshold([empty, real, no_objects])
    assert choice.threshold == alone.threshold and choice.mean_count_mape_pct == alone.mean_count_mape_pct
    assert choice.left_out == ("val, empty", "val, no aircraft")
    assert choice.chosen_on == ("val, test",)
    with pytest.raises(ValueError, match="no set has labelled objects"):
        choose_threshold([empty, no_objects])
    assert pr_curve(empty)[0].to_json()["count_mape_pct"] is None  # JSON has no NaN


def test_the_hold_out_never_chooses() -> None:
    val = _set(UNDERCOUNTED)
    # a hold-out where only the lowest thresholds count right: were it used, the choice would move
    holdout = _set([(5, [(0.9, True)] * 3 + [(0.06, True)] * 2)] * 4, "holdout, test", "holdout")
    as_val = replace(holdout, split="val")
    assert choose_threshold([val, as_val]).threshold < 0.07  # what choosing on it would do
    with pytest.raises(ValueError, match="never on holdout, test"):
        choose_threshold([val, holdout])
    mixed = choose_on_val([holdout, val])
    assert mixed == choose_threshold([val])
    assert mixed.chosen_on == ("val, test",)
    # whatever the hold-out's predictions, the choice is the same
    other = _set([(5, [(0.95, True)] * 5)] * 4, "holdout, test", "holdout")
    assert choose_on_val([val, other]) == mixed
    assert curve_point(holdout, mixed.threshold).count_mape_pct == pytest.approx(40.0)  # reported, not chosen


def test_curve_points_agree_with_evaluate_predictions() -> None:
    rng = np.random.default_rng(3)
    images: list[Image] = [
        (int(n), [(float(rng.uniform(0.05, 1)), bool(rng.random() < 0.7)) for _ in range(int(n) + 2)])
        for n in rng.integers(1, 8, size=6)
    ]
    # a hit needs an unmatched label: at most n hits per image
    images = [(n, [(sc, hit and k < n) for k, (sc, hit) in enumerate(d)]) for n, d in images]
    preds, data = _build(images)
    s = score_set("val, random", "val", preds, data, "aircraft")
    for t in (0.1, 0.37, 0.62, 0.9):
        (r,) = evaluate_predictions(preds, data, t)
        p = curve_point(s, t)
        assert (p.precision, p.recall, p.f1) == pytest.approx((r.precision, r.recall, r.f1))
        assert (p.count_mae, p.count_mape_pct, p.detections) == pytest.approx(
            (r.count_mae, r.count_mape_pct, r.n_detections)
        )
        assert ap50(s) == pytest.approx(r.ap50)
    assert [p.threshold for p in pr_curve(s)] == list(THRESHOLDS)
    recalls = [p.recall for p in pr_curve(s)]
    assert recalls == sorted(recalls, reverse=True)


def test_other_classes_are_not_counted() -> None:
    preds, data = _build([(2, [(0.9, True), (0.9, True)])])
    p = preds[0]
    extra = ImagePrediction(
        p.name,
        np.vstack([p.boxes, [[900, 900, 910, 910]]]),
        np.append(p.scores, 0.99),
        (
            *p.classes,
            "vehicle",
        ),
    )
    s = score_set("val, mixed", "val", [extra], data, "aircraft")
    assert curve_point(s, 0.5).count_mape_pct == 0.0 and curve_point(s, 0.5).precision == 1.0


def test_rethresholded_scores_replace_what_was_measured_again_and_name_the_stale() -> None:
    old_cls = {"aircraft": {"precision": 0.99, "recall": 0.8}}
    new_cls = {"aircraft": {"precision": 0.97, "recall": 0.95}}
    scores = {
        "holdout": {
            "data": "Airbus hold-out",
            "images": 15,
            "threshold": 0.62,
            "gsd_m": 0.5,
            "validates": True,
            "classes": old_cls,
        },
        "holdout@2": {"data": "degraded", "images": 15, "threshold": 0.62, "gsd_m": 2.0, "classes": old_cls},
        "holdout@3": {"data": "degraded", "images": 12, "threshold": 0.62, "gsd_m": 3.0, "classes": old_cls},
        "val": {"data": "val", "images": 7, "threshold": 0.62, "classes": old_cls},
        "already": {"data": "x", "images": 3, "threshold": 0.4, "classes": old_cls},
        "note": "not an entry",
    }
    fresh = {
        "holdout": {"data": "", "images": 15, "threshold": 0.4, "classes": new_cls},
        "holdout@2": {"data": "", "images": 15, "threshold": 0.4, "classes": new_cls},
        "holdout@3": {"data": "", "images": 15, "threshold": 0.4, "classes": new_cls},  # other images
    }
    out, rescored, stale = rethresholded_scores(scores, fresh, 0.4)
    assert rescored == ("holdout", "holdout@2")
    assert stale == ("holdout@3", "val")
    assert out["holdout"] == {**scores["holdout"], "threshold": 0.4, "classes": new_cls}  # type: ignore[dict-item]
    assert out["holdout"]["data"] == "Airbus hold-out" and out["holdout"]["validates"] is True
    assert out["holdout@3"] == scores["holdout@3"] and out["already"] == scores["already"]
    assert out["note"] == "not an entry"
    assert scores["holdout"]["threshold"] == 0.62  # type: ignore[index]  # the input is not changed


def test_rethresholded_scores_measure_coarse_entries_at_the_coarse_threshold() -> None:
    cls = {"aircraft": {"precision": 0.99, "recall": 0.8}}
    again = {"aircraft": {"precision": 0.98, "recall": 0.9}}
    scores = {
        "holdout": {"images": 15, "threshold": 0.54, "gsd_m": 0.5, "classes": cls},
        "holdout@2": {"images": 15, "threshold": 0.54, "gsd_m": 2.0, "classes": cls},
        "holdout@3": {"images": 15, "threshold": 0.54, "gsd_m": 3.0, "classes": cls},
    }
    fresh = {"holdout@3": {"images": 15, "threshold": 0.4, "classes": again}}
    meta_threshold = {None: 0.54, 0.5: 0.54, 2.0: 0.54, 3.0: 0.4}.__getitem__  # coarse from 2.5 m
    out, rescored, stale = rethresholded_scores(scores, fresh, meta_threshold)
    assert rescored == ("holdout@3",) and stale == ()
    assert out["holdout@3"]["threshold"] == 0.4 and out["holdout@3"]["classes"] == again
    assert out["holdout"] == scores["holdout"] and out["holdout@2"] == scores["holdout@2"]


def test_each_scene_held_out_in_turn_is_scored_at_the_threshold_chosen_without_it() -> None:
    # two scenes whose misses score 0.4 (any threshold 0.11-0.40 counts them), one whose misses score 0.2
    # and whose false alarms score 0.3: choosing without it keeps a threshold where it undercounts
    soft: Image = (4, [(0.9, True), (0.85, True), (0.2, True), (0.2, True), (0.3, False)])
    scenes = replace(_set([UNDERCOUNTED[0], UNDERCOUNTED[0], soft], name="planetscope", split="planetscope"))
    fixed = [_set(UNDERCOUNTED, name="val, degraded")]
    folds, final = leave_one_image_out(fixed, scenes, ["a", "b", "c"], THRESHOLDS)
    assert [f.held_out for f in folds] == ["a", "b", "c"]
    assert [f.point.count_mape_pct for f in folds[:2]] == [0.0, 0.0]
    # without c, 0.11-0.40 tie and the middle, 0.25, is chosen: c counts its two found and its false alarm
    assert folds[2].threshold == 0.25 and folds[2].point.count_bias_pct == pytest.approx(-25.0)
    assert folds[2].point.recall == 0.5 and folds[2].point.precision == pytest.approx(2 / 3)
    assert final.chosen_on == ("val, degraded", "planetscope")
    assert scenes.split == "planetscope"  # the scenes are never a val set outside the folds
    with pytest.raises(ValueError, match="at least two images"):
        leave_one_image_out(fixed, replace(scenes, images=scenes.images[:1]), ["a"])


def test_the_cross_validated_report_pools_each_scene_at_its_own_fold_threshold() -> None:
    soft: Image = (4, [(0.9, True), (0.85, True), (0.2, True), (0.2, True), (0.3, False)])
    scenes = _set([UNDERCOUNTED[0], UNDERCOUNTED[0], soft], name="planetscope", split="planetscope")
    folds, _ = leave_one_image_out([_set(UNDERCOUNTED, name="val, degraded")], scenes, ["a", "b", "c"])
    r = cross_validated_report(scenes, folds)
    # a and b: 4 of 4 at their thresholds; c: 2 found and a false alarm at 0.25
    assert (r.n_gt, r.n_images, r.n_detections) == (12, 3, 11)
    assert r.recall == pytest.approx(10 / 12) and r.precision == pytest.approx(10 / 11)
    assert r.count_mape_pct == pytest.approx(25 / 3) and r.count_mae == pytest.approx(1 / 3)
    assert r.ap50 == ap50(scenes)
    with pytest.raises(ValueError, match="2 folds for 3 images"):
        cross_validated_report(scenes, folds[:2])
