"""Your own basemap (``forcewatch serve --basemap``): XYZ URLs, folders of XYZ tiles and raster PMTiles
archives served by the dashboard (offline, with range requests), never by a path from the page."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from forcewatch.errors import InputError
from forcewatch.serve.app import create_app
from forcewatch.serve.basemaps import parse_basemap
from tests.serve.conftest import log_in
from tests.serve.pmtiles_writer import MVT, solid_png, tile_id, write_pmtiles


def test_pmtiles_tile_ids_follow_the_specification() -> None:
    # z0: 0; z1 in Hilbert order (0,0) (0,1) (1,1) (1,0); z2 starts at 5
    assert [tile_id(0, 0, 0), tile_id(1, 0, 0), tile_id(1, 0, 1), tile_id(1, 1, 1), tile_id(1, 1, 0)] == [0, 1, 2, 3, 4]
    assert tile_id(2, 0, 0) == 5 and tile_id(12, 3423, 1763) == 19078479


def test_basemap_kinds(tmp_path: Path) -> None:
    url = parse_basemap("https://tiles.example.org/{z}/{x}/{y}.png")
    assert (url.kind, url.url, url.path, url.name) == ("xyz", "https://tiles.example.org/{z}/{x}/{y}.png", None,
                                                       "tiles.example.org")  # fmt: skip
    named = parse_basemap("Topo 1:50k=https://t.example.org/{z}/{x}/{y}.jpg?key=abc")
    assert named.name == "Topo 1:50k" and named.url == "https://t.example.org/{z}/{x}/{y}.jpg?key=abc"
    (tmp_path / "tiles").mkdir()
    folder = parse_basemap(f"{tmp_path}/tiles/{{z}}/{{x}}/{{y}}.png")
    assert folder.kind == "xyz" and folder.url is None and folder.name == "tiles"
    archive = write_pmtiles(tmp_path / "area.pmtiles", {(0, 0, 0): solid_png((10, 20, 30))})
    local = parse_basemap(f"Area={archive}")
    assert (local.kind, local.path, local.tile_type, local.name) == ("pmtiles", archive.resolve(), "png", "Area")
    remote = parse_basemap("https://data.example.org/world.pmtiles")
    assert (remote.kind, remote.url, remote.name) == (
        "pmtiles",
        "https://data.example.org/world.pmtiles",
        "world.pmtiles",
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("https://tiles.example.org/tile.png", "neither an XYZ template nor a PMTiles archive"),
        ("/nowhere/{{z}}/{{x}}/{{y}}.png", "is not a folder"),
        ("{tmp}/tiles/{{z}}/{{x}}/{{y}}.tif", "must end in .png, .jpg or .webp"),
        ("{tmp}/missing.pmtiles", "cannot be read"),
        ("{tmp}/not.pmtiles", "not a PMTiles version 3 archive"),
        ("{tmp}/vector.pmtiles", "raster PMTiles (PNG, JPEG, WebP, AVIF) only"),
    ],
)
def test_a_wrong_basemap_is_refused_with_the_fix(tmp_path: Path, spec: str, message: str) -> None:
    (tmp_path / "tiles").mkdir()
    (tmp_path / "not.pmtiles").write_bytes(b"PK\x03\x04" + b"\0" * 200)
    write_pmtiles(tmp_path / "vector.pmtiles", {(0, 0, 0): b"\x1a\x00"}, tile_type=MVT)
    with pytest.raises(InputError, match="Fix: ") as err:
        parse_basemap(spec.format(tmp=tmp_path))
    assert message in str(err.value)


def test_local_basemaps_are_served_by_number_never_by_path(workspace: Path, tmp_path: Path) -> None:
    tiles = tmp_path / "tiles"
    (tiles / "3" / "4").mkdir(parents=True)
    png = solid_png((200, 10, 10))
    (tiles / "3" / "4" / "2.png").write_bytes(png)
    archive = write_pmtiles(tmp_path / "area.pmtiles", {(0, 0, 0): solid_png((1, 2, 3)), (1, 1, 0): png})
    chosen = [parse_basemap(f"{tiles}/{{z}}/{{x}}/{{y}}.png"), parse_basemap(str(archive)),
              parse_basemap("OSM=https://tile.example.org/{z}/{x}/{y}.png")]  # fmt: skip
    with TestClient(create_app(workspace, chosen)) as c:
        assert c.get("/api/basemaps").status_code == 401
        assert c.get("/api/basemaps/0/3/4/2.png").status_code == 401
        log_in(c, "vera")
        listed = c.get("/api/basemaps").json()
        assert [(b["id"], b["kind"], b["url"]) for b in listed] == [
            (0, "xyz", "/api/basemaps/0/{z}/{x}/{y}.png"),
            (1, "pmtiles", "/api/basemaps/1/archive.pmtiles"),
            (2, "xyz", "https://tile.example.org/{z}/{x}/{y}.png"),
        ]
        assert str(tmp_path) not in c.get("/api/basemaps").text
        tile = c.get("/api/basemaps/0/3/4/2.png")
        assert tile.status_code == 200 and tile.content == png and tile.headers["content-type"] == "image/png"
        for missing in ("0/3/4/3.png", "0/3/4/2.jpg", "0/3/4/2", "1/3/4/2.png", "2/3/4/2.png", "3/3/4/2.png"):
            assert c.get(f"/api/basemaps/{missing}").status_code == 404, missing
        whole = c.get("/api/basemaps/1/archive.pmtiles")
        assert whole.status_code == 200 and whole.content == archive.read_bytes()
        head = c.get("/api/basemaps/1/archive.pmtiles", headers={"Range": "bytes=0-126"})
        assert head.status_code == 206 and head.content == archive.read_bytes()[:127]
        assert c.get("/api/basemaps/0/archive.pmtiles").status_code == 404  # a folder, not an archive


def test_serve_takes_basemaps_and_refuses_a_wrong_one_before_starting(
    monkeypatch: pytest.MonkeyPatch, workspace: Path, tmp_path: Path
) -> None:
    import uvicorn

    from forcewatch.cli import serve

    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw, app=app))
    app = typer.Typer()
    serve.register(app)
    app.command("noop")(lambda: None)  # a group of two, so that `serve` is a subcommand
    archive = write_pmtiles(tmp_path / "area.pmtiles", {(0, 0, 0): solid_png((1, 2, 3))})
    args = ["serve", "-w", str(workspace), "--basemap", str(archive), "--basemap", "A=https://a.org/{z}/{x}/{y}.png"]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    basemaps = seen["app"].state.basemaps  # type: ignore[attr-defined]
    assert [(b.name, b.kind) for b in basemaps] == [("area", "pmtiles"), ("A", "xyz")]
    seen.clear()
    bad = CliRunner().invoke(app, ["serve", "-w", str(workspace), "--basemap", "https://a.org/tile.png"])
    assert bad.exit_code != 0 and not seen
    assert "neither an XYZ template nor a PMTiles archive" in str(bad.exception)
