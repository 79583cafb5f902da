"""Camps from detections: clustering, outline, counts and density."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forcewatch.detect.camps import CampRules, box_footprint, find_camps


def _grid(rows: int, cols: int, x0: float = 0, y0: float = 0, pitch: tuple[float, float] = (11, 14)):
    fps = []
    for r in range(rows):
        for c in range(cols):
            x, y = x0 + c * pitch[0], y0 + r * pitch[1]
            fps.append(box_footprint((x, y, x + 8, y + 4)))
    return fps


def test_a_grid_of_tents_is_one_camp_with_its_area_and_density() -> None:
    fps = _grid(4, 6)
    camps = find_camps(fps, ["tent"] * len(fps))
    assert len(camps) == 1
    c = camps[0]
    assert c.counts == {"tent": 24} and c.kind == "tent camp"
    # hull of the tents (63 × 46 m) plus a 5 m margin all round
    assert c.area_m2 == pytest.approx(73 * 56, rel=0.05)
    assert c.density_per_ha == pytest.approx(24 / (c.area_m2 / 1e4))


def test_far_groups_are_separate_and_small_groups_are_no_camp() -> None:
    fps = _grid(2, 5) + _grid(2, 4, x0=500) + _grid(1, 3, x0=-400)
    classes = ["tent"] * 10 + ["vehicle"] * 8 + ["tent"] * 3
    camps = find_camps(fps, classes)
    assert [sum(c.counts.values()) for c in camps] == [10, 8]
    assert camps[1].kind == "vehicle park"


def test_other_classes_are_ignored() -> None:
    fps = _grid(2, 5)
    assert find_camps(fps, ["aircraft"] * 10) == []


def test_gap_decides() -> None:
    fps = _grid(1, 6, pitch=(8 + 16, 0)) + _grid(1, 6, y0=100)
    rules = CampRules(link_gap_m=15.0)
    assert sorted(sum(c.counts.values()) for c in find_camps(fps, ["tent"] * 12, rules)) == [6]
    assert len(find_camps(fps, ["tent"] * 12, CampRules(link_gap_m=17.0))) == 2


def test_the_rules_decide_the_kind_and_the_size() -> None:
    fps = _grid(2, 4)  # 8 objects: 5 tents and 3 vehicles
    classes = ["tent"] * 5 + ["vehicle"] * 3
    assert [c.kind for c in find_camps(fps, classes)] == ["tent camp"]
    assert [c.kind for c in find_camps(fps, classes, CampRules(min_tents_for_tent_camp=6))] == ["vehicle park"]
    assert [c.kind for c in find_camps(fps, classes, CampRules(min_tents_for_tent_camp=5))] == ["tent camp"]
    assert find_camps(fps, classes, CampRules(min_objects=9)) == []
    wide = find_camps(fps, classes, CampRules(margin_m=20.0))[0]
    assert wide.area_m2 > find_camps(fps, classes)[0].area_m2


@given(dx=st.floats(-1e5, 1e5), dy=st.floats(-1e5, 1e5), angle=st.floats(0, 2 * math.pi))
@settings(max_examples=40, deadline=None)
def test_camps_do_not_depend_on_where_or_how_the_plane_is_turned(dx: float, dy: float, angle: float) -> None:
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    fps = [fp @ rot.T + np.array([dx, dy]) for fp in _grid(3, 4) + _grid(2, 3, x0=300)]
    camps = find_camps(fps, ["tent"] * len(fps))
    assert [c.counts["tent"] for c in camps] == [12, 6]
