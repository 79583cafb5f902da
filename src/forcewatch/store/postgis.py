"""The PostGIS store: the :class:`~forcewatch.store.base.Store` on PostgreSQL + PostGIS (psycopg 3),
for watchlists that several people and several scan processes, on one machine or many, work on at
once. QGIS opens the same tables.

The tables and columns are those of the GeoPackage store (see
:mod:`forcewatch.store.postgis_schema`); values read back equal the GeoPackage store's. A pair being
scanned is claimed with a session-level advisory lock (:meth:`PostGISStore.claim`), which the server
releases when the claiming process's connection closes, however it ends.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from psycopg import sql

from forcewatch.errors import InputError, StoreError
from forcewatch.model import Detection, Geometry, Observation, Scene, Site, StoredDetection
from forcewatch.store import postgis_connect as pg
from forcewatch.store.base import UserRows
from forcewatch.store.postgis_results import ResultsAndLoop, where_equal
from forcewatch.store.postgis_rows import detection_row, from_row, observation_row, scene_row, site_row
from forcewatch.store.postgis_schema import MIGRATION_LOCK, MIGRATIONS, SCHEMA_TABLE
from forcewatch.store.scene_edits import SceneEdits
from forcewatch.store.scene_paths import openable_path, stored_path


def open_postgis(url: str, folder: Path | None = None, *, create: bool = False) -> PostGISStore:
    """Open the PostGIS store at ``url`` (``postgresql://USER@HOST:PORT/DATABASE``) for the workspace
    ``folder``, upgrading its schema; with ``create``, make the PostGIS extension and the schema
    in that (existing) database first."""
    return PostGISStore(url, folder, create=create)


def lock_id(key: str) -> int:
    """The 64-bit advisory-lock key of a claim key (a stable hash: the same in every process)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8, person=b"fw-claim").digest(), "big", signed=True)


class PostGISStore(ResultsAndLoop, SceneEdits, UserRows):
    """The :class:`~forcewatch.store.base.Store` on a PostgreSQL + PostGIS database."""

    def __init__(self, url: str, folder: Path | None = None, *, create: bool = False) -> None:
        self.url = pg.redact(url)  # for messages: never the password
        self._folder = folder
        #: scene paths inside the workspace folder are stored relative to it (none: stored as given)
        self._root = folder.resolve() if folder is not None else None
        self._depth = 0
        self._held: set[int] = set()  # advisory locks this store holds (claims)
        self._release_after_tx: list[int] = []
        self.con = pg.connect(url)
        try:
            if create:
                with self.con.transaction():
                    self.con.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                    pg.ensure_postgis(self.con, self.url)
            if not pg.register_geometry(self.con):
                raise StoreError(
                    f"{self.url}: PostGIS is not installed in database {pg.database(url)!r}, so it holds no "
                    f"ForceWatch store. Fix: run `forcewatch init FOLDER --store {self.url}` to make one."
                )
            self._migrate(create)
        except BaseException:
            self.con.close()
            raise

    def _migrate(self, create: bool) -> None:
        """Apply the missing migrations in order, one transaction each, one process at a time."""
        while True:
            with self.con.transaction():
                self.con.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                if not self._has_schema_table():
                    if not create:
                        raise StoreError(
                            f"{self.url}: no ForceWatch store in this database (no forcewatch_schema table). "
                            f"Fix: run `forcewatch init FOLDER --store {self.url}` to make one, or check the URL."
                        )
                    self.con.execute(SCHEMA_TABLE)
                version = self._version()
                if version > len(MIGRATIONS):
                    raise StoreError(
                        f"{self.url}: schema version {version} is newer than this ForceWatch knows "
                        f"({len(MIGRATIONS)}). Fix: upgrade ForceWatch."
                    )
                if version == len(MIGRATIONS):
                    return
                MIGRATIONS[version](self.con)
                self.con.execute(
                    "INSERT INTO forcewatch_schema (version, applied) VALUES (%s, %s)", (version + 1, pg.now())
                )

    def _has_schema_table(self) -> bool:
        return bool(self._one("SELECT to_regclass('forcewatch_schema') IS NOT NULL AS ok")["ok"])

    def _version(self) -> int:
        return int(self._one("SELECT coalesce(max(version), 0) AS v FROM forcewatch_schema")["v"])

    @property
    def schema_version(self) -> int:
        return self._version()

    @property
    def folder(self) -> Path:
        """The workspace folder (workspace models' paths are relative to it)."""
        if self._folder is None:
            raise StoreError(
                f"{self.url} was opened without a workspace folder, and its models' files live in one. "
                f"Fix: `forcewatch init FOLDER --store {self.url}`, then pass -w FOLDER."
            )
        return self._folder

    # ---- transactions and claims
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside land together or not at all (nested calls join the outer one)."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._depth = 1
        try:
            with self.con.transaction():
                yield
        finally:
            self._depth = 0
            self._release_claims()

    @contextmanager
    def claim(self, key: str) -> Iterator[bool]:
        """Hold ``key`` (one scene × site × model pair) while this process scans it: True when claimed,
        False when another process (or this store, already) holds it. A session-level advisory lock:
        released on exit, after the transaction open at that moment ends (so a pair's result is
        committed before another process can claim it), and by the server when the connection
        closes, however the process ends."""
        lock = lock_id(key)
        got = lock not in self._held and bool(self._one("SELECT pg_try_advisory_lock(%s) AS got", (lock,))["got"])
        if got:
            self._held.add(lock)
        try:
            yield got
        finally:
            if got:
                self._release_after_tx.append(lock)
                if not self._depth:
                    self._release_claims()

    def _release_claims(self) -> None:
        while self._release_after_tx:
            lock = self._release_after_tx.pop()
            self._held.discard(lock)
            if not (self.con.closed or self.con.broken):  # a lost connection took its locks with it
                self.con.execute("SELECT pg_advisory_unlock(%s)", (lock,))

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> PostGISStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- sites
    def add_site(self, site: Site) -> Site:
        self._require_tx()
        if self.con.execute("SELECT 1 FROM sites WHERE name = %s", (site.name,)).fetchone():
            raise InputError(
                f"site {site.name!r} already exists. Fix: choose another name, or `forcewatch site remove "
                f"{site.name!r}` first."
            )
        row = self._insert("sites", [site_row(site, pg.now())], "*")[0]
        return from_row(Site, row)

    def set_site_models(self, name: str, models: tuple[str, ...] | None) -> Site:
        """Set the models a site runs (None: the defaults of its kind)."""
        self._require_tx()
        site = self.site(name)
        self.con.execute(
            "UPDATE sites SET models = %s WHERE fid = %s",
            (json.dumps(list(models)) if models is not None else None, site.id),
        )
        return self.site(name)

    def site_by_id(self, fid: int) -> Site:
        row = self.con.execute("SELECT * FROM sites WHERE fid = %s", (fid,)).fetchone()
        if row is None:
            raise InputError(f"no site with id {fid} in {self.url}. Fix: use one of `forcewatch site list`.")
        return from_row(Site, row)

    def sites(self) -> list[Site]:
        return [from_row(Site, r) for r in self._rows("SELECT * FROM sites ORDER BY name")]

    def site(self, name: str) -> Site:
        row = self.con.execute("SELECT * FROM sites WHERE name = %s", (name,)).fetchone()
        if row is None:
            raise InputError(
                f"no site named {name!r}. Fix: use one of: {', '.join(s.name for s in self.sites()) or 'none yet'}"
                " (`forcewatch site list`)."
            )
        return from_row(Site, row)

    def remove_site(self, name: str) -> Site:
        self._require_tx()
        site = self.site(name)
        self.con.execute("DELETE FROM sites WHERE fid = %s", (site.id,))
        return site

    def sites_overlapping(self, footprint: Geometry) -> list[Site]:
        """The sites whose area meets ``footprint`` (lon/lat), by name, through the GiST index."""
        rows = self._rows("SELECT * FROM sites WHERE ST_Intersects(geom, %s) ORDER BY name", (footprint,))
        return [from_row(Site, r) for r in rows]

    # ---- scenes
    def _scene(self, row: dict[str, object]) -> Scene:
        scene = from_row(Scene, row)
        return dataclasses.replace(scene, path=openable_path(scene.path, self._root))

    def scene_by_sha(self, sha256: str) -> Scene | None:
        row = self.con.execute("SELECT * FROM scenes WHERE sha256 = %s", (sha256,)).fetchone()
        return None if row is None else self._scene(row)

    def scene_by_id(self, fid: int) -> Scene:
        row = self.con.execute("SELECT * FROM scenes WHERE fid = %s", (fid,)).fetchone()
        if row is None:
            raise InputError(
                f"no scene with id {fid} in {self.url}. Fix: use an id that `forcewatch scene list` shows."
            )
        return self._scene(row)

    def add_scene(self, scene: Scene) -> Scene:
        self._require_tx()
        stored = dataclasses.replace(scene, path=stored_path(scene.path, self._root))
        row = self._insert("scenes", [scene_row(stored, pg.now())], "*")[0]
        return self._scene(row)

    def scenes(self) -> list[Scene]:
        return [self._scene(r) for r in self._rows("SELECT * FROM scenes ORDER BY acquired, fid")]

    _P = "%s"  # the SQL placeholder (for the shared SQL of SceneEdits)

    def _run(self, query: str, args: Sequence[object] = ()) -> tuple[list[tuple[Any, ...]], int]:
        cur = self.con.execute(query, tuple(args))
        return ([tuple(r.values()) for r in cur.fetchall()] if cur.description else []), cur.rowcount

    def link(self, scene_id: int, site_id: int, overlap_share: float) -> None:
        self._require_tx()
        self.con.execute(
            "INSERT INTO scene_sites (scene_id, site_id, overlap_share) VALUES (%s, %s, %s) "
            "ON CONFLICT (scene_id, site_id) DO UPDATE SET overlap_share = EXCLUDED.overlap_share",
            (scene_id, site_id, overlap_share),
        )

    def scenes_of_site(self, site_id: int) -> list[Scene]:
        rows = self._rows(
            "SELECT s.* FROM scenes s JOIN scene_sites l ON l.scene_id = s.fid WHERE l.site_id = %s "
            "ORDER BY s.acquired, s.fid",
            (site_id,),
        )
        return [self._scene(r) for r in rows]

    def pending_pairs(self, model_sha256: str, site_name: str | None = None) -> list[tuple[Scene, Site]]:
        """Scene × site pairs not yet recorded with that model, by date then site name."""
        query = sql.SQL(
            "SELECT l.scene_id, l.site_id FROM scene_sites l JOIN sites t ON t.fid = l.site_id "
            "JOIN scenes s ON s.fid = l.scene_id WHERE NOT EXISTS (SELECT 1 FROM observations o "
            "WHERE o.scene_id = l.scene_id AND o.site_id = l.site_id AND o.model_sha256 = %s) {} "
            "ORDER BY s.acquired, t.name"
        ).format(sql.SQL("AND t.name = %s") if site_name is not None else sql.SQL(""))
        args = [model_sha256] + ([site_name] if site_name is not None else [])
        pairs = [(r["scene_id"], r["site_id"]) for r in self._rows(query, args)]
        scene_ids, site_ids = sorted({a for a, _ in pairs}), sorted({b for _, b in pairs})
        scenes = {
            r["fid"]: self._scene(r) for r in self._rows("SELECT * FROM scenes WHERE fid = ANY(%s)", (scene_ids,))
        }
        sites = {
            r["fid"]: from_row(Site, r) for r in self._rows("SELECT * FROM sites WHERE fid = ANY(%s)", (site_ids,))
        }
        return [(scenes[a], sites[b]) for a, b in pairs]

    def has_observation(self, site_id: int, scene_id: int, model_sha256: str) -> bool:
        """Whether that scene × site pair is already recorded with that model (by any process)."""
        row = self._one(
            "SELECT EXISTS (SELECT 1 FROM observations WHERE site_id = %s AND scene_id = %s AND model_sha256 = %s) "
            "AS found",
            (site_id, scene_id, model_sha256),
        )
        return bool(row["found"])

    # ---- observations and detections
    def add_observation(self, obs: Observation, detections: list[Detection]) -> Observation:
        self._require_tx()
        row = self._insert("observations", [observation_row(obs, pg.now())], "*")[0]
        self._insert("detections", [detection_row(d, obs, row["fid"]) for d in detections])
        return from_row(Observation, row)

    def observations(self, site_id: int | None = None) -> list[Observation]:
        where, args = where_equal(site_id=site_id)
        query = sql.SQL("SELECT * FROM observations {} ORDER BY acquired, fid").format(where)
        return [from_row(Observation, r) for r in self._rows(query, args)]

    def detections(self, site_id: int | None = None, scene_id: int | None = None) -> Iterator[StoredDetection]:
        """Stored detections, of one site and/or one scene if given, in date order."""
        where, args = where_equal(site_id=site_id, scene_id=scene_id)
        query = sql.SQL("SELECT * FROM detections {} ORDER BY acquired, fid").format(where)
        for r in self._rows(query, args):
            det = from_row(Detection, r)
            yield StoredDetection(r["fid"], r["observation_id"], r["scene_id"], r["site_id"], det, r["acquired"])
