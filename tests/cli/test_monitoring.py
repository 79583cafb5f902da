"""The monitoring pipeline through the CLI: init, sites, ingest, scan, status, export, bad input."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pyogrio
import pytest
from typer.testing import CliRunner

from forcewatch.cli import _register, app
from forcewatch.imagery.synthetic import render_airfield, write_geotiff


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    _register()
    return CliRunner()


def run(runner: CliRunner, *args: str, ok: bool = True):  # type: ignore[no-untyped-def]
    res = runner.invoke(app, list(args))
    if ok:
        assert res.exit_code == 0, f"{args}: {res.output}\n{res.exception!r}"
    return res


@pytest.fixture(scope="module")
def scenes(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("imagery")
    out = []
    for i, when in enumerate(("2022-01-20T09:00:00Z", "2022-02-10T09:00:00Z")):
        planes = [(120 + k * 90, 200, 34.0, 30.0 * k) for k in range(3 + 2 * i)]
        rgb, _ = render_airfield(1200, 700, 0.5, planes, seed=i)
        out.append(write_geotiff(rgb, folder / f"luninets_{i}.tif", 52.25, 26.80, 0.5, when))
    return out


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_whole_monitoring_flow(runner: CliRunner, scenes: list[Path], tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    run(runner, "init", str(ws), "--example", "ukraine-2022")
    sites = json.loads(run(runner, "site", "list", "-w", str(ws), "--json").output)
    assert len(sites["features"]) == 6
    run(
        runner,
        "site",
        "add",
        "Yelsk camp",
        "--place",
        "Yel'sk",
        "--radius-m",
        "1500",
        "--kind",
        "camp",
        "-w",
        str(ws),
    )
    res = run(runner, "ingest", *map(str, scenes), "-w", str(ws))
    assert res.output.count("ingested") == 2 and "Luninets airfield" in res.output
    again = run(runner, "ingest", *map(str, scenes), "-w", str(ws))
    assert again.output.count("skipped") == 2  # idempotent, by sha256
    res = run(runner, "scan", "--model", "aircraft", "-w", str(ws))
    assert "Luninets airfield" in res.output
    res = run(runner, "scan", "--model", "aircraft", "-w", str(ws))
    assert "nothing new to scan" in res.output
    status = json.loads(run(runner, "status", "-w", str(ws), "--json").output)
    lun = next(r for r in status if r["site"] == "Luninets airfield")
    assert lun["scenes"] == 2 and lun["observations"] == 2
    assert lun["latest"]["counts"]["aircraft"] == 5 and 0 < lun["latest"]["share_observed"] < 0.2
    timeline = json.loads(run(runner, "observations", "Luninets airfield", "-w", str(ws), "--json").output)
    assert [o["counts"]["aircraft"] for o in timeline["observations"]] == [3, 5]
    assert all(len(o["model_sha256"]) == 64 for o in timeline["observations"])

    for fmt, target in (
        ("gpkg", ws / "e.gpkg"),
        ("kml", ws / "e.kml"),
        ("geojson", ws / "gj"),
        ("csv", ws / "csv"),
    ):
        run(runner, "export", "--format", fmt, "--out", str(target), "-w", str(ws))
    assert set(dict(pyogrio.list_layers(ws / "e.gpkg"))) == {
        "sites",
        "scenes",
        "observations",
        "detections",
        "change_objects",
        "activity",
        "camps",
    }
    kml = (ws / "e.kml").read_text()
    assert kml.count("<Placemark") == 7 + 2 + 2 + 8  # sites, scenes, observations, detections
    det = json.loads((ws / "gj" / "detections.geojson").read_text())
    lon, lat = det["features"][0]["geometry"]["coordinates"][0][0]
    assert 26.79 < lon < 26.81 and 52.24 < lat < 52.26
    assert (ws / "csv" / "observations.csv").read_text().count("\n") == 3


def test_bad_input_leaves_the_store_untouched(runner: CliRunner, scenes: list[Path], tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    run(runner, "init", str(ws), "--example", "ukraine-2022")
    store = ws / "forcewatch.gpkg"
    before = _digest(store)
    bad = tmp_path / "broken.tif"
    bad.write_bytes(scenes[0].read_bytes()[:5000])
    res = run(runner, "ingest", str(scenes[0]), str(bad), "-w", str(ws), ok=False)
    assert res.exit_code != 0 and "broken.tif" in str(res.exception)
    assert _digest(store) == before  # the good scene before it did not land either
    res = run(runner, "site", "add", "x", "--lat", "95", "--lon", "10", "-w", str(ws), ok=False)
    assert "latitude 95.0 is out of range" in str(res.exception)
    bad_sites = tmp_path / "sites.geojson"
    bad_sites.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "ok"}, '
        '"geometry": {"type": "Point", "coordinates": [30, 50]}}, {"type": "Feature", "properties": '
        '{"name": "bowtie"}, "geometry": {"type": "Polygon", "coordinates": [[[30, 50], [31, 51], '
        "[31, 50], [30, 51], [30, 50]]]}}]}"
    )
    res = run(runner, "site", "import", str(bad_sites), "-w", str(ws), ok=False)
    assert "invalid polygon" in str(res.exception)
    assert _digest(store) == before


def test_scene_that_overlaps_no_site(runner: CliRunner, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    run(runner, "init", str(ws), "--example", "ukraine-2022")
    rgb, _ = render_airfield(600, 500, 0.5, [(100, 200, 34.0, 0.0)], seed=1)
    far = write_geotiff(rgb, tmp_path / "paris.tif", 48.85, 2.35, 0.5, "2022-02-01T10:00:00Z")
    res = run(runner, "ingest", str(far), "-w", str(ws))
    assert "overlaps no site" in res.output
    assert "nothing new to scan" in run(runner, "scan", "--model", "aircraft", "-w", str(ws)).output


def test_not_a_workspace(runner: CliRunner, tmp_path: Path) -> None:
    res = run(runner, "status", "-w", str(tmp_path), ok=False)
    assert "not a ForceWatch workspace" in str(res.exception) and "forcewatch init" in str(res.exception)


def test_plain_jpeg_registered_by_gcps(runner: CliRunner, tmp_path: Path) -> None:
    import cv2
    from pyproj import Transformer

    ws = tmp_path / "ws"
    run(runner, "init", str(ws), "--example", "ukraine-2022")
    rgb, _ = render_airfield(800, 600, 0.5, [(150, 200, 34.0, 0.0), (300, 200, 34.0, 90.0)], seed=2)
    jpg = tmp_path / "press.jpg"
    cv2.imwrite(str(jpg), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    to_ll = Transformer.from_crs(32635, 4326, always_xy=True)
    x0, y0 = Transformer.from_crs(4326, 32635, always_xy=True).transform(26.80, 52.25)
    rows = ["col,row,lon,lat"]
    for c, r in ((0, 0), (800, 0), (0, 600), (800, 600)):
        lon, lat = to_ll.transform(x0 + 0.5 * c, y0 - 0.5 * r)
        rows.append(f"{c},{r},{lon},{lat}")
    (tmp_path / "gcps.csv").write_text("\n".join(rows))
    res = run(
        runner,
        "ingest",
        str(jpg),
        "--gcps",
        str(tmp_path / "gcps.csv"),
        "--acquired",
        "2022-02-12",
        "-w",
        str(ws),
    )
    assert "GCP residuals (m)" in res.output and "Luninets airfield" in res.output
    other = tmp_path / "press2.jpg"
    cv2.imwrite(str(other), cv2.cvtColor(np.ascontiguousarray(rgb[::-1]), cv2.COLOR_RGB2BGR))
    collinear = tmp_path / "line.csv"
    collinear.write_text("col,row,lon,lat\n0,0,26.80,52.25\n10,10,26.801,52.249\n20,20,26.802,52.248\n")
    res = run(
        runner,
        "ingest",
        str(other),
        "--gcps",
        str(collinear),
        "--acquired",
        "2022-02-12",
        "-w",
        str(ws),
        ok=False,
    )
    assert res.exit_code != 0 and "collinear" in str(res.exception)


def test_site_list_with_distance_to_a_border(runner: CliRunner, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    run(runner, "init", str(ws), "--example", "ukraine-2022")
    doc = json.loads(run(runner, "site", "list", "-w", str(ws), "--distance-to", "UKR", "--json").output)
    assert "Ukraine" in doc["line"] and "Crimea" in doc["line"]
    by_name = {s["site"]: s["area_distance"] for s in doc["sites"]}
    assert 10 < by_name["Yelsk"]["distance_km"] < 25  # the site's area edge, about 4 km nearer than the town
    assert by_name["Yelsk"]["distance_miles"] == pytest.approx(by_name["Yelsk"]["distance_km"] / 1.609344, abs=0.01)
    table = run(runner, "site", "list", "-w", str(ws), "--distance-to", "UKR-1991").output
    assert "internationally recognised" in table and "Novoozerne" in table


def test_estimate_after_a_scan(runner: CliRunner, scenes: list[Path], tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    run(runner, "init", str(ws), "--example", "ukraine-2022")
    run(runner, "ingest", *map(str, scenes), "-w", str(ws))
    run(runner, "scan", "--model", "aircraft", "-w", str(ws))
    doc = json.loads(run(runner, "estimate", "-w", str(ws), "--site", "Luninets airfield", "--json").output)
    (site,) = doc["sites"]
    (aircraft,) = site["classes"]
    assert aircraft["detected"] == 5 and aircraft["unit"] == "aviation squadron equivalents"
    c = aircraft["corrected_count"]
    assert c["low"] <= c["central"] <= c["high"] and abs(c["central"] - 5) < 0.5
    assert any("source:" in a for a in aircraft["assumptions"])
    empty = json.loads(run(runner, "estimate", "-w", str(ws), "--site", "Yelsk", "--json").output)
    assert empty["sites"][0]["estimate"] is None


def test_status_with_distance(runner: CliRunner, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    run(runner, "init", str(ws), "--example", "ukraine-2022")
    rows = json.loads(run(runner, "status", "-w", str(ws), "--json", "--distance-to", "Ukraine").output)
    yelsk = next(r for r in rows if r["site"] == "Yelsk")
    assert 10 < yelsk["distance"]["distance_km"] < 25 and "Ukraine" in yelsk["distance"]["line"]


def test_a_site_added_after_its_imagery_is_scanned(runner: CliRunner, scenes: list[Path], tmp_path: Path) -> None:
    """Imagery often arrives before a place is watched: adding the site links the scenes already in."""
    ws = tmp_path / "ws"
    run(runner, "init", str(ws))
    run(runner, "ingest", *map(str, scenes), "-w", str(ws))
    assert "nothing new to scan" in run(runner, "scan", "--model", "aircraft", "-w", str(ws)).output
    res = run(runner, "site", "add", "Luninets", "--lat", "52.25", "--lon", "26.80", "--radius-m", "300", "-w", str(ws))
    assert "2 ingested scene(s) cover it" in res.output
    out = run(runner, "scan", "--model", "aircraft", "-w", str(ws)).output
    assert "2022-01-20" in out and "2022-02-10" in out
    status = json.loads(run(runner, "status", "-w", str(ws), "--json").output)
    assert status[0]["scenes"] == 2 and status[0]["observations"] == 2 and status[0]["latest"]["counts"]["aircraft"]
