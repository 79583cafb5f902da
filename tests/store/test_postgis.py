"""The PostGIS store's own behaviour: migrations, indexes, claims and transactions, and the errors
of a wrong URL, an unreachable server or a database without PostGIS."""

from __future__ import annotations

import secrets
import socket
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from shapely.geometry import box

from forcewatch.errors import InputError, StoreError
from forcewatch.model import Site
from forcewatch.store import postgis
from forcewatch.store.postgis import PostGISStore, open_postgis
from forcewatch.store.postgis_schema import MIGRATIONS, SPATIAL_TABLES
from tests.store.conftest import NewDatabase, with_database


def _rows(url: str, query: str, args: Any = None) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as con:
        return con.execute(query.encode(), args).fetchall()


def test_migrations_are_recorded_and_applied_once(postgis_db: str) -> None:
    with open_postgis(postgis_db, create=True) as store:
        assert store.schema_version == len(MIGRATIONS)
    with open_postgis(postgis_db) as store:
        assert store.schema_version == len(MIGRATIONS)
    versions = _rows(postgis_db, "SELECT version, applied FROM forcewatch_schema ORDER BY id")
    assert [v for v, _ in versions] == list(range(1, len(MIGRATIONS) + 1))
    assert all(applied.endswith("Z") for _, applied in versions)


def test_a_later_migration_upgrades_in_place_one_transaction_each(
    postgis_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_postgis(postgis_db, create=True) as store, store.transaction():
        store.add_site(Site("Kept", box(0, 0, 1, 1)))

    def add_column(con: psycopg.Connection[Any]) -> None:
        con.execute("ALTER TABLE sites ADD COLUMN country text")

    def broken(con: psycopg.Connection[Any]) -> None:
        con.execute("ALTER TABLE sites ADD COLUMN half_done text")
        raise RuntimeError("step 3 failed")

    monkeypatch.setattr(postgis, "MIGRATIONS", [*MIGRATIONS, add_column, broken])
    with pytest.raises(RuntimeError, match="step 3 failed"):
        open_postgis(postgis_db)
    # step 2 landed (its own transaction), step 3 left nothing behind
    assert [v for (v,) in _rows(postgis_db, "SELECT version FROM forcewatch_schema")][-1] == len(MIGRATIONS) + 1
    columns = {
        c for (c,) in _rows(postgis_db, "SELECT column_name FROM information_schema.columns WHERE table_name = 'sites'")
    }
    assert "country" in columns and "half_done" not in columns
    monkeypatch.setattr(postgis, "MIGRATIONS", [*MIGRATIONS, add_column])
    with open_postgis(postgis_db) as store:
        assert [s.name for s in store.sites()] == ["Kept"]
    monkeypatch.setattr(postgis, "MIGRATIONS", MIGRATIONS)
    n = len(MIGRATIONS)
    newer = rf"schema version {n + 1} is newer than this ForceWatch knows \({n}\)\. Fix: upgrade"
    with pytest.raises(StoreError, match=newer):
        open_postgis(postgis_db)


def test_geometry_columns_have_gist_indexes_and_site_and_scene_ids_btree_ones(postgis_db: str) -> None:
    open_postgis(postgis_db, create=True).close()
    geometry = _rows(
        postgis_db, "SELECT f_table_name, type, srid FROM geometry_columns WHERE f_table_schema = 'public'"
    )
    assert sorted(geometry) == sorted((t, "GEOMETRY", 4326) for t in SPATIAL_TABLES)
    # (table, access method, first column) of every index
    indexes = _rows(
        postgis_db,
        "SELECT t.relname, am.amname, a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_class t ON t.oid = i.indrelid JOIN pg_am am ON am.oid = c.relam "
        "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0] "
        "JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public'",
    )
    assert {(t, "gist", "geom") for t in SPATIAL_TABLES} <= set(indexes)
    id_columns = _rows(
        postgis_db,
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND column_name IN ('site_id', 'scene_id')",
    )
    assert len(id_columns) == 12  # scene_sites, observations, detections, labels: both; 4 tables: site_id
    missing = [(t, c) for t, c in id_columns if (t, "btree", c) not in set(indexes)]
    assert missing == []


def test_sites_overlapping_goes_through_the_spatial_index(postgis_db: str) -> None:
    with open_postgis(postgis_db, create=True) as store:
        with store.transaction():
            store.con.execute(
                "INSERT INTO sites (geom, name, kind, created) SELECT ST_MakeEnvelope(x, y, x + 0.05, y + 0.05, 4326), "
                "'site ' || x || ' ' || y, 'other', 'now' FROM generate_series(0, 49) x, generate_series(0, 39) y"
            )
        store.con.execute("ANALYZE sites")
        assert [s.name for s in store.sites_overlapping(box(10.01, 20.01, 10.02, 20.02))] == ["site 10 20"]
        plan = store.con.execute(
            "EXPLAIN SELECT * FROM sites WHERE ST_Intersects(geom, %s) ORDER BY name",
            (box(10.01, 20.01, 10.02, 20.02),),
        ).fetchall()
    assert "sites_geom" in " ".join(r["QUERY PLAN"] for r in plan)


def test_a_claim_taken_in_a_transaction_is_released_after_it_commits(postgis_db: str) -> None:
    with open_postgis(postgis_db, create=True) as store, open_postgis(postgis_db) as other:
        with store.transaction():
            with store.claim("pair") as mine:
                assert mine
                store.add_site(Site("Scanned", box(0, 0, 1, 1)))
            with other.claim("pair") as theirs:
                assert not theirs  # the result is not committed yet: the pair stays claimed
        assert [s.name for s in other.sites()] == ["Scanned"]
        with other.claim("pair") as theirs:
            assert theirs


def test_claims_of_different_keys_do_not_collide(postgis_db: str) -> None:
    keys = [f"scene {i} × site {j} × sha" for i in range(100) for j in range(10)]
    assert len({postgis.lock_id(k) for k in keys}) == len(keys)
    assert postgis.lock_id("a") == postgis.lock_id("a")  # the same in every process: not Python's hash()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_server_names_the_url_never_the_password() -> None:
    url = f"postgresql://fw:s3cret@127.0.0.1:{_free_port()}/watch?connect_timeout=3"
    with pytest.raises(StoreError) as err:
        open_postgis(url)
    message = str(err.value)
    assert "postgresql://fw:***@127.0.0.1" in message and "s3cret" not in message
    assert "cannot connect to the PostgreSQL server" in message and "Fix:" in message and "PGPASSWORD" in message


def test_urls_that_are_not_postgresql_or_name_no_database(postgis_url: str) -> None:
    with pytest.raises(InputError, match=r"'mysql://x/y' is not a PostgreSQL URL\. Fix: write it as postgresql://"):
        open_postgis("mysql://x/y")
    missing = with_database(postgis_url, f"fw_missing_{secrets.token_hex(4)}")
    with pytest.raises(StoreError, match=r"does not exist.*Fix:.*createdb"):
        open_postgis(missing)


def test_a_database_without_a_store(new_database: NewDatabase) -> None:
    bare = new_database(postgis=False)
    with pytest.raises(StoreError, match=r"PostGIS is not installed in database .* Fix: run `forcewatch init FOLDER"):
        open_postgis(bare)
    with open_postgis(bare, create=True) as store:  # as a superuser: PostGIS is installed, then the schema
        assert store.schema_version == len(MIGRATIONS)
    with_postgis = new_database()
    with pytest.raises(StoreError, match=r"no ForceWatch store in this database .*Fix: run `forcewatch init"):
        open_postgis(with_postgis)


def test_a_user_who_may_not_create_postgis_is_told_who_can(postgis_url: str, tmp_path: Path) -> None:
    role, name = f"fw_user_{secrets.token_hex(4)}", f"fw_{secrets.token_hex(6)}"
    with psycopg.connect(postgis_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        admin.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(role)))
        try:
            url = with_database(postgis_url, name).replace("//postgres@", f"//{role}@")
            assert role in url
            with pytest.raises(StoreError, match=r"may not create the PostGIS extension.*Fix: have a superuser run"):
                open_postgis(url, create=True)
        finally:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_a_store_opened_by_url_alone_has_no_folder(postgis_db: str, tmp_path: Path) -> None:
    with (
        open_postgis(postgis_db, create=True) as store,
        pytest.raises(StoreError, match="without a workspace folder.*Fix: `forcewatch init FOLDER --store"),
    ):
        _ = store.folder
    with open_postgis(postgis_db, tmp_path) as store:
        assert store.folder == tmp_path and isinstance(store, PostGISStore)
