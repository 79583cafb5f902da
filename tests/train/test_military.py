"""The military-vehicle augmentation: labels stay true to the pixels, and it is off by default."""

from __future__ import annotations

import numpy as np

from forcewatch.train.augment import AugmentConfig, SourceImage, sample_crop
from forcewatch.train.military import composite_rows, dusty_ground, repaint


def _car_park(seed: int = 0) -> SourceImage:
    rng = np.random.default_rng(seed)
    img = np.full((600, 600, 3), 120, np.uint8) + rng.integers(0, 10, (600, 600, 3), dtype=np.uint8)
    boxes = []
    for k in range(10):  # a row of 4.5 × 2 m cars at 0.15 m
        x, y = 60 + k * 50, 280
        img[y : y + 13, x : x + 30] = (30 + 20 * k, 60, 200)
        boxes.append((x, y, x + 30, y + 13))
    return SourceImage(img, np.array(boxes, np.float32), np.zeros(10, np.int64), 0.15)


def test_off_by_default_and_reproducible() -> None:
    src = _car_park()
    a = sample_crop(src, 0.3, 128, np.random.default_rng(3), AugmentConfig())
    b = sample_crop(src, 0.3, 128, np.random.default_rng(3), AugmentConfig(military_p=0.0))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_military_crops_keep_boxes_inside_and_add_composited_vehicles() -> None:
    src = _car_park()
    cfg = AugmentConfig(military_p=1.0, degrade_p=0.0)
    rng = np.random.default_rng(0)
    added = 0
    for _ in range(30):
        crop, boxes, classes = sample_crop(src, 0.3, 192, rng, cfg)
        assert crop.shape == (192, 192, 3) and crop.dtype == np.uint8
        assert len(boxes) == len(classes) and (classes == 0).all()
        if len(boxes):
            assert boxes.min() >= 0 and boxes.max() <= 192
            assert ((boxes[:, 2] - boxes[:, 0]) > 1).all() and ((boxes[:, 3] - boxes[:, 1]) > 1).all()
        added += max(0, len(boxes) - 10)
    assert added > 0  # rows of armour and trucks were composited with their labels


def test_repaint_only_inside_boxes_and_composites_only_where_free() -> None:
    src = _car_park()
    rng = np.random.default_rng(1)
    out = repaint(src.pixels, src.boxes, rng, p=1.0)
    outside = np.ones(out.shape[:2], bool)
    for b in src.boxes.astype(int):
        outside[b[1] : b[3], b[0] : b[2]] = False
    assert np.array_equal(out[outside], src.pixels[outside])
    assert not np.array_equal(out[~outside], src.pixels[~outside])
    dusty = dusty_ground(src.pixels, rng)
    assert dusty.shape == src.pixels.shape and not np.array_equal(dusty, src.pixels)
    _, pasted = composite_rows(src.pixels, src.boxes, 0.3, np.random.default_rng(5))
    for p in pasted:  # nothing pasted over a labelled car
        for b in src.boxes:
            assert p[2] <= b[0] or b[2] <= p[0] or p[3] <= b[1] or b[3] <= p[1]
