"""The brief, rendered in a real headless Chromium: every image loads, the headline numbers appear,
and a screenshot is left in test-artifacts/ for a person to look at."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
import shapely
from typer.testing import CliRunner

from forcewatch.cli import _register, app
from forcewatch.imagery.synthetic import render_airfield, write_geotiff
from forcewatch.model import Observation, Site
from forcewatch.report.brief import headline
from forcewatch.report.pdf import FLAGS, find_chromium
from tests.conftest import REPO


def _chromium() -> str:
    path = find_chromium()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run must install Debian's chromium")
        pytest.skip("needs Debian's chromium (apt-get install chromium)")
    return path


def test_headline_sentence() -> None:
    site = Site("Luninets airfield", shapely.from_wkt("POLYGON ((0 0, 1 0, 1 1, 0 0))"), lat=52.25, lon=26.80)
    scored = {"aircraft": "m scored on real 0.5 m imagery"}
    obs = [
        Observation(1, 1, "2022-01-20T09:00:00Z", {"aircraft": 6}, 1.0, None, "m", "s", {}, "0", validated=scored),
        Observation(1, 2, "2022-02-10T09:00:00Z", {"aircraft": 15}, 1.0, None, "m", "s", {}, "0", validated=scored),
    ]
    text = headline(site, obs, None)
    assert text == (
        "15 aircraft at Luninets airfield (52.25 N, 26.80 E) on 10 February 2022; "
        "+9 aircraft since 20 January 2022; 100% of the site observed."
    )
    unscored = [replace(o, validated={}) for o in obs]  # candidates only: no headline count, no change
    assert headline(site, unscored, None) == (
        "No validated count at Luninets airfield (52.25 N, 26.80 E) on 10 February 2022; 100% of the site observed."
    )


def test_brief_renders_in_chromium(tmp_path: Path) -> None:
    chromium = _chromium()
    _register()
    runner = CliRunner()
    ws = tmp_path / "ws"
    assert runner.invoke(app, ["init", str(ws), "--example", "ukraine-2022"]).exit_code == 0
    paths = []
    for i, when in enumerate(("2022-01-20T09:00:00Z", "2022-02-10T09:00:00Z")):
        rgb, _ = render_airfield(
            1200, 700, 0.5, [(120 + k * 90, 200, 34.0, 30.0 * k) for k in range(3 + 3 * i)], seed=i
        )
        paths.append(str(write_geotiff(rgb, tmp_path / f"l{i}.tif", 52.25, 26.80, 0.5, when)))
    for args in (["ingest", *paths], ["scan", "--model", "aircraft"]):
        res = runner.invoke(app, [*args, "-w", str(ws)])
        assert res.exit_code == 0, res.output
    brief = tmp_path / "brief.html"
    res = runner.invoke(app, ["report", "--out", str(brief), "-w", str(ws)])
    assert res.exit_code == 0, res.output
    html = brief.read_text()
    assert not re.search(r"""(?:src|href)=["']https?:""", html)  # self-contained: nothing from the network

    common = [chromium, *FLAGS]
    dom = subprocess.run(
        [*common, f"--user-data-dir={tmp_path / 'c1'}", "--dump-dom", brief.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    loaded = re.search(r'data-images-loaded="(\d+)/(\d+)"', dom)
    assert loaded is not None, "the page's load handler did not run"
    assert loaded.group(1) == loaded.group(2) and int(loaded.group(2)) == 4  # map, two chips, timeline
    assert "6 aircraft at Luninets airfield (52.25 N, 26.80 E) on 10 February 2022" in dom
    assert "+3 aircraft since 20 January 2022" in dom
    assert "from the land border of Ukraine" in dom
    assert 'id="validated-only"' in dom and 'class="candidates"' not in dom  # aircraft only: no candidates

    shot = tmp_path / "brief.png"
    subprocess.run(
        [
            *common,
            f"--user-data-dir={tmp_path / 'c2'}",
            "--window-size=1100,2400",
            f"--screenshot={shot}",
            brief.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.stat().st_size > 50_000
    pdf = tmp_path / "brief.pdf"
    res = runner.invoke(app, ["report", "--out", str(pdf), "--format", "pdf", "-w", str(ws)])
    assert res.exit_code == 0, res.output
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 50_000

    artifacts = REPO / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    shutil.copy(shot, artifacts / "brief.png")
