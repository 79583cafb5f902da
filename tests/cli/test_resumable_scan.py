"""Resumable scans: each scene × site × model pair commits on its own. A scan killed (SIGKILL) at
random moments keeps every finished pair, never records one twice, and running it again ends with
the same counts as an uninterrupted scan. A pair another process holds is left to it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from forcewatch.app.scan import pair_key, pending_work, scan
from forcewatch.app.workspace import open_workspace
from forcewatch.detect.registry import load_detector
from forcewatch.imagery.synthetic import render_airfield, write_geotiff
from tests.cli.helpers import run_ok as _run

LAT, LON = 52.25, 26.80  # Luninets airfield, a site of the ukraine-2022 example
MODELS = ("--model", "aircraft", "--model", "vehicle")
DATES = 5


def _workspace(tmp_path: Path, name: str) -> Path:
    """A workspace with DATES synthetic airfields over Luninets (aircraft moved between dates)."""
    ws = tmp_path / name
    _run("init", str(ws), "--example", "ukraine-2022")
    paths = []
    for day in range(DATES):
        planes = [(120.0 + 60 * k + 7 * day, 160.0, 30.0, 15.0 * k) for k in range(1 + day % 3)]
        rgb, _ = render_airfield(800, 800, 0.5, planes, seed=day)
        paths.append(str(write_geotiff(rgb, tmp_path / f"{name}-{day}.tif", LAT, LON, 0.5, f"2022-01-{10 + day}")))
    _run("ingest", *paths, "-w", str(ws))
    return ws


def _rows(ws: Path) -> list[tuple[int, int, str, str, int]]:
    """Every observation: (site, scene, model, counts, detections stored with it)."""
    con = sqlite3.connect(ws / "forcewatch.gpkg")
    try:
        return con.execute(
            "SELECT o.site_id, o.scene_id, o.model_sha256, o.counts, "
            "(SELECT count(*) FROM detections d WHERE d.observation_id = o.fid) "
            "FROM observations o ORDER BY o.site_id, o.scene_id, o.model_sha256"
        ).fetchall()
    finally:
        con.close()


def _scan_process(ws: Path) -> subprocess.Popen[bytes]:
    code = "from forcewatch.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "scan", *MODELS, "-w", str(ws)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "200"},
    )


def _wait_for_more_rows(ws: Path, kept: int, proc: subprocess.Popen[bytes]) -> None:
    """Until the scan has committed a pair beyond `kept` (or ended)."""
    deadline = time.monotonic() + 300
    while proc.poll() is None and len(_rows(ws)) <= kept and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.mark.slow
def test_a_scan_killed_at_ten_random_moments_loses_nothing_finished_and_records_nothing_twice(
    tmp_path: Path,
) -> None:
    whole = _workspace(tmp_path, "whole")
    t0 = time.perf_counter()
    proc = _scan_process(whole)
    assert proc.wait(timeout=600) == 0
    full_s = time.perf_counter() - t0
    expected = _rows(whole)
    assert len(expected) == 2 * DATES  # each date × {aircraft, vehicle}

    killed = _workspace(tmp_path, "killed")
    rng = np.random.default_rng(7)
    kept = 0
    kills = 0
    kept_by_killed = 0  # pairs finished by runs that were then killed
    for attempt in range(10):
        proc = _scan_process(killed)
        if attempt % 2:
            # Killed just after this run committed a pair: its start-up (imports, models) takes a
            # varying share of a loaded machine's time, so random moments alone may all fall in it.
            _wait_for_more_rows(killed, kept, proc)
            time.sleep(float(rng.uniform(0.0, 0.1)))
        else:
            left = (len(expected) - kept) / len(expected)
            time.sleep(float(rng.uniform(0.3, max(1.0, full_s * left))))  # a moment within what is left
        was_killed = proc.poll() is None
        if was_killed:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
        rows = _rows(killed)
        kept_by_killed += (len(rows) - kept) if was_killed else 0
        keys = [r[:3] for r in rows]
        assert len(keys) == len(set(keys))  # no pair recorded twice
        assert len(rows) >= kept  # no finished pair lost
        assert all(r in expected for r in rows)  # what a killed scan kept is what a whole scan records
        kept = len(rows)
    assert kills >= 3 and kept_by_killed > 0  # killed mid-scan, yet what they finished is there
    proc = _scan_process(killed)
    assert proc.wait(timeout=600) == 0
    assert _rows(killed) == expected  # the same final counts and detections as one uninterrupted scan


def test_a_pair_claimed_by_another_process_is_left_to_it(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, "ws")
    aircraft = load_detector("aircraft")
    with open_workspace(ws) as store:
        work = pending_work(store, [aircraft], "Luninets airfield")
        assert len(work) == DATES
        det, scene, site = work[0]
        with store.claim(pair_key(det, scene, site)) as held:  # as another scan would
            assert held
            first = scan(store, [aircraft])
        assert len(first) == DATES - 1 and all(r.scene.id != scene.id for r in first)
        assert [w[1].id for w in pending_work(store, [aircraft], None)] == [scene.id]
        second = scan(store, [aircraft])
        assert [r.scene.id for r in second] == [scene.id]
        assert scan(store, [aircraft]) == []  # nothing left: running it again is harmless


def test_a_scan_that_fails_on_one_scene_keeps_the_pairs_finished_before(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, "ws")
    (tmp_path / f"ws-{DATES - 1}.tif").unlink()  # the last date's file is gone
    aircraft = load_detector("aircraft")
    with open_workspace(ws) as store, pytest.raises(Exception, match=f"ws-{DATES - 1}.tif"):
        scan(store, [aircraft])
    assert len(_rows(ws)) == DATES - 1


def test_status_counts_the_pairs_a_scan_has_still_to_do(tmp_path: Path) -> None:
    import json

    ws = _workspace(tmp_path, "ws")
    site = "Luninets airfield"
    before = json.loads(_run("status", "--site", site, "--json", "-w", str(ws)))
    assert [r["site"] for r in before] == [site]  # --site: that site alone
    from forcewatch.app.models import site_model_names

    with open_workspace(ws) as store:
        runs = len(site_model_names(store.site(site)))  # the models its kind runs
    assert before[0]["pending_pairs"] == DATES * runs
    table = _run("status", "--site", site, "-w", str(ws))
    assert "pending" in table and str(DATES * runs) in table
    _run("scan", "--site", site, "-w", str(ws))
    after = json.loads(_run("status", "--site", site, "--json", "-w", str(ws)))
    assert after[0]["pending_pairs"] == 0 and after[0]["observations"] == DATES  # one per date, models merged
