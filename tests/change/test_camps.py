"""Camps between two dates: new, grown, unchanged, gone, and not seen; tied to new activity."""

from __future__ import annotations

import shapely
from pyproj import CRS

from forcewatch.change.camps import camp_changes
from forcewatch.model import ActivityPolygon
from tests.change.test_match import LAT0, LON0, M_LAT, M_LON, det

UTM = CRS.from_epsg(32635)


def _camp(first_id: int, x0: float, rows: int, cols: int, cls: str = "tent") -> list:  # type: ignore[type-arg]
    return [
        det(first_id + r * cols + c, x0 + c * 10.0, r * 14.0, length_m=6.0, cls=cls)
        for r in range(rows)
        for c in range(cols)
    ]


def _area(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(LON0 + x0 * M_LON, LAT0 + y0 * M_LAT, LON0 + x1 * M_LON, LAT0 + y1 * M_LAT)


def test_new_grown_unchanged_and_gone() -> None:
    before = _camp(0, 0, 2, 4) + _camp(100, 1000, 2, 5) + _camp(200, 2000, 2, 4, "vehicle")
    after = _camp(300, 0, 4, 4) + _camp(400, 1000, 2, 5) + _camp(500, 3000, 3, 3)
    acts = (ActivityPolygon(_area(2980, -10, 3030, 40), 2500.0, 0.9),)
    observed = _area(-100, -100, 4000, 200)
    got = {c.status: c for c in camp_changes(before, after, UTM, acts, observed, "t0", "t1")}
    assert set(got) == {"grown", "unchanged", "new", "gone"}
    assert got["grown"].counts == {"tent": 16} and got["grown"].objects_before == 8
    assert got["unchanged"].counts == {"tent": 10}
    assert got["new"].counts == {"tent": 9} and got["new"].objects_before == 0 and got["new"].kind == "tent camp"
    assert got["new"].activity_m2 > 1000  # the new-activity area found by differencing lies inside it
    assert got["gone"].kind == "vehicle park" and got["gone"].acquired == "t0"
    doc = got["new"].to_json()
    assert doc["objects"] == 9 and doc["area_ha"] > 0 and shapely.from_wkt(str(doc["polygon_wkt"])).is_valid


def test_a_camp_the_later_date_did_not_see_is_not_gone() -> None:
    before = _camp(0, 0, 2, 4)
    observed = _area(500, 500, 900, 900)  # the later image covers somewhere else
    assert camp_changes(before, [], UTM, (), observed, "t0", "t1") == []


def test_a_camp_the_earlier_date_did_not_see_is_not_new() -> None:
    after = _camp(0, 0, 2, 4)
    observed = _area(500, 500, 900, 900)  # the earlier image covers somewhere else
    assert camp_changes([], after, UTM, (), None, "t0", "t1", observed_earlier=observed) == []
    assert [c.status for c in camp_changes([], after, UTM, (), None, "t0", "t1")] == ["new"]


def test_a_camp_split_in_two_is_not_shrunk() -> None:
    before = _camp(0, 0, 2, 9, "vehicle")  # one park of 18, 10 m apart
    after = _camp(100, 0, 2, 4, "vehicle") + _camp(200, 60, 2, 3, "vehicle")  # two columns unseen: 8 and 6
    got = camp_changes(before, after, UTM, (), None, "t0", "t1")
    assert sorted(sum(c.counts.values()) for c in got) == [6, 8]
    assert [c.status for c in got] == ["unchanged", "unchanged"]  # each part compared with its own share
    assert sum(c.objects_before for c in got) == 18


def test_a_group_that_only_crossed_the_size_of_a_camp_is_neither_new_nor_gone() -> None:
    five, six = _camp(0, 0, 1, 5, "vehicle"), _camp(10, 0, 1, 6, "vehicle")  # 6 objects make a camp
    (grew,) = camp_changes(five, six, UTM, (), None, "t0", "t1")
    assert (grew.status, grew.objects_before, grew.acquired) == ("unchanged", 5, "t1")
    (left,) = camp_changes(six, five, UTM, (), None, "t0", "t1")
    assert (left.status, left.counts, left.acquired) == ("unchanged", {"vehicle": 5}, "t1")


def test_a_camp_cut_by_the_edge_of_the_later_image_has_not_shrunk() -> None:
    before = _camp(0, 0, 2, 8, "vehicle")  # 16 vehicles over 0–70 m
    after = _camp(100, 0, 2, 5, "vehicle")  # the later image ends at 45 m: 10 of them
    observed = _area(-100, -100, 45, 200)
    (got,) = camp_changes(before, after, UTM, (), observed, "t0", "t1")
    assert (got.status, got.objects_before) == ("unchanged", 10)
    assert camp_changes(before, after, UTM, (), None, "t0", "t1")[0].status == "shrunk"  # had it seen it all
