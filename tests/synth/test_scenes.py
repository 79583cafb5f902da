"""Synthetic camps and vehicle parks: geometry, labels, determinism and the DOTA dataset."""

from __future__ import annotations

import json
import math
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forcewatch.synth.objects import Sun, place, rect
from forcewatch.synth.scenes import Background, SceneSpec, render_scene, write_dataset
from forcewatch.train.readers import read_annotations


def _grass(h: int = 480, w: int = 480, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 8)
    base = np.stack([90 + 20 * noise, 105 + 22 * noise, 70 + 15 * noise], -1)
    return np.clip(base + rng.normal(0, 4, (h, w, 3)), 0, 255).astype(np.uint8)


@given(
    length=st.floats(1, 30),
    width=st.floats(1, 30),
    x=st.floats(-500, 500),
    y=st.floats(-500, 500),
    angle=st.floats(0, 360),
)
def test_placed_rectangle_keeps_its_size(length: float, width: float, x: float, y: float, angle: float) -> None:
    pts = place(rect(length, width), x, y, angle)
    sides = np.linalg.norm(np.roll(pts, -1, axis=0) - pts, axis=1)
    assert sides[0] == pytest.approx(length, rel=1e-9) and sides[1] == pytest.approx(width, rel=1e-9)
    assert pts.mean(axis=0) == pytest.approx([x, y], abs=1e-6)


@given(azimuth=st.floats(0, 360), zenith=st.floats(5, 80), height=st.floats(0.5, 10))
@settings(max_examples=50)
def test_shadows_fall_away_from_the_sun(azimuth: float, zenith: float, height: float) -> None:
    sun = Sun(azimuth, zenith)
    off = sun.shadow_offset_m(height)
    assert float(off @ sun.light_dir()) < 0
    assert float(np.linalg.norm(off)) == pytest.approx(height * math.tan(math.radians(zenith)), rel=1e-9)


def test_scene_labels_lie_inside_and_away_from_kept_objects() -> None:
    bg = _grass()
    avoid = [(200.0, 200.0, 280.0, 280.0)]  # an aircraft, say: nothing is drawn over it
    img, placed = render_scene(bg, 0.5, np.random.default_rng(1), SceneSpec(scene_px=480), avoid)
    assert img.shape == bg.shape and img.dtype == np.uint8
    tents = [p for p in placed if p.class_name == "tent"]
    assert tents and all(4.0 <= p.length_m <= 12.0 and p.width_m >= 3.0 for p in tents)
    for p in placed:
        xs, ys = p.polygon_px[:, 0], p.polygon_px[:, 1]
        assert xs.min() >= 0 and ys.min() >= 0 and xs.max() <= 480 and ys.max() <= 480
        assert xs.max() < 200 or xs.min() > 280 or ys.max() < 200 or ys.min() > 280
    changed = np.abs(img.astype(int) - bg.astype(int)).sum(axis=2) > 30
    for p in tents:  # every labelled tent is drawn where its label is
        cx, cy = p.polygon_px.mean(axis=0).astype(int)
        assert changed[cy - 1 : cy + 2, cx - 1 : cx + 2].any()


def test_same_seed_same_scene() -> None:
    a, pa = render_scene(_grass(), 0.5, np.random.default_rng(7))
    b, pb = render_scene(_grass(), 0.5, np.random.default_rng(7))
    assert np.array_equal(a, b) and len(pa) == len(pb)


def test_dataset_is_dota_with_gsd_and_marked_synthetic(tmp_path: Path) -> None:
    src = tmp_path / "bg.png"
    cv2.imwrite(str(src), _grass(600, 700))
    manifest = write_dataset([Background(src, 0.5)], tmp_path / "ds", 4, seed=2, spec=SceneSpec(scene_px=400))
    assert "SYNTHETIC" in str(manifest["note"]) and manifest["scenes"] == 4
    data = read_annotations(tmp_path / "ds", "dota")
    assert len(data.images) == 4 and all(im.gsd_m == 0.5 for im in data.images)
    counts = manifest["objects"]
    assert isinstance(counts, dict)
    assert data.object_count == sum(counts.values())
    tents_only = read_annotations(tmp_path / "ds", "dota", class_map={"vehicle": "-"})
    assert tents_only.classes == ("tent",) and tents_only.object_count == counts.get("tent", 0)
    assert any("dropped" in n for n in tents_only.notes) or not counts.get("vehicle")
    first = (tmp_path / "ds" / "labelTxt" / "scene_00000.txt").read_text().splitlines()
    assert first[0].startswith("imagesource:SYNTHETIC") and first[1] == "gsd:0.5"
    assert json.loads((tmp_path / "ds" / "manifest.json").read_text())["seed"] == 2


def test_no_backgrounds_is_a_clear_error(tmp_path: Path) -> None:
    from forcewatch.errors import InputError

    with pytest.raises(InputError, match="no background"):
        write_dataset([], tmp_path / "ds", 1, seed=0)
