"""Claimed counts against what a workspace observed: the pure comparison on values built here,
then ``forcewatch claims -w`` over a GeoPackage workspace, and the errors for non-text input."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest
from shapely.geometry import Point
from typer.testing import CliRunner

from forcewatch.app.assess import claims
from forcewatch.app.workspace import init
from forcewatch.assess.claims import EquipmentClaim, find_claims
from forcewatch.assess.claims_observed import NearSite, compare_count, nearest_site
from forcewatch.cli import _register, app
from forcewatch.detect.registry import load_detector
from forcewatch.errors import InputError
from forcewatch.model import Observation, Scene, Site
from tests.assess.test_claims_reports import BELARUS

AIRCRAFT_SHA = "a" * 64
VEHICLE_SHA = "v" * 64
#: why the aircraft counts of these observations are validated, as a scan records it
WHY = {"aircraft": "aircraft-1m-v1 scored on real 0.5 m imagery (holdout: AP50 0.95)"}
UTM35 = "EPSG:32635"
GRID = ((0.5, 0.0, 0.0, 0.0, -0.5, 0.0), 100, 100, 0.5)  # transform, width, height, GSD of a test scene


def _site(name: str, lat: float, lon: float, fid: int | None = 1) -> Site:
    return Site(name, Point(lon, lat).buffer(0.02), "airfield", "", lat, lon, 2000, fid)


def _obs(day: str, counts: dict[str, int], sha: str = AIRCRAFT_SHA, fid: int = 1) -> Observation:
    """An observation validated as a scan records it: the aircraft model's aircraft counts only."""
    validated = {c: why for c, why in WHY.items() if c in counts and sha == AIRCRAFT_SHA}
    return Observation(1, fid, f"{day}T09:00:00Z", counts, 1.0, None, "m", sha, {}, "0", fid, validated=validated)


def _claims() -> dict[str | None, EquipmentClaim]:
    return {e.type: e for e in find_claims(BELARUS).equipment}


def test_the_nearest_site_within_a_few_km() -> None:
    sites = [_site("far", 52.40, 26.80, 1), _site("Luninets airfield", 52.27, 26.80, 2)]
    near = nearest_site(52.2472, 26.8047, sites)
    assert (
        near is not None and near.site.name == "Luninets airfield" and near.distance_km == pytest.approx(2.6, abs=0.3)
    )
    assert nearest_site(52.2472, 26.8047, sites, within_km=1.0) is None
    assert nearest_site(52.27, 26.80, sites) == NearSite(sites[1], 0.0)  # inside the site


def test_a_count_against_the_latest_observation_on_or_before_the_date() -> None:
    su25 = _claims()["Su-25"]
    near = NearSite(_site("Luninets airfield", 52.27, 26.80), 2.6)
    history = [
        _obs("2021-11-28", {"aircraft": 14}, fid=1),
        _obs("2022-01-20", {"aircraft": 15}, fid=2),
        _obs("2022-02-10", {"aircraft": 30}, fid=3),
        _obs("2022-01-21", {"vehicle": 9}, VEHICLE_SHA, fid=4),  # another class: ignored
    ]
    il76 = replace(su25, type="Il-76", category="aircraft")  # a transport: what the aircraft model's hold-out holds
    o = compare_count(il76, near, history, dt.date(2021, 12, 1))
    assert o is not None and (o.count, o.acquired, o.status) == (14, "2021-11-28", "validated")
    assert o.text() == "claims 15 Il-76 at Luninets; observed 14 aircraft on 2021-11-28 (validated)"
    assert o.reason == WHY["aircraft"] and o.to_json()["reason"] == WHY["aircraft"]  # why it is validated
    latest = compare_count(il76, near, history)
    assert latest is not None and latest.count == 30


def test_combat_aircraft_are_never_validated_by_the_aircraft_models_score() -> None:
    """The aircraft model found none of 252 synthetic fighters, attack aircraft and helicopters: its
    aircraft count, validated for transports and airliners, is a candidate against a Su-25 claim,
    unless an analyst reviewed it."""
    su25 = _claims()["Su-25"]
    assert su25.category == "combat aircraft" and su25.observable == "aircraft"
    near = NearSite(_site("Luninets airfield", 52.27, 26.80), 2.6)
    o = compare_count(su25, near, [_obs("2021-11-28", {"aircraft": 14})])
    assert o is not None and (o.count, o.status) == (14, "unvalidated candidates")
    assert o.text() == "claims 15 Su-25 at Luninets; observed 14 aircraft on 2021-11-28 (unvalidated candidates)"
    assert o.reason.startswith("the aircraft model's hold-out holds no combat aircraft")
    review = {"aircraft": "reviewed by ana on 2021-11-29: 14 accepted, 0 rejected, 1 added"}
    reviewed = replace(_obs("2021-11-28", {"aircraft": 15}), validated=review)
    o = compare_count(su25, near, [reviewed])
    assert o is not None and (o.count, o.status) == (15, "validated") and o.reason.startswith("reviewed by ana")


def test_unvalidated_and_not_observed() -> None:
    grad = _claims()["BM-21"]  # several (3–9) launchers at Yelsk: counted as vehicles
    near = NearSite(_site("Yelsk camp", 51.80, 29.16), 1.0)
    o = compare_count(grad, near, [_obs("2022-01-20", {"vehicle": 31}, VEHICLE_SHA)])
    assert o is not None and o.status == "unvalidated candidates"
    assert o.text() == "claims 3–9 BM-21 at Yelsk; observed 31 vehicle on 2022-01-20 (unvalidated candidates)"
    assert "no analyst review validates it" in o.reason
    early = compare_count(grad, near, [_obs("2022-01-20", {"vehicle": 31}, VEHICLE_SHA)], dt.date(2022, 1, 1))
    assert early is not None and early.status == "not observed" and early.count is None
    assert "no observation of vehicle at Yelsk camp on or before 2022-01-01" in early.text()
    alone = compare_count(grad, None, [])
    assert alone is not None and "no watched site within 5 km of Yel’sk" in alone.text()
    assert compare_count(_claims()["S-400"], near, []) is None  # no count, no countable class


def test_the_observation_says_what_is_validated_not_the_model() -> None:
    """Validation is per observation: the same model's count is validated on one date (its score
    fits that GSD, or an analyst reviewed it) and an unvalidated candidate on another."""
    grad = _claims()["BM-21"]
    near = NearSite(_site("Yelsk camp", 51.80, 29.16), 1.0)
    reviewed = replace(
        _obs("2022-01-20", {"vehicle": 12}, VEHICLE_SHA, fid=1),
        validated={"vehicle": "reviewed by ana on 2022-01-21: 12 accepted, 19 rejected, 0 added"},
    )
    later = _obs("2022-02-10", {"vehicle": 40}, VEHICLE_SHA, fid=2)
    o = compare_count(grad, near, [reviewed, later], dt.date(2022, 2, 1))
    assert o is not None and (o.count, o.status) == (12, "validated") and o.reason.startswith("reviewed by ana")
    o = compare_count(grad, near, [reviewed, later])
    assert o is not None and (o.count, o.status) == (40, "unvalidated candidates")
    su25 = _claims()["Su-25"]
    coarse = replace(_obs("2021-11-28", {"aircraft": 14}), validated={})  # e.g. imagery coarser than its scores
    o = compare_count(su25, NearSite(_site("Luninets airfield", 52.27, 26.80), 2.6), [coarse])
    assert o is not None and o.status == "unvalidated candidates"


def _workspace(folder: Path) -> Path:
    air, veh = load_detector("aircraft"), load_detector("vehicle")
    store, _ = init(folder)
    with store, store.transaction():
        site = store.add_site(_site("Luninets airfield", 52.27, 26.80, None))
        footprint = site.aoi.buffer(0.01)
        for i, (day, n) in enumerate([("2021-11-28", 14), ("2022-02-10", 30)]):
            scene = store.add_scene(
                Scene(f"/s{i}.tif", f"sha{i}", f"{day}T09:00:00Z", "t", UTM35, *GRID, footprint, "embedded")
            )
            assert site.id is not None and scene.id is not None
            store.link(scene.id, site.id, 1.0)
            for model, counts in ((air, {"aircraft": n}), (veh, {"vehicle": 2 * n})):
                why = model.meta.validation(next(iter(counts)), GRID[3])  # as a scan records it
                store.add_observation(
                    Observation(
                        site.id,
                        scene.id,
                        scene.acquired,
                        counts,
                        1.0,
                        site.aoi,
                        model.model_id,
                        model.sha256,
                        {},
                        "0",
                        validated={c: why for c in counts if why is not None},
                    ),
                    [],
                )
    return folder


def test_claims_with_a_workspace(tmp_path: Path) -> None:
    ws = _workspace(tmp_path / "ws")
    article = tmp_path / "belarus.txt"
    article.write_text(BELARUS, encoding="utf-8")
    result = claims(article, workspace=ws, article_date="2021-12-01")
    texts = [o.text() for o in result.observed if o is not None]
    assert "claims 15 Su-25 at Luninets; observed 14 aircraft on 2021-11-28 (unvalidated candidates)" in texts
    assert result.workspace == ws and result.article_date == dt.date(2021, 12, 1)
    assert claims(article, workspace=ws).article_date == dt.date(2022, 1, 22)  # the text's own date

    _register()
    runner = CliRunner()
    res = runner.invoke(app, ["claims", str(article), "--json", "-w", str(ws)])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["article_date"] == "2022-01-22" and doc["workspace"] == str(ws)
    su25 = next(e for e in doc["equipment"] if e["type"] == "Su-25")
    assert su25["observed"]["status"] == "unvalidated candidates" and su25["observed"]["count"] == 14
    assert su25["observed"]["reason"].startswith("the aircraft model's hold-out holds no combat aircraft")
    assert su25["place"]["matched"] == "Luninyets" and su25["place"]["score"] == 100
    s400 = next(e for e in doc["equipment"] if e["type"] == "S-400")
    assert s400["count"] is None and s400["observed"] is None and s400["observable"] is None
    table = runner.invoke(app, ["claims", str(article), "-w", str(ws)], env={"COLUMNS": "250"})
    assert table.exit_code == 0, table.output
    assert "claims 15 Su-25 at Luninets; observed 14 aircraft on 2021-11-28 (unvalidated" in table.output
    assert "Kalinkavichy (95)" in table.output


def test_a_bundled_vehicle_count_is_an_unvalidated_candidate(tmp_path: Path) -> None:
    """The bundled vehicle model has no score on real military vehicles: its count at the claimed
    place is a candidate, while the aircraft count of the same workspace is validated."""
    ws = _workspace(tmp_path / "ws")
    article = tmp_path / "tanks.txt"
    article.write_text("On 28 November 2021, 40 T-72 tanks and 15 Il-76 were seen at Luninets.", encoding="utf-8")
    result = claims(article, workspace=ws, article_date="2021-12-01")
    texts = [o.text() for o in result.observed if o is not None]
    assert texts == [
        "claims 40 T-72 at Luninets; observed 28 vehicle on 2021-11-28 (unvalidated candidates)",
        "claims 15 Il-76 at Luninets; observed 14 aircraft on 2021-11-28 (validated)",
    ]


def test_claims_without_a_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORCEWATCH_WORKSPACE", raising=False)
    article = tmp_path / "a.txt"
    article.write_text(BELARUS, encoding="utf-8")
    result = claims(article)
    assert result.workspace is None and result.observed == []
    equipment = result.to_json()["equipment"]
    assert isinstance(equipment, list) and equipment and all(e["observed"] is None for e in equipment)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a binary file"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF"),
        ("Troops near Yelsk, été.".encode("latin-1"), "not UTF-8 text"),
    ],
)
def test_non_text_input_is_a_clear_error(tmp_path: Path, content: bytes, says: str) -> None:
    path = tmp_path / "article.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=rf"article\.txt: {says}.*Fix: give a UTF-8 text file"):
        claims(path)
    _register()
    res = CliRunner().invoke(app, ["claims", str(path)])
    assert res.exit_code != 0 and isinstance(res.exception, InputError)
