"""Four `forcewatch scan` processes at once on one PostGIS workspace: every scene × site × model
pair is scanned and recorded exactly once, and the counts equal those of one scan on a GeoPackage."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from forcewatch.imagery.synthetic import render_airfield, write_geotiff
from tests.cli.helpers import run_ok as _run
from tests.cli.test_resumable_scan import DATES, LAT, LON, MODELS, _rows


def _images(tmp_path: Path) -> list[str]:
    paths = []
    for day in range(DATES):
        planes = [(120.0 + 60 * k + 7 * day, 160.0, 30.0, 15.0 * k) for k in range(1 + day % 3)]
        rgb, _ = render_airfield(800, 800, 0.5, planes, seed=day)
        paths.append(str(write_geotiff(rgb, tmp_path / f"d{day}.tif", LAT, LON, 0.5, f"2022-01-{10 + day}")))
    return paths


@pytest.mark.slow
def test_four_scan_processes_on_one_database_scan_every_pair_once(postgis_db: str, tmp_path: Path) -> None:
    images = _images(tmp_path)
    gpkg = tmp_path / "gpkg"
    _run("init", str(gpkg), "--example", "ukraine-2022")
    _run("ingest", *images, "-w", str(gpkg))
    _run("scan", *MODELS, "-w", str(gpkg))
    expected = [(site, scene, sha, counts) for site, scene, sha, counts, _ in _rows(gpkg)]

    ws = tmp_path / "pg"
    _run("init", str(ws), "--store", postgis_db, "--example", "ukraine-2022")
    _run("ingest", *images, "-w", str(ws))
    code = "from forcewatch.cli import main; main()"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, "scan", *MODELS, "-w", str(ws)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**os.environ, "COLUMNS": "200"},
        )
        for _ in range(4)
    ]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err.decode()[-2000:]
    with psycopg.connect(postgis_db) as con:
        rows = con.execute(
            "SELECT site_id, scene_id, model_sha256, counts FROM observations ORDER BY site_id, scene_id, model_sha256"
        ).fetchall()
        logged = con.execute("SELECT count(*) FROM forcewatch_log WHERE command = 'scan'").fetchone()
    assert len(rows) == len({r[:3] for r in rows}) == 2 * DATES  # every pair once, none twice
    assert logged is not None and logged[0] == 2 * DATES  # and scanned once: one log line per pair
    assert [tuple(r) for r in rows] == expected  # the same counts as one scan on a GeoPackage
