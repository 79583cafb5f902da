"""Across models: a small detection of another class inside a much larger one is a part of it."""

from __future__ import annotations

from forcewatch.detect.merge import drop_parts
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
