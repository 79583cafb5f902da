"""The shift between two dates by phase correlation: right to a small fraction of a pixel for
images of any size, odd or even, at whole-pixel and sub-pixel shifts (cv2.phaseCorrelate was off by
half a pixel wherever its DFT size was odd, and by up to a third of a pixel at half-pixel shifts)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forcewatch.imagery.coreg import estimate_shift, phase_correlate, signed_shift

MARGIN_PX = 24
#: sides whose DFT size is odd (75, 81, 125, 135: odd even for cv2.getOptimalDFTSize; 101, 127: odd as they
#: are) and even (64, 96, 128)
SIDES = [64, 75, 81, 96, 101, 125, 127, 128, 135]
TOLERANCE_PX = 0.1
#: for any size and shift Hypothesis draws (small textured images, bicubic sub-pixel moves): a quarter
#: of the half-pixel bias this guards against
ANY_TOLERANCE_PX = 0.15


def _pair(h: int, w: int, dx_px: float, dy_px: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Textured grey ground (h × w) and the same ground moved dx_px along x and dy_px along y
    (sub-pixel, bicubic; cut from a larger field, so no wrap-around)."""
    rng = np.random.default_rng(seed)
    field = rng.normal(0, 1, (h + 2 * MARGIN_PX, w + 2 * MARGIN_PX)).astype(np.float32)
    field = cv2.GaussianBlur(field, (0, 0), 2.0)
    field = 110 + 40 * field / field.std()
    m = np.array([[1, 0, dx_px], [0, 1, dy_px]], np.float32)
    moved = cv2.warpAffine(field, m, (field.shape[1], field.shape[0]), flags=cv2.INTER_CUBIC)
    inner = (slice(MARGIN_PX, MARGIN_PX + h), slice(MARGIN_PX, MARGIN_PX + w))
    return field[inner], moved[inner]


def _found_px(h: int, w: int, dx_px: float, dy_px: float, seed: int = 1) -> tuple[float, float]:
    """The move estimate_shift finds (x, y pixels): the shift it gives undoes it (east = -x, north = y)."""
    before, after = _pair(h, w, dx_px, dy_px, seed)
    al = estimate_shift(before, after, np.ones((h, w), bool), gsd_m=0.5)
    return -al.dx_m / 0.5, al.dy_m / 0.5


@pytest.mark.parametrize("h, w", [(75, 75), (125, 81), (127, 101), (128, 128), (96, 135), (64, 127)])
@pytest.mark.parametrize("dx_px, dy_px", [(0, 0), (3, 0), (0, -2), (-5, 4), (0.5, -0.5), (1.5, 0.25)])
def test_whole_and_half_pixel_shifts_on_odd_and_even_sizes(h: int, w: int, dx_px: float, dy_px: float) -> None:
    sx, sy = _found_px(h, w, dx_px, dy_px)
    assert sx == pytest.approx(dx_px, abs=TOLERANCE_PX) and sy == pytest.approx(dy_px, abs=TOLERANCE_PX)


@settings(max_examples=60, deadline=None)
@given(
    h=st.sampled_from(SIDES),
    w=st.sampled_from(SIDES),
    dx_px=st.floats(-8, 8),
    dy_px=st.floats(-8, 8),
    seed=st.integers(0, 2**16),
)
def test_any_shift_on_any_size_is_found_to_a_seventh_of_a_pixel(
    h: int, w: int, dx_px: float, dy_px: float, seed: int
) -> None:
    sx, sy = _found_px(h, w, dx_px, dy_px, seed)
    assert abs(sx - dx_px) < ANY_TOLERANCE_PX and abs(sy - dy_px) < ANY_TOLERANCE_PX


@pytest.mark.parametrize("h, w", [(75, 75), (81, 125), (128, 96)])
def test_identical_images_have_no_shift_and_a_full_peak(h: int, w: int) -> None:
    img, _ = _pair(h, w, 0.0, 0.0, seed=4)
    (sx, sy), response = phase_correlate(img, img, cv2.createHanningWindow((w, h), cv2.CV_32F))
    assert (sx, sy) == pytest.approx((0.0, 0.0), abs=1e-6) and response == pytest.approx(1.0, abs=1e-3)


def test_a_peak_index_is_a_signed_shift_for_odd_and_even_lengths() -> None:
    assert [signed_shift(i, 5) for i in range(5)] == [0, 1, 2, -2, -1]
    assert [signed_shift(i, 4) for i in range(4)] == [0, 1, 2, -1]
    assert [signed_shift(i, 1) for i in range(1)] == [0]


def test_a_large_shift_on_an_odd_size() -> None:
    """A move of 30 px on a 75 px side (below half the side, and only 45 px in common) is found."""
    sx, sy = _found_px(75, 75, 30.0, -20.0)
    assert (sx, sy) == pytest.approx((30.0, -20.0), abs=TOLERANCE_PX)
