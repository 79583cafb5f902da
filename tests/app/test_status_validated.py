"""The pieces the tables and JSON of status, observations, timeline and compare are made of:
findings apart from unvalidated candidates, why a class is validated in short, camps split."""

from __future__ import annotations

from dataclasses import replace

from shapely.geometry import box

from forcewatch.app.compare import camp_findings, comparison_json
from forcewatch.app.status import (
    SiteStatus,
    candidates_text,
    findings_text,
    observation_json,
    short_reason,
    validated_text,
)
from forcewatch.assess.validation import INCLUDED_NOTE
from forcewatch.model import CampChange, Comparison, Observation, Site

MODEL_WHY = "aircraft-1m-v1 scored on real 0.5 m imagery (holdout: AP50 0.99, recall 0.98)"
REVIEW_WHY = "reviewed by ana, bo on 2022-02-11: 20 accepted, 2 rejected, 1 added"
SQUARE = box(26.79, 52.24, 26.81, 52.26)


def _obs(**kw: object) -> Observation:
    base = Observation(
        site_id=1,
        scene_id=1,
        acquired="2022-02-10T09:00:00Z",
        counts={"aircraft": 12, "vehicle": 880, "tent": 3},
        share_observed=0.9,
        observed=None,
        model_id="aircraft-1m-v1+tent-0.5m+vehicle-0.3m-v2",
        model_sha256="x",
        thresholds={"score": 0.5},
        software_version="0",
        id=1,
        validated={"aircraft": MODEL_WHY},
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def test_short_reasons() -> None:
    assert short_reason(MODEL_WHY) == "model score"
    assert short_reason(REVIEW_WHY) == "reviewed by ana, bo"
    assert short_reason("reviewed by Jon on the hill on 2022-02-11: 1 accepted, 0 rejected, 0 added") == (
        "reviewed by Jon on the hill"
    )
    assert short_reason(f"{MODEL_WHY}; {REVIEW_WHY}") == "model score; reviewed by ana, bo"  # two dates' reasons
    assert short_reason(f"{REVIEW_WHY}; {REVIEW_WHY.replace('2022-02-11', '2022-02-12')}") == "reviewed by ana, bo"
    assert validated_text({"vehicle": REVIEW_WHY, "aircraft": MODEL_WHY}) == (
        "aircraft (model score), vehicle (reviewed by ana, bo)"
    )
    assert validated_text({}) == "-"


def test_findings_and_candidates_apart() -> None:
    o = _obs(not_observable={"person": "too coarse"})
    assert findings_text(o) == "12 aircraft; person not observable"
    assert candidates_text(o) == "3 tent, 880 vehicle"
    assert findings_text(o, include_unvalidated=True) == "12 aircraft, 3? tent, 880? vehicle; person not observable"
    nothing = _obs(counts={}, validated={})
    assert findings_text(nothing) == "-" and candidates_text(nothing) == "-"
    assert candidates_text(_obs(counts={"aircraft": 2})) == "-"


def test_observation_and_status_json() -> None:
    o = _obs()
    doc = observation_json(o)
    assert doc["counts"] == {"aircraft": 12} and doc["unvalidated_candidates"] == {"vehicle": 880, "tent": 3}
    assert doc["validated"] == {"aircraft": MODEL_WHY} and doc["unvalidated_included"] is False
    assert "note" not in doc
    doc = observation_json(o, include_unvalidated=True)
    assert doc["counts"] == o.counts and doc["note"] == INCLUDED_NOTE
    assert doc["unvalidated_candidates"] == {"vehicle": 880, "tent": 3}

    row = SiteStatus(Site("Field", SQUARE, id=1), 1, 1, o)
    latest = row.to_json()["latest"]
    assert isinstance(latest, dict)
    assert latest["counts"] == {"aircraft": 12} and latest["unvalidated_candidates"] == {"vehicle": 880, "tent": 3}
    assert latest["validated"] == {"aircraft": MODEL_WHY} and latest["model"] == o.model_id
    merged = row.to_json(include_unvalidated=True)["latest"]
    assert isinstance(merged, dict)
    assert merged["counts"] == o.counts and merged["note"] == INCLUDED_NOTE
    assert SiteStatus(Site("Empty", SQUARE, id=2), 0, 0, None).to_json()["latest"] is None


def _camp(counts: dict[str, int], status: str = "new") -> CampChange:
    kind = "tent camp" if counts.get("tent") else "vehicle park"
    return CampChange(status, kind, counts, 0, 1e4, 0.0, SQUARE, "2022-02-10T09:00:00Z")


def test_camps_of_unvalidated_classes_are_not_findings() -> None:
    tents, park, mixed = (
        _camp({"tent": 9}),
        _camp({"vehicle": 12, "tent": 0}, "grown"),
        _camp({"tent": 4, "vehicle": 2}),
    )
    o = _obs()
    c = Comparison(1, o, o, 0.0, 0.0, 0.0, 1.0, {}, camps=(tents, park, mixed), validated={"vehicle": REVIEW_WHY})
    assert camp_findings(c) == ([park], [tents, mixed])  # a tent of 0 does not make the park unvalidated
    assert camp_findings(c, include_unvalidated=True) == ([tents, park, mixed], [])
    none = replace(c, validated={})
    assert camp_findings(none) == ([], [tents, park, mixed])

    doc = comparison_json("Field", c, 7)
    assert [k["kind"] for k in doc["camps"]] == ["vehicle park"] and doc["camps"][0]["validated"] is True
    assert [k["validated"] for k in doc["candidate_camps"]] == [False, False]
    assert doc["unvalidated_included"] is False and "note" not in doc
    doc = comparison_json("Field", c, 7, include_unvalidated=True)
    assert len(doc["camps"]) == 3 and doc["candidate_camps"] == [] and doc["note"] == INCLUDED_NOTE
