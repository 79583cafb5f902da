"""`forcewatch export` and `report` through the CLI: never over the store, not over other files
without --force, clear errors where they cannot write or a date is wrong, maps for any sites, and
no machine paths in what they publish."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest
from typer.testing import CliRunner

from forcewatch.cli import _register, app
from forcewatch.errors import InputError
from forcewatch.imagery.synthetic import render_airfield, write_geotiff


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    _register()
    return CliRunner()


def _ok(runner: CliRunner, *args: str) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == 0, f"{args}: {res.output}\n{res.exception!r}"
    return res.output


def _refused(runner: CliRunner, *args: str) -> str:
    """Run a command that must fail with an InputError; returns its message."""
    res = runner.invoke(app, list(args))
    assert res.exit_code != 0 and isinstance(res.exception, InputError), f"{args}: {res.output} {res.exception!r}"
    return str(res.exception)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def ws(runner: CliRunner, tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    _ok(runner, "init", str(folder), "--example", "ukraine-2022")
    return folder


def test_export_never_writes_over_the_store(runner: CliRunner, ws: Path, tmp_path: Path) -> None:
    store = ws / "forcewatch.gpkg"
    before = _digest(store)
    for fmt in ("gpkg", "kml"):
        for target in (store, ws / "." / "forcewatch.gpkg", ws / ".." / "ws" / "forcewatch.gpkg"):
            for force in ([], ["--force"]):
                message = _refused(runner, "export", "--format", fmt, "--out", str(target), *force, "-w", str(ws))
                assert f"--out {target}: that is a ForceWatch store" in message and "even with --force" in message
    message = _refused(runner, "report", "--out", str(store), "-w", str(ws))
    assert "never writes over a store" in message
    assert _digest(store) == before and [p.name for p in ws.iterdir()] == ["forcewatch.gpkg"]
    assert "Luninets airfield" in _ok(runner, "status", "-w", str(ws))  # the workspace still works


def test_export_over_a_file_it_did_not_write_needs_force(runner: CliRunner, ws: Path, tmp_path: Path) -> None:
    mine = tmp_path / "notes.kml"
    mine.write_text("<kml>my own placemarks</kml>")
    message = _refused(runner, "export", "--format", "kml", "--out", str(mine), "-w", str(ws))
    assert str(mine) in message and "choose another --out, or pass --force" in message
    assert mine.read_text() == "<kml>my own placemarks</kml>"
    _ok(runner, "export", "--format", "kml", "--out", str(mine), "--force", "-w", str(ws))
    _ok(runner, "export", "--format", "kml", "--out", str(mine), "-w", str(ws))  # its own now: replaced
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "sites.csv").write_text("name\nmine\n")
    assert "sites.csv exists there" in _refused(
        runner, "export", "--format", "csv", "--out", str(folder), "-w", str(ws)
    )
    _ok(runner, "export", "--format", "csv", "--out", str(folder), "--force", "-w", str(ws))
    assert "Luninets airfield" in (folder / "sites.csv").read_text()


def _main(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed entry point, as a user runs it (errors printed, not raised)."""
    code = "import sys; from forcewatch.cli import main; sys.argv[0] = 'forcewatch'; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300)


def test_where_it_cannot_write_is_a_clear_error(ws: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for args in (
        ["export", "--format", "gpkg", "--out", str(blocker / "e.gpkg")],
        ["export", "--format", "geojson", "--out", str(blocker / "gj")],
        ["report", "--out", str(blocker / "brief.html")],
    ):
        run = _main(*args, "-w", str(ws))
        assert run.returncode == 2, run.stderr
        assert "Traceback" not in run.stderr and f"{blocker} is a file, not a folder" in run.stderr


def test_report_dates_are_checked(runner: CliRunner, ws: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "b.html")
    message = _refused(runner, "report", "--out", out, "--from", "notadate", "-w", str(ws))
    assert message == "--from 'notadate': not a date. Fix: write it as YYYY-MM-DD (for example 2022-02-10)."
    assert "--to '2022-02-30': not a date" in _refused(
        runner, "report", "--out", out, "--to", "2022-02-30", "-w", str(ws)
    )
    assert not (tmp_path / "b.html").exists()


@pytest.mark.parametrize(
    ("first", "second"),
    [((52.25, 26.8), (31.13, -97.78)), ((64.7, 179.5), (64.4, -179.5))],
    ids=["belarus-and-texas", "antimeridian"],
)
def test_report_on_sites_anywhere(
    runner: CliRunner, tmp_path: Path, first: tuple[float, float], second: tuple[float, float]
) -> None:
    ws = tmp_path / "ws"
    _ok(runner, "init", str(ws))
    for name, (lat, lon) in (("First site", first), ("Second site", second)):
        _ok(runner, "site", "add", name, f"--lat={lat}", f"--lon={lon}", "-w", str(ws))
    out = tmp_path / "brief.html"
    _ok(runner, "report", "--out", str(out), "-w", str(ws))
    assert 'id="overview-map"' in out.read_text()


def test_published_files_name_scenes_without_machine_paths(runner: CliRunner, ws: Path, tmp_path: Path) -> None:
    outside = tmp_path / "downloads"
    outside.mkdir()
    (ws / "imagery").mkdir()
    scenes = []
    for i, (folder, when) in enumerate(((ws / "imagery", "2022-01-20T09:00:00Z"), (outside, "2022-02-10T09:00:00Z"))):
        rgb, _ = render_airfield(700, 500, 0.5, [(120 + k * 90, 150, 34.0, 0.0) for k in range(2 + i)], seed=i)
        scenes.append(str(write_geotiff(rgb, folder / f"luninets_{i}.tif", 52.25, 26.80, 0.5, when)))
    _ok(runner, "ingest", *scenes, "-w", str(ws))
    _ok(runner, "scan", "--model", "aircraft", "-w", str(ws))
    gpkg = tmp_path / "e.gpkg"
    _ok(runner, "export", "--format", "gpkg", "--out", str(gpkg), "-w", str(ws))
    paths = pyogrio.raw.read(gpkg, layer="scenes", columns=["path"])[3][0]
    assert list(paths) == ["imagery/luninets_0.tif", "luninets_1.tif"]
    meta = json.loads(pyogrio.read_info(gpkg, layer="sites")["dataset_metadata"]["FORCEWATCH_EXPORT"])
    assert meta["workspace"] == "ws" and meta["software"].startswith("ForceWatch ")
    brief = tmp_path / "brief.html"
    _ok(runner, "report", "--out", str(brief), "-w", str(ws))
    html = brief.read_text()
    assert "<td>imagery/luninets_0.tif</td>" in html and "<td>luninets_1.tif</td>" in html
    assert str(tmp_path) not in html
    csv_dir = tmp_path / "csv"
    _ok(runner, "export", "--format", "csv", "--out", str(csv_dir), "-w", str(ws))
    rows = (csv_dir / "observations.csv").read_text().splitlines()
    header = rows[0].split(",")
    assert "count_aircraft" in header and "not_observable" in header and len(rows) == 3
    assert str(tmp_path) not in (csv_dir / "scenes.csv").read_text()
