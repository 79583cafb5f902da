"""Across models: a small detection of another class inside a much larger one is a part of it."""

from __future__ import annotations

import numpy as np
import pytest

from forcewatch.detect.merge import drop_parts, in_core, nms
from forcewatch.imagery.tiles import Tile
from forcewatch.model import Detection


def _d(cls: str, box: tuple[float, float, float, float]) -> Detection:
    return Detection(cls, 0.9, box, 0.0, 0.0, "")


def test_a_vehicle_on_a_wing_is_dropped_one_beside_the_aircraft_is_kept() -> None:
    aircraft = _d("aircraft", (100, 100, 200, 200))
    on_wing = _d("vehicle", (110, 150, 120, 156))
    half_out = _d("vehicle", (195, 150, 207, 156))  # a tug at the wing tip: mostly outside
    apart = _d("vehicle", (300, 300, 310, 306))
    kept = drop_parts([on_wing, half_out, apart], [aircraft])
    assert kept == [half_out, apart]


def test_same_class_and_similar_sizes_are_left_alone() -> None:
    big_tent = _d("tent", (0, 0, 24, 12))
    small_tent = _d("tent", (2, 2, 8, 6))  # same class: the seam NMS decides, not this
    car_on_tent = _d("vehicle", (4, 4, 14, 10))  # 60 px² inside 288 px² (4.8×): a part of the tent
    truck = _d("vehicle", (14, 0, 34, 10))  # about the tent's size, half on it: not a part
    kept = drop_parts([small_tent, car_on_tent, truck], [big_tent])
    assert kept == [small_tent, truck]


def test_nothing_to_compare_with() -> None:
    only = [_d("vehicle", (0, 0, 5, 5))]
    assert drop_parts(only) == only and drop_parts([], only) == []


def test_the_same_object_found_by_an_earlier_model_keeps_that_class() -> None:
    tent = _d("tent", (0, 0, 20, 10))  # found by the tent model, run first
    vehicle_on_tent = _d("vehicle", (1, 0, 21, 11))  # the vehicle model on the same tent
    truck_beside = _d("vehicle", (30, 0, 50, 8))
    assert drop_parts([vehicle_on_tent, truck_beside], [tent]) == [truck_beside]
    # within one model's own detections the class is not second-guessed
    assert drop_parts([tent, vehicle_on_tent]) == [tent, vehicle_on_tent]


# -- tile cores ----------------------------------------------------------------------------------

CORE_TILE = Tile(0, 0, 100, 100, (10.0, 20.0, 30.0, 40.0))  # x from 10 to 30, y from 20 to 40


def _boxes_around(centres: list[tuple[float, float]], w: float, h: float) -> np.ndarray:
    return np.array([(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2) for cx, cy in centres], np.float64)


def test_in_core_is_half_open_at_the_exact_edges() -> None:
    """A centre on the core's left or top edge is in, on its right or bottom edge is out (the next
    tile owns it): every centre is owned once."""
    centres = [(10.0, 20.0), (30.0, 30.0), (20.0, 40.0), (29.5, 39.5), (9.5, 30.0), (20.0, 19.5), (35.0, 30.0)]
    got = in_core(_boxes_around(centres, 6.0, 3.0), CORE_TILE)
    assert got.tolist() == [True, False, False, True, False, False, False]


def test_in_core_matches_the_definition_on_every_edge() -> None:
    """Centres on, just inside and just outside each edge, in boxes of several shapes (x and y
    ranges differ, so a swapped axis or coordinate is seen)."""
    xs = [5.0, 9.5, 10.0, 10.5, 20.0, 29.5, 30.0, 30.5, 45.0]
    ys = [15.0, 19.5, 20.0, 20.5, 30.0, 39.5, 40.0, 40.5, 50.0]
    centres = [(x, y) for x in xs for y in ys]
    for w, h in [(2.0, 3.0), (7.0, 11.0), (1.0, 40.0)]:
        got = in_core(_boxes_around(centres, w, h), CORE_TILE)
        want = [10.0 <= x < 30.0 and 20.0 <= y < 40.0 for x, y in centres]
        assert got.tolist() == want


# -- non-maximum suppression ---------------------------------------------------------------------


def _suppressed(a: list[float], b: list[float], iou: float, dtype: type = np.float32) -> bool:
    """Whether NMS at ``iou`` drops ``b`` (scored lower) for ``a`` (boxes in float32, as detectors give)."""
    boxes = np.array([a, b], dtype)
    keep = nms(boxes, np.array([0.9, 0.8], np.float32), np.array([0, 0]), iou)
    return keep.tolist() == [0]


@pytest.mark.parametrize(
    ("a", "b", "iou"),
    [
        ([0, 0, 10, 10], [5, 2, 15, 12], 40 / 160),  # 5 × 8 inside, 100 + 100 - 40 in all
        ([5, 2, 15, 12], [0, 0, 10, 10], 40 / 160),  # the same pair, the other box first
        ([0, 0, 10, 10], [0, 0, 10, 5], 50 / 100),  # half of A
        ([2, 1, 10, 5], [4, 3, 20, 9], 12 / 116),  # 8 × 4 and 16 × 6 boxes, 6 × 2 inside
        ([4, 3, 20, 9], [2, 1, 10, 5], 12 / 116),
        ([1, 2, 11, 6], [3, 0, 7, 9], 16 / 60),  # a cross: 4 × 4 inside 40 + 36 - 16
    ],
)
def test_nms_uses_intersection_over_union(a: list[float], b: list[float], iou: float) -> None:
    """Known boxes: B is suppressed just below their IoU and kept at it (suppressed only when the
    IoU is *greater* than the threshold)."""
    assert _suppressed(a, b, iou - 1e-4)
    assert not _suppressed(a, b, iou + 1e-6)
    if iou in (0.25, 0.5):  # exact in binary: the boundary itself, in float32 and float64
        assert not _suppressed(a, b, iou)
        assert not _suppressed(a, b, iou, np.float64)
        assert _suppressed(a, b, iou - 1e-9, np.float64)


def test_nms_never_suppresses_boxes_that_do_not_overlap() -> None:
    # apart on both axes (negative widths and heights of the "intersection"), on one axis, touching
    for b in ([12, 13, 20, 20], [11, 0, 21, 10], [0, 11, 10, 21], [10, 0, 20, 10]):
        assert not _suppressed([0, 0, 10, 10], b, 0.0)


def test_nms_keeps_the_best_first_and_goes_on_after_a_suppressed_box() -> None:
    boxes = np.array(
        [[100, 100, 110, 110], [0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60], [51, 50, 61, 60]], np.float32
    )
    scores = np.array([0.2, 0.9, 0.8, 0.5, 0.6], np.float32)
    # 1 beats 2 (next in score order), 4 beats 3, 0 stands alone: kept best first
    assert nms(boxes, scores, np.zeros(5, np.int64), 0.5).tolist() == [1, 4, 0]
    # a class without a rival of its own class does not stop the others
    classes = np.array([0, 1, 0, 0, 0])
    assert nms(boxes, scores, classes, 0.5).tolist() == [1, 2, 4, 0]


def test_nms_of_nothing_and_of_one_box() -> None:
    none = nms(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64), 0.5)
    assert none.shape == (0,) and none.dtype == np.int64
    one = nms(np.array([[0, 0, 5, 5]], np.float32), np.array([0.5], np.float32), np.array([3]), 0.5)
    assert one.tolist() == [0] and one.dtype == np.int64


# -- parts of larger objects and the same object found twice ---------------------------------------


def test_a_part_needs_at_least_the_inside_share_exactly() -> None:
    """60 % of a 10 × 5 vehicle (30 of 50 px²) on the aircraft is a part; 59 % is not."""
    vehicle = _d("vehicle", (0, 0, 10, 5))
    assert drop_parts([vehicle], [_d("aircraft", (4, -100, 300, 100))]) == []  # 6 × 5 inside
    assert drop_parts([vehicle], [_d("aircraft", (4.1, -100, 300, 100))]) == [vehicle]  # 5.9 × 5
    assert drop_parts([vehicle], [_d("aircraft", (4, -100, 300, 100))], inside=0.61) == [vehicle]


def test_a_part_needs_a_container_at_least_ratio_times_larger() -> None:
    vehicle = _d("vehicle", (0, 0, 10, 5))  # 50 px², wholly inside
    assert drop_parts([vehicle], [_d("tent", (0, 0, 20, 10))]) == []  # 200 px²: exactly 4×
    assert drop_parts([vehicle], [_d("tent", (0, 0, 19.9, 10))]) == [vehicle]  # 199 px²
    assert drop_parts([vehicle], [_d("tent", (0, 0, 17.5, 10))], ratio=3.5) == []
    assert drop_parts([vehicle], [_d("tent", (0, 0, 17.5, 10))]) == [vehicle]  # 3.5× at the default 4


def test_a_part_of_a_detection_of_the_same_model_is_dropped() -> None:
    aircraft = _d("aircraft", (100, 100, 200, 200))
    on_wing = _d("vehicle", (110, 150, 120, 156))
    assert drop_parts([aircraft, on_wing]) == [aircraft]
    assert drop_parts([on_wing, aircraft]) == [aircraft]


def test_the_same_object_from_an_earlier_model_at_the_iou_threshold() -> None:
    """IoU ≥ same_iou is the same object: exactly 0.5 (200 of 400 px²) is dropped, 0.48 is kept;
    boxes of one size, so neither is a part of the other."""
    vehicle = _d("vehicle", (0, 0, 30, 10))
    assert drop_parts([vehicle], [_d("tent", (10, 0, 40, 10))]) == []
    assert drop_parts([vehicle], [_d("tent", (10.5, 0, 40.5, 10))]) == [vehicle]
    assert drop_parts([vehicle], [_d("tent", (10, 0, 40, 10))], same_iou=0.51) == [vehicle]
    # an earlier model's detection of the same class is not this rule's business
    assert drop_parts([vehicle], [_d("vehicle", (10, 0, 40, 10))]) == [vehicle]
    assert drop_parts([vehicle], [_d("vehicle", (0, 0, 30, 10))]) == [vehicle]


def test_tiny_boxes_are_measured_too() -> None:
    """Sub-pixel boxes (areas below one px²): the same rules, no floor on the union."""
    vehicle = _d("vehicle", (0, 0, 0.5, 0.25))
    assert drop_parts([vehicle], [_d("tent", (0.1, 0, 0.6, 0.25))]) == []  # IoU 0.1 / 0.15 = 0.67
    assert drop_parts([vehicle], [_d("tent", (0.4, 0, 0.9, 0.25))]) == [vehicle]  # IoU 0.025 / 0.225


def test_a_degenerate_box_is_a_part_without_a_division_by_zero() -> None:
    """A zero-area box (a point) on another class's zero-area or real box: a part, and no 0 / 0
    (which, as a NumPy warning, is an error under the test settings)."""
    dot = _d("vehicle", (5, 5, 5, 5))
    assert drop_parts([dot], [_d("tent", (5, 5, 5, 5))]) == []
    assert drop_parts([dot], [_d("tent", (0, 0, 10, 10))]) == []
