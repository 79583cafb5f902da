"""Every bundled model scans every scene; a class a scene is too coarse for is "not observable",
never a count of zero — in observations, status, timeline, compare, estimate and the brief."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest

from forcewatch.cli import _register
from forcewatch.detect.registry import load_detector
from forcewatch.imagery.synthetic import render_airfield, write_geotiff
from tests.cli.helpers import run_ok as _run

LAT, LON = 52.25, 26.80


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return two_gsd_workspace(tmp_path)


def two_gsd_workspace(tmp_path: Path) -> Path:
    """Luninets on 0.5 m imagery (20 January) and on 3 m imagery of the same ground (10 February),
    its site running all three models."""
    _register()
    folder = tmp_path / "ws"
    _run("init", str(folder), "--example", "ukraine-2022")
    fine, _ = render_airfield(1440, 960, 0.5, [(150 + 90 * k, 220.0, 40.0, 25.0 * k) for k in range(6)], seed=3)
    coarse = cv2.resize(fine, (240, 160), interpolation=cv2.INTER_AREA)
    a = write_geotiff(fine, tmp_path / "fine.tif", LAT, LON, 0.5, "2022-01-20T09:00:00Z")
    b = write_geotiff(coarse, tmp_path / "coarse.tif", LAT, LON, 3.0, "2022-02-10T09:00:00Z")
    _run("ingest", str(a), str(b), "-w", str(folder))
    # an airfield runs the aircraft model only; run all three to see what 3 m imagery cannot show
    _run("site", "set", "Luninets airfield", "--models", "aircraft,vehicle,tent", "-w", str(folder))
    return folder


def test_coarse_scene_records_vehicles_and_tents_as_not_observable(ws: Path) -> None:
    out = _run("scan", "-w", str(ws))
    assert (
        "not observable" in out
        and load_detector("aircraft").model_id in out
        and "vehicle-0.3m" in out
        and "tent-0.5m" in out
    )
    status = json.loads(_run("status", "-w", str(ws), "--json"))
    latest = next(r for r in status if r["site"] == "Luninets airfield")["latest"]
    assert latest["acquired"].startswith("2022-02-10")
    assert set(latest["not_observable"]) == {"vehicle", "tent"}
    for key in ("counts", "unvalidated_candidates"):  # never a zero, validated or not
        assert "vehicle" not in latest[key] and "tent" not in latest[key], key
    assert "3.00 m GSD is coarser than the 0.75 m" in latest["not_observable"]["vehicle"]
    assert latest["counts"]["aircraft"] >= 4  # aircraft are still seen at 3 m
    table = _run("status", "-w", str(ws))
    assert "tent, vehicle not observable" in table

    timeline = json.loads(_run("timeline", "Luninets airfield", "-w", str(ws), "--json"))
    first, second = timeline["observations"]
    # 0.5 m: vehicles and tents counted, as unvalidated candidates (not in the findings' counts)
    assert {"vehicle", "tent"} <= set(first["unvalidated_candidates"]) and first["not_observable"] == {}
    assert "vehicle" not in first["counts"] and set(first["validated"]) == {"aircraft"}
    included = json.loads(_run("timeline", "Luninets airfield", "-w", str(ws), "--json", "--include-unvalidated"))
    assert included["observations"][0]["counts"] == {**first["counts"], **first["unvalidated_candidates"]}
    assert set(second["unvalidated_candidates"]) == set() and "vehicle" not in second["counts"]
    assert set(second["not_observable"]) == {"vehicle", "tent"}

    doc = json.loads(_run("compare", "Luninets airfield", "-w", str(ws), "--json"))
    assert set(doc["not_observable"]) == {"vehicle", "tent"}
    assert set(doc["classes"]) == {"aircraft"}  # no "vehicles departed" because the imagery got coarser
    assert "vehicle: not observable" in _run("compare", "Luninets airfield", "-w", str(ws))

    estimate = _run("estimate", "--model", "vehicle", "-w", str(ws))
    assert "not observable" in estimate

    brief = ws / "brief.html"
    _run("report", "--out", str(brief), "-w", str(ws))
    assert "tent, vehicle not observable" in brief.read_text()

    _run("export", "--format", "geojson", "--out", str(ws / "gj"), "-w", str(ws))
    exported = json.loads((ws / "gj" / "observations.geojson").read_text())["features"]
    coarse = [f["properties"] for f in exported if "vehicle" in f["properties"]["not_observable"]]
    assert coarse and all("not observable" in p["Description"] for p in coarse)

    assert "nothing new to scan" in _run("scan", "-w", str(ws))  # re-running is harmless


def test_one_model_can_be_chosen(ws: Path) -> None:
    out = _run("scan", "--model", "aircraft", "-w", str(ws))
    assert "vehicle" not in out
    status = json.loads(_run("status", "-w", str(ws), "--json"))
    latest = next(r for r in status if r["site"] == "Luninets airfield")["latest"]
    assert latest["not_observable"] == {} and set(latest["counts"]) == {"aircraft"}
