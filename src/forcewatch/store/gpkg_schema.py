"""The store's schema as numbered migrations: a workspace of any older version upgrades in place,
one transaction per step, and nothing stored is lost."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

from forcewatch.store import gpkg_format as fmt


def _migration_1(con: sqlite3.Connection) -> None:
    fmt.create_feature_table(
        con,
        "sites",
        "POLYGON",
        "name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, notes TEXT NOT NULL DEFAULT '', lat REAL, lon REAL, "
        "radius_m REAL, created TEXT NOT NULL",
        "Watched sites: areas of interest",
    )
    fmt.create_feature_table(
        con,
        "scenes",
        "POLYGON",
        "path TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE, acquired TEXT NOT NULL, sensor TEXT NOT NULL, "
        "crs_wkt TEXT NOT NULL, transform TEXT NOT NULL, width_px INTEGER NOT NULL, height_px INTEGER NOT NULL, "
        "gsd_m REAL NOT NULL, georef TEXT NOT NULL, properties TEXT NOT NULL DEFAULT '{}', ingested TEXT NOT NULL",
        "Ingested scenes: footprints",
    )
    fmt.create_feature_table(
        con,
        "observations",
        "GEOMETRY",
        "site_id INTEGER NOT NULL REFERENCES sites(fid) ON DELETE CASCADE, "
        "scene_id INTEGER NOT NULL REFERENCES scenes(fid) ON DELETE CASCADE, acquired TEXT NOT NULL, "
        "counts TEXT NOT NULL, total INTEGER NOT NULL, share_observed REAL NOT NULL, model_id TEXT NOT NULL, "
        "model_sha256 TEXT NOT NULL, thresholds TEXT NOT NULL, software_version TEXT NOT NULL, "
        "scanned TEXT NOT NULL, UNIQUE (site_id, scene_id, model_sha256)",
        "One scan of one site in one scene: counts, share observed, provenance",
    )
    fmt.create_feature_table(
        con,
        "detections",
        "POLYGON",
        "observation_id INTEGER NOT NULL REFERENCES observations(fid) ON DELETE CASCADE, "
        "scene_id INTEGER NOT NULL, site_id INTEGER NOT NULL, acquired TEXT NOT NULL, class TEXT NOT NULL, "
        "score REAL NOT NULL, box_px TEXT NOT NULL, length_m REAL NOT NULL, width_m REAL NOT NULL, "
        "size_class TEXT NOT NULL, model_id TEXT NOT NULL",
        "Detected objects: boxes on the ground",
    )
    fmt.create_attribute_table(
        con,
        "scene_sites",
        "scene_id INTEGER NOT NULL REFERENCES scenes(fid) ON DELETE CASCADE, "
        "site_id INTEGER NOT NULL REFERENCES sites(fid) ON DELETE CASCADE, overlap_share REAL NOT NULL, "
        "PRIMARY KEY (scene_id, site_id)",
        "Which scene covers which site, and how much of it",
    )
    fmt.create_attribute_table(
        con,
        "forcewatch_log",
        "id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, command TEXT NOT NULL, message TEXT NOT NULL",
        "What each command did",
    )
    con.execute("CREATE INDEX detections_site ON detections(site_id)")
    con.execute("CREATE INDEX observations_site ON observations(site_id)")


def _migration_2(con: sqlite3.Connection) -> None:
    """Changes between dates: comparisons, changed objects, new-activity areas."""
    fmt.create_attribute_table(
        con,
        "comparisons",
        "id INTEGER PRIMARY KEY AUTOINCREMENT, site_id INTEGER NOT NULL REFERENCES sites(fid) ON DELETE CASCADE, "
        "earlier_observation INTEGER NOT NULL REFERENCES observations(fid) ON DELETE CASCADE, "
        "later_observation INTEGER NOT NULL REFERENCES observations(fid) ON DELETE CASCADE, "
        "earlier TEXT NOT NULL, later TEXT NOT NULL, shift_east_m REAL NOT NULL, shift_north_m REAL NOT NULL, "
        "residual_m REAL NOT NULL, share_usable REAL NOT NULL, summary TEXT NOT NULL, created TEXT NOT NULL, "
        "UNIQUE (earlier_observation, later_observation)",
        "Comparisons of two dates of a site: misalignment and per-class changes",
    )
    fmt.create_feature_table(
        con,
        "change_objects",
        "POLYGON",
        "comparison_id INTEGER NOT NULL REFERENCES comparisons(id) ON DELETE CASCADE, site_id INTEGER NOT NULL, "
        "status TEXT NOT NULL, class TEXT NOT NULL, score REAL NOT NULL, acquired TEXT NOT NULL",
        "Objects that arrived, departed or could not be observed between two dates",
    )
    fmt.create_feature_table(
        con,
        "activity",
        "POLYGON",
        "comparison_id INTEGER NOT NULL REFERENCES comparisons(id) ON DELETE CASCADE, site_id INTEGER NOT NULL, "
        "area_m2 REAL NOT NULL, confidence REAL NOT NULL, earlier TEXT NOT NULL, later TEXT NOT NULL",
        "New activity between two dates (tent camps, vehicle parks, earthworks)",
    )


def _migration_3(con: sqlite3.Connection) -> None:
    """Alerts and their delivery state (the queue)."""
    fmt.create_attribute_table(
        con,
        "alerts",
        "id INTEGER PRIMARY KEY AUTOINCREMENT, rule TEXT NOT NULL, comparison_id INTEGER NOT NULL "
        "REFERENCES comparisons(id) ON DELETE CASCADE, site TEXT NOT NULL, message TEXT NOT NULL, "
        "payload TEXT NOT NULL, created TEXT NOT NULL, console_done INTEGER NOT NULL DEFAULT 0, "
        "jsonl_done INTEGER NOT NULL DEFAULT 0, webhook_done INTEGER NOT NULL DEFAULT 0, last_error TEXT, "
        "UNIQUE (rule, comparison_id)",
        "Alerts raised by rules, with what has been delivered where",
    )


def _migration_4(con: sqlite3.Connection) -> None:
    """Classes a model could not see in a scene (too coarse): recorded, never counted as zero."""
    con.execute("ALTER TABLE observations ADD COLUMN not_observable TEXT NOT NULL DEFAULT '{}'")
    con.execute("ALTER TABLE comparisons ADD COLUMN not_observable TEXT NOT NULL DEFAULT '{}'")
    fmt.create_feature_table(
        con,
        "camps",
        "POLYGON",
        "comparison_id INTEGER NOT NULL REFERENCES comparisons(id) ON DELETE CASCADE, site_id INTEGER NOT NULL, "
        "status TEXT NOT NULL, kind TEXT NOT NULL, objects INTEGER NOT NULL, tents INTEGER NOT NULL, "
        "vehicles INTEGER NOT NULL, objects_before INTEGER NOT NULL, area_m2 REAL NOT NULL, "
        "activity_m2 REAL NOT NULL, acquired TEXT NOT NULL",
        "Camps (clusters of tents and vehicles) new, grown, shrunk, unchanged or gone between two dates",
    )


def _columns(con: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]


def _rebuild(con: sqlite3.Connection, table: str, columns_sql: str, copied: list[str]) -> None:
    """Recreate ``table`` with new columns, keeping its rows (and its gpkg_contents entry)."""
    names = ", ".join(copied)
    con.execute(f'CREATE TABLE "{table}_new" ({columns_sql})')
    con.execute(f'INSERT INTO "{table}_new" ({names}) SELECT {names} FROM "{table}"')
    con.execute(f'DROP TABLE "{table}"')
    con.execute(f'ALTER TABLE "{table}_new" RENAME TO "{table}"')


def _migration_5(con: sqlite3.Connection) -> None:
    """Attribute tables get an INTEGER PRIMARY KEY, as the GeoPackage spec requires (Req 119):
    forcewatch_schema and scene_sites."""
    if "id" not in _columns(con, "forcewatch_schema"):
        _rebuild(
            con,
            "forcewatch_schema",
            "id INTEGER PRIMARY KEY AUTOINCREMENT, version INTEGER NOT NULL, applied TEXT NOT NULL",
            ["version", "applied"],
        )
    if "fid" not in _columns(con, "scene_sites"):
        _rebuild(
            con,
            "scene_sites",
            "fid INTEGER PRIMARY KEY AUTOINCREMENT, "
            "scene_id INTEGER NOT NULL REFERENCES scenes(fid) ON DELETE CASCADE, "
            "site_id INTEGER NOT NULL REFERENCES sites(fid) ON DELETE CASCADE, overlap_share REAL NOT NULL, "
            "UNIQUE (scene_id, site_id)",
            ["scene_id", "site_id", "overlap_share"],
        )


def _migration_6(con: sqlite3.Connection) -> None:
    """The analyst's loop: labels (verdicts on detections and drawn objects), the workspace's own
    models, and the models each site runs."""
    if "models" not in _columns(con, "sites"):
        con.execute("ALTER TABLE sites ADD COLUMN models TEXT")  # JSON list of model names; NULL: by kind
    if _columns(con, "labels"):  # each step may be re-run on a store that has it (nothing is lost)
        return
    fmt.create_feature_table(
        con,
        "labels",
        "POLYGON",
        "scene_id INTEGER NOT NULL REFERENCES scenes(fid) ON DELETE CASCADE, "
        "site_id INTEGER REFERENCES sites(fid) ON DELETE SET NULL, class TEXT NOT NULL, "
        "status TEXT NOT NULL CHECK (status IN ('candidate', 'accepted', 'rejected', 'added')), "
        "detection_id INTEGER, who TEXT NOT NULL, at TEXT NOT NULL, source TEXT NOT NULL DEFAULT ''",
        "Labels: analysts' verdicts on detections (accepted, rejected) and objects they drew (added)",
    )
    con.execute("CREATE INDEX labels_scene ON labels(scene_id)")
    fmt.create_attribute_table(
        con,
        "models",
        "id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, path TEXT NOT NULL, "
        "sha256 TEXT NOT NULL, model_id TEXT NOT NULL, classes TEXT NOT NULL, gsd_m REAL NOT NULL, "
        "sees_to_gsd_m REAL NOT NULL, scores TEXT NOT NULL DEFAULT '{}', sites TEXT NOT NULL DEFAULT '[]', "
        "added TEXT NOT NULL",
        "The workspace's own detectors (fine-tuned on its labels), by name",
    )


#: Notes on a comparison that schema 6 and earlier kept among its ``not_observable`` classes.
_NOTE_KEYS = ("new activity", "re-examination")
#: What schema 6 and earlier knew to be validated: the bundled aircraft model, scored on real Pléiades imagery.
_VALIDATED_BEFORE_7 = {"aircraft-1m-v1": ("aircraft", "aircraft-1m-v1 scored on real 0.5 m imagery (holdout)")}


def _migration_7(con: sqlite3.Connection) -> None:
    """Validated or not: each observation records which of its counted classes are validated (and
    why), each comparison which classes were validated on both dates, and its notes get their own
    column instead of sharing ``not_observable`` with the classes."""
    if "validated" not in _columns(con, "observations"):
        con.execute("ALTER TABLE observations ADD COLUMN validated TEXT NOT NULL DEFAULT '{}'")
        for model_id, (cls, why) in _VALIDATED_BEFORE_7.items():
            con.execute(
                "UPDATE observations SET validated = json_object(?, ?) "
                "WHERE model_id = ? AND json_extract(counts, '$.' || ?) IS NOT NULL",
                (cls, why, model_id, cls),
            )
    if "notes" in _columns(con, "comparisons"):
        return
    con.execute("ALTER TABLE comparisons ADD COLUMN notes TEXT NOT NULL DEFAULT '{}'")
    con.execute("ALTER TABLE comparisons ADD COLUMN validated TEXT NOT NULL DEFAULT '{}'")
    rows = con.execute(
        "SELECT c.id, c.not_observable, a.validated AS va, b.validated AS vb FROM comparisons c "
        "JOIN observations a ON a.fid = c.earlier_observation JOIN observations b ON b.fid = c.later_observation"
    ).fetchall()
    for cid, unseen_json, va, vb in rows:
        unseen = json.loads(unseen_json)
        notes = {k: unseen.pop(k) for k in _NOTE_KEYS if k in unseen}
        both = {c: why for c, why in json.loads(vb).items() if c in json.loads(va)}
        con.execute(
            "UPDATE comparisons SET not_observable = ?, notes = ?, validated = ? WHERE id = ?",
            (json.dumps(unseen, sort_keys=True), json.dumps(notes, sort_keys=True), json.dumps(both), cid),
        )


def _migration_8(con: sqlite3.Connection) -> None:
    """Indexes on ``site_id`` wherever a query serves one site (and on ``scene_id`` for the labels
    and detections of one scene), so that its cost does not grow with the rest of the store."""
    for table, column in (
        ("scene_sites", "site_id"),
        ("comparisons", "site_id"),
        ("change_objects", "site_id"),
        ("activity", "site_id"),
        ("camps", "site_id"),
        ("labels", "site_id"),
        ("alerts", "comparison_id"),
        ("detections", "scene_id"),
        ("observations", "scene_id"),
    ):
        con.execute(f'CREATE INDEX IF NOT EXISTS "{table}_{column}" ON "{table}" ("{column}")')


def _migration_9(con: sqlite3.Connection) -> None:
    """Dashboard accounts: name, role and an argon2 hash of the password (never the password)."""
    if _columns(con, "users"):  # re-run on a store that has it (see migration 5's test)
        return
    fmt.create_attribute_table(
        con,
        "users",
        "id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, "
        "role TEXT NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')), password_hash TEXT NOT NULL, "
        "created TEXT NOT NULL",
        "Dashboard accounts (forcewatch user add): roles and argon2 password hashes",
    )


#: Schema migrations, in order; the schema version is the number applied.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _migration_1,
    _migration_2,
    _migration_3,
    _migration_4,
    _migration_5,
    _migration_6,
    _migration_7,
    _migration_8,
    _migration_9,
]
