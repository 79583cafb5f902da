"""Stable comparisons: two images of the same ground report nothing arrived or departed (a shift
of 3 px, two crops of one image registered at one centre, a change of sensor), and ground one date
did not show is "not observed before", never "arrived". Synthetic airfields with aircraft, tents
and vehicles (all bundled models), then the same on a real Airbus hold-out image."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from forcewatch.imagery.synthetic import render_airfield, write_geotiff
from forcewatch.synth.scenes import SceneSpec, render_scene
from tests.cli.helpers import run_ok as _run
from tests.conftest import AIRBUS, need_shared

LAT, LON = 52.25, 26.80
SITE = "Luninets airfield"
DAY1, DAY2 = "2022-01-20T09:00:00Z", "2022-01-21T09:00:00Z"
MAX_CHURN = 0.05
ALL_MODELS = ("--model", "aircraft", "--model", "vehicle", "--model", "tent")


def _airfield(width_px: int, planes_x_m: list[float], seed: int = 3) -> np.ndarray:
    """A 0.5 m airfield ``width_px`` wide with aircraft at ``planes_x_m`` (two rows), a tent camp and
    a vehicle park on the grass."""
    planes = [(x, 170.0 + 70 * r, 34.0, 20.0 * k + 45 * r) for k, x in enumerate(planes_x_m) for r in range(2)]
    rgb, placed = render_airfield(width_px, 1000, 0.5, planes, seed=seed)
    spec = SceneSpec(tent_camp_p=1.0, vehicle_park_p=1.0, max_camps=1, max_parks=1, scattered_vehicles=0)
    img, _ = render_scene(rgb, 0.5, np.random.default_rng(seed), spec, avoid_px=[p.box_px for p in placed])
    return img


def _shifted(img: np.ndarray, dx_px: float) -> np.ndarray:
    """The image moved ``dx_px`` pixels east (edges reflected)."""
    m = np.float32([[1, 0, dx_px], [0, 1, 0]])
    return cv2.warpAffine(img, m, (img.shape[1], img.shape[0]), borderMode=cv2.BORDER_REFLECT)


def _compare(tmp_path: Path, a: np.ndarray, b: np.ndarray, gsd_b: float = 0.5) -> tuple[dict, str]:  # type: ignore[type-arg]
    """Ingest and scan the two dates (every bundled model) and compare them: the JSON and the table."""
    ws = tmp_path / "ws"
    _run("init", str(ws), "--example", "ukraine-2022")
    pa = write_geotiff(a, tmp_path / "a.tif", LAT, LON, 0.5, DAY1)
    pb = write_geotiff(b, tmp_path / "b.tif", LAT, LON, gsd_b, DAY2)
    _run("ingest", str(pa), str(pb), "-w", str(ws))
    _run("scan", *ALL_MODELS, "-w", str(ws))
    doc = json.loads(_run("compare", SITE, "--json", "-w", str(ws)))
    return doc, _run("compare", SITE, "-w", str(ws))


def _churn(s: dict[str, int]) -> float:
    return (s["arrived"] + s["departed"]) / max(s["before"], s["after"], 1)


def test_a_copy_shifted_by_3_px_churns_no_class(tmp_path: Path) -> None:
    a = _airfield(1400, [150.0 + 80 * k for k in range(6)])
    doc, table = _compare(tmp_path, a, _shifted(a, 3.0))
    assert set(doc["classes"]) == {"aircraft", "tent", "vehicle"}
    for cls, s in doc["classes"].items():
        assert s["before"] > 0 and _churn(s) <= MAX_CHURN, (cls, s)
    assert doc["new_activity"] == [] and doc["notes"] == {}
    assert doc["camps"] == [] and {c["status"] for c in doc["candidate_camps"]} == {"unchanged"}
    assert "not observed before" in table


def test_two_crops_125_m_apart_at_one_centre_are_the_same_ground(tmp_path: Path) -> None:
    """Two press images of one airfield, cut 125 m apart and both placed at the site's centre: the
    shift is found, the aircraft on both stayed, those only one image shows are not observed."""
    whole = _airfield(1650, [60.0, *(180.0 + 90 * k for k in range(6)), 770.0])
    a, b = whole[:, :1400], whole[:, 250:]  # a shows 0–700 m, b 125–825 m
    doc, _ = _compare(tmp_path, a, b)
    assert doc["misalignment"]["shift_east_m"] == pytest.approx(125.0, abs=1.0)
    s = doc["classes"]["aircraft"]
    assert s["arrived"] == 0 and s["departed"] == 0, s
    assert s["stayed"] == 12 and s["not_observed"] == 2 and s["not_observed_before"] == 2, s


def test_ground_the_earlier_image_did_not_show_is_not_observed_before(tmp_path: Path) -> None:
    whole = _airfield(1400, [150.0 + 80 * k for k in range(6)])
    west = whole[:, :700]  # the earlier press image shows the western half, placed where it belongs
    ws = tmp_path / "ws"
    _run("init", str(ws), "--example", "ukraine-2022")
    lon_west = LON - 175.0 / (111_320 * np.cos(np.radians(LAT)))
    pa = write_geotiff(west, tmp_path / "a.tif", LAT, lon_west, 0.5, DAY1)
    pb = write_geotiff(whole, tmp_path / "b.tif", LAT, LON, 0.5, DAY2)
    _run("ingest", str(pa), str(pb), "-w", str(ws))
    _run("scan", "--model", "aircraft", "-w", str(ws))
    s = json.loads(_run("compare", SITE, "--json", "-w", str(ws)))["classes"]["aircraft"]
    assert s["arrived"] == 0 and s["departed"] == 0, s
    assert s["not_observed_before"] >= 4 and s["stayed"] >= 4, s


def test_a_change_of_sensor_is_not_change_on_the_ground(tmp_path: Path) -> None:
    """One 0.5 m image and the same image resampled to 3 m the next day: the aircraft stayed, the
    vehicle parks and tents are not observable at 3 m (never gone), and the resampling is no new
    activity."""
    fine = _airfield(1440, [150.0 + 90 * k for k in range(6)])
    coarse = cv2.resize(fine, (240, 1000 // 6), interpolation=cv2.INTER_AREA)
    doc, table = _compare(tmp_path, fine, coarse, gsd_b=3.0)
    assert set(doc["not_observable"]) == {"vehicle", "tent"} and set(doc["classes"]) == {"aircraft"}
    s = doc["classes"]["aircraft"]
    assert s["arrived"] == 0 and s["departed"] == 0 and s["stayed"] == s["before"] >= 10, s
    assert doc["camps"] == doc["candidate_camps"] == [] and doc["new_activity"] == []
    assert "in GSD (0.50 m, then 3.00 m)" in doc["notes"]["new activity"]
    assert "new activity: the two dates' imagery differs in GSD" in table


@pytest.mark.slow
@pytest.mark.parametrize("crop_offset_m", [0.0, 125.0])
def test_real_image_shifted_or_cropped_churns_no_class(tmp_path: Path, crop_offset_m: float) -> None:
    """A held-out Airbus image (0.5 m) against itself shifted by 3 px, or two crops of it 125 m
    apart placed at one centre: every bundled model, no class churns by more than 5 %."""
    need_shared(AIRBUS)
    split = json.loads((Path(__file__).parents[2] / "src/forcewatch/detect/models/aircraft/split.json").read_text())
    img = cv2.cvtColor(cv2.imread(str(AIRBUS / "train" / split["holdout"][0])), cv2.COLOR_BGR2RGB)
    if crop_offset_m:
        a, b = img[:2200, :2200], img[:2200, 250:2450]
    else:
        a, b = (
            img,
            cv2.warpAffine(img, np.float32([[1, 0, 3], [0, 1, 0]]), img.shape[1::-1], borderMode=cv2.BORDER_REFLECT),
        )
    doc, _ = _compare(tmp_path, a, b)
    assert doc["classes"]["aircraft"]["arrived"] == doc["classes"]["aircraft"]["departed"] == 0
    for cls, s in doc["classes"].items():
        # the tent model's false positives on a real airport score at its threshold (0.54-0.60): a
        # 3 px shift flips a few (the model alone on this image: 25 -> 17 with fixed 1,024 px tiles, 28 -> 20
        # with even ones); two may churn
        assert s["arrived"] + s["departed"] <= max(2, MAX_CHURN * max(s["before"], s["after"])), (cls, s)


def test_objects_of_a_model_that_cannot_be_found_are_not_looked_at_again(tmp_path: Path) -> None:
    from shapely.geometry import box

    from forcewatch.app.compare import LookAgainInScenes, detector_for
    from forcewatch.app.workspace import init
    from forcewatch.change.hysteresis import LATER, Look
    from forcewatch.model import Detection, Observation, StoredDetection

    store, _ = init(tmp_path / "ws")
    assert detector_for(store, "0" * 64) is None  # neither bundled nor in the workspace
    obs = Observation(1, 1, DAY1, {"aircraft": 1}, 1.0, None, "gone-v1", "0" * 64, {"score": 0.5}, "test", id=1)
    where = box(LON, LAT, LON + 0.0003, LAT + 0.0003)
    seen = StoredDetection(1, 1, 1, 1, Detection("aircraft", 0.9, (0, 0, 1, 1), 30, 30, "medium", "gone-v1"), DAY1)
    looked = LookAgainInScenes(store, {}, {1: obs})([Look(seen, LATER, where, 15.0)])
    assert looked.candidates == ((),) and "found by gone-v1 were not looked at again" in looked.note
    store.close()
