"""Tents and camps through the CLI: detect --json lists tents and camps; compare reports a camp
that appeared between two dates (SYNTHETIC tents drawn on a synthetic airfield's grass)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from forcewatch.cli import _register
from forcewatch.imagery.synthetic import render_airfield, write_geotiff
from forcewatch.synth.scenes import SceneSpec, render_scene
from tests.cli.helpers import run_ok as _run

LAT, LON = 52.25, 26.80


@pytest.fixture
def dates(tmp_path: Path) -> tuple[Path, Path, int]:
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


def test_compare_reports_the_new_camp(dates: tuple[Path, Path, int], tmp_path: Path) -> None:
    before, after, tents = dates
    ws = tmp_path / "ws"
    _run("init", str(ws), "--example", "ukraine-2022")
    _run("ingest", str(before), str(after), "-w", str(ws))
    _run("scan", "--model", "aircraft", "--model", "tent", "-w", str(ws))
    doc = json.loads(_run("compare", "Luninets airfield", "-w", str(ws), "--json"))
    new = [c for c in doc["camps"] if c["status"] == "new" and c["kind"] == "tent camp"]
    assert new and sum(c["counts"]["tent"] for c in new) >= 0.7 * tents
    assert doc["classes"]["tent"]["arrived"] >= 0.7 * tents
    assert "tent camp new (2022-02-10)" in _run("compare", "Luninets airfield", "-w", str(ws))
    est = _run("estimate", "--model", "tent", "--site", "Luninets airfield", "-w", str(ws))
    assert "people housed" in est and "SYNTHETIC" in est  # the tent model's hold-out is synthetic, and says so
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - name: tents erected\n    when: new_camp\n    min_tents: 3\n", encoding="utf-8")
    assert "tents erected: tent camp new at Luninets airfield" in _run("alerts", "--rules", str(rules), "-w", str(ws))
    brief = tmp_path / "brief.html"
    _run("report", "--out", str(brief), "-w", str(ws))
    assert "tent camp new:" in brief.read_text()
    out = tmp_path / "out.gpkg"
    _run("export", "--format", "gpkg", "--out", str(out), "-w", str(ws))
    import sqlite3

    con = sqlite3.connect(out)
    assert con.execute("SELECT count(*) FROM camps WHERE status = 'new'").fetchone()[0] == len(new)
