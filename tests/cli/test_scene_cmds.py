"""``forcewatch scene list | remove | set-date | relocate``, ``ingest --copy`` with a workspace moved
elsewhere, ``ingest`` of folders and URLs, and ``fetch --stac`` from the command line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from forcewatch.cli import _register, app
from forcewatch.errors import ForceWatchError
from forcewatch.imagery.synthetic import render_airfield, write_geotiff
from tests.cog_files import write_small_cog
from tests.range_server import serving
from tests.stac_server import cog_asset, item, stac_api

LAT, LON = 52.25, 26.80
SITE = "Luninets airfield"


def _app() -> typer.Typer:
    """The forcewatch app with the scene commands (registered here until cli/__init__ does)."""
    _register()
    if not any(g.name == "scene" for g in app.registered_groups):
        from forcewatch.cli import scenes

        scenes.register(app)
    return app


def run(*args: str, code: int = 0) -> Result:
    res = CliRunner().invoke(_app(), list(args))
    assert res.exit_code == code, f"{args}: {res.output} {res.exception!r}"
    return res


def fails(*args: str) -> str:
    """The message of the ForceWatch error that ``forcewatch ARGS`` stops with (exit 2 from the shell)."""
    res = CliRunner().invoke(_app(), list(args))
    assert isinstance(res.exception, ForceWatchError), f"{args}: {res.output} {res.exception!r}"
    return str(res.exception)


def _airfield(path: Path, planes: list[int], when: str) -> Path:
    rgb, _ = render_airfield(1200, 700, 0.5, [(120 + k * 90, 200, 34.0, 30.0 * k) for k in planes], seed=0)
    return write_geotiff(rgb, path, LAT, LON, 0.5, when)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    run("init", str(folder), "--example", "ukraine-2022")
    return folder


def _scenes(ws: Path) -> list[dict[str, object]]:
    return list(json.loads(run("scene", "list", "--json", "-w", str(ws)).output))


def test_a_moved_workspace_with_copied_imagery_still_scans_compares_and_reports(ws: Path, tmp_path: Path) -> None:
    a = _airfield(tmp_path / "incoming" / "a.tif", [0, 1, 2], "2022-01-20T09:00:00Z")
    run("ingest", str(a), "--copy", "-w", str(ws))
    run("scan", "--model", "aircraft", "-w", str(ws))
    shutil.rmtree(tmp_path / "incoming")  # the originals are gone: the workspace holds its copies
    moved = tmp_path / "elsewhere" / "ws-moved"
    moved.parent.mkdir()
    shutil.move(ws, moved)
    listed = _scenes(moved)
    assert [(s["path"], s["present"]) for s in listed] == [("imagery/a.tif", True)]
    b = _airfield(tmp_path / "later" / "b.tif", [0, 1, 2, 3, 4], "2022-02-10T09:00:00Z")
    run("ingest", str(b), "--copy", "-w", str(moved))
    run("scan", "--model", "aircraft", "-w", str(moved))
    doc = json.loads(run("compare", SITE, "--json", "-w", str(moved)).output)
    assert doc["classes"]["aircraft"]["before"] == 3 and doc["classes"]["aircraft"]["after"] == 5
    brief = tmp_path / "brief.html"
    run("report", "--out", str(brief), "-w", str(moved))
    assert "data:image/jpeg;base64," in brief.read_text()  # the chips were read from the moved copies


def test_scene_list_remove_set_date_and_relocate(ws: Path, tmp_path: Path) -> None:
    a = _airfield(tmp_path / "a.tif", [0, 1], "2022-01-20T09:00:00Z")
    b = _airfield(tmp_path / "b.tif", [0, 1, 2], "2022-02-10T09:00:00Z")
    run("ingest", str(a), str(b), "-w", str(ws))
    listed = _scenes(ws)
    assert [(s["id"], s["acquired"], s["sites"], s["observations"]) for s in listed] == [
        (1, "2022-01-20T09:00:00Z", 1, 0),
        (2, "2022-02-10T09:00:00Z", 1, 0),
    ]
    table = run("scene", "list", "-w", str(ws)).output
    assert "a.tif" in table and "2022-02-10T09:00:00Z" in table

    out = run("scene", "remove", "2", "-w", str(ws), code=1).output
    assert "would remove scene 2 (b.tif, 2022-02-10T09:00:00Z) with 1 site, 0 observations" in out
    assert "Nothing changed" in out and "forcewatch scene remove 2 --yes" in out
    assert len(_scenes(ws)) == 2
    entry = subprocess.run(  # the installed entry point exits 1 too (not only the test runner)
        [sys.executable, "-c", "from forcewatch.cli import main; main()", "scene", "remove", "2", "-w", str(ws)],
        capture_output=True,
        text=True,
    )
    assert entry.returncode == 1 and "Nothing changed" in entry.stdout

    out = run("scene", "set-date", "1", "2022-03-01T10:00", "-w", str(ws)).output
    assert "scene 1 (a.tif, 2022-03-01T10:00:00Z): acquired 2022-03-01T10:00:00Z (was 2022-01-20T09:00:00Z)" in out
    assert [s["id"] for s in _scenes(ws)] == [2, 1]  # in date order
    bad = fails("scene", "set-date", "1", "yesterday", "-w", str(ws))
    assert "acquisition time 'yesterday' is not ISO 8601" in bad

    moved = tmp_path / "archive"
    moved.mkdir()
    shutil.move(a, moved / "a.tif")
    assert [s["present"] for s in _scenes(ws)] == [True, False]
    out = run("scene", "relocate", "1", str(moved), "-w", str(ws)).output
    assert f"now {moved / 'a.tif'}" in out
    assert [s["present"] for s in _scenes(ws)] == [True, True]
    wrong = fails("scene", "relocate", "1", str(b), "-w", str(ws))
    assert "is not the image of scene 1" in wrong and "sha256" in wrong and "Fix:" in wrong

    out = run("scene", "remove", "2", "--yes", "-w", str(ws)).output
    assert "removed scene 2 (b.tif, 2022-02-10T09:00:00Z) with 1 site" in out
    assert [s["id"] for s in _scenes(ws)] == [1]
    missing = fails("scene", "remove", "7", "--yes", "-w", str(ws))
    assert "no scene with id 7" in missing and "forcewatch scene list" in missing


def test_removing_a_scanned_scene_removes_its_results(ws: Path, tmp_path: Path) -> None:
    a = _airfield(tmp_path / "a.tif", [0, 1], "2022-01-20T09:00:00Z")
    b = _airfield(tmp_path / "b.tif", [0, 1, 2], "2022-02-10T09:00:00Z")
    run("ingest", str(a), str(b), "--copy", "-w", str(ws))
    run("scan", "--model", "aircraft", "-w", str(ws))
    run("compare", SITE, "-w", str(ws))
    before = _scenes(ws)
    assert [(s["observations"], s["comparisons"]) for s in before] == [(1, 1), (1, 1)]
    assert int(before[1]["detections"]) >= 2  # type: ignore[call-overload]
    out = run("scene", "remove", "2", "--yes", "-w", str(ws)).output
    assert "with 1 site, 1 observation, " in out and " 1 comparison, 0 labels" in out
    assert f"deleted the workspace's copy {ws.resolve() / 'imagery' / 'b.tif'}" in out
    assert not (ws / "imagery" / "b.tif").exists() and (ws / "imagery" / "a.tif").exists()
    assert [(s["observations"], s["comparisons"]) for s in _scenes(ws)] == [(1, 0)]
    timeline = json.loads(run("timeline", SITE, "--json", "-w", str(ws)).output)
    assert len(timeline["observations"]) == 1 and timeline["comparisons"] == []


def test_reingesting_with_another_date_points_to_set_date(ws: Path, tmp_path: Path) -> None:
    a = _airfield(tmp_path / "a.tif", [0], "2022-01-20T09:00:00Z")
    run("ingest", str(a), "-w", str(ws))
    out = run("ingest", str(a), "--acquired", "2022-01-21T09:00:00Z", "-w", str(ws)).output
    assert "date differs" in out
    assert "already ingested as scene 1, acquired 2022-01-20T09:00:00Z, not 2022-01-21T09:00:00Z" in out
    assert "forcewatch scene set-date 1 2022-01-21T09:00:00Z" in out


def test_ingest_a_folder_with_a_sidecar_row_whose_file_is_missing(ws: Path, tmp_path: Path) -> None:
    folder = tmp_path / "delivery"
    _airfield(folder / "a.tif", [0], "2022-01-20T09:00:00Z")
    (folder / "imagery.csv").write_text(
        "path,acquired,sensor\na.tif,2022-01-20T09:00:00Z,Pleiades\nb.tif,2022-01-21,\n"
    )
    out = fails("ingest", str(folder), "-w", str(ws))
    assert "imagery.csv, row 3: path 'b.tif': no such file" in out and "Fix:" in out
    assert _scenes(ws) == []
    (folder / "imagery.csv").write_text("path,acquired,sensor\na.tif,2022-01-20T09:00:00Z,Pleiades\n")
    run("ingest", str(folder), "-w", str(ws))
    assert [(s["sensor"], s["path"]) for s in _scenes(ws)] == [("Pleiades", str((folder / "a.tif").resolve()))]


def test_ingest_a_url_and_fetch_from_a_stac_api(ws: Path, tmp_path: Path) -> None:
    cogs = tmp_path / "cogs"
    write_small_cog(cogs / "a.tif", LAT, LON, gsd_m=2.0, seed=1, acquired="2022-02-10T09:00:00Z")
    write_small_cog(cogs / "b.tif", LAT, LON, gsd_m=2.0, seed=2)
    with serving(cogs) as server:
        out = run("ingest", server.url("a.tif"), "-w", str(ws)).output
        assert "ingested" in out and SITE in out
        assert _scenes(ws)[0]["path"] == server.url("a.tif")
        gone = fails("ingest", server.url("gone.tif"), "-w", str(ws))
        assert "gone.tif: the server answered HTTP 404" in gone
        from shapely.geometry import box

        footprint = box(LON - 0.01, LAT - 0.01, LON + 0.01, LAT + 0.01)
        items = [item("b", "l1", footprint, "2022-02-12T09:00:00Z", {"visual": cog_asset(server.url("b.tif"))}, 3.0)]
        with stac_api(items, collections=("l1",)) as api:
            args = (
                "fetch",
                "--stac",
                api.url,
                "--collection",
                "l1",
                "--since",
                "2022-02-01",
                "--max-cloud",
                "10",
                "--site",
                SITE,
            )
            doc = json.loads(run(*args, "--json", "-w", str(ws)).output)
            assert (doc["searches"], doc["items_found"], doc["items_known"]) == (1, 1, 0)
            assert [(i["item"], i["status"], i["sites"]) for i in doc["ingested"]] == [("b", "ingested", [SITE])]
            out = run(*args, "-w", str(ws)).output
            assert "1 item(s) over the sites, 1 already in the workspace, 0 new" in out
    assert [s["path"] for s in _scenes(ws)] == [server.url("a.tif"), server.url("b.tif")]


def test_a_scan_reads_a_remote_scene_where_it_lives(ws: Path, tmp_path: Path) -> None:
    cogs = tmp_path / "cogs"
    rgb, _ = render_airfield(1200, 700, 0.5, [(120 + k * 90, 200, 34.0, 30.0 * k) for k in range(3)], seed=0)
    write_geotiff(rgb, cogs / "a.tif", LAT, LON, 0.5, "2022-02-10T09:00:00Z")
    with serving(cogs) as server:
        run("ingest", server.url("a.tif"), "-w", str(ws))
        run("scan", "--model", "aircraft", "-w", str(ws))
        assert _scenes(ws)[0]["observations"] == 1
