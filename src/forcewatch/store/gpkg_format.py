"""The GeoPackage 1.3 container written with sqlite3: core tables, geometry blobs, R-tree index.

Geometry blobs are "GP" + version + flags + srs_id + envelope (minx, maxx, miny, maxy) + WKB.
The R-tree spatial index follows the spec's ``gpkg_rtree_index`` extension, with its triggers;
the SQL functions the triggers call (ST_MinX …) are registered on every connection we open
(GDAL and QGIS provide their own).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import struct

import shapely
from shapely.geometry.base import BaseGeometry

APPLICATION_ID = 0x47504B47  # "GPKG"
USER_VERSION = 10300  # GeoPackage 1.3.0
WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AUTHORITY["EPSG","4326"]]'
)
_HEADER = struct.Struct("<2sBBi")
_ENVELOPE = struct.Struct("<4d")


def encode(geom: BaseGeometry | None, srs_id: int = 4326) -> bytes | None:
    """A GeoPackage geometry blob (little-endian, XY envelope) or ``None``."""
    if geom is None:
        return None
    empty = geom.is_empty
    flags = 0b0000_0001 | (0b0001_0000 if empty else 0) | (0 if empty else 0b0000_0010)
    out = _HEADER.pack(b"GP", 0, flags, srs_id)
    if not empty:
        minx, miny, maxx, maxy = geom.bounds
        out += _ENVELOPE.pack(minx, maxx, miny, maxy)
    return out + shapely.to_wkb(geom, byte_order=1)


def _envelope_size(flags: int) -> int:
    return {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 0b111]


def decode(blob: bytes | None) -> BaseGeometry | None:
    """The shapely geometry of a GeoPackage geometry blob."""
    if blob is None:
        return None
    magic, _version, flags, _srs = _HEADER.unpack_from(blob)
    if magic != b"GP":
        raise ValueError("not a GeoPackage geometry blob")
    return shapely.from_wkb(blob[_HEADER.size + _envelope_size(flags) :])


def _bounds(blob: bytes | None) -> tuple[float, float, float, float] | None:
    if blob is None:
        return None
    _m, _v, flags, _s = _HEADER.unpack_from(blob)
    if flags & 0b0001_0000:
        return None
    if _envelope_size(flags):
        minx, maxx, miny, maxy = _ENVELOPE.unpack_from(blob, _HEADER.size)
        return minx, miny, maxx, maxy
    geom = decode(blob)
    return None if geom is None or geom.is_empty else geom.bounds


def register_functions(con: sqlite3.Connection) -> None:
    """The SQL functions that the spec's R-tree triggers call."""

    def pick(i: int):  # type: ignore[no-untyped-def]
        def f(blob: bytes | None) -> float | None:
            b = _bounds(blob)
            return None if b is None else b[i]

        return f

    con.create_function("ST_MinX", 1, pick(0), deterministic=True)
    con.create_function("ST_MinY", 1, pick(1), deterministic=True)
    con.create_function("ST_MaxX", 1, pick(2), deterministic=True)
    con.create_function("ST_MaxY", 1, pick(3), deterministic=True)
    con.create_function("ST_IsEmpty", 1, lambda b: 1 if _bounds(b) is None else 0, deterministic=True)


CORE_TABLES = [
    "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, "
    "organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, "
    "description TEXT)",
    "CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, "
    "identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT "
    "(strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, "
    "srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))",
    "CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, "
    "geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, "
    "CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), "
    "CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name), "
    "CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))",
    "CREATE TABLE gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, "
    "definition TEXT NOT NULL, scope TEXT NOT NULL, "
    "CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))",
]


def create_core(con: sqlite3.Connection) -> None:
    """The mandatory GeoPackage tables and spatial reference systems."""
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    con.execute(f"PRAGMA user_version = {USER_VERSION}")
    _run_all(con, CORE_TABLES)
    con.executemany(
        "INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                "Undefined cartesian SRS",
                -1,
                "NONE",
                -1,
                "undefined",
                "undefined cartesian coordinate reference system",
            ),
            (
                "Undefined geographic SRS",
                0,
                "NONE",
                0,
                "undefined",
                "undefined geographic coordinate reference system",
            ),
            (
                "WGS 84 geodetic",
                4326,
                "EPSG",
                4326,
                WGS84_WKT,
                "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid",
            ),
        ],
    )


def _run_all(con: sqlite3.Connection, statements: list[str]) -> None:
    """Run statements one by one (``executescript`` would commit the open transaction)."""
    for sql in statements:
        if sql.strip():
            con.execute(sql)


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


def create_feature_table(
    con: sqlite3.Connection, table: str, geometry_type: str, columns_sql: str, description: str
) -> None:
    """A feature table (fid, geom, columns) in EPSG:4326 with an R-tree spatial index."""
    con.execute(f'CREATE TABLE "{table}" (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom {geometry_type}, {columns_sql})')
    con.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, srs_id) "
        "VALUES (?, 'features', ?, ?, ?, 4326)",
        (table, table, description, _now()),
    )
    con.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, 4326, 0, 0)",
        (table, geometry_type),
    )
    rt = f"rtree_{table}_geom"
    con.execute(f'CREATE VIRTUAL TABLE "{rt}" USING rtree(id, minx, maxx, miny, maxy)')
    vals = "NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)"
    triggers = [
        f'CREATE TRIGGER "{rt}_insert" AFTER INSERT ON "{table}" '
        f"WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom)) "
        f'BEGIN INSERT OR REPLACE INTO "{rt}" VALUES ({vals}); END',
        f'CREATE TRIGGER "{rt}_update1" AFTER UPDATE OF geom ON "{table}" '
        f"WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) "
        f'BEGIN INSERT OR REPLACE INTO "{rt}" VALUES ({vals}); END',
        f'CREATE TRIGGER "{rt}_update2" AFTER UPDATE OF geom ON "{table}" '
        f"WHEN OLD.fid = NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom)) "
        f'BEGIN DELETE FROM "{rt}" WHERE id = OLD.fid; END',
        f'CREATE TRIGGER "{rt}_update3" AFTER UPDATE ON "{table}" '
        f"WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) "
        f'BEGIN DELETE FROM "{rt}" WHERE id = OLD.fid; INSERT OR REPLACE INTO "{rt}" VALUES ({vals}); END',
        f'CREATE TRIGGER "{rt}_update4" AFTER UPDATE ON "{table}" '
        f"WHEN OLD.fid != NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom)) "
        f'BEGIN DELETE FROM "{rt}" WHERE id IN (OLD.fid, NEW.fid); END',
        f'CREATE TRIGGER "{rt}_delete" AFTER DELETE ON "{table}" WHEN old.geom NOT NULL '
        f'BEGIN DELETE FROM "{rt}" WHERE id = OLD.fid; END',
    ]
    _run_all(con, triggers)
    con.execute(
        "INSERT INTO gpkg_extensions VALUES (?, 'geom', 'gpkg_rtree_index', "
        "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
        (table,),
    )


def create_attribute_table(con: sqlite3.Connection, table: str, columns_sql: str, description: str) -> None:
    """A plain (non-spatial) table, registered so that QGIS and GDAL list it."""
    con.execute(f'CREATE TABLE "{table}" ({columns_sql})')
    con.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
        "VALUES (?, 'attributes', ?, ?, ?)",
        (table, table, description, _now()),
    )


def touch_contents(con: sqlite3.Connection, table: str) -> None:
    """Refresh a feature table's extent and last_change in gpkg_contents.

    The extent only grows (the spec's extent is informative, not necessarily the minimum): each
    side asks the R-tree for boxes beyond it, which it answers without reading the rest, so a write
    costs the same however many rows the table holds. An empty extent is computed whole."""
    rtree = f'"rtree_{table}_geom"'
    cur = con.execute("SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = ?", (table,)).fetchone()
    if cur is None or None in cur:
        extent = con.execute(f"SELECT min(minx), min(miny), max(maxx), max(maxy) FROM {rtree}").fetchone()
    else:
        beyond = (
            con.execute(f"SELECT min(minx) FROM {rtree} WHERE minx < ?", (cur[0],)).fetchone()[0],
            con.execute(f"SELECT min(miny) FROM {rtree} WHERE miny < ?", (cur[1],)).fetchone()[0],
            con.execute(f"SELECT max(maxx) FROM {rtree} WHERE maxx > ?", (cur[2],)).fetchone()[0],
            con.execute(f"SELECT max(maxy) FROM {rtree} WHERE maxy > ?", (cur[3],)).fetchone()[0],
        )
        extent = tuple(old if new is None else new for old, new in zip(cur, beyond, strict=True))
    con.execute(
        "UPDATE gpkg_contents SET last_change = ?, min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE table_name = ?",
        (_now(), *extent, table),
    )
