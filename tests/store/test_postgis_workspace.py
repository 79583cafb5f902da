"""A workspace on PostGIS: ``forcewatch init FOLDER --store postgresql://…`` (or $FORCEWATCH_STORE)
records the URL in the folder, never a password; the commands then work on that database."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from forcewatch.app.workspace import STORE_ENV, STORE_URL_FILE, init, is_workspace, open_workspace
from forcewatch.cli import _register, app
from forcewatch.errors import InputError, StoreError
from forcewatch.store.postgis import PostGISStore, open_postgis


def _run(*args: str, ok: bool = True) -> str:
    _register()
    res = CliRunner().invoke(app, list(args))
    assert (res.exit_code == 0) == ok, f"{args}: {res.output} {res.exception!r}"
    return res.output if ok else str(res.exception)


def test_init_on_postgis_then_the_commands_use_it(postgis_db: str, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    out = _run("init", str(ws), "--store", postgis_db)
    assert f"workspace {ws} ready on {postgis_db} (0 sites)" in out
    assert (ws / STORE_URL_FILE).read_text().strip() == postgis_db
    assert not (ws / "forcewatch.gpkg").exists()
    assert is_workspace(ws) and not is_workspace(tmp_path)
    _run("site", "add", "Luninets", "--lat", "52.25", "--lon", "26.8", "--kind", "airfield", "-w", str(ws))
    assert "Luninets" in _run("status", "-w", str(ws))
    with open_postgis(postgis_db) as store:  # it is in the database
        assert [s.name for s in store.sites()] == ["Luninets"]
    with open_workspace(ws) as store:
        assert isinstance(store, PostGISStore) and store.folder == ws
    assert "ready on" in _run("init", str(ws), "--store", postgis_db)  # again: opens it, changes nothing


def test_the_store_environment_variable_overrides_the_folder(
    postgis_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gpkg_ws = tmp_path / "local"
    _run("init", str(gpkg_ws))
    monkeypatch.setenv(STORE_ENV, postgis_db)
    pg_ws = tmp_path / "shared"
    store, _ = init(pg_ws)  # made on the database the variable names
    store.close()
    assert (pg_ws / STORE_URL_FILE).read_text().strip() == postgis_db
    with open_workspace(gpkg_ws) as opened:
        assert isinstance(opened, PostGISStore) and opened.folder == gpkg_ws
    monkeypatch.delenv(STORE_ENV)
    with open_workspace(gpkg_ws) as opened:
        assert not isinstance(opened, PostGISStore)


def test_a_password_is_never_written_into_the_workspace(postgis_db: str, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    with_password = postgis_db.replace("//postgres@", "//postgres:hunter2@")
    message = _run("init", str(ws), "--store", with_password, ok=False)
    assert "will not write a password into" in message and "PGPASSWORD or ~/.pgpass" in message
    assert "hunter2" not in message and "postgres:***@" in message
    assert not ws.exists()


def test_init_refuses_what_would_hide_another_store(postgis_db: str, tmp_path: Path) -> None:
    gpkg_ws = tmp_path / "gpkg"
    _run("init", str(gpkg_ws))
    with pytest.raises(InputError, match=r"already holds a GeoPackage store .*Fix: .*forcewatch store copy"):
        init(gpkg_ws, store=postgis_db)
    pg_ws = tmp_path / "pg"
    init(pg_ws, store=postgis_db)[0].close()
    other = postgis_db.rsplit("/", 1)[0] + "/elsewhere"
    with pytest.raises(InputError, match=r"already a workspace on .*Fix: choose another folder, or edit"):
        init(pg_ws, store=other)
    with pytest.raises(InputError, match=r"is not a PostgreSQL URL\. Fix: give postgresql://"):
        init(tmp_path / "x", store="sqlite:///x.db")


def test_init_on_an_unreachable_server_leaves_no_workspace(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    message = _run("init", str(ws), "--store", "postgresql://fw@127.0.0.1:9/watch?connect_timeout=2", ok=False)
    assert "postgresql://fw@127.0.0.1:9/watch" in message and "cannot connect" in message and "Fix:" in message
    assert not ws.exists()


def test_an_empty_url_file_is_explained(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / STORE_URL_FILE).write_text("\n")
    with pytest.raises(StoreError, match=r"forcewatch-store.txt is empty\. Fix: write the store's URL"):
        open_workspace(ws)
