"""Validated or not: the model's real-imagery scores, and the analyst's review."""

from __future__ import annotations

from dataclasses import replace

import pytest
from shapely.geometry import box

from forcewatch.assess.validation import class_reviews, findings, rejected_ids, reviewed
from forcewatch.detect.metadata import ModelMeta
from forcewatch.model import Detection, Label, Observation, StoredDetection, merge_by_scene

POLY = box(0, 0, 1, 1)


def _meta(**scores: dict[str, object]) -> ModelMeta:
    return ModelMeta(
        "m-v1", ("vehicle", "tent"), 0.5, 16, 512, 64, (0, 0, 0), (1, 1, 1), 0.5, 0.5, "1", "x", "d", scores=scores
    )


def _entry(gsd_m: float, validates: bool = True, cls: str = "vehicle") -> dict[str, object]:
    return {"gsd_m": gsd_m, "validates": validates, "classes": {cls: {"ap50": 0.8, "recall": 0.7}}}


@pytest.mark.parametrize(
    ("source_gsd_m", "expected"),
    [(0.1, True), (0.5, True), (0.62, True), (0.63, False), (1.0, False)],
)
def test_a_score_validates_only_near_the_gsd_it_was_measured_at(source_gsd_m: float, expected: bool) -> None:
    # measured at 0.5 m (the model's own GSD): finer imagery is read at 0.5 m, coarser up to 1.25×
    assert (_meta(holdout=_entry(0.5)).validation("vehicle", source_gsd_m) is not None) is expected


def test_between_two_measured_gsds_is_validated_and_the_nearest_is_cited() -> None:
    meta = _meta(holdout=_entry(0.5), **{"holdout@2": _entry(2.0)})
    why = meta.validation("vehicle", 1.8)
    assert why is not None and "holdout@2" in why and "AP50 0.80" in why
    assert meta.validation("vehicle", 2.6) is None


def test_at_the_same_gsd_a_real_sensor_is_cited_before_degraded_imagery() -> None:
    degraded = {**_entry(3.0), "data": "hold-out, degraded to 3 m"}
    real = {**_entry(3.0), "data": "real PlanetScope scenes"}
    for scores in (
        {"holdout@3": degraded, "holdout@3-planetscope": real},
        {"holdout@3-planetscope": real, "holdout@3": degraded},
    ):
        why = _meta(holdout=_entry(0.5), **scores).validation("vehicle", 3.0)
        assert why is not None and "holdout@3-planetscope" in why and "real 3 m imagery" in why


def test_only_marked_real_target_scores_validate() -> None:
    assert _meta(holdout=_entry(0.5, validates=False)).validation("vehicle", 0.5) is None
    unmarked = _entry(0.5)
    del unmarked["validates"]  # type: ignore[attr-defined]
    assert _meta(holdout=unmarked).validation("vehicle", 0.5) is None
    assert _meta(holdout=_entry(0.5)).validation("tent", 0.5) is None  # another class's score
    assert _meta(holdout=_entry(0.5)).validation("vehicle", float("nan")) is None


def test_bundled_models_aircraft_validated_vehicle_and_tent_not() -> None:
    from forcewatch.detect.registry import load_detector

    assert load_detector("aircraft").meta.validation("aircraft", 0.5) is not None
    assert load_detector("aircraft").meta.validation("aircraft", 3.0) is not None
    assert load_detector("vehicle").meta.validation("vehicle", 0.3) is None  # civilian cars
    assert load_detector("tent").meta.validation("tent", 0.5) is None  # synthetic tents


def _obs(counts: dict[str, int], validated: dict[str, str] | None = None, oid: int = 1) -> Observation:
    return Observation(
        1, 7, "2022-02-10T00:00:00Z", counts, 1.0, POLY, "m", "s", {}, "0", oid, validated=validated or {}
    )


def _det(did: int, cls: str = "vehicle", oid: int = 1) -> StoredDetection:
    return StoredDetection(did, oid, 7, 1, Detection(cls, 0.9, (0, 0, 1, 1), 5, 2, "small", "m", 7, POLY), "t")


def _label(status: str, det: int | None, when: str = "2026-01-01T00:00:00Z", cls: str = "vehicle") -> Label:
    return Label(7, cls, status, POLY, "ana", when, 1, det)


def test_counts_split_into_findings_and_candidates() -> None:
    o = _obs({"aircraft": 3, "vehicle": 80}, {"aircraft": "scored"})
    assert o.validated_counts == {"aircraft": 3} and o.candidate_counts == {"vehicle": 80}
    assert o.count_text() == "3 aircraft; unvalidated candidates: 80 vehicle"
    assert o.count_text(include_unvalidated=False) == "3 aircraft"
    assert findings(o.counts, o.validated, include_unvalidated=False) == {"aircraft": 3}
    assert findings(o.counts, o.validated, include_unvalidated=True) == {"aircraft": 3, "vehicle": 80}


def test_a_class_reviewed_in_full_counts_what_the_analyst_kept() -> None:
    o = _obs({"vehicle": 3})
    dets = [_det(1), _det(2), _det(3), _det(9, oid=2)]  # detection 9 belongs to another observation
    labels = [
        _label("accepted", 1),
        _label("accepted", 2, "2026-01-01T00:00:00Z"),
        _label("rejected", 2, "2026-01-02T00:00:00Z"),  # changed their mind: the latest counts
        _label("rejected", 3),
        _label("added", None),
    ]
    reviews = class_reviews(o, dets, labels)
    r = reviews["vehicle"]
    assert (r.accepted, r.rejected, r.added, r.count) == (1, 2, 1, 2)
    got = reviewed(o, reviews)
    assert got.counts == {"vehicle": 2} and got.validated["vehicle"].startswith("reviewed by ana on 2026-01-02")
    assert rejected_ids(labels) == {2, 3}


def test_a_partial_review_leaves_the_class_a_candidate() -> None:
    o = _obs({"vehicle": 3})
    reviews = class_reviews(o, [_det(1), _det(2), _det(3)], [_label("accepted", 1), _label("rejected", 2)])
    assert reviews == {} and reviewed(o, reviews) is o


def test_objects_drawn_where_the_model_found_none_are_a_review() -> None:
    o = _obs({"vehicle": 0})
    r = class_reviews(o, [], [_label("added", None), _label("added", None)])["vehicle"]
    assert r.count == 2 and r.rejected == 0
    assert class_reviews(o, [], []) == {}
    # a label of another scene says nothing of this one
    assert class_reviews(o, [], [replace(_label("added", None), scene_id=8)]) == {}


def test_merging_by_scene_keeps_what_each_model_validated() -> None:
    a = replace(_obs({"aircraft": 3}, {"aircraft": "scored"}), model_id="a")
    v = replace(_obs({"vehicle": 80}, oid=2), model_id="v")
    (merged,) = merge_by_scene([a, v])
    assert merged.validated == {"aircraft": "scored"} and merged.candidate_counts == {"vehicle": 80}
