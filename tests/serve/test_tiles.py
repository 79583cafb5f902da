"""Scene tiles: read by windows from the scene's file with its stored georeferencing; transparent
outside it; ids and tile numbers checked."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
from affine import Affine
from PIL import Image
from rasterio.crs import CRS
from shapely.geometry import box

from forcewatch.app.workspace import open_workspace
from forcewatch.model import Scene
from tests.imagery.test_raster import _geotiff
from tests.serve.conftest import Client


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def _scene_with_a_file(workspace: Path) -> int:
    path = workspace / "bright.tif"
    transform = Affine(0.0001, 0.0, 26.79, 0.0, -0.0001, 52.26)
    pixels = np.full((3, 200, 200), 1000, np.uint16)
    pixels[:, :, 100:] = 3000  # east half brighter
    _geotiff(path, "EPSG:4326", transform, pixels)
    scene = Scene(
        str(path),
        "cd" * 32,
        "2022-03-01T09:00:00Z",
        "test",
        CRS.from_epsg(4326).to_wkt(),
        tuple(transform)[:6],
        200,
        200,
        10.0,
        box(26.79, 52.24, 26.81, 52.26),
        "embedded",
    )
    with open_workspace(workspace) as store, store.transaction():
        added = store.add_scene(scene)
    assert added.id is not None
    return added.id


def test_a_tile_of_a_scene_is_a_png_of_its_pixels_and_empty_outside(client: Client, workspace: Path) -> None:
    scene_id = _scene_with_a_file(workspace)
    anna = client("anna")
    z = 15
    x, y = _tile_of(26.80, 52.25, z)
    done = anna.get(f"/api/scenes/{scene_id}/tiles/{z}/{x}/{y}.png")
    assert done.status_code == 200 and done.headers["content-type"] == "image/png"
    rgba = np.asarray(Image.open(io.BytesIO(done.content)))
    assert rgba.shape == (256, 256, 4)
    inside = rgba[..., 3] == 255
    assert inside.mean() > 0.5
    assert len(np.unique(rgba[..., 0][inside])) >= 2  # both halves: a read of the pixels, not a fill
    far = anna.get(f"/api/scenes/{scene_id}/tiles/{z}/{x + 50}/{y}.png")
    assert far.status_code == 200 and np.asarray(Image.open(io.BytesIO(far.content)))[..., 3].max() == 0


def test_tile_numbers_and_scene_ids_are_checked(client: Client, workspace: Path) -> None:
    scene_id = _scene_with_a_file(workspace)
    anna = client("anna")
    for path in (
        f"/api/scenes/{scene_id}/tiles/40/0/0.png",
        f"/api/scenes/{scene_id}/tiles/2/4/0.png",
        f"/api/scenes/{scene_id}/tiles/2/0/-1.png",
        f"/api/scenes/{scene_id}/tiles/..%2F..%2Fetc/0/0.png",
        "/api/scenes/..%2F..%2Fetc%2Fpasswd/tiles/0/0/0.png",
        "/api/scenes/%2e%2e/tiles/0/0/0.png",
        "/api/scenes/999999/tiles/0/0/0.png",
    ):
        assert anna.get(path).status_code == 404, path
    assert client(None).get(f"/api/scenes/{scene_id}/tiles/0/0/0.png").status_code == 401


def test_a_scene_whose_file_is_gone_answers_422_naming_the_fix(client: Client, workspace: Path) -> None:
    with open_workspace(workspace) as store:
        gone = next(s for s in store.scenes() if s.sha256 == "a1" * 32)  # the filling's file does not exist
    x, y = _tile_of(26.80, 52.25, 15)
    done = client("vera").get(f"/api/scenes/{gone.id}/tiles/15/{x}/{y}.png")
    assert done.status_code == 422 and "forcewatch scene relocate" in done.json()["detail"]


def test_a_tile_across_the_scene_edge_is_transparent_beyond_it(client: Client, workspace: Path) -> None:
    scene_id = _scene_with_a_file(workspace)  # its file sets no nodata value
    anna = client("anna")
    z = 15
    x, y = _tile_of(26.79, 52.25, z)  # the tile holding the scene's west edge
    rgba = np.asarray(Image.open(io.BytesIO(anna.get(f"/api/scenes/{scene_id}/tiles/{z}/{x}/{y}.png").content)))
    alpha = rgba[..., 3]
    assert (alpha == 255).mean() > 0.05 and (alpha == 0).mean() > 0.05  # the scene, then nothing (not black)
    west = alpha[:, :8]  # the tile's west columns lie beyond the edge
    assert west.max() == 0


def test_the_overview_matching_the_tile_is_read_not_the_whole_scene(tmp_path: Path) -> None:
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.warp import transform_bounds

    from forcewatch.serve import tiles

    path = tmp_path / "big.tif"
    transform = Affine(1.0, 0.0, 500000.0, 0.0, -1.0, 5790000.0)  # 1 m pixels, UTM 35N near Luninets
    _geotiff(path, "EPSG:32635", transform, np.full((3, 2048, 2048), 100, np.uint8), tiled=True)
    with rasterio.open(path, "r+") as ds:
        ds.build_overviews([2, 4, 8], Resampling.nearest)  # overviews of 100s...
        ds.write(np.full((3, 2048, 2048), 200, np.uint8))  # ...under full-resolution pixels of 200
    bounds = transform_bounds("EPSG:32635", "EPSG:4326", 500000.0, 5790000.0 - 2048, 500000.0 + 2048, 5790000.0)
    scene = Scene(
        str(path), "ef" * 32, "2022-03-01T09:00:00Z", "t", CRS.from_epsg(32635).to_wkt(), tuple(transform)[:6],
        2048, 2048, 1.0, box(*bounds), "embedded",
    )  # fmt: skip
    lon, lat = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    for z, value in ((14, 100), (17, 200)):  # 5.9 m tile pixels: the 4 m overview; 0.7 m: the full resolution
        rgba = np.asarray(Image.open(io.BytesIO(tiles.render_tile(scene, z, *_tile_of(lon, lat, z)))))
        assert np.median(rgba[..., 0][rgba[..., 3] == 255]) == value, z


def test_the_overview_chosen_is_the_coarsest_still_as_fine_as_the_tile() -> None:
    from forcewatch.serve.tiles import overview_factor, tile_gsd_m

    assert overview_factor([2, 4, 8, 16], 0.5, 3.0) == 4
    assert overview_factor([2, 4, 8, 16], 0.5, 0.9) is None  # finer than any overview
    assert overview_factor([2, 4, 8, 16], 0.5, 100.0) == 16
    assert overview_factor([], 0.5, 100.0) is None and overview_factor([2], 0.0, 100.0) is None
    assert abs(tile_gsd_m(0, 0) - 40075016.7 * math.cos(0) / 256) < 1.0  # the one tile of zoom 0, at the equator
    y = _tile_of(26.8, 52.25, 16)[1]
    assert 1.4 < tile_gsd_m(16, y) < 1.5  # 2.39 m of web mercator at 52° N
