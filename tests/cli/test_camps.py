"""Tents and camps through the CLI: detect --json lists tents and camps; compare reports a camp
that appeared between two dates (SYNTHETIC tents drawn on a synthetic airfield's grass)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from forcewatch.assess.validation import INCLUDED_NOTE
from forcewatch.cli import _register
from forcewatch.imagery.synthetic import render_airfield, write_geotiff
from forcewatch.synth.scenes import SceneSpec, render_scene
from tests.cli.helpers import run_ok as _run

LAT, LON = 52.25, 26.80


def _dates(tmp_path: Path) -> tuple[Path, Path, int]:
    """An empty field on 20 January; the same field with two tent camps on 10 February."""
    _register()
    bg, _ = render_airfield(1400, 900, 0.5, [], seed=11)
    before = write_geotiff(bg, tmp_path / "before.tif", LAT, LON, 0.5, "2022-01-20T09:00:00Z")
    spec = SceneSpec(tent_camp_p=1.0, vehicle_park_p=0.0, max_camps=2, scattered_vehicles=0)
    rng = np.random.default_rng(21)
    img, placed = render_scene(bg, 0.5, rng, spec)
    tents = sum(p.class_name == "tent" for p in placed)
    after = write_geotiff(img, tmp_path / "after.tif", LAT, LON, 0.5, "2022-02-10T09:00:00Z")
    return before, after, tents


@pytest.fixture
def dates(tmp_path: Path) -> tuple[Path, Path, int]:
    return _dates(tmp_path)


def test_detect_json_lists_tents_and_camps(dates: tuple[Path, Path, int]) -> None:
    _, after, tents = dates
    doc = json.loads(_run("detect", str(after), "--json"))
    assert {m["model"].split("-")[0] for m in doc["models"]} == {"aircraft", "vehicle", "tent"}
    found = [d for d in doc["detections"] if d["class"] == "tent"]
    assert abs(len(found) - tents) <= max(3, 0.25 * tents), (len(found), tents)
    d = found[0]
    assert set(d) >= {"class", "score", "box", "length_m", "width_m", "size_class"}
    assert 3.0 <= d["length_m"] <= 15.0
    camps = [c for c in doc["camps"] if c["kind"] == "tent camp"]
    assert camps and sum(c["counts"]["tent"] for c in camps) >= 0.7 * tents
    assert all(c["area_ha"] > 0 and c["density_per_ha"] > 0 for c in camps)
    assert camps[0]["polygon_wkt"].startswith("POLYGON ((26.")  # lon/lat: the image is georeferenced


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A workspace with both dates scanned by the aircraft and tent models, and the tents drawn.
    Tests change their own copy (:func:`_copy`)."""
    tmp = tmp_path_factory.mktemp("camps")
    before, after, tents = _dates(tmp)
    ws = tmp / "ws"
    _run("init", str(ws), "--example", "ukraine-2022")
    _run("ingest", str(before), str(after), "-w", str(ws))
    _run("scan", "--model", "aircraft", "--model", "tent", "-w", str(ws))
    return ws, tents


def _copy(scanned: tuple[Path, int], tmp_path: Path) -> tuple[Path, int]:
    ws = tmp_path / "ws"
    shutil.copytree(scanned[0], ws)
    return ws, scanned[1]


def _tents_rule(tmp_path: Path) -> Path:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - name: tents erected\n    when: new_camp\n    min_tents: 3\n", encoding="utf-8")
    return rules


def test_an_unvalidated_tent_camp_is_a_candidate_not_a_finding(scanned: tuple[Path, int], tmp_path: Path) -> None:
    """The bundled tent model is not validated (its hold-out is synthetic): its new camp is set apart
    as a candidate, never an event, an estimate or an alert."""
    ws, tents = _copy(scanned, tmp_path)
    doc = json.loads(_run("compare", "Luninets airfield", "-w", str(ws), "--json"))
    assert doc["unvalidated"] == ["tent"] and "tent" not in doc["validated"]
    assert doc["camps"] == [] and doc["unvalidated_included"] is False
    new = [c for c in doc["candidate_camps"] if c["status"] == "new" and c["kind"] == "tent camp"]
    assert new and sum(c["counts"]["tent"] for c in new) >= 0.7 * tents and not any(c["validated"] for c in new)
    assert doc["classes"]["tent"]["arrived"] >= 0.7 * tents  # the change is still counted, as a candidate
    table = _run("compare", "Luninets airfield", "-w", str(ws))
    assert "tent camp new" not in table
    hidden = len(doc["candidate_camps"])
    assert f"{hidden} camp event(s) from unvalidated candidates not shown (--include-unvalidated shows them)" in table
    est = _run("estimate", "--model", "tent", "--site", "Luninets airfield", "-w", str(ws))
    assert "people housed" not in est and "not estimated: unvalidated candidates" in est
    alerts = _run("alerts", "--rules", str(_tents_rule(tmp_path)), "-w", str(ws))
    assert "0 new alert(s)" in alerts and "ALERT tents erected" not in alerts
    brief = tmp_path / "brief.html"
    _run("report", "--out", str(brief), "-w", str(ws))
    # the main file and the sites' own pages: the camp is nowhere a finding, and set apart in Luninets' section
    texts = [brief.read_text(), *(p.read_text() for p in (tmp_path / "brief-sites").glob("*.html"))]
    assert not any("tent camp new:" in t for t in texts) and "unvalidated candidates" in texts[0]
    (section,) = [t for t in texts if "<h2>Luninets airfield <small>" in t]
    assert "camp event(s) left out of the findings" in section[section.index('<div class="candidates"') :]


def test_compare_reports_the_new_camp_with_unvalidated_included(scanned: tuple[Path, int], tmp_path: Path) -> None:
    ws, tents = _copy(scanned, tmp_path)
    doc = json.loads(_run("compare", "Luninets airfield", "-w", str(ws), "--json", "--include-unvalidated"))
    new = [c for c in doc["camps"] if c["status"] == "new" and c["kind"] == "tent camp"]
    assert new and sum(c["counts"]["tent"] for c in new) >= 0.7 * tents
    assert doc["classes"]["tent"]["arrived"] >= 0.7 * tents
    assert doc["note"] == INCLUDED_NOTE
    table = _run("compare", "Luninets airfield", "-w", str(ws), "--include-unvalidated")
    assert "tent camp new (2022-02-10)" in table and INCLUDED_NOTE in table
    est = _run("estimate", "--model", "tent", "--site", "Luninets airfield", "-w", str(ws), "--include-unvalidated")
    assert "people housed" in est and "SYNTHETIC" in est  # the tent model's hold-out is synthetic, and says so
    assert INCLUDED_NOTE in " ".join(est.split())
    rules = _tents_rule(tmp_path)
    alerts = _run("alerts", "--rules", str(rules), "-w", str(ws), "--include-unvalidated")
    assert "tents erected: tent camp new at Luninets airfield" in alerts
    brief = tmp_path / "brief.html"
    _run("report", "--out", str(brief), "-w", str(ws), "--include-unvalidated")
    assert "tent camp new:" in brief.read_text() and INCLUDED_NOTE in brief.read_text()
    out = tmp_path / "out.gpkg"
    _run("export", "--format", "gpkg", "--out", str(out), "-w", str(ws))
    import sqlite3

    con = sqlite3.connect(out)
    assert con.execute("SELECT count(*) FROM camps WHERE status = 'new'").fetchone()[0] == len(new)
