"""The GeoPackage store: one ``forcewatch.gpkg`` per workspace, opened by QGIS and ``ogrinfo``.

Layers: ``sites``, ``scenes`` (footprints), ``observations`` (the observed part of each site),
``detections`` (boxes on the ground); plain tables ``scene_sites``, ``forcewatch_log`` and
``forcewatch_schema`` (the schema version, upgraded by :data:`MIGRATIONS`).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from forcewatch.errors import InputError, StoreError
from forcewatch.model import (
    Comparison,
    Detection,
    Observation,
    QueuedAlert,
    Scene,
    Site,
    StoredActivity,
    StoredCamp,
    StoredChangedObject,
    StoredComparison,
    StoredDetection,
)
from forcewatch.store import gpkg_format as fmt
from forcewatch.store import guard
from forcewatch.store.base import UserRows
from forcewatch.store.claims import file_claim
from forcewatch.store.gpkg_loop import LabelsAndModels
from forcewatch.store.gpkg_schema import MIGRATIONS
from forcewatch.store.scene_edits import SceneEdits
from forcewatch.store.scene_paths import openable_path, stored_path

STORE_NAME = "forcewatch.gpkg"


def _geometry(row: sqlite3.Row) -> BaseGeometry:
    """The row's geometry; an empty polygon where none was stored."""
    geom = fmt.decode(row["geom"])
    return geom if geom is not None else Polygon()


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def open_store(path: Path, *, create: bool = False) -> GeoPackageStore:
    """Open (or, with ``create``, make) the GeoPackage store at ``path``, upgrading its schema."""
    if not path.exists() and not create:
        raise StoreError(
            f"{path.parent}: not a ForceWatch workspace (no {path.name}). Fix: run "
            f"`forcewatch init {path.parent}`, or pass -w/--workspace with a workspace folder."
        )
    return GeoPackageStore(path, create=create)


class GeoPackageStore(LabelsAndModels, SceneEdits, UserRows):
    """The :class:`~forcewatch.store.base.Store` on a GeoPackage file."""

    def __init__(self, path: Path, *, create: bool = False) -> None:
        self.path = path
        self._root = path.parent.resolve()  # scene paths inside the folder are stored relative to it
        fresh = not path.exists()
        if not fresh:
            guard.check_file(path)
        self._lock_timeout_s = guard.lock_timeout_s()
        self.con = sqlite3.connect(  # one request of `serve` may open, use and close it in different threads
            path, isolation_level=None, timeout=self._lock_timeout_s, check_same_thread=False
        )
        try:
            self._open(fresh)
        except sqlite3.DatabaseError as exc:
            self.con.close()
            if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc):
                raise guard.busy(path, self._lock_timeout_s) from None
            raise guard.damaged(path, exc) from None
        except BaseException:
            self.con.close()
            raise

    def _open(self, fresh: bool) -> None:
        path = self.path
        self.con.row_factory = sqlite3.Row
        fmt.register_functions(self.con)
        self.con.execute("PRAGMA foreign_keys = ON")
        self._depth = 0
        if fresh:
            with self.transaction():
                fmt.create_core(self.con)
                fmt.create_attribute_table(
                    self.con,
                    "forcewatch_schema",
                    "id INTEGER PRIMARY KEY AUTOINCREMENT, version INTEGER NOT NULL, applied TEXT NOT NULL",
                    "ForceWatch schema version",
                )
        elif self.con.execute("PRAGMA application_id").fetchone()[0] != fmt.APPLICATION_ID:
            raise StoreError(f"{path}: not a GeoPackage. Fix: point -w/--workspace at a ForceWatch workspace.")
        else:
            guard.check_pages(self.con, path)
        self._migrate()

    def _migrate(self) -> None:
        try:
            version = self.con.execute("SELECT coalesce(max(version), 0) FROM forcewatch_schema").fetchone()[0]
        except sqlite3.OperationalError:
            raise StoreError(f"{self.path}: a GeoPackage, but not a ForceWatch store (no forcewatch_schema).") from None
        if version > len(MIGRATIONS):
            raise StoreError(
                f"{self.path}: schema version {version} is newer than this ForceWatch knows "
                f"({len(MIGRATIONS)}). Fix: upgrade ForceWatch."
            )
        for number in range(version + 1, len(MIGRATIONS) + 1):
            with self.transaction():
                MIGRATIONS[number - 1](self.con)
                self.con.execute("INSERT INTO forcewatch_schema (version, applied) VALUES (?, ?)", (number, _now()))

    @property
    def folder(self) -> Path:
        """The workspace folder: the store's folder (imagery copies and workspace models live under it)."""
        return self.path.parent

    @property
    def schema_version(self) -> int:
        return int(self.con.execute("SELECT max(version) FROM forcewatch_schema").fetchone()[0])

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
        try:
            self.con.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise guard.busy(self.path, self._lock_timeout_s) from None
            raise
        guard.write_lock_note(self.path)
        self._depth = 1
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")
        finally:
            self._depth = 0
            guard.clear_lock_note(self.path)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> GeoPackageStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _require_tx(self) -> None:
        if not self._depth:
            raise RuntimeError("store writes must happen inside store.transaction()")

    _P = "?"  # the SQL placeholder (for the shared SQL of SceneEdits)

    def _run(self, query: str, args: Sequence[object] = ()) -> tuple[list[tuple[Any, ...]], int]:
        cur = self.con.execute(query, tuple(args))
        return ([tuple(r) for r in cur.fetchall()] if cur.description else []), cur.rowcount

    def _scenes_edited(self) -> None:
        """Record the change (gpkg_contents: last_change, extent) of the layers a scene edit touches."""
        for layer in ("scenes", "observations", "detections", "change_objects", "activity", "camps", "labels"):
            fmt.touch_contents(self.con, layer)

    # ---- sites
    @staticmethod
    def _site(row: sqlite3.Row) -> Site:
        return Site(
            row["name"],
            _geometry(row),
            row["kind"],
            row["notes"],
            row["lat"],
            row["lon"],
            row["radius_m"],
            row["fid"],
            tuple(json.loads(row["models"])) if "models" in row.keys() and row["models"] is not None else None,  # noqa: SIM118 (a Row)
        )

    def add_site(self, site: Site) -> Site:
        self._require_tx()
        if self.con.execute("SELECT 1 FROM sites WHERE name = ?", (site.name,)).fetchone():
            raise InputError(
                f"site {site.name!r} already exists. Fix: choose another name, or `forcewatch site remove "
                f"{site.name!r}` first."
            )
        cur = self.con.execute(
            "INSERT INTO sites (geom, name, kind, notes, lat, lon, radius_m, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (fmt.encode(site.aoi), site.name, site.kind, site.notes, site.lat, site.lon, site.radius_m, _now()),
        )
        if site.models is not None:  # (NULL, the kind's defaults, otherwise)
            self.con.execute(
                "UPDATE sites SET models = ? WHERE fid = ?", (json.dumps(list(site.models)), cur.lastrowid)
            )
        fmt.touch_contents(self.con, "sites")
        return self.site_by_id(int(cur.lastrowid or 0))

    def set_site_models(self, name: str, models: tuple[str, ...] | None) -> Site:
        """Set the models a site runs (None: the defaults of its kind)."""
        self._require_tx()
        site = self.site(name)
        self.con.execute(
            "UPDATE sites SET models = ? WHERE fid = ?",
            (json.dumps(list(models)) if models is not None else None, site.id),
        )
        return self.site(name)

    def site_by_id(self, fid: int) -> Site:
        row = self.con.execute("SELECT * FROM sites WHERE fid = ?", (fid,)).fetchone()
        if row is None:
            raise InputError(f"no site with id {fid} in {self.path}. Fix: use one of `forcewatch site list`.")
        return self._site(row)

    def sites(self) -> list[Site]:
        return [self._site(r) for r in self.con.execute("SELECT * FROM sites ORDER BY name")]

    def site(self, name: str) -> Site:
        row = self.con.execute("SELECT * FROM sites WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise InputError(
                f"no site named {name!r}. Fix: use one of: {', '.join(s.name for s in self.sites()) or 'none yet'}"
                " (`forcewatch site list`)."
            )
        return self._site(row)

    def remove_site(self, name: str) -> Site:
        self._require_tx()
        site = self.site(name)
        self.con.execute("DELETE FROM sites WHERE fid = ?", (site.id,))
        fmt.touch_contents(self.con, "sites")
        return site

    # ---- scenes
    def _scene(self, row: sqlite3.Row) -> Scene:
        t = json.loads(row["transform"])
        return Scene(
            openable_path(row["path"], self._root),
            row["sha256"],
            row["acquired"],
            row["sensor"],
            row["crs_wkt"],
            (t[0], t[1], t[2], t[3], t[4], t[5]),
            row["width_px"],
            row["height_px"],
            row["gsd_m"],
            _geometry(row),
            row["georef"],
            json.loads(row["properties"]),
            row["fid"],
        )

    def scene_by_sha(self, sha256: str) -> Scene | None:
        row = self.con.execute("SELECT * FROM scenes WHERE sha256 = ?", (sha256,)).fetchone()
        return None if row is None else self._scene(row)

    def scene_by_id(self, fid: int) -> Scene:
        row = self.con.execute("SELECT * FROM scenes WHERE fid = ?", (fid,)).fetchone()
        if row is None:
            raise InputError(
                f"no scene with id {fid} in {self.path}. Fix: use an id that `forcewatch scene list` shows."
            )
        return self._scene(row)

    def add_scene(self, scene: Scene) -> Scene:
        self._require_tx()
        cur = self.con.execute(
            "INSERT INTO scenes (geom, path, sha256, acquired, sensor, crs_wkt, transform, width_px, height_px, "
            "gsd_m, georef, properties, ingested) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                fmt.encode(scene.footprint),
                stored_path(scene.path, self._root),
                scene.sha256,
                scene.acquired,
                scene.sensor,
                scene.crs_wkt,
                json.dumps(list(scene.transform)),
                scene.width_px,
                scene.height_px,
                scene.gsd_m,
                scene.georef,
                json.dumps(scene.properties or {}),
                _now(),
            ),
        )
        fmt.touch_contents(self.con, "scenes")
        return self.scene_by_id(int(cur.lastrowid or 0))

    def scenes(self) -> list[Scene]:
        return [self._scene(r) for r in self.con.execute("SELECT * FROM scenes ORDER BY acquired, fid")]

    def link(self, scene_id: int, site_id: int, overlap_share: float) -> None:
        self._require_tx()
        self.con.execute(
            "INSERT OR REPLACE INTO scene_sites (scene_id, site_id, overlap_share) VALUES (?, ?, ?)",
            (scene_id, site_id, overlap_share),
        )

    def sites_overlapping(self, footprint: BaseGeometry) -> list[Site]:
        """Sites whose area meets ``footprint``: candidates from the R-tree, then an exact test."""
        minx, miny, maxx, maxy = footprint.bounds
        rows = self.con.execute(
            "SELECT s.* FROM sites s JOIN rtree_sites_geom r ON r.id = s.fid "
            "WHERE r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ? ORDER BY s.name",
            (maxx, minx, maxy, miny),
        )
        return [site for site in map(self._site, rows) if site.aoi.intersects(footprint)]

    def scenes_of_site(self, site_id: int) -> list[Scene]:
        rows = self.con.execute(
            "SELECT s.* FROM scenes s JOIN scene_sites l ON l.scene_id = s.fid WHERE l.site_id = ? ORDER BY s.acquired",
            (site_id,),
        )
        return [self._scene(r) for r in rows]

    def pending_pairs(self, model_sha256: str, site_name: str | None = None) -> list[tuple[Scene, Site]]:
        sql = (
            "SELECT l.scene_id, l.site_id FROM scene_sites l JOIN sites t ON t.fid = l.site_id "
            "JOIN scenes s ON s.fid = l.scene_id WHERE NOT EXISTS (SELECT 1 FROM observations o "
            "WHERE o.scene_id = l.scene_id AND o.site_id = l.site_id AND o.model_sha256 = ?)"
        )
        args: list[object] = [model_sha256]
        if site_name is not None:
            sql += " AND t.name = ?"
            args.append(site_name)
        rows = self.con.execute(sql + " ORDER BY s.acquired, t.name", args).fetchall()
        return [(self.scene_by_id(r[0]), self.site_by_id(r[1])) for r in rows]

    def has_observation(self, site_id: int, scene_id: int, model_sha256: str) -> bool:
        row = self.con.execute(
            "SELECT 1 FROM observations WHERE site_id = ? AND scene_id = ? AND model_sha256 = ?",
            (site_id, scene_id, model_sha256),
        ).fetchone()
        return row is not None

    def claim(self, key: str) -> AbstractContextManager[bool]:
        """Hold ``key`` with a lock file beside the store (released when this process ends, however)."""
        return file_claim(self.folder, key)

    # ---- observations and detections
    @staticmethod
    def _observation(row: sqlite3.Row) -> Observation:
        return Observation(
            row["site_id"],
            row["scene_id"],
            row["acquired"],
            json.loads(row["counts"]),
            row["share_observed"],
            fmt.decode(row["geom"]),
            row["model_id"],
            row["model_sha256"],
            json.loads(row["thresholds"]),
            row["software_version"],
            row["fid"],
            json.loads(row["not_observable"]),
            validated=json.loads(row["validated"]),
        )

    def add_observation(self, obs: Observation, detections: list[Detection]) -> Observation:
        self._require_tx()
        cur = self.con.execute(
            "INSERT INTO observations (geom, site_id, scene_id, acquired, counts, total, share_observed, model_id, "
            "model_sha256, thresholds, software_version, scanned, not_observable, validated) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                fmt.encode(obs.observed) if obs.observed is not None and not obs.observed.is_empty else None,
                obs.site_id,
                obs.scene_id,
                obs.acquired,
                json.dumps(obs.counts, sort_keys=True),
                sum(obs.counts.values()),
                obs.share_observed,
                obs.model_id,
                obs.model_sha256,
                json.dumps(obs.thresholds),
                obs.software_version,
                _now(),
                json.dumps(obs.not_observable, sort_keys=True),
                json.dumps(obs.validated, sort_keys=True),
            ),
        )
        oid = int(cur.lastrowid or 0)
        self.con.executemany(
            "INSERT INTO detections (geom, observation_id, scene_id, site_id, acquired, class, score, box_px, "
            "length_m, width_m, size_class, model_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    fmt.encode(d.polygon) if d.polygon is not None else None,
                    oid,
                    obs.scene_id,
                    obs.site_id,
                    obs.acquired,
                    d.class_name,
                    d.score,
                    json.dumps([round(v, 2) for v in d.box_px]),
                    d.length_m,
                    d.width_m,
                    d.size_class,
                    d.model_id,
                )
                for d in detections
            ],
        )
        fmt.touch_contents(self.con, "observations")
        fmt.touch_contents(self.con, "detections")
        row = self.con.execute("SELECT * FROM observations WHERE fid = ?", (oid,)).fetchone()
        return self._observation(row)

    def observations(self, site_id: int | None = None) -> list[Observation]:
        sql, args = "SELECT * FROM observations", []
        if site_id is not None:
            sql, args = sql + " WHERE site_id = ?", [site_id]
        return [self._observation(r) for r in self.con.execute(sql + " ORDER BY acquired, fid", args)]

    def detections(self, site_id: int | None = None, scene_id: int | None = None) -> Iterator[StoredDetection]:
        """Stored detections, of one site and/or one scene if given, in date order."""
        where = [(c, v) for c, v in (("site_id", site_id), ("scene_id", scene_id)) if v is not None]
        sql = "SELECT * FROM detections" + (" WHERE " + " AND ".join(f"{c} = ?" for c, _ in where) if where else "")
        for r in self.con.execute(sql + " ORDER BY acquired, fid", [v for _, v in where]):
            box = json.loads(r["box_px"])
            det = Detection(
                r["class"],
                r["score"],
                (box[0], box[1], box[2], box[3]),
                r["length_m"],
                r["width_m"],
                r["size_class"],
                r["model_id"],
                r["scene_id"],
                fmt.decode(r["geom"]),
            )
            yield StoredDetection(r["fid"], r["observation_id"], r["scene_id"], r["site_id"], det, r["acquired"])

    # ---- comparisons
    def add_comparison(self, comparison: Comparison) -> int:
        """Store a comparison (replacing an earlier one of the same two observations)."""
        self._require_tx()
        c = comparison
        self.con.execute(
            "DELETE FROM comparisons WHERE earlier_observation = ? AND later_observation = ?",
            (c.earlier.id, c.later.id),
        )
        cur = self.con.execute(
            "INSERT INTO comparisons (site_id, earlier_observation, later_observation, earlier, later, shift_east_m, "
            "shift_north_m, residual_m, share_usable, summary, created, not_observable, notes, validated) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                c.site_id,
                c.earlier.id,
                c.later.id,
                c.earlier.acquired,
                c.later.acquired,
                c.shift_east_m,
                c.shift_north_m,
                c.residual_m,
                c.share_usable,
                json.dumps(c.summary),
                _now(),
                json.dumps(c.not_observable, sort_keys=True),
                json.dumps(c.notes, sort_keys=True),
                json.dumps(c.validated, sort_keys=True),
            ),
        )
        cid = int(cur.lastrowid or 0)
        self.con.executemany(
            "INSERT INTO change_objects (geom, comparison_id, site_id, status, class, score, acquired) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    fmt.encode(o.polygon),
                    cid,
                    c.site_id,
                    o.status,
                    o.class_name,
                    o.score,
                    o.acquired,
                )
                for o in c.objects
            ],
        )
        self.con.executemany(
            "INSERT INTO activity (geom, comparison_id, site_id, area_m2, confidence, earlier, later) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    fmt.encode(a.polygon),
                    cid,
                    c.site_id,
                    a.area_m2,
                    a.confidence,
                    c.earlier.acquired,
                    c.later.acquired,
                )
                for a in c.activity
            ],
        )
        self.con.executemany(
            "INSERT INTO camps (geom, comparison_id, site_id, status, kind, objects, tents, vehicles, objects_before, "
            "area_m2, activity_m2, acquired) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    fmt.encode(k.polygon),
                    cid,
                    c.site_id,
                    k.status,
                    k.kind,
                    sum(k.counts.values()),
                    k.counts.get("tent", 0),
                    k.counts.get("vehicle", 0),
                    k.objects_before,
                    k.area_m2,
                    k.activity_m2,
                    k.acquired,
                )
                for k in c.camps
            ],
        )
        fmt.touch_contents(self.con, "change_objects")
        fmt.touch_contents(self.con, "activity")
        fmt.touch_contents(self.con, "camps")
        return cid

    def comparisons(self, site_id: int) -> list[StoredComparison]:
        """Stored comparisons of a site, in date order."""
        rows = self.con.execute("SELECT * FROM comparisons WHERE site_id = ? ORDER BY later, earlier", (site_id,))
        return [
            StoredComparison(
                r["id"],
                r["site_id"],
                r["earlier_observation"],
                r["later_observation"],
                r["earlier"],
                r["later"],
                r["shift_east_m"],
                r["shift_north_m"],
                r["residual_m"],
                r["share_usable"],
                json.loads(r["summary"]),
                json.loads(r["not_observable"]),
                r["created"],
                json.loads(r["notes"]),
                json.loads(r["validated"]),
            )
            for r in rows
        ]

    def _change_rows(self, table: str, site_ids: set[int] | None) -> Iterator[sqlite3.Row]:
        sql = f'SELECT * FROM "{table}"'
        if site_ids is not None:
            sql += f" WHERE site_id IN ({', '.join('?' * len(site_ids))})"
        return iter(self.con.execute(sql + " ORDER BY fid", sorted(site_ids or ())).fetchall())

    def changed_objects(self, site_ids: set[int] | None = None) -> list[StoredChangedObject]:
        """Objects that arrived, departed or were not observed, in the stored comparisons of these sites."""
        return [
            StoredChangedObject(
                r["fid"],
                r["comparison_id"],
                r["site_id"],
                r["status"],
                r["class"],
                r["score"],
                r["acquired"],
                fmt.decode(r["geom"]),
            )
            for r in self._change_rows("change_objects", site_ids)
        ]

    def activity(self, site_ids: set[int] | None = None) -> list[StoredActivity]:
        """New-activity areas in the stored comparisons of these sites."""
        return [
            StoredActivity(
                r["fid"],
                r["comparison_id"],
                r["site_id"],
                r["area_m2"],
                r["confidence"],
                r["earlier"],
                r["later"],
                fmt.decode(r["geom"]),
            )
            for r in self._change_rows("activity", site_ids)
        ]

    def camps(self, site_ids: set[int] | None = None) -> list[StoredCamp]:
        """Camps (new, grown, shrunk, unchanged, gone) in the stored comparisons of these sites."""
        return [
            StoredCamp(
                r["fid"],
                r["comparison_id"],
                r["site_id"],
                r["status"],
                r["kind"],
                r["objects"],
                r["tents"],
                r["vehicles"],
                r["objects_before"],
                r["area_m2"],
                r["activity_m2"],
                r["acquired"],
                fmt.decode(r["geom"]),
            )
            for r in self._change_rows("camps", site_ids)
        ]

    # ---- alerts
    def add_alert(self, rule: str, comparison_id: int, site: str, message: str, payload: dict[str, Any]) -> bool:
        """Queue an alert; False when this rule already fired on this comparison."""
        self._require_tx()
        cur = self.con.execute(
            "INSERT OR IGNORE INTO alerts (rule, comparison_id, site, message, payload, created) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (rule, comparison_id, site, message, json.dumps(payload), _now()),
        )
        return cur.rowcount == 1

    def pending_alerts(self) -> list[QueuedAlert]:
        """Alerts not yet delivered to every channel, oldest first."""
        rows = self.con.execute(
            "SELECT * FROM alerts WHERE console_done = 0 OR jsonl_done = 0 OR webhook_done = 0 ORDER BY id"
        )
        return [
            QueuedAlert(
                r["id"],
                r["rule"],
                r["comparison_id"],
                r["site"],
                r["message"],
                json.loads(r["payload"]),
                r["created"],
                bool(r["console_done"]),
                bool(r["jsonl_done"]),
                bool(r["webhook_done"]),
                r["last_error"],
            )
            for r in rows
        ]

    def mark_alert(self, alert_id: int, channel: str, error: str | None = None) -> None:
        self._require_tx()
        if channel not in ("console", "jsonl", "webhook"):
            raise ValueError(channel)
        if error is None:
            self.con.execute(f"UPDATE alerts SET {channel}_done = 1, last_error = NULL WHERE id = ?", (alert_id,))
        else:
            self.con.execute("UPDATE alerts SET last_error = ? WHERE id = ?", (error, alert_id))

    def log(self, command: str, message: str) -> None:
        self._require_tx()
        self.con.execute(
            "INSERT INTO forcewatch_log (time, command, message) VALUES (?, ?, ?)",
            (_now(), command, message),
        )
