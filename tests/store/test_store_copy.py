"""``forcewatch store copy SRC DST``: a workspace moves between GeoPackage and PostGIS, both ways,
losing nothing (every table, ids, geometries), into a destination that holds no data."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest
import typer
from shapely.geometry import Point
from typer.testing import CliRunner

from forcewatch.app.store_copy import copy_workspace
from forcewatch.app.workspace import init, open_workspace
from forcewatch.cli import store as store_cli
from forcewatch.errors import InputError, StoreError
from forcewatch.model import Site
from forcewatch.store.copy import TABLES, key
from forcewatch.store.postgis import open_postgis
from tests.store.filling import fill, read_all


def _tables(gpkg: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every workspace table, as stored (geometries as their GeoPackage blobs)."""
    con = sqlite3.connect(gpkg)
    try:
        return {t: con.execute(f'SELECT * FROM "{t}" ORDER BY "{key(t)}"').fetchall() for t in TABLES}
    finally:
        con.close()


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    """A GeoPackage workspace with one of everything, and a workspace model's file and card."""
    ws = tmp_path / "original"
    store, _ = init(ws)
    with store:
        fill(store)
    (ws / "models").mkdir()
    (ws / "models" / "tanks-yelsk.onnx").write_bytes(b"onnx bytes")
    (ws / "models" / "tanks-yelsk.md").write_text("# card")
    return ws


def test_geopackage_to_postgis_and_back_loses_nothing(filled: Path, postgis_db: str, tmp_path: Path) -> None:
    there = copy_workspace(str(filled), postgis_db)
    assert there.rows["sites"] == 2 and there.rows["detections"] == 3 and there.rows["forcewatch_log"] == 1
    assert set(there.rows) == set(TABLES) and all(there.rows[t] for t in TABLES)
    # a URL has no folder: the model's files stay, and the result says so
    assert there.files == () and there.files_left == ("models/tanks-yelsk.onnx", "models/tanks-yelsk.md")
    back = tmp_path / "back"
    again = copy_workspace(postgis_db, str(back))
    assert again.rows == there.rows
    original, returned = _tables(filled / "forcewatch.gpkg"), _tables(back / "forcewatch.gpkg")
    for table in TABLES:
        assert returned[table] == original[table], table
    with open_workspace(filled) as a, open_postgis(postgis_db, tmp_path) as b, open_workspace(back) as c:
        assert read_all(a) == read_all(b) == read_all(c)  # type: ignore[arg-type]
        with b.transaction():  # new rows continue after the ids copied
            assert b.add_site(Site("New", Point(1, 1).buffer(0.01))).id == 4


def test_between_two_folders_the_model_files_come_too(filled: Path, tmp_path: Path) -> None:
    done = copy_workspace(str(filled), str(tmp_path / "copy"))
    assert done.files == ("models/tanks-yelsk.onnx", "models/tanks-yelsk.md") and done.files_left == ()
    assert (tmp_path / "copy" / "models" / "tanks-yelsk.onnx").read_bytes() == b"onnx bytes"
    assert _tables(tmp_path / "copy" / "forcewatch.gpkg") == _tables(filled / "forcewatch.gpkg")


def test_a_destination_that_holds_data_is_refused_and_left_unchanged(
    filled: Path, postgis_db: str, tmp_path: Path
) -> None:
    with open_postgis(postgis_db, create=True) as store, store.transaction():
        store.add_site(Site("Already here", Point(5, 5).buffer(0.01)))
    with pytest.raises(StoreError, match=r"already holds data \(1 rows in sites\).*Fix: copy into a new workspace"):
        copy_workspace(str(filled), postgis_db)
    with open_postgis(postgis_db) as store:
        assert [s.name for s in store.sites()] == ["Already here"] and store.scenes() == []
    other = tmp_path / "other"
    store, _ = init(other)
    with store, store.transaction():
        store.add_site(Site("Mine", Point(6, 6).buffer(0.01)))
    before = _tables(other / "forcewatch.gpkg")
    with pytest.raises(StoreError, match="already holds data"):
        copy_workspace(postgis_db, str(other))
    assert _tables(other / "forcewatch.gpkg") == before


def test_a_failed_copy_leaves_no_store_behind(filled: Path, postgis_db: str, tmp_path: Path) -> None:
    with open_postgis(postgis_db, create=True) as store, store.transaction():
        store.con.execute("CREATE TABLE notes_of_a_newer_version (id integer)")
        store.con.execute("INSERT INTO notes_of_a_newer_version VALUES (1)")
    with pytest.raises(StoreError, match=r"tables this ForceWatch does not know \(1 rows in notes_of_a_newer"):
        copy_workspace(postgis_db, str(tmp_path / "new"))
    assert not (tmp_path / "new" / "forcewatch.gpkg").exists()


def test_source_and_destination_must_differ_and_exist(filled: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="SRC and DST are the same store"):
        copy_workspace(str(filled), str(filled))
    with pytest.raises(StoreError, match="not a ForceWatch workspace"):
        copy_workspace(str(tmp_path / "nothing"), str(tmp_path / "new"))


def test_the_store_copy_command(filled: Path, postgis_db: str) -> None:
    cli = typer.Typer()
    store_cli.register(cli)
    res = CliRunner().invoke(cli, ["store", "copy", str(filled), postgis_db])
    assert res.exit_code == 0, res.output
    assert f"copied {filled} to {postgis_db}: 2 sites, 2 scenes" in res.output
    assert "models/tanks-yelsk.onnx: not copied" in res.output
    res = CliRunner().invoke(cli, ["store", "copy", str(filled), postgis_db, "--json"])
    assert res.exit_code != 0 and "already holds data" in str(res.exception)
    with psycopg.connect(postgis_db) as con:
        assert con.execute("SELECT count(*) FROM sites").fetchone() == (2,)
    res = CliRunner().invoke(cli, ["store", "copy", postgis_db, str(filled.parent / "json"), "--json"])
    assert json.loads(res.output)["rows"]["labels"] == 2
