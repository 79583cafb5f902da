"""The README's main command, on the built-in synthetic scenes and on real Airbus images."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyogrio
import pytest
from typer.testing import CliRunner

from forcewatch.app.demo import SYNTHETIC_NOTE
from forcewatch.cli import _register, app


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    _register()
    return CliRunner()


def test_demo_on_synthetic_imagery_finds_the_rendered_aircraft(runner: CliRunner, tmp_path: Path) -> None:
    res = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo")])
    assert res.exit_code == 0, res.output
    assert SYNTHETIC_NOTE in res.output
    # every rendered aircraft is found on both dates (9 then 20)
    assert "2022-01-20: 9 aircraft detected (rendered: 9)" in res.output
    assert "2022-02-10: 20 aircraft detected (rendered: 20)" in res.output
    assert "aircraft at Luninets airfield: 9 on 2022-01-20, 20 on 2022-02-10 (+11)" in res.output
    gpkg = tmp_path / "demo" / "exports" / "forcewatch-export.gpkg"
    assert dict(pyogrio.list_layers(gpkg)).keys() >= {"sites", "scenes", "detections", "observations"}
    assert (tmp_path / "demo" / "exports" / "forcewatch.kml").exists()
    # re-running the demo in the same folder is harmless: nothing is ingested or scanned twice
    again = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo")])
    assert again.exit_code == 0, again.output
    assert "Luninets airfield 2022" not in again.output


def test_demo_on_real_airbus_images(runner: CliRunner, airbus_dir: Path, tmp_path: Path) -> None:
    imagery = tmp_path / "imagery"
    imagery.mkdir()
    for name in ("4f833867-273e-4d73-8bc3-cb2d9ceb54ef.jpg", "0263270b-e3ee-41dc-aeef-43ff77e66d5b.jpg"):
        shutil.copy(airbus_dir / "train" / name, imagery / name)
    res = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo"), "--imagery", str(imagery), "--gsd-m", "0.5"])
    assert res.exit_code == 0, res.output
    assert "real imagery" in res.output and SYNTHETIC_NOTE not in res.output
    counts = [int(line.split(": ")[1].split()[0]) for line in res.output.splitlines() if " aircraft detected" in line]
    assert len(counts) == 2 and all(c >= 10 for c in counts)
