"""The workspace store passes GDAL's GeoPackage validator (``validate_gpkg.py`` from Debian's
python3-gdal), and a store of schema 4 (attribute tables without an INTEGER PRIMARY KEY) upgrades
to one that passes, nothing lost."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
import shapely
from shapely.geometry import box

from forcewatch.model import Detection, Observation, Scene, Site
from forcewatch.store.gpkg import MIGRATIONS, open_store

SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin")
VALIDATOR = "osgeo_utils.samples.validate_gpkg"


def _validator_available() -> bool:
    if SYSTEM_PYTHON is None:
        return False
    return subprocess.run([SYSTEM_PYTHON, "-c", f"import {VALIDATOR}"], capture_output=True).returncode == 0


needs_validator = pytest.mark.skipif(
    not _validator_available(),
    reason="GDAL's validate_gpkg.py is not installed (Debian: apt-get install python3-gdal; .ci/run installs it)",
)


def validate(path: Path) -> str:
    """The validator's complaints ('' when the file is a valid GeoPackage)."""
    assert SYSTEM_PYTHON is not None
    done = subprocess.run([SYSTEM_PYTHON, "-m", VALIDATOR, str(path)], capture_output=True, text=True)
    return (done.stdout + done.stderr).strip() if done.returncode else ""


def _fill(path: Path) -> None:
    with open_store(path, create=True) as store, store.transaction():
        site = store.add_site(Site("Luninets airfield", shapely.Point(26.8, 52.25).buffer(0.02), "airfield"))
        scene = store.add_scene(
            Scene(
                "scene.tif",
                "ab" * 32,
                "2022-02-10T09:05:00Z",
                "test",
                "EPSG:32635",
                (0.5, 0.0, 500000.0, 0.0, -0.5, 5790000.0),
                100,
                100,
                0.5,
                box(26.7, 52.2, 26.9, 52.3),
                "embedded",
            )
        )
        assert site.id is not None and scene.id is not None
        store.link(scene.id, site.id, 1.0)
        det = Detection(
            "aircraft", 0.9, (1, 2, 3, 4), 20.0, 18.0, "medium", "m", scene.id, box(26.8, 52.25, 26.801, 52.251)
        )
        obs = Observation(site.id, scene.id, scene.acquired, {"aircraft": 1}, 1.0, site.aoi, "m", "s", {}, "0")
        store.add_observation(obs, [det])
        store.log("test", "filled")


@needs_validator
def test_the_store_is_a_valid_geopackage(tmp_path: Path) -> None:
    path = tmp_path / "forcewatch.gpkg"
    _fill(path)
    assert validate(path) == ""


@needs_validator
def test_a_schema_4_store_upgrades_to_a_valid_geopackage(tmp_path: Path) -> None:
    path = tmp_path / "forcewatch.gpkg"
    _fill(path)
    con = sqlite3.connect(path)  # put back the schema-4 layout: no INTEGER PRIMARY KEY on two tables
    con.executescript(
        "CREATE TABLE s4 (version INTEGER NOT NULL, applied TEXT NOT NULL);"
        "INSERT INTO s4 SELECT version, applied FROM forcewatch_schema WHERE version <= 4;"
        "DROP TABLE forcewatch_schema; ALTER TABLE s4 RENAME TO forcewatch_schema;"
        "CREATE TABLE l4 (scene_id INTEGER NOT NULL, site_id INTEGER NOT NULL, overlap_share REAL NOT NULL, "
        "PRIMARY KEY (scene_id, site_id));"
        "INSERT INTO l4 SELECT scene_id, site_id, overlap_share FROM scene_sites;"
        "DROP TABLE scene_sites; ALTER TABLE l4 RENAME TO scene_sites;"
    )
    con.close()
    assert "Req 119" in validate(path)
    with open_store(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        (site,) = store.sites()
        assert site.id is not None
        assert [s.sha256 for s in store.scenes_of_site(site.id)] == ["ab" * 32]
        assert [o.counts for o in store.observations(site.id)] == [{"aircraft": 1}]
    assert validate(path) == ""
