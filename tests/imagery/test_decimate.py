"""Decimated window reads: when a window takes the whole-factor way (Hypothesis), the cell means
against their definition, and the reader's way against GDAL's own average read, which it replaces."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import rasterio
from hypothesis import given
from hypothesis import strategies as st
from rasterio.enums import Resampling
from rasterio.windows import Window

from forcewatch.imagery import decimate
from forcewatch.imagery.raster import RasterReader
from tests.imagery.scenes import write_scene


@given(
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.integers(1, 3000),
    st.integers(1, 3000),
    st.integers(1, decimate.MAX_FACTOR + 2),
)
def test_a_whole_factor_is_found_exactly_when_the_window_is_whole_cells(
    x0: int, y0: int, w: int, h: int, k: int
) -> None:
    window = (float(x0), float(y0), float(x0 + k * w), float(y0 + k * h))
    assert decimate.whole_factor(window, w, h) == (k if 2 <= k <= decimate.MAX_FACTOR else None)
    assert decimate.whole_factor((x0 + 0.5, y0, x0 + 0.5 + k * w, y0 + k * h), w, h) is None  # off a pixel edge
    assert decimate.whole_factor((x0, y0, x0 + k * w + 1, y0 + k * h), w, h) is None  # not a whole factor
    assert decimate.whole_factor((x0, y0, x0 + 2 * w, y0 + 3 * h), w, h) is None  # not the same on both axes


@given(
    st.sampled_from(["uint8", "uint16", "int16", "float32"]),
    st.integers(2, decimate.MAX_FACTOR),
    st.integers(1, 40),
    st.integers(1, 40),
    st.integers(0, 2**32 - 1),
)
def test_each_output_pixel_is_the_mean_of_its_cell(dtype: str, k: int, h: int, w: int, seed: int) -> None:
    info = np.iinfo(dtype) if dtype != "float32" else None
    lo, hi = (info.min, info.max) if info else (-1000.0, 1000.0)
    data = np.random.default_rng(seed).uniform(lo, hi, (3, h * k, w * k)).astype(dtype)
    got = decimate.box_mean(data, k)
    exact = data.astype(np.float64).reshape(3, h, k, w, k).mean(axis=(2, 4))
    assert got.shape == (3, h, w) and got.dtype == data.dtype
    tolerance = 0.5 + 1e-9 if info else 1e-3  # integers: rounded to the nearest level
    assert np.abs(got.astype(np.float64) - exact).max() <= tolerance


def _gdal_average(path: Path, window: tuple[float, float, float, float], out: tuple[int, int]) -> np.ndarray:
    x0, y0, x1, y1 = window
    with rasterio.open(path) as ds:
        return ds.read(
            (1, 2, 3), window=Window(x0, y0, x1 - x0, y1 - y0), out_shape=(3, out[1], out[0]),
            resampling=Resampling.average,
        )  # fmt: skip


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The factors :func:`decimate.box_mean` was called with, a call a strip: which reads took the whole-factor way."""
    calls: list[int] = []
    real = decimate.box_mean

    def spy(data: np.ndarray, factor: int, out: np.ndarray | None = None) -> np.ndarray:
        calls.append(factor)
        return real(data, factor, out)

    monkeypatch.setattr(decimate, "box_mean", spy)
    return calls


@pytest.mark.parametrize(
    ("window", "out", "factor"),
    [  # a 0.5 m scene read for a 1 m model, at the far edge, 3× and 4×, and windows GDAL keeps
        ((0.0, 0.0, 128.0, 96.0), (64, 48), 2),
        ((64.0, 32.0, 192.0, 160.0), (64, 64), 2),
        ((3.0, 9.0, 189.0, 159.0), (62, 50), 3),
        ((8.0, 0.0, 192.0, 160.0), (46, 40), 4),
        ((1.5, 0.0, 129.5, 128.0), (64, 64), None),  # off a pixel edge
        ((0.0, 0.0, 150.0, 150.0), (60, 60), None),  # 2.5×
    ],
)
def test_the_reader_decimates_as_gdal_does(
    tmp_path: Path,
    counted: list[int],
    window: tuple[float, float, float, float],
    out: tuple[int, int],
    factor: int | None,
) -> None:
    data = np.random.default_rng(5).integers(1, 255, (3, 160, 192)).astype(np.uint8)
    path = write_scene(tmp_path / "s.tif", data, tiled=True, blockxsize=32, blockysize=32, compress="deflate")
    with RasterReader(path) as r:
        planes, valid = r.read_planes(window, *out)
    assert counted == ([factor] if factor else [])
    diff = np.abs(planes.astype(int) - _gdal_average(path, window, out).astype(int))
    assert valid.all() and diff.max() <= 1  # GDAL and OpenCV round a tie of a 4 × 4 cell each their own way
    if factor in (2, 3):
        assert diff.max() == 0


def test_overviews_no_data_and_other_dtypes_are_left_to_gdal(tmp_path: Path, counted: list[int]) -> None:
    data = np.random.default_rng(6).integers(1, 255, (3, 64, 64)).astype(np.uint8)
    with_overviews = write_scene(tmp_path / "o.tif", data)
    with rasterio.open(with_overviews, "r+") as ds:
        ds.build_overviews([2], Resampling.average)
    holed = data.copy()
    holed[:, :8, :8] = 0
    nodata = write_scene(tmp_path / "n.tif", holed, nodata=0)
    int32 = write_scene(tmp_path / "i.tif", data.astype(np.int32))
    valid: dict[Path, np.ndarray] = {}
    for path in (with_overviews, nodata, int32):
        with RasterReader(path) as r:
            planes, valid[path] = r.read_planes((0.0, 0.0, 64.0, 64.0), 32, 32)
        assert planes.shape == (3, 32, 32)
    assert counted == []  # GDAL read each: its overview, its average without the no-data, its dtype
    assert valid[with_overviews].all() and valid[int32].all()
    assert not valid[nodata][:4, :4].any() and valid[nodata][4:, 4:].all()


def test_an_unmarked_black_fill_under_a_decimated_window_is_no_data(tmp_path: Path, counted: list[int]) -> None:
    data = np.full((3, 64, 64), 90, np.uint8)
    data[:, :, :32] = 0  # black fill, no nodata value in the file
    with RasterReader(write_scene(tmp_path / "f.tif", data)) as r:
        planes, valid = r.read_planes((0.0, 0.0, 64.0, 64.0), 32, 32)
    assert counted == [2]
    assert not valid[:, :16].any() and valid[:, 16:].all() and (planes[:, valid] == 90).all()


@given(
    st.integers(0, 100_000),
    st.integers(1, 5_000),
    st.sampled_from([1, 8, 16, 256, 512, 1000]),
    st.integers(1, decimate.MAX_FACTOR),
)
def test_strips_are_whole_cells_in_order_cut_near_block_rows(top: int, cells: int, block_rows: int, k: int) -> None:
    rows = cells * k
    got = decimate.strips(top, rows, block_rows, k)
    assert got[0][0] == top and got[-1][1] == top + rows
    assert all(a < b and (b - a) % k == 0 for a, b in got)
    assert all(b == a2 for (_, b), (a2, _) in itertools.pairwise(got))
    step = block_rows * -(-256 // block_rows)
    assert all((-b) % step < k for _, b in got[:-1])  # each cut at most k - 1 rows above a block row
    assert len(got) <= rows // step + 2


def test_a_window_of_several_strips_is_read_as_gdal_averages_it(tmp_path: Path, counted: list[int]) -> None:
    """512 rows of 64-row blocks: two strips of 256, each band of each strip read on its own, then
    the same window read again (a scan's next model) gives the same pixels."""
    data = np.random.default_rng(7).integers(1, 255, (3, 512, 512)).astype(np.uint8)
    path = write_scene(tmp_path / "p.tif", data, tiled=True, blockxsize=64, blockysize=64, compress="deflate")
    with RasterReader(path) as r:
        planes, _ = r.read_planes((0.0, 0.0, 512.0, 512.0), 256, 256)
        again, _ = r.read_planes((0.0, 0.0, 512.0, 512.0), 256, 256)
        thirds, _ = r.read_planes((1.0, 2.0, 511.0, 512.0), 170, 170)  # cut at row 254, inside a block
    assert counted == [2] * 4 + [3] * 2 and np.array_equal(planes, again)  # two strips a read
    assert np.array_equal(planes, _gdal_average(path, (0.0, 0.0, 512.0, 512.0), (256, 256)))
    assert np.array_equal(thirds, _gdal_average(path, (1.0, 2.0, 511.0, 512.0), (170, 170)))
