from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine

from forcewatch.errors import GsdUnknownError, ImageryError
from forcewatch.imagery.raster import RasterReader, raster_info, resolve_gsd
from tests.conftest import write_png


def _geotiff(path: Path, crs: str, transform: rasterio.Affine, data: np.ndarray, **kw: object) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=data.shape[2],
        height=data.shape[1],
        count=data.shape[0],
        dtype=data.dtype,
        crs=crs,
        transform=transform,
        **kw,
    ) as ds:
        ds.write(data)
    return path


def test_gsd_from_projected_crs(tmp_path: Path) -> None:
    p = _geotiff(
        tmp_path / "utm.tif",
        "EPSG:32635",
        Affine(0.7, 0, 500000, 0, -0.7, 5800000),
        np.zeros((3, 20, 30), np.uint8),
    )
    assert raster_info(p).gsd_m == pytest.approx(0.7)


def test_gsd_from_geographic_crs_is_in_metres(tmp_path: Path) -> None:
    # 1e-5 degree at the equator: ~1.11 m east-west, ~1.11 m north-south
    p = _geotiff(
        tmp_path / "ll.tif",
        "EPSG:4326",
        Affine(1e-5, 0, 30.0, 0, -1e-5, 0.0001),
        np.zeros((1, 20, 20), np.uint8),
    )
    assert raster_info(p).gsd_m == pytest.approx(1.11, abs=0.01)


def test_plain_png_needs_the_user_gsd(tmp_path: Path) -> None:
    info = raster_info(write_png(tmp_path / "x.png", 10, 10))
    assert info.gsd_m is None
    assert resolve_gsd(info, 0.5) == (0.5, "user")
    with pytest.raises(GsdUnknownError, match="--gsd-m METRES"):
        resolve_gsd(info, None)


def test_uint16_is_stretched_and_nodata_masked(tmp_path: Path) -> None:
    data = np.full((1, 40, 40), 1000, np.uint16)
    data[0, :, 20:] = 3000
    data[0, :5, :5] = 0
    p = _geotiff(tmp_path / "pan.tif", "EPSG:32616", Affine(0.5, 0, 0, 0, -0.5, 0), data, nodata=0)
    with RasterReader(p) as r:
        rgb, valid = r.read((0, 0, 40, 40), 40, 40)
    assert rgb.shape == (40, 40, 3) and rgb.dtype == np.uint8
    assert rgb[10, 5, 0] < 30 and rgb[10, 30, 0] > 225  # stretched to the full range
    assert not valid[:5, :5].any() and valid[10:, 10:].all()


def test_window_read_resamples_to_the_requested_size(tmp_path: Path) -> None:
    data = np.zeros((3, 100, 100), np.uint8)
    data[:, 50:, :] = 200
    p = _geotiff(tmp_path / "rgb.tif", "EPSG:32616", Affine(0.5, 0, 0, 0, -0.5, 0), data)
    with RasterReader(p) as r:
        rgb, _ = r.read((0, 0, 100, 100), 50, 50)
    assert rgb.shape == (50, 50, 3)
    assert rgb[10, 10].tolist() == [0, 0, 0] and rgb[40, 10].tolist() == [200, 200, 200]


def test_truncated_file_gets_a_clear_error(tmp_path: Path) -> None:
    good = write_png(tmp_path / "good.png", 64, 64)
    bad = tmp_path / "bad.tif"
    bad.write_bytes(good.read_bytes()[:40])
    with pytest.raises(ImageryError, match=r"bad\.tif: cannot be read as an image"):
        raster_info(bad)
    with pytest.raises(ImageryError, match="no such image file"):
        raster_info(tmp_path / "missing.tif")


def test_kept_open_serves_one_file_until_another_is_asked_for(tmp_path: Path) -> None:
    from forcewatch.imagery.raster import KeptOpen

    data = np.random.default_rng(0).integers(1, 255, (3, 40, 50), dtype=np.uint8)
    a = _geotiff(tmp_path / "a.tif", "EPSG:32635", Affine(0.5, 0, 500000, 0, -0.5, 5800000), data)
    b = _geotiff(tmp_path / "b.tif", "EPSG:32635", Affine(0.5, 0, 500000, 0, -0.5, 5800000), data[:, ::-1])
    with KeptOpen() as kept:
        first = kept.open(a)
        assert kept.open(str(a)) is first  # the same file, as a path or a string: the same reader
        second = kept.open(b)
        assert second is not first and first._ds.closed and not second._ds.closed
        rgb, valid = second.read((0, 0, 50, 40), 50, 40)
        assert np.array_equal(rgb, np.moveaxis(data[:, ::-1], 0, -1)) and valid.all()
    assert second._ds.closed  # closed with the ``with``


def test_blocks_are_decoded_on_every_usable_core_unless_told_otherwise(tmp_path: Path) -> None:
    from rasterio.env import getenv

    from forcewatch.imagery.raster import usable_cpus

    data = np.random.default_rng(3).integers(0, 255, (3, 300, 260), dtype=np.uint8)
    p = _geotiff(
        tmp_path / "blocks.tif",
        "EPSG:32635",
        Affine(0.5, 0, 500000, 0, -0.5, 5800000),
        data,
        tiled=True,
        blockxsize=64,
        blockysize=64,
        compress="deflate",
    )
    reads = {}
    for threads in (None, 1):
        with RasterReader(p, decode_threads=threads) as reader:
            assert getenv()["GDAL_NUM_THREADS"] == str(threads or usable_cpus())
            reads[threads] = reader.read((10, 20, 250, 290), 120, 135)  # many blocks, averaged
    np.testing.assert_array_equal(reads[None][0], reads[1][0])  # the same pixels on any number of threads
