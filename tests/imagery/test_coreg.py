"""Reading a scene onto a comparison grid (one warped read), and moving the later date onto the earlier."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import shapely
from affine import Affine
from pyproj import CRS

from forcewatch.imagery.coreg import Grid, coregister, read_on_grid
from forcewatch.imagery.georef import transform_tuple
from forcewatch.imagery.raster import RasterReader
from forcewatch.model import Scene
from tests.imagery.test_raster import _geotiff

CRS_UTM = CRS.from_epsg(32635)
ORIGIN = (500_000.0, 5_800_000.0)
GSD_M = 0.5


def _texture(h: int, w: int, seed: int = 5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 2.0)
    return noise / noise.std()


def _write(path: Path, data: np.ndarray, **kw: object) -> Scene:
    """A GeoTIFF of ``data`` (bands × H × W) at 0.5 m in UTM 35N, and a Scene naming it."""
    _, h, w = data.shape
    transform = Affine(GSD_M, 0, ORIGIN[0], 0, -GSD_M, ORIGIN[1])
    _geotiff(path, "EPSG:32635", transform, data, **kw)
    return Scene(
        str(path),
        "0",
        "2022-01-20T09:00:00Z",
        "test",
        CRS_UTM.to_wkt(),
        transform_tuple(transform),
        w,
        h,
        GSD_M,
        shapely.Polygon(),
        "embedded",
    )


def _grid(col0: float, row0: float, w: int, h: int, gsd_m: float = GSD_M) -> Grid:
    """A grid whose top-left corner is at pixel (col0, row0) of the scenes written here."""
    x, y = ORIGIN[0] + col0 * GSD_M, ORIGIN[1] - row0 * GSD_M
    return Grid(CRS_UTM, Affine(gsd_m, 0, x, 0, -gsd_m, y), w, h, gsd_m)


def _rgb8(h: int = 120, w: int = 160) -> np.ndarray:
    t = _texture(h, w)
    return np.clip(np.stack([100 + 40 * t, 120 + 30 * t, 90 + 20 * t]), 0, 255).astype(np.uint8)


def test_on_the_scene_s_own_pixels_the_values_are_the_scene_s(tmp_path: Path) -> None:
    data = _rgb8()
    rgb, valid = read_on_grid(_write(tmp_path / "a.tif", data, photometric="RGB"), _grid(10, 20, 100, 80))
    assert rgb.dtype == np.float32 and rgb.shape == (80, 100, 3) and valid.all()
    np.testing.assert_allclose(rgb, np.moveaxis(data, 0, -1)[20:100, 10:110].astype(np.float32), atol=1e-3)


def test_cells_beyond_the_scene_are_not_valid_and_zero(tmp_path: Path) -> None:
    rgb, valid = read_on_grid(_write(tmp_path / "a.tif", _rgb8(), photometric="RGB"), _grid(100, -30, 100, 80))
    assert valid[30:, :60].all() and not valid[:30].any() and not valid[:, 60:].any()
    assert (rgb[~valid] == 0).all() and rgb[valid].mean() > 50


def test_uint16_is_stretched_as_the_raster_reader_does_and_nodata_is_not_valid(tmp_path: Path) -> None:
    t = _texture(120, 160)
    data = np.clip(np.stack([3000 + 900 * t, 3500 + 800 * t, 2500 + 700 * t]), 1, 65535).astype(np.uint16)
    data[:, :30, :40] = 0
    scene = _write(tmp_path / "a.tif", data, nodata=0, photometric="RGB")
    rgb, valid = read_on_grid(scene, _grid(0, 0, 160, 120))
    with RasterReader(Path(scene.path)) as reader:
        ref, ref_valid = reader.read((0, 0, 160, 120), 160, 120)
    assert (valid == ref_valid).all() and not valid[:30, :40].any()
    np.testing.assert_allclose(rgb, ref.astype(np.float32), atol=0.51)  # the reader rounds to 8 bits


def test_an_alpha_band_says_what_is_valid(tmp_path: Path) -> None:
    data = _rgb8()
    alpha = np.full((1, 120, 160), 255, np.uint8)
    alpha[0, 60:, :] = 0
    scene = _write(tmp_path / "a.tif", np.concatenate([data, alpha]), photometric="RGB", alpha="YES")
    rgb, valid = read_on_grid(scene, _grid(0, 0, 160, 120))
    assert valid[:60].all() and not valid[60:].any()
    np.testing.assert_allclose(rgb[:60], np.moveaxis(data, 0, -1)[:60].astype(np.float32), atol=1e-3)


def test_a_coarser_grid_averages_the_scene(tmp_path: Path) -> None:
    data = _rgb8(200, 200)
    rgb, valid = read_on_grid(_write(tmp_path / "a.tif", data, photometric="RGB"), _grid(0, 0, 50, 50, 4 * GSD_M))
    assert valid.all() and rgb.shape == (50, 50, 3)
    pixels = np.moveaxis(data, 0, -1).astype(np.float32)
    block_means = pixels.reshape(50, 4, 50, 4, 3).mean(axis=(1, 3))
    point_samples = pixels[2::4, 2::4]
    assert np.abs(rgb - block_means).mean() < 0.5 * np.abs(rgb - point_samples).mean()


@pytest.mark.parametrize("shift_px", [(2.0, -1.0), (-1.5, 0.5)])
def test_coregister_moves_the_later_date_onto_the_earlier(shift_px: tuple[float, float]) -> None:
    h = w = 256
    t = _texture(h, w, seed=9)
    before = np.stack([110 + 50 * t, 120 + 45 * t, 90 + 30 * t], axis=2).astype(np.float32)
    m = np.array([[1, 0, shift_px[0]], [0, 1, shift_px[1]]], np.float32)
    after = cv2.warpAffine(before, m, (w, h), borderMode=cv2.BORDER_REFLECT)
    ones = np.ones((h, w), bool)
    clouds = np.zeros((h, w), bool)
    clouds[100:120, 100:120] = True
    moved = coregister(before, after, ones, ones, clouds, clouds, 1.0)
    # the later image moved +x (east) and +y (south): aligning it moves it west and north
    assert moved.alignment.dx_m == pytest.approx(-shift_px[0], abs=0.2)
    assert moved.alignment.dy_m == pytest.approx(shift_px[1], abs=0.2)
    inner = (slice(10, -10), slice(10, -10))
    assert np.abs(moved.rgb - before)[inner].mean() < 0.5 * np.abs(after - before)[inner].mean()
    assert moved.valid[inner].all() and not moved.valid.all()  # cells brought in from outside are not valid
    dy, dx = round(-shift_px[1]), round(-shift_px[0])
    assert moved.clouds[100 + dy : 120 + dy, 100 + dx : 120 + dx].mean() > 0.9
