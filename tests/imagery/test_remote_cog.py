"""Remote cloud-optimised GeoTIFFs, read by range requests from a real HTTP server on 127.0.0.1:
the bytes a site's window costs, the same pixels as the local file, and clear errors (404, a server
that ignores Range)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import rasterio
from shapely.geometry import box

from forcewatch.errors import ImageryError, InputError
from forcewatch.imagery import remote
from forcewatch.imagery.raster import RasterReader
from forcewatch.imagery.scene import describe
from forcewatch.imagery.synthetic import render_airfield
from tests.cog_files import write_small_cog
from tests.range_server import RangeServer, serving, tile_bytes

LAT, LON = 52.25, 26.80
SIDE_PX = 2048
#: The issue's bar: a window costs at most this many times the bytes of the tiles under it.
MAX_RATIO = 1.5


def write_cog(path: Path, seed: int = 3, acquired: str = "2022-02-10T09:00:00Z") -> Path:
    """A 2048² RGB COG (256-pixel tiles, deflate, overviews) of a synthetic airfield at 0.5 m, in UTM."""
    planes = [(60.0 + 35 * k, 150.0 + 20 * k, 34.0, 15.0 * k) for k in range(12)]
    quarter, _ = render_airfield(SIDE_PX // 2, SIDE_PX // 2, 0.5, planes, seed=seed)
    return write_small_cog(path, LAT, LON, gsd_m=0.5, acquired=acquired, rgb=np.tile(quarter, (2, 2, 1)))


@pytest.fixture(scope="module")
def cog_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cogs")
    write_cog(folder / "airfield.tif")
    return folder


@pytest.fixture
def server(cog_dir: Path) -> Iterator[RangeServer]:
    with serving(cog_dir) as s:
        yield s


def _whole_file_gets(server: RangeServer) -> list[tuple[str, str, str | None]]:
    return [r for r in server.requests if r[0] == "GET" and r[2] is None]


def test_a_window_costs_about_the_tiles_under_it(server: RangeServer, cog_dir: Path) -> None:
    window = (700, 650, 1300, 1100)  # 600 × 450 px: a site of 300 × 225 m at 0.5 m
    # a fresh URL (a name GDAL has not cached) for each measurement
    (cog_dir / "w1.tif").write_bytes((cog_dir / "airfield.tif").read_bytes())
    server.reset()
    with RasterReader(server.url("w1.tif")) as reader:
        rgb, valid = reader.read(window, 600, 450)
    tiles = tile_bytes(cog_dir / "w1.tif", window)
    ratio = server.bytes_served / tiles
    print(f"bytes served {server.bytes_served}, tiles {tiles}, ratio {ratio:.3f}")
    assert ratio <= MAX_RATIO, (server.bytes_served, tiles, server.requests)
    assert server.bytes_served < (cog_dir / "w1.tif").stat().st_size / 4  # not the whole image
    assert _whole_file_gets(server) == []  # every GET asked for a range
    assert not any(p.endswith((".aux.xml", ".ovr", ".msk")) or p == "/" for _, p, _ in server.requests)
    with RasterReader(cog_dir / "w1.tif") as local:
        expected, expected_valid = local.read(window, 600, 450)
    assert np.array_equal(rgb, expected) and np.array_equal(valid, expected_valid)


def test_a_scan_of_a_site_reads_only_its_window(server: RangeServer, cog_dir: Path) -> None:
    """The reads of a scan (scan_pair's: the site's window, in detector tiles with their overlap,
    resampled to the detector's GSD) cost about the tiles under the window."""
    from forcewatch.app.scan import detect_window, site_window
    from forcewatch.detect.registry import load_detector

    (cog_dir / "w2.tif").write_bytes((cog_dir / "airfield.tif").read_bytes())
    scene = describe(server.url("w2.tif"))
    aoi = box(26.8005, 52.2492, 26.8045, 52.2512)  # about 270 × 220 m inside the scene
    detector = load_detector("aircraft")
    window = site_window(scene, aoi, margin_px=detector.meta.overlap_px / 2 * detector.meta.gsd_m / scene.gsd_m)
    assert window is not None
    server.reset()
    with RasterReader(scene.path) as reader:
        found, _ = detect_window(reader, window, scene.gsd_m, detector)
    tiles = tile_bytes(cog_dir / "w2.tif", window)
    ratio = server.bytes_served / tiles
    print(f"scan window {window}: bytes served {server.bytes_served}, tiles {tiles}, ratio {ratio:.3f}")
    assert ratio <= MAX_RATIO, (server.bytes_served, tiles)
    assert _whole_file_gets(server) == []
    with RasterReader(cog_dir / "w2.tif") as local:
        local_found, _ = detect_window(local, window, scene.gsd_m, detector)
    assert [d.box_px for d in found] == [d.box_px for d in local_found]


def test_describe_a_remote_cog_reads_its_header_not_its_pixels(server: RangeServer, cog_dir: Path) -> None:
    (cog_dir / "d.tif").write_bytes((cog_dir / "airfield.tif").read_bytes())
    server.reset()
    scene = describe(server.url("d.tif"))
    size = (cog_dir / "d.tif").stat().st_size
    assert scene.path == server.url("d.tif") and scene.acquired == "2022-02-10T09:00:00Z"
    assert scene.gsd_m == pytest.approx(0.5, abs=0.01) and scene.georef == "embedded"
    assert scene.footprint.contains(box(26.8005, 52.2492, 26.8045, 52.2512))
    assert scene.sha256 == remote.file_fingerprint(cog_dir / "d.tif")
    assert scene.properties == {"sha256_of": remote.FINGERPRINT_NOTE}
    assert server.bytes_served < size / 5, (server.bytes_served, size)


def test_a_url_that_answers_404_is_a_clear_error(server: RangeServer) -> None:
    url = server.url("gone.tif")
    with pytest.raises(InputError, match=r"gone\.tif: the server answered HTTP 404 .*Fix: check the URL"):
        describe(url)
    with pytest.raises(ImageryError, match=r"gone\.tif: the server answered HTTP 404 .*Fix:"):
        RasterReader(url)


def test_a_server_without_range_support_is_refused(cog_dir: Path) -> None:
    (cog_dir / "plain.tif").write_bytes((cog_dir / "airfield.tif").read_bytes())
    with serving(cog_dir, ranges=False) as plain:
        url = plain.url("plain.tif")
        with pytest.raises(InputError, match=r"plain\.tif: the server does not support range requests.*Fix:.*--copy"):
            describe(url)
        with pytest.raises(ImageryError, match=r"plain\.tif: the server does not support range requests"):
            RasterReader(url)


def test_an_unreachable_server_is_a_clear_error(server: RangeServer) -> None:
    url = server.url("x.tif")
    server.close()
    with pytest.raises(InputError, match=r"x\.tif: cannot be reached .*Fix: check the address"):
        remote.probe(url, timeout_s=5)


def test_a_remote_16_bit_cog_without_overviews_samples_blocks_for_its_scaling(tmp_path: Path) -> None:
    """Display scaling and verify would read every tile of a remote image without overviews: they
    sample up to 16 blocks instead (the last one, at the end of the file, too)."""
    from forcewatch.geo.convert import utm_crs

    rng = np.random.default_rng(1)
    data = rng.integers(200, 3000, (3, 1024, 1024), dtype=np.uint16)
    path = tmp_path / "u16.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=1024,
        height=1024,
        count=3,
        dtype="uint16",
        crs=utm_crs(LAT, LON),
        transform=rasterio.Affine(0.5, 0, 500000, 0, -0.5, 5790000),
        tiled=True,
        blockxsize=128,
        blockysize=128,
        compress="deflate",
    ) as ds:
        ds.write(data)
    with serving(tmp_path) as s:
        with RasterReader(s.url("u16.tif")) as reader:
            reader.verify()
            rgb, _ = reader.read((0, 0, 128, 128), 128, 128)
        assert s.bytes_served < path.stat().st_size * 0.4, (s.bytes_served, path.stat().st_size)
    assert 100 < rgb.mean() < 155  # the 2–98 % stretch of uniform values: mid-grey on average
