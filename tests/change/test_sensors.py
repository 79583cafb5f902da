"""A change of sensor is not change on the ground: what a date cannot see never becomes a camp
event or a departure, and new activity between sensors is compared at the coarser resolution,
more strictly, and says so (values built in code)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pytest

from forcewatch.change.compare import REEXAMINATION, compare_dates
from forcewatch.change.hysteresis import Candidate, Look, LookedAgain
from forcewatch.change.sensors import ACROSS_SENSORS, NEW_ACTIVITY, SensorChange, at_common_resolution
from forcewatch.geo.convert import pixels_to_lonlat
from forcewatch.model import Detection, StoredDetection
from tests.change.test_compare import _box, _pair


@pytest.mark.parametrize(
    ("gsd_m", "sensors", "differs"),
    [
        ((0.5, 0.5), ("unknown", "unknown"), False),
        ((0.5, 0.7), ("unknown", ""), False),
        ((0.5, 3.0), ("unknown", "unknown"), True),
        ((0.5, 0.5), ("Pleiades", "WorldView-3"), True),
        ((0.5, 0.5), ("Pleiades", "unknown"), False),
    ],
)
def test_dates_differ_in_sensor_by_gsd_or_by_name(
    gsd_m: tuple[float, float], sensors: tuple[str, str], differs: bool
) -> None:
    assert SensorChange(gsd_m, sensors).differs is differs


def test_only_the_finer_date_is_blurred_and_only_when_the_grid_keeps_the_coarser() -> None:
    change = SensorChange((0.5, 3.0), ("unknown", "unknown"))
    assert change.blurred(3.0) == (True, False)
    assert change.blurred(6.0) == (False, False)  # a grid coarser than both averages both alike
    assert SensorChange((3.0, 0.5), ("a", "a")).blurred(3.0) == (False, True)
    note = change.note(3.0)
    assert "in GSD (0.50 m, then 3.00 m)" in note and "compared at 3.00 m" in note and "1.5× higher" in note
    rgb = np.random.default_rng(0).uniform(0, 255, (32, 32, 3)).astype(np.float32)
    assert at_common_resolution(rgb, False) is rgb and at_common_resolution(rgb, True).std() < rgb.std()
    assert ACROSS_SENSORS.confidence_scale < 1.0


def _vehicle(did: int, oid: int, col: float, row: float) -> StoredDetection:
    pair = _pair()
    lon, lat = pixels_to_lonlat(pair.grid.crs, pair.grid.transform, [col], [row])
    det = Detection(
        "vehicle", 0.8, (0, 0, 12, 12), 6.0, 3.0, "medium", polygon=_box(float(lon[0]), float(lat[0]), 0.00002)
    )
    return StoredDetection(did, oid, oid, 1, det, "2022-01-20T09:00:00Z")


def test_a_class_the_later_date_cannot_see_makes_no_camp_event_and_no_departure() -> None:
    pair = _pair(before_dets=2, after_dets=2)
    park = [_vehicle(100 + 10 * r + c, 1, 150 + 10 * c, 180 + 10 * r) for r in range(2) for c in range(5)]
    earlier = replace(pair.earlier.observation, counts={"aircraft": 2, "vehicle": 10})
    later = replace(
        pair.later.observation, not_observable={"vehicle": "imagery of 3.00 m GSD is coarser than the 0.75 m"}
    )
    pair = replace(
        pair,
        earlier=replace(
            pair.earlier,
            observation=earlier,
            scene=replace(pair.earlier.scene, gsd_m=0.5),
            detections=(*pair.earlier.detections, *park),
        ),
        later=replace(pair.later, observation=later),  # the later scene: 1 m, the grid's
    )
    c = compare_dates(pair)
    assert c.camps == () and all(o.class_name == "aircraft" for o in c.objects)
    assert set(c.summary) == {"aircraft"} and c.summary["aircraft"]["stayed"] == 2
    assert set(c.not_observable) == {"vehicle"} and set(c.notes) == {NEW_ACTIVITY}  # the GSDs differ by 2×: so it says
    assert c.activity == ()


def test_objects_seen_again_below_the_threshold_stayed_and_unexamined_ones_are_noted() -> None:
    pair = _pair(before_dets=3, after_dets=1)  # aircraft at columns 60, 100, 140; only the first later
    lon, lat = pixels_to_lonlat(pair.grid.crs, pair.grid.transform, [101.0], [80.0])
    faint = Candidate("aircraft", 0.35, float(lon[0]), float(lat[0]))
    asked: list[Look] = []

    def look_again(looks: Sequence[Look]) -> LookedAgain:  # the later date shows the second one faintly
        asked.extend(looks)
        return LookedAgain(tuple((faint,) for _ in looks), "objects found by tent-0.5m-v1 were not looked at again")

    c = compare_dates(replace(pair, look_again=look_again))
    assert len(asked) == 2 and {lk.date for lk in asked} == {"later"}
    s = c.summary["aircraft"]
    assert (s["stayed"], s["departed"], s["not_observed_before"]) == (2, 1, 0)
    assert c.notes[REEXAMINATION].startswith("objects found by tent")
    assert [o.status for o in c.objects] == ["departed"]
