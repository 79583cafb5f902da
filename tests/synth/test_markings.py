"""SYNTHETIC runway dashes with vehicles beside them (hard negatives for the aircraft model)."""

from __future__ import annotations

import numpy as np

from forcewatch.synth.markings import draw_markings


def _ground(side_px: int = 256) -> np.ndarray:
    return np.full((side_px, side_px, 3), 90, np.uint8)


def test_a_strip_with_bright_dashes_and_dark_or_coloured_vehicles_is_drawn() -> None:
    drawn_any = 0
    for seed in range(6):
        out = draw_markings(_ground(), 1.0, np.random.default_rng(seed))
        assert out.shape == (256, 256, 3) and out.dtype == np.uint8
        changed = np.abs(out.astype(int) - 90).max(axis=2) > 8
        bright = out.min(axis=2) > 170  # white or yellow paint is never on the plain ground
        drawn_any += int(changed.mean() > 0.02 and bright.sum() > 20)
    assert drawn_any >= 5  # a strip nearly always fits an empty crop


def test_nothing_is_drawn_over_the_boxes_to_avoid() -> None:
    box = (96.0, 96.0, 160.0, 160.0)
    for seed in range(6):
        ground = _ground()
        ground[96:160, 96:160] = 200  # the labelled object
        out = draw_markings(ground, 1.0, np.random.default_rng(seed), avoid_px=[box])
        assert np.array_equal(out[100:156, 100:156], ground[100:156, 100:156])


def test_a_crop_with_no_room_for_a_strip_is_left_as_it_was() -> None:
    ground = _ground(128)
    out = draw_markings(ground, 1.0, np.random.default_rng(0), avoid_px=[(0.0, 0.0, 128.0, 128.0)])
    assert np.array_equal(out, ground)


def test_the_same_seed_draws_the_same_crop() -> None:
    a = draw_markings(_ground(), 0.5, np.random.default_rng(3))
    b = draw_markings(_ground(), 0.5, np.random.default_rng(3))
    assert np.array_equal(a, b)
