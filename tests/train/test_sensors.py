"""Sensor simulation keeps every object where it was, and changes only how it looks."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forcewatch.train.augment import AugmentConfig, SourceImage, sample_crop
from forcewatch.train.sensors import (
    SensorConfig,
    google_earth_look,
    jpeg,
    planetscope_look,
    seam,
    sharpen,
    simulate_sensor,
    soften,
    white_balance,
)


def _scene(side: int = 96, x: int = 40, y: int = 30, size: int = 16) -> np.ndarray:
    img = np.full((side, side, 3), 90, np.uint8)
    img[y : y + size, x : x + size] = 230  # one bright object on dull ground
    return img


def _centroid(img: np.ndarray) -> tuple[float, float]:
    g = cv2.GaussianBlur(img.astype(np.float64).mean(axis=2), (0, 0), 1.0)  # noise is not an object
    w = np.clip(g - (g.max() + np.median(g)) / 2, 0, None)  # above half its contrast: the object
    yy, xx = np.mgrid[0 : g.shape[0], 0 : g.shape[1]]
    return float((w * xx).sum() / w.sum()), float((w * yy).sum() / w.sum())


LOOKS = [
    lambda im, rng: jpeg(im, 40),
    lambda im, rng: sharpen(im, 1.0),
    lambda im, rng: white_balance(im, np.array([1.1, 0.9, 1.0])),
    lambda im, rng: soften(im, 3.0, 0.8, 3.0, rng),
    lambda im, rng: google_earth_look(im, 0.5, rng),
    lambda im, rng: planetscope_look(im, 1.0, rng),
]


@pytest.mark.parametrize("look", LOOKS)
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), x=st.integers(8, 70), y=st.integers(8, 70))
def test_each_look_keeps_shape_type_and_the_object_in_place(look, seed: int, x: int, y: int) -> None:  # type: ignore[no-untyped-def]
    img = _scene(x=x, y=y)
    out = look(img, np.random.default_rng(seed))
    assert out.shape == img.shape and out.dtype == np.uint8
    cx, cy = _centroid(out)
    assert abs(cx - (x + 7.5)) < 2.0 and abs(cy - (y + 7.5)) < 2.0


def test_looks_change_the_pixels() -> None:
    img = _scene()
    rng = np.random.default_rng(0)
    assert np.abs(jpeg(img, 20).astype(int) - img).max() > 0
    assert sharpen(img, 1.0)[30, 39, 0] < img[30, 39, 0]  # the dark side of an edge gets darker
    assert white_balance(img, np.array([1.2, 1.0, 0.8]))[0, 0].tolist() == [108, 90, 72]
    soft = planetscope_look(img, 0.5, rng)
    assert soft.std() < img.std()  # 3 m and hazy: less contrast than 0.5 m
    halves = seam(np.full((64, 64, 3), 120, np.uint8), np.random.default_rng(3))
    assert len(np.unique(halves[:, :, 0])) == 2  # two sides of one line, each its own look


def test_off_returns_the_crop_untouched_and_draws_nothing() -> None:
    img = _scene()
    rng = np.random.default_rng(5)
    state = rng.bit_generator.state
    assert simulate_sensor(img, 1.0, rng, SensorConfig(p=0.0)) is img
    assert rng.bit_generator.state == state  # training without it stays bit-for-bit the same
    assert simulate_sensor(img, 1.0, rng, SensorConfig(p=1.0)) is not img


def test_training_crops_with_sensor_simulation_keep_their_boxes() -> None:
    src = SourceImage(_scene(256, 100, 100, 24), np.array([[100, 100, 124, 124]], np.float32), np.array([0]), 0.5)
    cfg = AugmentConfig(sensor=SensorConfig(p=1.0), object_centred=1.0, degrade_p=0.0, haze_p=0.0, grey_p=0.0)
    for seed in range(10):
        crop, boxes, classes = sample_crop(src, 0.5, 96, np.random.default_rng(seed), cfg)
        assert crop.shape == (96, 96, 3) and len(boxes) == 1 and classes.tolist() == [0]
        b = boxes[0]
        inside = crop[int(b[1]) + 3 : int(b[3]) - 3, int(b[0]) + 3 : int(b[2]) - 3].mean()
        assert inside > crop.mean()  # the bright object is still under its box


def test_crops_can_carry_synthetic_small_aircraft_with_their_boxes() -> None:
    src = SourceImage(_scene(512, 200, 200, 60), np.array([[200, 200, 260, 260]], np.float32), np.array([0]), 0.5)
    cfg = AugmentConfig(small_aircraft_p=1.0, object_centred=0.0, degrade_p=0.0, haze_p=0.0, grey_p=0.0, blur_p=0.0)
    added = 0
    for seed in range(6):
        crop, boxes, classes = sample_crop(src, 1.0, 128, np.random.default_rng(seed), cfg)
        assert crop.shape == (128, 128, 3) and len(boxes) == len(classes) and set(classes.tolist()) <= {0}
        sides_m = (boxes[:, 2:] - boxes[:, :2]).max(axis=1)  # crop pixels are 1 m (no GSD jitter here: ×1.25)
        added += int(((sides_m >= 8) & (sides_m <= 28)).sum())
    assert added >= 6  # 1–3 aircraft of 10–22 m a crop, a few cut by the crop's edge
    off = AugmentConfig(object_centred=0.0)
    a = sample_crop(src, 1.0, 128, np.random.default_rng(1), off)
    b = sample_crop(src, 1.0, 128, np.random.default_rng(1), AugmentConfig(object_centred=0.0, small_aircraft_p=0.0))
    assert np.array_equal(a[0], b[0])  # off by default: existing recipes unchanged


@pytest.mark.parametrize("negatives", ["camp_negatives_p", "runway_negatives_p"])
def test_crops_can_carry_unlabelled_synthetic_negatives_clear_of_the_objects(negatives: str) -> None:
    """Camps and parks, or runway dashes with vehicles beside them: drawn, and never labelled."""
    src = SourceImage(_scene(1024, 480, 480, 60), np.array([[480, 480, 540, 540]], np.float32), np.array([0]), 0.5)
    flat = {"object_centred": 1.0, "degrade_p": 0.0, "haze_p": 0.0, "grey_p": 0.0, "blur_p": 0.0, "colour_jitter": 0.0}

    def drawn_share(cfg: AugmentConfig, seed: int) -> float:
        crop, boxes, classes = sample_crop(src, 1.0, 256, np.random.default_rng(seed), cfg)  # 256 m, as in training
        assert len(boxes) == len(classes) == 1  # nothing drawn is labelled
        x0, y0, x1, y1 = (int(v) for v in boxes[0])
        assert crop[y0 + 3 : y1 - 3, x0 + 3 : x1 - 3].mean() > 180  # the object is left as it was
        ground = np.ones(crop.shape[:2], bool)
        ground[max(0, y0 - 2) : y1 + 2, max(0, x0 - 2) : x1 + 2] = False
        off = np.abs(crop.astype(int) - 90).max(axis=2) > 12  # neither the flat ground nor the object
        return float((off & ground).sum() / ground.sum())

    plain = [drawn_share(AugmentConfig(**flat), seed) for seed in range(4)]  # type: ignore[arg-type]
    drawn = [drawn_share(AugmentConfig(**{negatives: 1.0}, **flat), seed) for seed in range(8)]  # type: ignore[arg-type]
    assert max(plain) < 0.005 and sum(c > 0.01 for c in drawn) >= 3  # drawn on many crops
