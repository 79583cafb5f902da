"""The brief, rendered in a real headless Chromium: every image of the main file and of a site's
own page loads, the headline numbers appear, and screenshots are left in test-artifacts/ for a
person to look at."""

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


#: A site over the first three aircraft of the scenes (pixels 180 to 660 of 1,200, 0.5 m): the
#: same on both dates, so the watchlist brief gives it its own page.
APRON = ["Apron west", "--lat=52.249775", "--lon=26.798679", "--radius-m=120", "--kind=airfield"]


def _dom(chromium: str, page: Path, profile: Path) -> str:
    return subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout


def _images_loaded(dom: str) -> tuple[int, int]:
    loaded = re.search(r'data-images-loaded="(\d+)/(\d+)"', dom)
    assert loaded is not None, "the page's load handler did not run"
    return int(loaded.group(1)), int(loaded.group(2))


def test_brief_renders_in_chromium(tmp_path: Path) -> None:
    chromium = _chromium()
    _register()
    runner = CliRunner()
    ws = tmp_path / "ws"
    assert runner.invoke(app, ["init", str(ws), "--example", "ukraine-2022"]).exit_code == 0
    assert runner.invoke(app, ["site", "add", *APRON, "-w", str(ws)]).exit_code == 0
    paths = []
    for i, when in enumerate(("2022-01-20T09:00:00Z", "2022-02-10T09:00:00Z")):
        rgb, _ = render_airfield(
            1200, 700, 0.5, [(120 + k * 90, 200, 34.0, 30.0 * k) for k in range(3 + 3 * i)], seed=0
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
    dom = _dom(chromium, brief, tmp_path / "c1")
    assert _images_loaded(dom) == (4, 4)  # map, Luninets' two chips and timeline (the site that changed)
    assert "6 aircraft at Luninets airfield (52.25 N, 26.80 E) on 10 February 2022" in dom
    assert "+3 aircraft since 20 January 2022" in dom
    assert "from the land border of Ukraine" in dom
    assert 'id="validated-only"' in dom and 'class="candidates"' not in dom  # aircraft only: no candidates
    assert dom.count('<section class="site"') == 1 and 'src="data:image/jpeg;base64,' in dom
    link = re.search(r'<a href="(brief-sites/apron-west-\d+\.html)">Apron west</a>', dom)
    assert link is not None  # no change there: a row, and its own page

    page = tmp_path / link.group(1)
    page_dom = _dom(chromium, page, tmp_path / "c3")
    assert _images_loaded(page_dom) == (3, 3)  # its two chips and timeline
    assert "3 aircraft at Apron west" in page_dom and "+0 aircraft since 20 January 2022" in page_dom
    assert '<a href="../brief.html">' in page_dom and "Luninets" not in page_dom

    shots = {}
    for name, html in (("brief.png", brief), ("brief-site-page.png", page)):
        shot = shots[name] = tmp_path / name
        subprocess.run(
            [
                *common,
                f"--user-data-dir={tmp_path / ('c2' + name)}",
                "--window-size=1100,2400",
                f"--screenshot={shot}",
                html.as_uri(),
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
    for name, shot in shots.items():
        shutil.copy(shot, artifacts / name)
