from __future__ import annotations

from pathlib import Path

import pytest

from forcewatch.assess.estimate import (
    DetectorQuality,
    Range,
    UnitRule,
    corrected_count,
    estimate,
    load_doctrine,
    quality_from_scores,
    wilson,
)
from forcewatch.errors import InputError

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
