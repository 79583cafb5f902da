"""A count is corrected with the recall measured at its own date's GSD."""

from __future__ import annotations

import pytest

from forcewatch.assess.estimate import load_doctrine, quality_from_scores, score_key_for_gsd, site_estimate
from forcewatch.model import Observation


def _entry(gsd: float | None, recall: float) -> dict[str, object]:
    doc: dict[str, object] = {
        "data": "hold-out",
        "classes": {"aircraft": {"precision": 0.98, "recall": recall, "n_gt": 300, "n_detections": 290}},
    }
    if gsd is not None:
        doc["gsd_m"] = gsd
    return doc


SCORES: dict[str, object] = {
    "holdout": _entry(0.5, 0.98),
    "holdout@2": _entry(2.0, 0.93),
    "holdout@3": _entry(3.0, 0.8),
}


@pytest.mark.parametrize(
    ("gsd", "key"),
    [
        (None, "holdout"),
        (0.3, "holdout"),
        (0.5, "holdout"),
        (0.6, "holdout@2"),
        (1.96, "holdout@2"),
        (2.0, "holdout@2"),
        (2.5, "holdout@3"),
        (3.0, "holdout@3"),
        (4.0, "holdout@3"),
    ],
)
def test_the_scores_of_the_finest_gsd_at_least_as_coarse_as_the_date(gsd: float | None, key: str) -> None:
    assert score_key_for_gsd(SCORES, gsd) == key


def test_at_the_same_gsd_a_real_sensor_comes_before_degraded_imagery() -> None:
    degraded = {**_entry(3.0, 0.97), "data": "Airbus hold-out, degraded to 3 m"}
    real = {**_entry(3.0, 0.77), "data": "4 real PlanetScope airport scenes"}
    for order in (
        {"holdout": _entry(0.5, 0.98), "holdout@3": degraded, "holdout@3-planetscope": real},
        {"holdout": _entry(0.5, 0.98), "holdout@3-planetscope": real, "holdout@3": degraded},
    ):
        for gsd in (2.5, 3.0, 5.0):
            assert score_key_for_gsd(order, gsd) == "holdout@3-planetscope"
        assert quality_from_scores("m", order, "aircraft", gsd_m=3.0).recall == 0.77
        assert score_key_for_gsd(order, 0.5) == "holdout"


def test_scores_without_a_gsd_are_used_as_they_are() -> None:
    assert score_key_for_gsd({"holdout": _entry(None, 0.9)}, 3.0) == "holdout"
    q = quality_from_scores("m", {"holdout": _entry(None, 0.9)}, "aircraft", gsd_m=3.0)
    assert q.recall == 0.9 and "measured at" not in q.data


def test_a_3_m_date_is_corrected_with_the_3_m_recall() -> None:
    why = {"aircraft": "m scored on real imagery"}
    obs = [
        Observation(1, 1, "2022-01-20T09:00:00Z", {"aircraft": 16}, 1.0, None, "m", "sha", {}, "0", 1, validated=why),
        Observation(1, 2, "2022-02-10T09:00:00Z", {"aircraft": 16}, 1.0, None, "m", "sha", {}, "0", 2, validated=why),
    ]
    fine = site_estimate("S", obs[:1], "m", "sha", SCORES, load_doctrine(), {1: 0.5, 2: 3.0})
    coarse = site_estimate("S", obs, "m", "sha", SCORES, load_doctrine(), {1: 0.5, 2: 3.0})
    (f,), (c,) = fine.classes, coarse.classes
    assert f.corrected.central == pytest.approx(16 * 0.98 / 0.98)
    assert c.corrected.central == pytest.approx(16 * 0.98 / 0.8)  # the recall at 3 m
    assert any("measured at 3 m GSD" in a for a in c.assumptions)
