"""forcewatch compare / timeline on synthetic dates with known truth, and the bad inputs."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from forcewatch.cli import _register, app
from forcewatch.imagery.synthetic import render_airfield, write_geotiff

LAT, LON = 52.25, 26.80
SLOTS = [(130 + 70 * k, 200.0) for k in range(8)]


def _scene(
    path: Path,
    planes: list[int],
    when: str,
    shift_px: tuple[float, float] = (0, 0),
    gain: float = 1.0,
    cloud: bool = False,
    camp: bool = False,
) -> Path:
    rgb, _ = render_airfield(1400, 900, 0.5, [(*SLOTS[k], 34.0, 20.0 * k) for k in planes], seed=11)
    img = rgb.astype(np.float32)
    m = np.array([[1, 0, shift_px[0]], [0, 1, shift_px[1]]], np.float32)
    img = cv2.warpAffine(img, m, (1400, 900), borderMode=cv2.BORDER_REFLECT) * gain
    if camp:  # a tent camp on the grass south of the runway: 5 × 4 m tents in rows
        for y in range(830, 880, 20):
            for x in range(200, 420, 16):
                cv2.rectangle(img, (x + 3, y + 3), (x + 13, y + 11), (60, 60, 55), -1)
                cv2.rectangle(img, (x, y), (x + 10, y + 8), (215, 210, 195), -1)
    if cloud:
        img = img * 0.05 + 240 * 0.95
    return write_geotiff(np.clip(img, 0, 255).astype(np.uint8), path, LAT, LON, 0.5, when)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    _register()
    folder = tmp_path / "ws"
    assert CliRunner().invoke(app, ["init", str(folder), "--example", "ukraine-2022"]).exit_code == 0
    return folder


def _run(*args: str, ok: bool = True):  # type: ignore[no-untyped-def]
    res = CliRunner().invoke(app, list(args))
    if ok:
        assert res.exit_code == 0, f"{args}: {res.output} {res.exception!r}"
    return res


def test_compare_two_dates(ws: Path, tmp_path: Path) -> None:
    a = _scene(tmp_path / "a.tif", [0, 1, 2, 3, 4], "2022-01-20T09:00:00Z")
    b = _scene(tmp_path / "b.tif", [0, 1, 2, 5, 6, 7], "2022-02-10T09:00:00Z", shift_px=(2.0, -1.5), gain=1.12)
    _run("ingest", str(a), str(b), "-w", str(ws))
    _run("scan", "--model", "aircraft", "-w", str(ws))
    doc = json.loads(_run("compare", "Luninets airfield", "--json", "-w", str(ws)).output)
    assert doc["classes"]["aircraft"] == {
        "before": 5,
        "after": 6,
        "arrived": 3,
        "departed": 2,
        "stayed": 3,
        "not_observed": 0,
        "not_observed_before": 0,
    }
    mis = doc["misalignment"]  # the later image moved 1 m east and 0.75 m north
    assert mis["shift_east_m"] == pytest.approx(-1.0, abs=0.3) and mis["shift_north_m"] == pytest.approx(-0.75, abs=0.3)
    assert doc["new_activity"] == []
    again = json.loads(_run("compare", "Luninets airfield", "--json", "-w", str(ws)).output)
    assert again["classes"] == doc["classes"]  # harmless to re-run: the stored comparison is replaced
    timeline = json.loads(_run("timeline", "Luninets airfield", "--json", "-w", str(ws)).output)
    assert len(timeline["observations"]) == 2 and len(timeline["comparisons"]) == 1
    assert sorted(t["times_seen"] for t in timeline["tracks"]) == [1, 1, 1, 1, 1, 2, 2, 2]
    _run("export", "--format", "geojson", "--out", str(tmp_path / "gj"), "-w", str(ws))
    changed = json.loads((tmp_path / "gj" / "change_objects.geojson").read_text())["features"]
    assert sorted(f["properties"]["status"] for f in changed) == ["arrived"] * 3 + ["departed"] * 2


def test_a_single_observation_has_nothing_to_compare(ws: Path, tmp_path: Path) -> None:
    _run("ingest", str(_scene(tmp_path / "a.tif", [0, 1], "2022-01-20T09:00:00Z")), "-w", str(ws))
    _run("scan", "--model", "aircraft", "-w", str(ws))
    res = _run("compare", "Luninets airfield", "-w", str(ws), ok=False)
    assert "1 observation: nothing to compare" in str(res.exception)


def test_an_all_cloud_scene_is_not_observed(ws: Path, tmp_path: Path) -> None:
    a = _scene(tmp_path / "a.tif", [0, 1, 2], "2022-01-20T09:00:00Z")
    b = _scene(tmp_path / "b.tif", [0, 1, 2], "2022-02-10T09:00:00Z", cloud=True)
    _run("ingest", str(a), str(b), "-w", str(ws))
    _run("scan", "--model", "aircraft", "-w", str(ws))
    res = _run("compare", "Luninets airfield", "-w", str(ws), ok=False)
    assert "under cloud" in str(res.exception) and "not observed" in str(res.exception)


def test_brief_outlines_new_activity(ws: Path, tmp_path: Path) -> None:
    a = _scene(tmp_path / "a.tif", [0, 1, 2], "2022-01-20T09:00:00Z")
    b = _scene(tmp_path / "b.tif", [0, 1, 2], "2022-02-10T09:00:00Z", camp=True)
    for args in (["ingest", str(a), str(b)], ["scan", "--model", "aircraft"]):
        _run(*args, "-w", str(ws))
    doc = json.loads(_run("compare", "Luninets airfield", "--json", "-w", str(ws)).output)
    assert len(doc["new_activity"]) == 1 and 0.2 < doc["new_activity"][0]["area_ha"] < 0.4  # 110 m × 27 m
    _run("report", "--out", str(tmp_path / "brief.html"), "--site", "Luninets airfield", "-w", str(ws))
    assert "1 new-activity area(s) outlined" in (tmp_path / "brief.html").read_text()


def _half_cloud(path: Path, planes: list[int], when: str) -> Path:
    """A later date whose western half is under a soft-edged cloud."""
    rgb, _ = render_airfield(1400, 900, 0.5, [(*SLOTS[k], 34.0, 20.0 * k) for k in planes], seed=11)
    img = rgb.astype(np.float32)
    alpha = np.zeros((900, 1400), np.float32)
    alpha[:, :620] = 0.95
    alpha = cv2.GaussianBlur(alpha, (0, 0), 10)[..., None]
    img = (1 - alpha) * img + alpha * 245
    return write_geotiff(np.clip(img, 0, 255).astype(np.uint8), path, LAT, LON, 0.5, when)


def test_a_drop_under_cloud_is_not_observed_never_departed(ws: Path, tmp_path: Path) -> None:
    a = _scene(tmp_path / "a.tif", [0, 1, 2, 5, 6, 7], "2022-01-20T09:00:00Z")  # slots 0-2 lie in the west
    b = _half_cloud(tmp_path / "b.tif", [0, 1, 2, 5, 6, 7], "2022-02-10T09:00:00Z")
    _run("ingest", str(a), str(b), "-w", str(ws))
    _run("scan", "--model", "aircraft", "-w", str(ws))
    obs = json.loads(_run("observations", "Luninets airfield", "--json", "-w", str(ws)).output)["observations"]
    assert obs[1]["share_observed"] < obs[0]["share_observed"] * 0.65  # the cloud hides part of the scene's cover
    doc = json.loads(_run("compare", "Luninets airfield", "--json", "-w", str(ws)).output)
    s = doc["classes"]["aircraft"]
    assert s["departed"] == 0 and s["not_observed"] == 3 and s["stayed"] == 3, s


def test_a_user_mask_is_not_observed(ws: Path, tmp_path: Path) -> None:
    from pyproj import Transformer

    a = _scene(tmp_path / "a.tif", [0, 1, 5, 6], "2022-01-20T09:00:00Z")
    b = _scene(tmp_path / "b.tif", [5, 6], "2022-02-10T09:00:00Z")
    _run("ingest", str(a), str(b), "-w", str(ws))
    _run("scan", "--model", "aircraft", "-w", str(ws))
    # a mask over the western third of the scene (where slots 0 and 1 are)
    x0, y0 = Transformer.from_crs(4326, 32635, always_xy=True).transform(LON, LAT)
    to_ll = Transformer.from_crs(32635, 4326, always_xy=True)
    corners = [to_ll.transform(x0 - 350 + dx, y0 + dy) for dx, dy in ((-10, -300), (230, -300), (230, 300), (-10, 300))]
    (tmp_path / "mask.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {"type": "Polygon", "coordinates": [[*map(list, corners), list(corners[0])]]},
                    }
                ],
            }
        )
    )
    doc = json.loads(
        _run("compare", "Luninets airfield", "--json", "--mask", str(tmp_path / "mask.geojson"), "-w", str(ws)).output
    )
    s = doc["classes"]["aircraft"]
    assert s["departed"] == 0 and s["not_observed"] == 2 and s["stayed"] == 2, s


def test_scenes_that_do_not_overlap(ws: Path, tmp_path: Path) -> None:
    a = _scene(tmp_path / "a.tif", [0, 1], "2022-01-20T09:00:00Z")
    rgb, _ = render_airfield(1400, 900, 0.5, [(*SLOTS[0], 34.0, 0.0)], seed=11)
    b = write_geotiff(rgb, tmp_path / "b.tif", LAT, LON + 1000 / 68_000, 0.5, "2022-02-10T09:00:00Z")  # 1 km east
    _run("ingest", str(a), str(b), "-w", str(ws))
    _run("scan", "--model", "aircraft", "-w", str(ws))
    res = _run("compare", "Luninets airfield", "-w", str(ws), ok=False)
    assert "do not overlap" in str(res.exception)
