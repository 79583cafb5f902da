"""Upsampled window reads: the span maths (Hypothesis), the interpolation against a reference, and
the reader's fast path against GDAL's own bilinear read, which it replaces."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest
import rasterio
from hypothesis import given
from hypothesis import strategies as st
from rasterio.enums import Resampling
from rasterio.windows import Window

from forcewatch.imagery import upsample
from forcewatch.imagery.raster import RasterReader
from tests.imagery.scenes import write_scene


@st.composite
def _windows(draw: st.DrawFn) -> tuple[float, float, int, int]:
    """(lo, hi, out_n, size): a window inside an axis of `size` pixels, upsampled (out_n ≥ its width)."""
    size = draw(st.integers(1, 5000))
    lo = draw(st.floats(0, size - 0.01, allow_nan=False))
    hi = draw(st.floats(lo + 0.01, size, allow_nan=False))
    out_n = draw(st.integers(max(1, math.ceil(hi - lo)), max(1, math.ceil(hi - lo)) * 4))
    return lo, hi, out_n, size


@given(_windows())
def test_the_span_holds_both_neighbours_of_every_output_centre(w: tuple[float, float, int, int]) -> None:
    lo, hi, out_n, size = w
    span = upsample.axis_span(lo, hi, out_n, size)
    assert 0 <= span.start < span.stop <= size
    for j in (0, out_n // 2, out_n - 1):
        centre = lo + (j + 0.5) * (hi - lo) / out_n - 0.5  # in centre-at-integer source coordinates
        assert span.scale * j + span.offset == pytest.approx(centre - span.start, abs=1e-6)
        below = math.floor(centre)
        above = below + 1 if centre - below > 1e-6 else below  # a centre on a pixel: its neighbour weighs 0
        left, right = (min(max(0, i), size - 1) for i in (below, above))
        assert span.start <= left and right < span.stop  # edges clamp: GDAL and OpenCV replicate


def test_a_window_of_whole_pixels_one_for_one_is_the_identity() -> None:
    span = upsample.axis_span(10.0, 30.0, 20, 100)
    assert upsample.is_identity(span) and (span.start, span.stop) == (10, 30)
    assert not upsample.is_identity(upsample.axis_span(10.5, 30.5, 20, 100))
    assert not upsample.is_identity(upsample.axis_span(10.0, 30.0, 40, 100))


def _reference(data: np.ndarray, lo: tuple[float, float], hi: tuple[float, float], out: tuple[int, int]) -> np.ndarray:
    """Bilinear upsampling in numpy, straight from the definition (centres, edges replicated)."""
    (x0, y0), (x1, y1), (w, h) = lo, hi, out
    cx = np.clip(x0 + (np.arange(w) + 0.5) * (x1 - x0) / w - 0.5, 0, data.shape[2] - 1)
    cy = np.clip(y0 + (np.arange(h) + 0.5) * (y1 - y0) / h - 0.5, 0, data.shape[1] - 1)
    ix, iy = np.floor(cx).astype(int), np.floor(cy).astype(int)
    fx, fy = cx - ix, cy - iy
    jx, jy = np.minimum(ix + 1, data.shape[2] - 1), np.minimum(iy + 1, data.shape[1] - 1)
    d = data.astype(np.float64)
    top = d[:, iy][:, :, ix] * (1 - fx) + d[:, iy][:, :, jx] * fx
    bottom = d[:, jy][:, :, ix] * (1 - fx) + d[:, jy][:, :, jx] * fx
    return top * (1 - fy[:, None]) + bottom * fy[:, None]


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "float32"])
def test_upsampling_matches_the_definition(dtype: str) -> None:
    rng = np.random.default_rng(1)
    data = (rng.random((3, 40, 50)) * (200 if dtype == "uint8" else 3000)).astype(dtype)
    lo, hi, out = (3.3, 5.7), (21.9, 39.2), (61, 97)
    xs = upsample.axis_span(lo[0], hi[0], out[0], 50)
    ys = upsample.axis_span(lo[1], hi[1], out[1], 40)
    got = upsample.upsample_bilinear(data[:, ys.start : ys.stop, xs.start : xs.stop], xs, ys, *out)
    assert got.shape == (3, out[1], out[0]) and got.dtype == data.dtype
    tolerance = 1.0 if dtype != "float32" else 3000 * 1e-3  # OpenCV interpolates in fixed point
    assert np.abs(got - _reference(data, lo, hi, out)).max() <= tolerance


def _gdal(path: Path, window: tuple[float, float, float, float], out: tuple[int, int]) -> np.ndarray:
    x0, y0, x1, y1 = window
    with rasterio.open(path) as ds:
        return ds.read(
            (1, 2, 3),
            window=Window(x0, y0, x1 - x0, y1 - y0),
            out_shape=(3, out[1], out[0]),
            resampling=Resampling.bilinear,
        )


WINDOWS = [  # (window in source pixels, output size): inside, at the far edges, a 0.5 → 0.3 m tile
    ((10.25, 20.5, 70.75, 90.0), (101, 117)),
    ((0.0, 0.0, 60.0, 60.0), (100, 100)),
    ((140.4, 110.2, 160.0, 120.0), (33, 17)),
    ((3.0, 7.0, 123.0, 117.0), (200, 200)),
]


@pytest.mark.parametrize(("window", "out"), WINDOWS)
def test_the_reader_upsamples_as_gdal_does(
    tmp_path: Path, window: tuple[float, float, float, float], out: tuple[int, int]
) -> None:
    rng = np.random.default_rng(2)
    smooth = rng.integers(1, 255, (3, 13, 17)).astype(np.float32)  # a smooth image: interpolation matters
    data = np.stack([cv2.resize(b, (160, 120), interpolation=cv2.INTER_CUBIC) for b in smooth]).clip(1, 255)
    path = write_scene(tmp_path / "s.tif", data.astype(np.uint8), tiled=True, blockxsize=32, blockysize=32)
    with RasterReader(path) as r:
        rgb, valid = r.read(window, *out)
    expected = np.moveaxis(_gdal(path, window, out), 0, -1).astype(int)
    assert valid.all()
    diff = np.abs(rgb.astype(int) - expected)
    assert diff.max() <= 1 and (diff > 0).mean() < 0.01


def test_nodata_under_the_window_is_left_to_gdal(tmp_path: Path) -> None:
    """GDAL's bilinear keeps no-data out of the blend; a window with any is read by GDAL, unchanged."""
    data = np.full((3, 60, 80), 120, np.uint8)
    data[:, :, 40:] = 200
    data[:, 20:30, 10:20] = 0  # a hole of no data
    path = write_scene(tmp_path / "n.tif", data, nodata=0)
    window, out = (5.0, 15.0, 45.5, 35.5), (90, 45)
    with RasterReader(path) as r:
        rgb, valid = r.read(window, *out)
    assert not valid.all()
    gdal = np.moveaxis(_gdal(path, window, out), 0, -1)
    assert np.array_equal(rgb[valid], gdal[valid])
    with RasterReader(path) as r:  # away from the hole: the fast path, and every pixel valid
        rgb2, valid2 = r.read((45.0, 35.0, 75.0, 55.0), 60, 40)
    assert valid2.all() and set(np.unique(rgb2)) <= set(range(120, 201))


def test_a_whole_pixel_window_one_for_one_is_read_as_it_is(tmp_path: Path) -> None:
    data = np.random.default_rng(3).integers(1, 255, (3, 50, 50)).astype(np.uint8)
    path = write_scene(tmp_path / "i.tif", data)
    with RasterReader(path) as r:
        rgb, valid = r.read((5.0, 6.0, 35.0, 46.0), 30, 40)
    assert valid.all() and np.array_equal(rgb, np.moveaxis(data[:, 6:46, 5:35], 0, -1))


def test_an_unmarked_black_fill_under_an_upsampled_window_is_no_data(tmp_path: Path) -> None:
    data = np.full((3, 60, 80), 90, np.uint8)
    data[:, :, :30] = 0  # black fill, no nodata value in the file
    path = write_scene(tmp_path / "f.tif", data)
    with RasterReader(path) as r:
        rgb, valid = r.read((10.0, 10.0, 50.0, 40.0), 100, 75)  # 2.5× up, across the fill's edge
    assert not valid[:, :40].any() and valid[:, 60:].all()  # 10-26 px: fill; 34-50 px: data
    assert (rgb[~valid] == 0).all() and (rgb[valid] > 0).any(axis=1).all()
    with RasterReader(path) as r:  # inside the data: every pixel valid, no test of the output needed
        rgb, valid = r.read((40.0, 10.0, 70.0, 40.0), 75, 75)
    assert valid.all() and (rgb == 90).all()
