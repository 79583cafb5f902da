"""Validated or not, in the assessments: estimates correct only validated counts (each with the
scores of the model that made it; an analyst's reviewed count as it stands), alerts fire only on
validated classes and camps, and ``--include-unvalidated`` changes that and says so. Pure tests on
values built here, then a GeoPackage workspace with a fine-tuned workspace model, through the CLI."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from shapely.geometry import Point, box

from forcewatch.app.assess import estimate, run_alerts
from forcewatch.app.models import add_model
from forcewatch.app.workspace import init
from forcewatch.assess.alerts import INCLUDED_SUFFIX, alerts_to_raise, evaluate_rule
from forcewatch.assess.estimate import (
    CANDIDATES,
    NO_MODEL,
    NO_SCORES,
    DetectorQuality,
    NotEstimated,
    Range,
    UnitRule,
    class_estimate,
    corrected_count,
    quality_from_scores,
    site_estimate,
    site_estimates,
)
from forcewatch.assess.rules import Delivery, Rule, RuleSet, parse_rules
from forcewatch.assess.validation import INCLUDED_NOTE, class_reviews, reviewed
from forcewatch.detect.metadata import ModelMeta
from forcewatch.detect.onnx_backend import read_meta
from forcewatch.detect.registry import bundled_models, load_detector
from forcewatch.errors import InputError
from forcewatch.model import (
    CampChange,
    Comparison,
    Detection,
    Label,
    Observation,
    Scene,
    Site,
    StoredDetection,
    validated_on_both,
)
from tests.assess.test_alerts import COMP, _site, camp
from tests.assess.test_alerts_run import MemoryStore
from tests.cli.helpers import run_ok

BATTALION = UnitRule("bn", "battalion equivalents", "vehicle", Range(30, 40, 50), Range(300, 400, 500), ("test",))
SQUADRON = UnitRule("sqn", "squadron equivalents", "aircraft", Range(10, 12, 16), Range(100, 150, 250), ("test",))
RULES = [BATTALION, SQUADRON]
BUNDLED_VEHICLE = read_meta(bundled_models()["vehicle"]).model_id  # the INT8 copy of vehicle-0.3m-v2
POLY = box(0, 0, 1, 1)


def _holdout(
    cls: str, precision: float, recall: float, validates: bool, gsd_m: float | None = 0.3
) -> dict[str, object]:
    """A ``holdout`` score entry as ``forcewatch evaluate --record`` / ``train`` write it."""
    entry: dict[str, object] = {
        "data": f"{cls} hold-out",
        "validates": validates,
        "classes": {cls: {"precision": precision, "recall": recall, "n_gt": 120, "n_detections": 100, "ap50": 0.7}},
    }
    if gsd_m is not None:
        entry["gsd_m"] = gsd_m
    return entry


def _meta(model_id: str, scores: dict[str, object]) -> ModelMeta:
    return ModelMeta(
        model_id, ("vehicle",), 0.3, 8, 512, 64, (0, 0, 0), (1, 1, 1), 0.5, 0.5, "1", "x", "d", scores=scores
    )


def _scanned(meta: ModelMeta, sha: str, counts: dict[str, int], gsd_m: float = 0.3, oid: int = 1) -> Observation:
    """An observation as a scan records it: validated where the model's metadata says so."""
    why = {c: w for c in counts if (w := meta.validation(c, gsd_m)) is not None}
    return Observation(1, 7, "2022-02-10T09:00:00Z", counts, 1.0, POLY, meta.model_id, sha, {}, "0", oid, validated=why)


# ---- estimates, pure

FINE_TUNED = _meta("vehicle-ft-v1", {"holdout": _holdout("vehicle", 0.8, 0.9, validates=True)})
CARS = _meta("vehicle-cars", {"holdout": _holdout("vehicle", 0.5, 0.4, validates=False, gsd_m=None)})


def test_a_fine_tuned_model_validated_by_its_holdout_is_corrected_with_that_score() -> None:
    obs = _scanned(FINE_TUNED, "ft", {"vehicle": 40})
    assert "vehicle" in obs.validated  # the holdout entry marked validates, at this GSD
    est = site_estimate("Park", [obs], FINE_TUNED.model_id, "ft", FINE_TUNED.scores, RULES, {7: 0.3})
    (e,) = est.classes
    assert e.corrected == corrected_count(40, DetectorQuality("vehicle-ft-v1", 0.8, 0.9, 120, 100))
    assert e.corrected.central == pytest.approx(40 * 0.8 / 0.9)
    assert e.validated == obs.validated["vehicle"] and e.unit == "battalion equivalents"
    assert e.assumptions[0] == f"vehicle validated: {obs.validated['vehicle']}"
    assert est.not_estimated == [] and est.includes_unvalidated == []
    assert est.to_json()["note"] is None


def test_an_unvalidated_class_is_not_estimated_unless_included() -> None:
    obs = _scanned(CARS, "cars", {"vehicle": 31})
    assert obs.validated == {}
    est = site_estimate("Park", [obs], CARS.model_id, "cars", CARS.scores, RULES)
    assert est.classes == []
    (n,) = est.not_estimated
    assert (n.class_name, n.detected, n.status) == ("vehicle", 31, CANDIDATES)
    assert n.text() == "not estimated: unvalidated candidates (31 vehicle)"
    assert "Fix:" in n.why and "--include-unvalidated" in n.why
    assert est.to_json()["not_estimated"] == [n.to_json()]

    included = site_estimate("Park", [obs], CARS.model_id, "cars", CARS.scores, RULES, include_unvalidated=True)
    (e,) = included.classes
    assert e.validated is None and e.corrected.central == pytest.approx(31 * 0.5 / 0.4)
    assert e.assumptions[0] == f"vehicle by vehicle-cars: {INCLUDED_NOTE}"
    assert included.includes_unvalidated == ["vehicle"] and included.not_estimated == []
    doc = included.to_json()
    assert doc["note"] == INCLUDED_NOTE and doc["includes_unvalidated"] == ["vehicle"]


def test_a_reviewed_class_is_the_analysts_count_not_corrected() -> None:
    """An analyst's full review (accepted, rejected, drawn) validates the class and is its count."""
    obs = _scanned(CARS, "cars", {"vehicle": 3})
    dets = [
        StoredDetection(i, 1, 7, 1, Detection("vehicle", 0.9, (0, 0, 1, 1), 5, 2, "small", "m", 7, POLY), "t")
        for i in (1, 2, 3)
    ]
    labels = [
        Label(7, "vehicle", status, POLY, "ana", "2022-02-11T10:00:00Z", 1, det)
        for status, det in (("accepted", 1), ("accepted", 2), ("rejected", 3), ("added", None), ("added", None))
    ]
    seen = reviewed(obs, class_reviews(obs, dets, labels))
    assert seen.counts == {"vehicle": 4} and seen.validated["vehicle"].startswith("reviewed by ana")
    # the model's scores are not needed (and not used): even a model gone from the workspace
    for scores in (CARS.scores, None):
        est = site_estimate("Park", [seen], CARS.model_id, "cars", scores, RULES)
        (e,) = est.classes
        assert e.corrected == Range(4, 4, 4) and e.detected == 4
        assert e.assumptions[0] == f"vehicle: reviewed count, not corrected ({seen.validated['vehicle']})"
        assert e.units is not None and e.units.central == pytest.approx(4 / 40)


def test_classes_that_cannot_be_corrected_are_listed_with_why() -> None:
    obs = _scanned(FINE_TUNED, "ft", {"vehicle": 40})
    gone = class_estimate(obs, "vehicle", None, RULES)
    assert isinstance(gone, NotEstimated) and gone.status == NO_MODEL and "forcewatch model add" in gone.why
    no_scores = class_estimate(obs, "vehicle", {}, RULES)
    assert isinstance(no_scores, NotEstimated) and no_scores.status == NO_SCORES
    assert "--record holdout" in no_scores.why


def test_a_validated_class_is_corrected_with_the_entry_that_validates_it() -> None:
    """Of the hold-out entries, a validated count takes those marked ``validates`` (real imagery of
    its targets), even where an unmarked one fits the date's GSD better."""
    scores: dict[str, object] = {
        "holdout": _holdout("vehicle", 0.5, 0.4, validates=False, gsd_m=0.3),  # civilian cars at 0.3 m
        "holdout@0.35": _holdout("vehicle", 0.8, 0.9, validates=True, gsd_m=0.35),  # the user's parks
    }
    meta = _meta("m", scores)
    obs = _scanned(meta, "m", {"vehicle": 10})
    assert "holdout@0.35" in obs.validated["vehicle"]
    (e,) = site_estimate("P", [obs], "m", "m", scores, RULES, {7: 0.3}).classes
    assert e.corrected.central == pytest.approx(10 * 0.8 / 0.9)
    # included, an unvalidated count is corrected by the entry that fits its GSD, whatever it is
    (u,) = site_estimate(
        "P", [replace(obs, validated={})], "m", "m", scores, RULES, {7: 0.3}, include_unvalidated=True
    ).classes
    assert u.corrected.central == pytest.approx(10 * 0.5 / 0.4)


def test_each_model_that_observed_a_site_is_estimated_with_its_own_scores() -> None:
    aircraft = _meta("aircraft-m", {"holdout": _holdout("aircraft", 0.9, 0.6, validates=True, gsd_m=0.3)})
    observations = [
        _scanned(aircraft, "air", {"aircraft": 12}, oid=1),
        _scanned(FINE_TUNED, "ft", {"vehicle": 40}, oid=2),
        _scanned(CARS, "cars", {"vehicle": 300}, oid=3),
    ]
    scores = {"air": aircraft.scores, "ft": FINE_TUNED.scores, "cars": CARS.scores}
    ests = site_estimates("Base", observations, scores, RULES, {7: 0.3})
    assert [e.observation.model_id for e in ests if e.observation] == ["aircraft-m", "vehicle-cars", "vehicle-ft-v1"]
    air, cars, ft = ests
    assert air.classes[0].corrected.central == pytest.approx(12 * 0.9 / 0.6)
    assert ft.classes[0].corrected.central == pytest.approx(40 * 0.8 / 0.9)
    assert cars.classes == [] and cars.not_estimated[0].text() == "not estimated: unvalidated candidates (300 vehicle)"
    assert site_estimates("Empty", [], scores, RULES)[0].observation is None


# ---- alerts, pure

VEHICLES = replace(
    COMP,
    summary={"vehicle": {"before": 10, "after": 60, "arrived": 50, "departed": 0, "stayed": 10, "not_observed": 0}},
)
UP = Rule("vehicles up", "count_increase", "vehicle", min_increase=20)


def test_a_count_rule_fires_only_on_a_class_validated_on_both_dates() -> None:
    assert "vehicle" not in VEHICLES.validated
    assert evaluate_rule(UP, "Park", VEHICLES, [], None) is None
    text = "vehicles up: vehicle at Park up from 10 to 60 (+50) between 2022-01-20 → 2022-02-10"
    assert evaluate_rule(UP, "Park", VEHICLES, [], None, include_unvalidated=True) == text + INCLUDED_SUFFIX
    assert evaluate_rule(replace(UP, include_unvalidated=True), "Park", VEHICLES, [], None) == text + INCLUDED_SUFFIX
    validated = replace(VEHICLES, validated={"vehicle": "reviewed by ana"})
    assert evaluate_rule(UP, "Park", validated, [], None) == text  # a validated class: no note
    assert evaluate_rule(UP, "Park", validated, [], None, include_unvalidated=True) == text


def test_a_camp_fires_only_when_all_its_objects_are_validated() -> None:
    rule = Rule("tents", "new_camp", min_tents=10)
    camps = [camp("new", "tent camp", 40, 0, 2e4, 0), camp("new", "tent camp", 20, 5, 1e4, 0)]
    tents_only = replace(COMP, validated={"tent": "scored"})  # vehicles unvalidated
    msg = evaluate_rule(rule, "Yelsk", tents_only, [], None, camps)
    assert msg is not None and "40 tents, 0 vehicles" in msg and INCLUDED_NOTE not in msg  # the validated camp
    msg = evaluate_rule(rule, "Yelsk", tents_only, [], None, camps[1:])  # 5 unvalidated vehicles in it
    assert msg is None
    msg = evaluate_rule(rule, "Yelsk", tents_only, [], None, camps[1:], include_unvalidated=True)
    assert msg is not None and msg.endswith(INCLUDED_SUFFIX)


def test_new_activity_is_not_a_count_and_fires_either_way() -> None:
    rule = Rule("a", "new_activity", min_area_ha=1.0)
    assert evaluate_rule(rule, "L", replace(COMP, validated={}), [1.5], None) == (
        "a: new activity of 1.50 ha at L between 2022-01-20 → 2022-02-10"
    )


def test_the_rules_file_may_include_unvalidated_candidates() -> None:
    doc = {
        "rules": [
            {"when": "new_camp", "min_tents": 5, "include_unvalidated": True},
            {"when": "new_activity", "min_area_ha": 1},
        ]
    }
    one = parse_rules(doc, Path("r.yaml")).rules
    assert [r.include_unvalidated for r in one] == [True, False]
    every = parse_rules({**doc, "include_unvalidated": True}, Path("r.yaml")).rules
    assert [r.include_unvalidated for r in every] == [True, True]
    with pytest.raises(InputError, match=r"r\.yaml, rules\[0\]: include_unvalidated is 'yes', not true or false"):
        parse_rules({"rules": [{"when": "new_camp", "min_tents": 5, "include_unvalidated": "yes"}]}, Path("r.yaml"))
    with pytest.raises(InputError, match=r"r\.yaml: include_unvalidated is 1"):
        parse_rules({**doc, "include_unvalidated": 1}, Path("r.yaml"))


def test_run_alerts_withholds_unvalidated_candidates_and_says_what(tmp_path: Path) -> None:
    store = MemoryStore([_site("Park", 1)], [VEHICLES])
    rules = RuleSet((UP,), Delivery(jsonl=tmp_path / "a.jsonl"))
    first = run_alerts(store, rules)  # type: ignore[arg-type]
    text = "vehicles up: vehicle at Park up from 10 to 60 (+50) between 2022-01-20 → 2022-02-10"
    assert first.raised == [] and first.withheld == [text] and not (tmp_path / "a.jsonl").exists()
    second = run_alerts(store, rules, include_unvalidated=True)  # type: ignore[arg-type]
    assert second.raised == [text + INCLUDED_SUFFIX] and second.withheld == []
    (line,) = (tmp_path / "a.jsonl").read_text().splitlines()
    assert json.loads(line)["includes_unvalidated"] is True
    assert alerts_to_raise([], rules.rules, True) == []


# ---- a workspace with a fine-tuned model, through the app and the CLI

UTM35 = "EPSG:32635"
LAT, LON = 52.27, 26.80


def _fine_tuned(folder: Path) -> Path:
    """A copy of the bundled vehicle model with a validating ``holdout`` entry, as train writes it."""
    from forcewatch.train.export import update_metadata

    path = folder / "model.onnx"
    shutil.copyfile(bundled_models()["vehicle"], path)
    update_metadata(
        path,
        model_id="vehicle-parks-v1",
        scores={"holdout": {**_holdout("vehicle", 0.8, 0.9, validates=True, gsd_m=0.3), "data": "3 held-out chips"}},
    )
    return path


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Luninets on two 0.3 m dates: aircraft (bundled, validated), vehicles by the fine-tuned
    workspace model (validated by its holdout) and by the bundled vehicle model (candidates); a
    comparison whose vehicles rose and a tent camp appeared."""
    root = tmp_path_factory.mktemp("validation")
    folder = root / "ws"
    store, _ = init(folder)
    with store:
        add_model(store, _fine_tuned(root), "parks")
        ft = load_detector(str(folder / "models" / "parks.onnx"))
        models = (load_detector("aircraft"), ft, load_detector("vehicle"))
        with store.transaction():
            site = store.add_site(Site("Luninets", Point(LON, LAT).buffer(0.02), "airfield", "", LAT, LON, 2000))
            assert site.id is not None
            stored: list[list[Observation]] = []
            for i, day in enumerate(("2022-01-20", "2022-02-10")):
                transform = (0.3, 0.0, 0.0, 0.0, -0.3, 0.0)
                scene = store.add_scene(
                    Scene(f"/s{i}.tif", f"sha{i}", f"{day}T09:00:00Z", "t", UTM35, transform, 100, 100, 0.3,
                          site.aoi.buffer(0.01), "embedded")
                )  # fmt: skip
                assert scene.id is not None
                store.link(scene.id, site.id, 1.0)
                counts = ({"aircraft": 12 + 3 * i}, {"vehicle": 40 + 20 * i}, {"vehicle": 300})
                stored.append([])
                for model, c in zip(models, counts, strict=True):
                    why = {k: w for k in c if (w := model.meta.validation(k, 0.3)) is not None}
                    o = Observation(site.id, scene.id, scene.acquired, c, 1.0, site.aoi, model.model_id, model.sha256,
                                    {}, "0", validated=why)  # fmt: skip
                    stored[-1].append(store.add_observation(o, []))
            # the bundled vehicle model's comparison: 300 → 300 vehicles, and a tent camp (tents unvalidated)
            early, late = stored[0][2], stored[1][2]
            tent_camp = CampChange("new", "tent camp", {"tent": 30}, 0, 2e4, 0.0, site.aoi, late.acquired)
            summary = {"vehicle": {"before": 300, "after": 300, "arrived": 0, "departed": 0, "stayed": 300}}
            store.add_comparison(
                Comparison(site.id, early, late, 0, 0, 0, 1, summary, camps=(tent_camp,),
                           validated=validated_on_both(early, late))
            )  # fmt: skip
            early, late = stored[0][1], stored[1][1]  # the fine-tuned model's: 40 → 60 vehicles, validated
            summary = {"vehicle": {"before": 40, "after": 60, "arrived": 20, "departed": 0, "stayed": 40}}
            store.add_comparison(
                Comparison(site.id, early, late, 0, 0, 0, 1, summary, validated=validated_on_both(early, late))
            )
    return folder


def test_the_workspace_estimate_uses_each_observations_own_model(workspace: Path) -> None:
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        result = estimate(store)
        by_model = {e.observation.model_id: e for e in result.sites if e.observation}
        air = load_detector("aircraft")
        assert set(by_model) == {air.model_id, "vehicle-parks-v1", BUNDLED_VEHICLE}
        ft = by_model["vehicle-parks-v1"]
        (v,) = ft.classes
        assert v.detected == 60 and v.corrected.central == pytest.approx(60 * 0.8 / 0.9)
        assert v.validated is not None and "vehicle-parks-v1 scored on real 0.3 m imagery" in v.validated
        (a,) = by_model[air.model_id].classes
        assert a.corrected == corrected_count(
            15, quality_from_scores(air.model_id, air.meta.scores, "aircraft", gsd_m=0.3)
        )
        cars = by_model[BUNDLED_VEHICLE]
        assert cars.classes == [] and [n.text() for n in cars.not_estimated] == [
            "not estimated: unvalidated candidates (300 vehicle)"
        ]
        assert result.to_json()["note"] is None and result.model_id is None

        included = estimate(store, include_unvalidated=True)
        cars = next(e for e in included.sites if e.observation and e.observation.model_id == BUNDLED_VEHICLE)
        (c,) = cars.classes
        kit = load_detector("vehicle").meta.scores
        assert c.corrected == corrected_count(300, quality_from_scores(BUNDLED_VEHICLE, kit, "vehicle"))
        assert included.note == INCLUDED_NOTE and cars.includes_unvalidated == ["vehicle"]

        only = estimate(store, model="vehicle")
        assert [e.observation.model_id for e in only.sites if e.observation] == [BUNDLED_VEHICLE]
        assert only.model_id == BUNDLED_VEHICLE
        parks = estimate(store, model="parks")  # a workspace model, by its name
        assert [e.observation.model_id for e in parks.sites if e.observation] == ["vehicle-parks-v1"]


def test_estimate_cli_sets_unvalidated_candidates_apart(workspace: Path) -> None:
    table = run_ok("estimate", "-w", str(workspace))
    assert "not estimated: unvalidated candidates (300 vehicle)" in table
    assert "vehicle-parks-v1" in table and "battalion" in table.lower()
    assert "vehicle: reviewed count" not in table and INCLUDED_NOTE not in table
    assert "no analyst review validates its vehicle count" in table  # the reason, in the notes
    included = run_ok("estimate", "-w", str(workspace), "--include-unvalidated")
    assert INCLUDED_NOTE in included and "vehicle (unvalidated)" in included
    assert "not estimated" not in included
    doc = json.loads(run_ok("estimate", "-w", str(workspace), "--include-unvalidated", "--json"))
    assert doc["include_unvalidated"] is True and doc["note"] == INCLUDED_NOTE
    cars = next(s for s in doc["sites"] if s["model"] == BUNDLED_VEHICLE)
    assert cars["includes_unvalidated"] == ["vehicle"] and cars["classes"][0]["validated"] is None
    doc = json.loads(run_ok("estimate", "-w", str(workspace), "--json"))
    cars = next(s for s in doc["sites"] if s["model"] == BUNDLED_VEHICLE)
    assert cars["classes"] == [] and cars["not_estimated"][0]["status"] == CANDIDATES


def test_alerts_cli_fires_on_validated_counts_and_includes_candidates_only_when_asked(
    workspace: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "ws"
    shutil.copytree(workspace, folder)  # alerts are queued in the store: a copy per test
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n  - name: vehicles up\n    when: count_increase\n    class: vehicle\n    min_increase: 10\n"
        "  - name: tents erected\n    when: new_camp\n    min_tents: 10\n",
        encoding="utf-8",
    )
    out = run_ok("alerts", "--rules", str(rules), "-w", str(folder))
    assert "ALERT vehicles up: vehicle at Luninets up from 40 to 60 (+20)" in out  # the fine-tuned, validated
    assert "ALERT tents erected" not in out and "1 new alert(s)" in out
    assert "not raised (unvalidated candidates; --include-unvalidated raises it): tents erected: tent camp new" in out
    out = run_ok("alerts", "--rules", str(rules), "--include-unvalidated", "-w", str(folder))
    assert "ALERT tents erected: tent camp new at Luninets: 30 tents" in out and INCLUDED_SUFFIX in out
    assert "1 new alert(s)" in out and "not raised" not in out
