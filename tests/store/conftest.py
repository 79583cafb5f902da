"""The store tests run against both backends: a GeoPackage in a temporary folder, and a fresh
database on a real PostgreSQL + PostGIS server (``$FORCEWATCH_TEST_POSTGIS``; skipped with a
reason when unset, but an error under CI, which must run them)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from forcewatch.store.base import Store

POSTGIS_ENV = "FORCEWATCH_TEST_POSTGIS"
NO_SERVER = "no PostgreSQL/PostGIS server: set FORCEWATCH_TEST_POSTGIS=postgresql://… or run scripts/pg_test_cluster.sh"

NewDatabase = Callable[..., str]


def with_database(url: str, name: str) -> str:
    """``url`` naming the database ``name`` instead."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _admin(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True, connect_timeout=10)


@pytest.fixture(autouse=True)
def _no_store_override(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's $FORCEWATCH_STORE must not send these tests' workspaces to their database."""
    monkeypatch.delenv("FORCEWATCH_STORE", raising=False)


@dataclass(frozen=True)
class Server:
    url: str  # a database on the test server, as a user who may create databases
    template: str  # a database with PostGIS installed: each test's database is a copy, made in milliseconds


@pytest.fixture(scope="session")
def postgis_server() -> Iterator[Server]:
    """The test server, with a template database (dropped at the end of the session)."""
    url = os.environ.get(POSTGIS_ENV)
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{NO_SERVER}; CI must run the PostGIS store tests (.ci/run starts a cluster)")
        pytest.skip(NO_SERVER)
    try:
        con = _admin(url)
    except psycopg.OperationalError as exc:
        pytest.fail(f"{POSTGIS_ENV}={url} is set, but the server cannot be reached: {exc}")
    template = f"fw_template_{secrets.token_hex(4)}"
    with con:
        con.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(template)))
        try:
            with _admin(with_database(url, template)) as tcon:
                tcon.execute("CREATE EXTENSION postgis")
            yield Server(url, template)
        finally:
            con.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(template)))


@pytest.fixture(scope="session")
def postgis_url(postgis_server: Server) -> str:
    """``$FORCEWATCH_TEST_POSTGIS``: the test server (the test skips when it is unset, fails under CI)."""
    return postgis_server.url


@pytest.fixture
def new_database(postgis_server: Server) -> Iterator[NewDatabase]:
    """Makes fresh databases (``fw_<random>``), with PostGIS (or, ``postgis=False``, without: as
    ``createdb`` makes them), all dropped after the test."""
    made: list[str] = []

    def make(postgis: bool = True) -> str:
        name = f"fw_{secrets.token_hex(6)}"
        template = postgis_server.template if postgis else "template1"
        with _admin(postgis_server.url) as con:
            con.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
            )
        made.append(name)
        return with_database(postgis_server.url, name)

    yield make
    with _admin(postgis_server.url) as con:
        for name in made:
            con.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def postgis_db(new_database: NewDatabase) -> str:
    """The URL of a fresh database (PostGIS installed, no ForceWatch schema yet)."""
    return new_database()


def open_backend(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
    """A new, empty store of that kind: ``gpkg`` (a workspace folder under ``tmp_path``) or
    ``postgis`` (a fresh database, for the workspace folder ``tmp_path / "ws"``)."""
    folder = tmp_path / "ws"
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "gpkg":
        from forcewatch.store.gpkg import open_store

        return open_store(folder / "forcewatch.gpkg", create=True)
    from forcewatch.store.postgis import open_postgis

    return open_postgis(request.getfixturevalue("postgis_db"), folder, create=True)


@pytest.fixture(params=["gpkg", "postgis"])
def backend(request: pytest.FixtureRequest) -> str:
    """Each backend by name (``gpkg``, ``postgis``): a test taking it runs once for each."""
    if request.param == "postgis":
        request.getfixturevalue("postgis_url")  # skips (or, under CI, fails) without a server
    return str(request.param)


@pytest.fixture
def store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Store]:
    """A new, empty store of each backend, closed after the test."""
    opened = open_backend(backend, tmp_path, request)
    yield opened
    opened.close()
