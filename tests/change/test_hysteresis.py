"""Hysteresis on values: where to look again, which boxes found there hold an object, and the
summary that results (no detector, no files: the boxes are given)."""

from __future__ import annotations

from pyproj import CRS

from forcewatch.change.hysteresis import (
    EARLIER,
    LATER,
    Candidate,
    LookedAgain,
    confirmed,
    hold_over,
    looks_for,
)
from forcewatch.change.match import match_objects
from tests.change.test_match import LAT0, LON0, M_LAT, M_LON, det

UTM = CRS.from_epsg(32635)


def _box(x_m: float, y_m: float = 0.0, cls: str = "aircraft", score: float = 0.35) -> Candidate:
    return Candidate(cls, score, LON0 + x_m * M_LON, LAT0 + y_m * M_LAT)


def test_looks_are_placed_on_the_other_date_with_the_shift() -> None:
    changes = match_objects([det(1, 0.0, 0.0)], [det(2, 500.0, 0.0)], misalignment_m=1.0)
    gone, new = looks_for(changes, (10.0, 0.0), 1.0, UTM)
    assert (gone.date, gone.stored.id, new.date, new.stored.id) == (LATER, 1, EARLIER, 2)
    assert gone.tolerance_m == new.tolerance_m == 16.0  # the misalignment and half of the 30 m length
    assert abs((gone.polygon.centroid.x - LON0) / M_LON + 10.0) < 0.5  # the later date: 10 m west
    assert abs((new.polygon.centroid.x - LON0) / M_LON - 510.0) < 0.5  # the earlier date: 10 m east


def test_a_box_found_again_within_the_tolerance_holds_the_object() -> None:
    changes = match_objects([det(1, 0.0, 0.0)], [])
    looks = looks_for(changes, (0.0, 0.0), 0.5, UTM)
    assert confirmed(looks, LookedAgain(((_box(3.0),),)), changes) == {0}
    held = hold_over(changes, looks, {0})["aircraft"]
    assert held.departed == [] and [d.id for d in held.still_there] == [1]
    assert held.to_json() | {"class": ""} == {
        "class": "",
        "before": 1,
        "after": 0,
        "stayed": 1,
        "arrived": 0,
        "departed": 0,
        "not_observed": 0,
        "not_observed_before": 0,
    }


def test_a_box_of_another_class_or_too_far_holds_nothing() -> None:
    changes = match_objects([det(1, 0.0, 0.0)], [])
    looks = looks_for(changes, (0.0, 0.0), 0.5, UTM)
    assert confirmed(looks, LookedAgain(((_box(0.0, cls="vehicle"), _box(40.0)),)), changes) == set()
    assert confirmed(looks, LookedAgain(((),)), changes) == set()


def test_an_arrival_the_earlier_date_already_showed_did_not_arrive() -> None:
    changes = match_objects([], [det(2, 100.0, 0.0)])
    looks = looks_for(changes, (0.0, 0.0), 0.5, UTM)
    assert [lk.date for lk in looks] == [EARLIER]
    held = hold_over(changes, looks, confirmed(looks, LookedAgain(((_box(101.0),),)), changes))["aircraft"]
    assert held.arrived == [] and [d.id for d in held.already_there] == [2]
    assert held.stayed_count == 0 and held.to_json()["after"] == 1  # stayed counts the earlier date's objects


def test_a_detection_matched_to_another_object_holds_no_second_one() -> None:
    # A1 and A2 (30 m apart, boxes barely touching) on the earlier date; only B, between them, later
    changes = match_objects([det(1, 0.0, 0.0), det(2, 28.0, 0.0)], [det(3, 14.0, 0.0)], misalignment_m=0.5)
    looks = looks_for(changes, (0.0, 0.0), 0.5, UTM)
    assert len(looks) == 1 and looks[0].date == LATER
    assert confirmed(looks, LookedAgain(((_box(14.0, score=0.9),),)), changes) == set()  # that is B again


def test_one_object_seen_as_two_boxes_did_not_depart() -> None:
    # A1 and A2 overlap (10 m apart, 30 m long): one aircraft the earlier date boxed twice, later once
    changes = match_objects([det(1, 0.0, 0.0), det(2, 10.0, 0.0)], [det(3, 1.0, 0.0)], misalignment_m=0.5)
    looks = looks_for(changes, (0.0, 0.0), 0.5, UTM)
    assert [lk.stored.id for lk in looks] == [2]
    assert confirmed(looks, LookedAgain(((_box(1.0, score=0.9),),)), changes) == {0}


def test_one_box_holds_one_object() -> None:
    changes = match_objects([det(1, 0.0, 0.0, 5.0, "vehicle"), det(2, 3.0, 0.0, 5.0, "vehicle")], [])
    looks = looks_for(changes, (0.0, 0.0), 0.2, UTM)
    box = _box(1.0, cls="vehicle")
    held = confirmed(looks, LookedAgain(((box,), (box,))), changes)
    assert held == {0}  # the nearer object
    assert [d.id for d in hold_over(changes, looks, held)["vehicle"].departed] == [2]
