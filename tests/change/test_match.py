from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from forcewatch.change.match import match_objects
from forcewatch.model import Detection, StoredDetection

LAT0, LON0 = 52.25, 26.80
M_LAT = 1 / 111_250  # degrees per metre, near enough at this latitude for building fixtures
M_LON = 1 / (111_320 * math.cos(math.radians(LAT0)))


def det(
    i: int, x_m: float, y_m: float, length_m: float = 30.0, cls: str = "aircraft", when: str = "t"
) -> StoredDetection:
    lon, lat = LON0 + x_m * M_LON, LAT0 + y_m * M_LAT
    h = length_m / 2
    poly = box(lon - h * M_LON, lat - h * M_LAT, lon + h * M_LON, lat + h * M_LAT)
    d = Detection(cls, 0.9, (0, 0, 1, 1), length_m, length_m, "medium", "m", 1, poly)
    return StoredDetection(i, 1, 1, 1, d, when)


def test_arrived_departed_stayed() -> None:
    before = [det(i, i * 100.0, 0.0) for i in range(5)]
    after = [det(10 + i, i * 100.0 + 2.0, 1.5) for i in range(3)] + [det(20, 900.0, 0.0), det(21, 950.0, 80.0)]
    (change,) = match_objects(before, after, misalignment_m=3.0).values()
    assert [(a.id, b.id) for a, b in change.stayed] == [(0, 10), (1, 11), (2, 12)]
    assert [d.id for d in change.arrived] == [20, 21]
    assert [d.id for d in change.departed] == [3, 4]
    assert change.to_json() == {
        "class": "aircraft",
        "before": 5,
        "after": 5,
        "stayed": 3,
        "arrived": 2,
        "departed": 2,
        "not_observed": 0,
    }


def test_unobserved_is_not_departed() -> None:
    before = [det(0, 0.0, 0.0), det(1, 500.0, 0.0)]
    after = [det(10, 1.0, 0.0)]
    seen = box(LON0 - 0.001, LAT0 - 0.001, LON0 + 0.001, LAT0 + 0.001)  # the later scene covered only the first
    (change,) = match_objects(before, after, observed_after=seen).values()
    assert len(change.stayed) == 1 and change.departed == [] and [d.id for d in change.not_observed] == [1]


def test_classes_are_matched_separately() -> None:
    out = match_objects([det(0, 0, 0, cls="aircraft")], [det(1, 0, 0, cls="vehicle", length_m=6)])
    assert len(out["aircraft"].departed) == 1 and len(out["vehicle"].arrived) == 1


@settings(max_examples=40)
@given(shift=st.floats(0, 10), n=st.integers(1, 12))
def test_every_object_moved_less_than_the_tolerance_stays(shift: float, n: int) -> None:
    before = [det(i, i * 80.0, 0.0) for i in range(n)]
    after = [det(100 + i, i * 80.0 + shift, 0.0) for i in range(n)]
    (change,) = match_objects(before, after, misalignment_m=10.0).values()
    assert len(change.stayed) == n and not change.arrived and not change.departed
