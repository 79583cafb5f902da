"""A GeoPackage export passes GDAL's validator (``validate_gpkg.py`` of Debian 12's python3-gdal 3.6,
which knows the R-tree triggers of GeoPackage 1.2 and 1.3, not 1.4's), still reads with pyogrio,
and its spatial index still answers a box query."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pyogrio
import pytest

from forcewatch.report.export import write_export
from tests.report.values import export_data
from tests.store.test_gpkg_validate import needs_validator, validate

LAYERS = ["sites", "scenes", "observations", "detections", "change_objects", "activity", "camps"]


def _export(tmp_path: Path) -> Path:
    out = tmp_path / "export.gpkg"
    assert write_export(export_data(), "gpkg", out) == [out]
    return out


@needs_validator
def test_a_gpkg_export_is_a_valid_geopackage(tmp_path: Path) -> None:
    assert validate(_export(tmp_path)) == ""


def test_a_gpkg_export_is_geopackage_1_3_with_its_rtree_triggers(tmp_path: Path) -> None:
    out = _export(tmp_path)
    con = sqlite3.connect(out)
    try:
        (user_version,) = con.execute("PRAGMA user_version").fetchone()
        triggers = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        indexed = con.execute("SELECT table_name FROM gpkg_extensions WHERE extension_name = 'gpkg_rtree_index'")
        rtree_tables = sorted(r[0] for r in indexed)
    finally:
        con.close()
    assert user_version == 10300
    assert rtree_tables == sorted(LAYERS)
    for table in LAYERS:
        expected = {f"rtree_{table}_geom_{t}" for t in ("insert", "update1", "update2", "update3", "update4", "delete")}
        assert expected <= triggers
        assert not {f"rtree_{table}_geom_update{n}" for n in (5, 6, 7)} & triggers


def test_a_gpkg_export_reads_back_and_its_spatial_index_answers(tmp_path: Path) -> None:
    out = _export(tmp_path)
    assert [name for name, _ in pyogrio.list_layers(out)] == LAYERS
    info = pyogrio.read_info(out, layer="detections")
    assert info["features"] == 1 and info["capabilities"]["fast_spatial_filter"]
    west, south, east, north = info["total_bounds"]
    _, _, geoms, fields = pyogrio.raw.read(out, layer="detections", bbox=(west, south, east, north))
    assert len(geoms) == 1 and list(fields[4]) == ["aircraft"]
    _, _, far, _ = pyogrio.raw.read(out, layer="detections", bbox=(west + 1, south + 1, east + 1, north + 1))
    assert len(far) == 0
    con = sqlite3.connect(out)
    try:  # the R-tree holds the feature's box (float32, rounded outwards): GDAL's filter reads it
        ((minx, maxx, miny, maxy),) = con.execute("SELECT minx, maxx, miny, maxy FROM rtree_detections_geom")
    finally:
        con.close()
    assert minx <= west and miny <= south and maxx >= east and maxy >= north
    assert (minx, miny, maxx, maxy) == pytest.approx((west, south, east, north), abs=1e-5)
