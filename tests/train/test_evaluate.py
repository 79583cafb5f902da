from __future__ import annotations

import numpy as np
import pytest

from forcewatch.train.annotations import AnnotationSet, ImageLabels, ObjectLabel
from forcewatch.train.evaluate import (
    ImagePrediction,
    average_precision,
    best_f1_threshold,
    evaluate_predictions,
    match_image,
)


def test_ap_perfect_detector_is_one() -> None:
    assert average_precision(np.array([0.9, 0.8]), np.array([True, True]), 2) == 1.0


def test_ap_hand_computed_all_point_interpolation() -> None:
    # ranked: TP, FP, TP, FP, TP with 4 ground-truth objects
    # precision: 1, 1/2, 2/3, 2/4, 3/5; recall: .25, .25, .5, .5, .75
    # envelope at recall steps: .25 -> 1, .5 -> 2/3, .75 -> 3/5; missing .75..1 adds 0
    ap = average_precision(np.array([0.9, 0.8, 0.7, 0.6, 0.5]), np.array([1, 0, 1, 0, 1], bool), 4)
    assert ap == pytest.approx(0.25 * 1 + 0.25 * 2 / 3 + 0.25 * 3 / 5)


def test_ap_uses_the_precision_envelope_not_raw_precision() -> None:
    # FP first, then two TPs: precision 0, 1/2, 2/3 -> envelope 2/3 for recall up to 1
    ap = average_precision(np.array([0.9, 0.8, 0.7]), np.array([0, 1, 1], bool), 2)
    assert ap == pytest.approx(2 / 3)


def test_ap_order_by_score_not_by_input_order() -> None:
    ap = average_precision(np.array([0.1, 0.9]), np.array([False, True]), 1)
    assert ap == 1.0


def test_ap_no_detections_and_no_truth() -> None:
    assert average_precision(np.array([]), np.array([], bool), 3) == 0.0
    assert np.isnan(average_precision(np.array([0.5]), np.array([False]), 0))


def test_matching_each_truth_once_and_difficult_ignored() -> None:
    gt = np.array([[0, 0, 10, 10], [20, 20, 30, 30]], float)
    difficult = np.array([False, True])
    boxes = np.array([[0, 0, 10, 10], [1, 0, 10, 10], [20, 20, 30, 30], [50, 50, 60, 60]], float)
    m = match_image(boxes, np.array([0.9, 0.8, 0.7, 0.6]), gt, difficult)
    # second box duplicates the first (FP), third matches the difficult one (ignored), fourth FP
    assert m.tp.tolist() == [True, False, False]
    assert m.scores.tolist() == [0.9, 0.8, 0.6]
    assert m.n_gt == 1


def _data(counts: list[int]) -> AnnotationSet:
    from pathlib import Path

    images = []
    for i, n in enumerate(counts):
        objs = tuple(ObjectLabel("aircraft", (j * 20.0, 0.0, j * 20.0 + 10, 10.0)) for j in range(n))
        images.append(ImageLabels(Path(f"im{i}.png"), 1000, 100, objs, 0.5))
    return AnnotationSet(Path("."), "test", ("aircraft",), tuple(images))


def test_count_errors_precision_recall_f1() -> None:
    data = _data([4, 2])
    # image 0: 3 of 4 found + 1 false positive; image 1: both found
    p0 = ImagePrediction(
        "im0.png",
        np.array([[0, 0, 10, 10], [20, 0, 30, 10], [40, 0, 50, 10], [500, 50, 510, 60]], float),
        np.array([0.9, 0.9, 0.9, 0.6]),
        ("aircraft",) * 4,
    )
    p1 = ImagePrediction(
        "im1.png",
        np.array([[0, 0, 10, 10], [20, 0, 30, 10]], float),
        np.array([0.8, 0.4]),
        ("aircraft",) * 2,
    )
    (r,) = evaluate_predictions([p0, p1], data, threshold=0.5)
    assert r.precision == pytest.approx(4 / 5)  # 0.4 is below the threshold
    assert r.recall == pytest.approx(4 / 6)
    assert r.f1 == pytest.approx(2 * 0.8 * (4 / 6) / (0.8 + 4 / 6))
    # counts at 0.5: image 0 -> 4 (truth 4), image 1 -> 1 (truth 2)
    assert r.count_mae == pytest.approx((0 + 1) / 2)
    assert r.count_mape_pct == pytest.approx((0 + 50) / 2)
    # ranked: .9 T .9 T .9 T .8 T .6 F .4 T -> all TPs before the FP except the last
    assert r.ap50 == pytest.approx(4 / 6 + (1 / 6) * (5 / 6))


def test_best_threshold_separates_true_from_false() -> None:
    data = _data([2])
    pred = ImagePrediction(
        "im0.png",
        np.array([[0, 0, 10, 10], [20, 0, 30, 10], [500, 50, 510, 60]], float),
        np.array([0.8, 0.7, 0.3]),
        ("aircraft",) * 3,
    )
    thr = best_f1_threshold([pred], data)
    assert 0.3 < thr <= 0.7
