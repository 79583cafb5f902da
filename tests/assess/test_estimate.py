from __future__ import annotations

from pathlib import Path

import pytest

from forcewatch.assess.estimate import (
    DetectorQuality,
    Range,
    SiteEstimate,
    UnitRule,
    corrected_count,
    estimate,
    load_doctrine,
    quality_from_scores,
    score_key_for_gsd,
    site_estimate,
    wilson,
)
from forcewatch.errors import InputError
from forcewatch.model import Observation

SQUADRON = UnitRule("sqn", "squadron equivalents", "aircraft", Range(10, 12, 16), Range(100, 150, 250), ("test",))


def test_wilson_interval_matches_the_textbook_value() -> None:
    lo, hi = wilson(8, 10)  # p = 0.8, n = 10: 95 % Wilson interval [0.4902, 0.9433]
    assert lo == pytest.approx(0.4902, abs=1e-4) and hi == pytest.approx(0.9433, abs=1e-4)
    assert wilson(0, 0) == (0.0, 1.0)


def test_hand_computed_ranges_with_a_near_perfect_detector() -> None:
    q = DetectorQuality("m", 1.0, 1.0, 10**7, 10**7)  # intervals shrink to almost nothing
    (e,) = estimate({"aircraft": 24}, q, [SQUADRON])
    assert e.corrected.central == pytest.approx(24)
    assert e.units is not None and e.personnel is not None
    # 24 aircraft at 16 / 12 / 10 per squadron → 1.5 / 2.0 / 2.4 squadrons
    assert (e.units.low, e.units.central, e.units.high) == pytest.approx((1.5, 2.0, 2.4), abs=1e-4)
    # × 100 / 150 / 250 personnel → 150 / 300 / 600
    assert (e.personnel.low, e.personnel.central, e.personnel.high) == pytest.approx((150, 300, 600), abs=0.1)


def test_counts_are_corrected_for_precision_and_recall() -> None:
    q = DetectorQuality("m", 0.9, 0.75, 400, 333)
    r = corrected_count(30, q)
    assert r.central == pytest.approx(30 * 0.9 / 0.75)
    p_lo, p_hi = wilson(0.9 * 333, 333)
    r_lo, r_hi = wilson(0.75 * 400, 400)
    assert r.low == pytest.approx(30 * p_lo / r_hi) and r.high == pytest.approx(30 * p_hi / r_lo)
    assert r.low < r.central < r.high


def test_every_assumption_is_printed() -> None:
    (e,) = estimate({"aircraft": 12}, DetectorQuality("m", 0.98, 0.97, 320, 318), [SQUADRON])
    text = "\n".join(e.assumptions)
    assert "precision 0.980" in text and "recall 0.970" in text and "10-16 aircraft per unit" in text
    assert "source: test" in text
    (tanks,) = estimate({"tent": 5}, DetectorQuality("m", 0.98, 0.97, 320, 318), [SQUADRON])
    assert tanks.units is None and "no doctrine rule for 'tent'" in tanks.assumptions[-1]


def test_bundled_doctrine_cites_its_sources() -> None:
    rules = load_doctrine()
    assert {r.counts_class for r in rules} >= {"aircraft", "vehicle"}
    assert all(r.sources for r in rules)


def test_bad_doctrine_files(tmp_path: Path) -> None:
    bad = tmp_path / "d.yaml"
    bad.write_text(
        "units:\n  - id: x\n    name: x\n    counts_class: aircraft\n"
        "    objects_per_unit: {low: 12, central: 10, high: 16}\n"
        "    personnel_per_unit: {low: 1, central: 2, high: 3}\n    sources: [me]\n"
    )
    with pytest.raises(InputError, match=r"units\[0\].objects_per_unit: need 0 < low <= central <= high"):
        load_doctrine(bad)
    bad.write_text("units:\n  - id: x\n    name: x\n")
    with pytest.raises(InputError, match="missing 'counts_class'"):
        load_doctrine(bad)


def test_a_model_without_recorded_scores_says_how_to_record_them() -> None:
    with pytest.raises(InputError, match="--record holdout"):
        quality_from_scores("m", {}, "aircraft")


def test_wilson_clamps_and_rounds_the_successes() -> None:
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)  # none of 10
    assert wilson(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)  # all of 10
    assert wilson(12, 10) == wilson(10, 10) and wilson(-3, 10) == wilson(0, 10)  # clamped to 0..n
    assert wilson(7.6, 10) == wilson(8, 10) and wilson(8.4, 10) == wilson(8, 10)  # float error of p × n
    assert wilson(8, 10, 0.9) == pytest.approx((0.5408, 0.9314), abs=1e-4)  # the confidence is used
    assert wilson(1, 0) == (0.0, 1.0) and wilson(0, -1) == (0.0, 1.0)  # nothing measured: anything
    assert wilson(1, 1) == pytest.approx((0.2065, 1.0), abs=1e-4)  # one trial is a measurement


def test_a_recall_of_zero_gives_an_open_ended_range_not_an_error() -> None:
    r = corrected_count(5, DetectorQuality("m", 0.5, 0.0, 10, 10))
    assert r.central == pytest.approx(5 * 0.5 / 1e-9)  # the floor under the recall
    assert r.low == pytest.approx(5 * wilson(5, 10)[0] / wilson(0, 10)[1])
    assert r.high == pytest.approx(5 * wilson(5, 10)[1] / 1e-9)  # the recall's lower bound is 0
    assert corrected_count(0, DetectorQuality("m", 0.5, 0.0, 10, 10)) == Range(0.0, 0.0, 0.0)


def test_ranges_round_to_the_digits_asked() -> None:
    r = Range(1.2345, 2.3456, 3.4567)
    assert r.to_json() == {"low": 1.2, "central": 2.3, "high": 3.5}
    assert r.to_json(2) == {"low": 1.23, "central": 2.35, "high": 3.46}


def test_an_estimate_names_its_class_unit_and_rounds_its_json() -> None:
    q = DetectorQuality("m", 1.0, 1.0, 10**7, 10**7)
    rules = [UnitRule("bn", "battalions", "vehicle", Range(30, 40, 50), Range(300, 400, 500), ("x",)), SQUADRON]
    (e,) = estimate({"aircraft": 25}, q, rules)  # the second rule is the one for aircraft
    assert (e.class_name, e.detected, e.unit) == ("aircraft", 25, "squadron equivalents")
    assert e.units is not None and e.personnel is not None
    assert e.to_json() == {
        "class": "aircraft",
        "detected": 25,
        "corrected_count": {"low": 25.0, "central": 25.0, "high": 25.0},
        "unit": "squadron equivalents",
        # 25 / 16, 25 / 12, 25 / 10 (two digits) and × 100, 150, 250 personnel (whole people)
        "unit_equivalents": {"low": 1.56, "central": 2.08, "high": 2.5},
        "personnel": {"low": 156.0, "central": 312.0, "high": 625.0},
        "assumptions": e.assumptions,
        "validated": None,  # the pure estimate knows nothing of validation: site_estimate sets it
    }
    (tents,) = estimate({"tent": 3}, q, rules)
    assert tents.to_json()["unit"] is None and tents.to_json()["unit_equivalents"] is None
    assert tents.to_json()["personnel"] is None
    # several classes: each with its own rule, in name order
    assert [x.unit for x in estimate({"vehicle": 80, "aircraft": 12}, q, rules)] == [
        "squadron equivalents",
        "battalions",
    ]


def test_the_hold_out_data_is_named_only_when_known() -> None:
    (e,) = estimate({"aircraft": 12}, DetectorQuality("m", 0.98, 0.97, 320, 318, "synthetic"), [SQUADRON])
    assert "on its hold-out (synthetic); 95 % Wilson intervals" in e.assumptions[0]
    (e,) = estimate({"aircraft": 12}, DetectorQuality("m", 0.98, 0.97, 320, 318), [SQUADRON])
    assert e.assumptions[0].endswith("on its hold-out; 95 % Wilson intervals")
    assert "(measured on 318 detections)" in e.assumptions[0] and "(on 320 objects)" in e.assumptions[0]


DOCTRINE_YAML = """units:
  - id: sqn
    name: squadron equivalents
    counts_class: aircraft
    objects_per_unit: {low: 10, central: 12, high: 16}
    personnel_per_unit: {low: 100, central: 150, high: 250}
    sources: [a book, a report]
  - id: coy
    name: company equivalents
    counts_class: vehicle
    objects_per_unit: {low: 10, central: 10, high: 10}
    personnel_per_unit: {low: 0.5, central: 80, high: 80}
    sources: [a manual]
"""


def test_a_doctrine_file_is_read_field_by_field(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(DOCTRINE_YAML)
    assert load_doctrine(path) == [
        UnitRule(
            "sqn", "squadron equivalents", "aircraft", Range(10, 12, 16), Range(100, 150, 250), ("a book", "a report")
        ),
        # low = central = high is allowed, and so is a low just above zero
        UnitRule("coy", "company equivalents", "vehicle", Range(10, 10, 10), Range(0.5, 80, 80), ("a manual",)),
    ]
    path.write_text("")
    assert load_doctrine(path) == []  # an empty table
    path.write_text("units: []\n")
    assert load_doctrine(path) == []


@pytest.mark.parametrize(
    ("objects", "message"),
    [
        ("{low: 0, central: 10, high: 16}", "need 0 < low <= central <= high"),  # zero is not a count
        ("{low: -1, central: 10, high: 16}", "need 0 < low <= central <= high"),
        ("{low: 10, central: 9.9, high: 16}", "need 0 < low <= central <= high"),
        ("{low: 10, central: 16.5, high: 16}", "need 0 < low <= central <= high"),
        ("{low: 10, central: 12}", r"expected \{low, central, high\}"),
        ("[10, 12, 16]", r"expected \{low, central, high\}"),
        ("12", r"expected \{low, central, high\}"),
        ("{low: ten, central: 12, high: 16}", "low, central and high must be numbers"),
        ("{low: [1], central: 12, high: 16}", "low, central and high must be numbers"),
    ],
)
def test_doctrine_ranges_are_checked(tmp_path: Path, objects: str, message: str) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(DOCTRINE_YAML.replace("{low: 10, central: 12, high: 16}", objects))
    with pytest.raises(InputError, match=r"units\[0\]\.objects_per_unit: " + message):
        load_doctrine(path)


def test_doctrine_files_that_cannot_be_used(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the doctrine table"):
        load_doctrine(tmp_path / "missing.yaml")
    bad = tmp_path / "d.yaml"
    bad.write_text("units: [\n")
    with pytest.raises(InputError, match="cannot read the doctrine table"):
        load_doctrine(bad)
    bad.write_text(DOCTRINE_YAML.replace("sources: [a manual]", "sources: []"))
    with pytest.raises(InputError, match=r"units\[1\]: no sources\. Fix: cite"):
        load_doctrine(bad)
    for key in ("id", "name", "personnel_per_unit", "sources"):
        bad.write_text(DOCTRINE_YAML.replace(f" {key}:", f" x_{key}:", 1))  # in the first unit
        with pytest.raises(InputError, match=f"units\\[0\\]: missing '{key}'"):
            load_doctrine(bad)


SCORES: dict[str, object] = {
    "holdout": {
        "data": "synthetic",
        "classes": {
            "aircraft": {"precision": 0.9, "recall": 0.8, "n_gt": 50, "n_detections": 40},
            "vehicle": {"precision": 0.7, "recall": 0.6, "n_gt": 200, "n_detections": 150},
        },
    }
}


def test_quality_is_read_from_the_recorded_scores() -> None:
    assert quality_from_scores("m", SCORES, "aircraft") == DetectorQuality("m", 0.9, 0.8, 50, 40, "synthetic")
    assert quality_from_scores("m", {"val": SCORES["holdout"]}, "vehicle", key="val") == DetectorQuality(
        "m", 0.7, 0.6, 200, 150, "synthetic"
    )
    with pytest.raises(InputError, match="no recorded 'holdout' scores for 'tent'"):
        quality_from_scores("m", SCORES, "tent")
    with pytest.raises(InputError, match="--record val"):
        quality_from_scores("m", SCORES, "aircraft", key="val")
    with pytest.raises(InputError, match="no recorded"):
        quality_from_scores("m", {"holdout": ["not", "a", "table"]}, "aircraft")


#: why a class is validated, as a scan records it (the model's score on real imagery of that GSD)
SCORED = "model-a scored on real 0.5 m imagery (holdout)"


def _observation(
    sha: str, acquired: str, counts: dict[str, int], share: float = 1.0, validated: tuple[str, ...] | None = None
) -> Observation:
    """An observation whose classes are all validated by the model's score (or only ``validated``)."""
    why = {c: SCORED for c in (counts if validated is None else validated)}
    return Observation(
        1, 7, acquired, counts, share, None, "model-a", sha, {}, "0.1.0", id=len(acquired), validated=why
    )


def test_a_site_estimate_uses_the_latest_observation_by_this_model() -> None:
    observations = [
        _observation("aaa", "2024-01-01", {"aircraft": 10}),
        _observation("aaa", "2024-02-01", {"aircraft": 20, "vehicle": 30}, 0.6),
        _observation("bbb", "2024-03-01", {"aircraft": 99}),  # another model's, later
    ]
    rules = [SQUADRON]
    est = site_estimate("Airbase", observations, "model-a", "aaa", SCORES, rules)
    assert est.site == "Airbase" and est.observation is observations[1]
    assert [(c.class_name, c.detected) for c in est.classes] == [("aircraft", 20), ("vehicle", 30)]
    # each class corrected with its own precision and recall
    assert est.classes[0].corrected == corrected_count(20, DetectorQuality("model-a", 0.9, 0.8, 50, 40))
    assert est.classes[1].corrected == corrected_count(30, DetectorQuality("model-a", 0.7, 0.6, 200, 150))
    assert est.classes[0].unit == "squadron equivalents" and est.classes[1].unit is None
    assert [c.validated for c in est.classes] == [SCORED, SCORED] and est.not_estimated == []
    j = est.to_json()
    assert j == {
        "site": "Airbase",
        "model": "model-a",
        "model_sha256": "aaa",
        "acquired": "2024-02-01",
        "share_observed": 0.6,
        "scene_id": 7,
        "classes": [c.to_json() for c in est.classes],
        "not_estimated": [],
        "not_observable": {},
        "includes_unvalidated": [],
        "note": None,
    }
    assert site_estimate("Airbase", observations, "model-b", "bbb", SCORES, rules).observation is observations[2]


def test_a_site_this_model_never_saw_has_no_estimate() -> None:
    est = site_estimate("Depot", [_observation("bbb", "2024-03-01", {"aircraft": 4})], "m", "aaa", SCORES, [])
    assert est == SiteEstimate("Depot", None, [])
    assert est.to_json() == {"site": "Depot", "estimate": None, "why": "no observation yet"}
    assert site_estimate("Depot", [], "m", "aaa", SCORES, []).observation is None


def test_scores_measured_exactly_at_the_two_percent_slack_still_fit() -> None:
    """A date at 1.0 m may use scores measured at 0.98 m (2 % finer: the same imagery in practice),
    not the coarser 3 m ones; at 1.001 m the 0.98 m scores are too fine."""
    entry = {"gsd_m": 0.0, "classes": {}}
    scores: dict[str, object] = {
        "holdout": {**entry, "gsd_m": 0.5},
        "holdout@0.98": {**entry, "gsd_m": 0.98},
        "holdout@3": {**entry, "gsd_m": 3.0},
    }
    assert 1.0 * 0.98 == 0.98  # the boundary itself, exactly
    assert score_key_for_gsd(scores, 1.0) == "holdout@0.98"
    assert score_key_for_gsd(scores, 1.001) == "holdout@3"
