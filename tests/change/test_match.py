from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from forcewatch.change.match import ObjectChange, match_objects, tolerance_m
from forcewatch.geo.convert import local_metric_crs, transformer
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
        "not_observed_before": 0,
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


def test_ground_the_earlier_date_did_not_show_is_not_observed_before() -> None:
    before = [det(0, 0.0, 0.0)]
    after = [det(10, 1.0, 0.0), det(11, 500.0, 0.0)]
    seen = box(LON0 - 0.001, LAT0 - 0.001, LON0 + 0.001, LAT0 + 0.001)  # the earlier scene covered only the first
    (change,) = match_objects(before, after, observed_before=seen).values()
    assert len(change.stayed) == 1 and change.arrived == [] and [d.id for d in change.not_observed_before] == [11]
    assert change.to_json()["not_observed_before"] == 1 and change.to_json()["after"] == 2


def test_what_the_later_date_showed_is_read_in_its_own_frame() -> None:
    # the later image is placed 125 m west of where it belongs: the shift that aligns it is +125 m east
    before = [det(0, 0.0, 0.0), det(1, 150.0, 0.0)]
    after = [det(10, -125.0, 0.0)]
    west = box(LON0 - 200 * M_LON, LAT0 - 0.001, LON0 - 50 * M_LON, LAT0 + 0.001)  # the later scene, as placed
    (change,) = match_objects(before, after, observed_after=west, after_offset_m=(125.0, 0.0)).values()
    assert [(a.id, b.id) for a, b in change.stayed] == [(0, 10)]
    assert change.departed == [] and [d.id for d in change.not_observed] == [1]  # its ground is not in the later image


# -- decision boundaries: the tolerance, the offset's direction, the axis order (issue 13) ------------


def _sized(d: StoredDetection, length_m: float) -> StoredDetection:
    """``d`` with another length (the tolerance), its ground polygon (the position) unchanged."""
    return dataclasses.replace(d, detection=dataclasses.replace(d.detection, length_m=length_m))


def _metres_apart(a: StoredDetection, b: StoredDetection) -> float:
    """The distance match_objects measures between two centres: in the local plane centred on
    their mean (the computation of the module, repeated to put a test exactly at the boundary)."""
    pa, pb = a.detection.polygon.centroid, b.detection.polygon.centroid  # type: ignore[union-attr]
    to_local = transformer(4326, local_metric_crs((pa.x + pb.x) / 2, (pa.y + pb.y) / 2))
    xs, ys = to_local.transform([pa.x, pb.x], [pa.y, pb.y])
    return float(
        np.linalg.norm(np.array([[xs[0], ys[0]]])[:, None, :] - np.array([[xs[1], ys[1]]])[None, :, :], axis=2)[0, 0]
    )


def test_the_tolerance_is_the_misalignment_plus_half_the_length() -> None:
    assert tolerance_m(30.0, 3.0) == 18.0
    assert tolerance_m(np.array([10.0, 4.0]), 0.0).tolist() == [5.0, 2.0]


def test_an_object_moved_exactly_the_tolerance_stayed_a_hair_further_it_did_not() -> None:
    """The tolerance is misalignment + half the *shorter* of the two lengths; a distance equal to
    it is a match (≤), anything beyond is a departure and an arrival."""
    a, b = det(0, 0.0, 0.0), det(1, 23.0, 9.0)  # 24.7 m apart, north-east
    dist = _metres_apart(a, b)
    assert 24 < dist < 25.5
    at = match_objects([_sized(a, 2 * dist)], [_sized(b, 4 * dist)])["aircraft"]  # the shorter one counts
    assert len(at.stayed) == 1 and not at.arrived and not at.departed
    below = float(np.nextafter(2 * dist, 0.0))
    beyond = match_objects([_sized(a, 4 * dist)], [_sized(b, below)])["aircraft"]
    assert not beyond.stayed and len(beyond.arrived) == 1 and len(beyond.departed) == 1
    # the misalignment adds to half the length: 10 + 5 m
    for x_m, stays in [(14.0, True), (16.0, False)]:
        (change,) = match_objects([det(0, 0.0, 0.0, 10.0)], [det(1, x_m, 0.0, 10.0)], misalignment_m=10.0).values()
        assert bool(change.stayed) is stays


def test_one_place_and_no_length_is_still_the_same_object() -> None:
    a, b = det(0, 40.0, -7.0, length_m=0.0), det(1, 40.0, -7.0, length_m=0.0)
    (change,) = match_objects([a], [b]).values()
    assert [(x.id, y.id) for x, y in change.stayed] == [(0, 1)]


def test_east_and_north_are_not_swapped() -> None:
    """30 m east (a lon difference) and 30 m north (a lat difference) are both 30 m; a tolerance
    of 33 m keeps both, not 36 m north."""
    before = [det(0, 0.0, 0.0, length_m=66.0)]
    for x_m, y_m, stays in [
        (30.0, 0.0, True),
        (0.0, 30.0, True),
        (-30.0, 0.0, True),
        (0.0, 36.0, False),
        (36.0, 0.0, False),
    ]:
        (change,) = match_objects(before, [det(1, x_m, y_m, length_m=66.0)]).values()
        assert bool(change.stayed) is stays, (x_m, y_m)


@pytest.mark.parametrize(("east", "north"), [(125.0, 0.0), (0.0, 90.0), (60.0, -45.0)])
def test_the_offset_is_added_to_the_later_positions(east: float, north: float) -> None:
    """The later image is placed (-east, -north) from where it belongs: adding the offset aligns it;
    subtracting it, or swapping its axes, does not."""
    before = [det(0, 0.0, 0.0), det(1, 300.0, 200.0)]
    after = [det(10, -east, -north), det(11, 300.0 - east, 200.0 - north)]
    (aligned,) = match_objects(before, after, misalignment_m=2.0, after_offset_m=(east, north)).values()
    assert [(a.id, b.id) for a, b in aligned.stayed] == [(0, 10), (1, 11)]
    for wrong in [(-east, -north), (north, east), (0.0, 0.0)]:
        (change,) = match_objects(before, after, misalignment_m=2.0, after_offset_m=wrong).values()
        assert not change.stayed, wrong


def test_the_assignment_is_optimal_not_greedy() -> None:
    """Nearest-first would pair 0 with 11 (10 m) and leave 1 alone; the optimal assignment pairs
    both (0-10 and 1-11 are 10 m too, 1-10 is 30 m: beyond the 12 m tolerance)."""
    before = [det(0, 0.0, 0.0, length_m=24.0), det(1, 20.0, 0.0, length_m=24.0)]
    after = [det(10, -10.0, 0.0, length_m=24.0), det(11, 10.0, 0.0, length_m=24.0)]
    (change,) = match_objects(before, after).values()
    assert sorted((a.id, b.id) for a, b in change.stayed) == [(0, 10), (1, 11)]


def test_an_empty_observed_area_means_all_was_seen() -> None:
    (change,) = match_objects(
        [det(0, 0.0, 0.0)], [det(1, 500.0, 0.0)], observed_after=Polygon(), observed_before=Polygon()
    ).values()
    assert [d.id for d in change.departed] == [0] and [d.id for d in change.arrived] == [1]
    assert change.not_observed == [] and change.not_observed_before == []


def test_observed_areas_are_looked_up_by_lon_and_lat() -> None:
    """A tall, narrow footprint (40 m east-west, 4 km north-south): an object 1.5 km north is in it,
    one 100 m east is not."""
    tall = box(LON0 - 20 * M_LON, LAT0 - 2000 * M_LAT, LON0 + 20 * M_LON, LAT0 + 2000 * M_LAT)
    before = [det(0, 0.0, 1500.0), det(1, 100.0, 0.0)]
    (change,) = match_objects(before, [det(9, -3000.0, 0.0)], observed_after=tall).values()
    assert [d.id for d in change.departed] == [0] and [d.id for d in change.not_observed] == [1]
    (change,) = match_objects([det(9, -3000.0, 0.0)], before, observed_before=tall).values()
    assert [d.id for d in change.arrived] == [0] and [d.id for d in change.not_observed_before] == [1]


def test_counts_of_a_change() -> None:
    d = [det(i, 0.0, 0.0) for i in range(13)]
    change = ObjectChange(
        "tent",
        stayed=[(d[0], d[1])],
        arrived=[d[2], d[3], d[12]],
        departed=[d[4], d[5], d[6]],
        not_observed=[d[7]],
        not_observed_before=[d[8], d[9]],
        still_there=[d[10]],
        already_there=[d[11]],
    )
    assert change.stayed_count == 2
    assert change.earlier_objects() == [d[0], d[4], d[5], d[6], d[7], d[10]]
    assert change.later_objects() == [d[1], d[2], d[3], d[12], d[8], d[9], d[11]]
    assert change.to_json() == {
        "class": "tent",
        "before": 6,
        "after": 7,
        "stayed": 2,
        "arrived": 3,
        "departed": 3,
        "not_observed": 1,
        "not_observed_before": 2,
    }
    assert match_objects([], []) == {}


def test_an_earlier_object_is_looked_for_in_the_later_image_less_the_offset() -> None:
    """The later image, as placed, covers 200 to 50 m west; it belongs 125 m further east, so it
    shows the earlier date's ground from 75 m west to 75 m east: an object 50 m east, unmatched,
    was seen to be gone (departed); one 100 m east was not in the image (not observed)."""
    west = box(LON0 - 200 * M_LON, LAT0 - 0.001, LON0 - 50 * M_LON, LAT0 + 0.001)
    before = [det(0, 50.0, 0.0), det(1, 100.0, 0.0)]
    (change,) = match_objects(
        before, [det(10, -1000.0, 0.0)], observed_after=west, after_offset_m=(125.0, 0.0)
    ).values()
    assert [d.id for d in change.departed] == [0] and [d.id for d in change.not_observed] == [1]


def test_pairs_are_read_from_the_assignment_the_right_way_round() -> None:
    """Three objects listed in a rotated order on the later date (a 3-cycle), and a fourth later
    object: each pair is (earlier, later) as they lie, whatever the list order."""
    before = [det(0, 0.0, 0.0), det(1, 100.0, 0.0), det(2, 200.0, 0.0)]
    after = [det(12, 201.0, 0.0), det(10, 1.0, 0.0), det(11, 101.0, 0.0), det(13, 400.0, 0.0)]
    (change,) = match_objects(before, after, misalignment_m=2.0).values()
    assert sorted((a.id, b.id) for a, b in change.stayed) == [(0, 10), (1, 11), (2, 12)]
    assert [d.id for d in change.arrived] == [13] and change.departed == []
    (change,) = match_objects(after, before, misalignment_m=2.0).values()  # more earlier than later
    assert sorted((a.id, b.id) for a, b in change.stayed) == [(10, 0), (11, 1), (12, 2)]
    assert [d.id for d in change.departed] == [13]


def test_only_one_date_has_objects_of_a_class() -> None:
    (change,) = match_objects([], [det(1, 0.0, 0.0), det(2, 50.0, 0.0)]).values()
    assert [d.id for d in change.arrived] == [1, 2] and not change.stayed
    (change,) = match_objects([det(1, 0.0, 0.0)], []).values()
    assert [d.id for d in change.departed] == [1] and not change.stayed


# -- detections without a place on the ground: no polygon, or an empty one (issue 13) ---------------


def _unplaced(d: StoredDetection, polygon: Polygon | None) -> StoredDetection:
    """``d`` without a usable ground polygon (None, or an empty one as a store returns)."""
    return dataclasses.replace(d, detection=dataclasses.replace(d.detection, polygon=polygon))


@pytest.mark.parametrize("nowhere", [None, Polygon()], ids=["no polygon", "empty polygon"])
def test_an_object_without_a_place_is_never_departed_nor_arrived(nowhere: Polygon | None) -> None:
    before = [det(0, 0.0, 0.0), _unplaced(det(1, 0.0, 0.0), nowhere), det(2, 300.0, 0.0)]
    after = [_unplaced(det(10, 0.0, 0.0), nowhere), det(11, 1.0, 0.0), det(12, 600.0, 0.0)]
    (change,) = match_objects(before, after, misalignment_m=2.0).values()
    assert [(a.id, b.id) for a, b in change.stayed] == [(0, 11)]
    assert [d.id for d in change.departed] == [2] and [d.id for d in change.arrived] == [12]
    assert [d.id for d in change.not_observed] == [1] and [d.id for d in change.not_observed_before] == [10]
    everywhere = box(LON0 - 1, LAT0 - 1, LON0 + 1, LAT0 + 1)  # both dates saw all the ground: still nowhere
    (change,) = match_objects(
        before, after, misalignment_m=2.0, observed_after=everywhere, observed_before=everywhere
    ).values()
    assert [d.id for d in change.not_observed] == [1] and [d.id for d in change.not_observed_before] == [10]
    assert [d.id for d in change.departed] == [2] and [d.id for d in change.arrived] == [12]


def test_objects_none_of_which_has_a_place() -> None:
    before = [_unplaced(det(0, 0.0, 0.0), None), _unplaced(det(1, 0.0, 0.0), Polygon())]
    after = [_unplaced(det(10, 0.0, 0.0), Polygon()), _unplaced(det(11, 0.0, 0.0, cls="tent"), None)]
    out = match_objects(before, after, observed_after=box(LON0 - 1, LAT0 - 1, LON0 + 1, LAT0 + 1))
    assert sorted(out) == ["aircraft", "tent"]
    assert [d.id for d in out["aircraft"].not_observed] == [0, 1] and out["aircraft"].departed == []
    assert [d.id for d in out["aircraft"].not_observed_before] == [10] and out["aircraft"].stayed == []
    assert [d.id for d in out["tent"].not_observed_before] == [11] and out["tent"].arrived == []


def test_a_degenerate_polygon_still_has_a_place() -> None:
    """A box of zero area (a line, or a point repeated) has a centre: it is matched like any other."""
    lon, lat = LON0 + 500 * M_LON, LAT0
    line = Polygon([(lon - 10 * M_LON, lat), (lon + 10 * M_LON, lat), (lon, lat)])
    point = Polygon([(lon, lat)] * 4)
    before = [det(0, 0.0, 0.0), _unplaced(det(1, 0.0, 0.0), line)]
    after = [det(10, 0.0, 0.0), _unplaced(det(11, 0.0, 0.0), point), det(12, 900.0, 0.0)]
    (change,) = match_objects(before, after).values()
    assert sorted((a.id, b.id) for a, b in change.stayed) == [(0, 10), (1, 11)]
    assert [d.id for d in change.arrived] == [12] and change.not_observed == change.not_observed_before == []
