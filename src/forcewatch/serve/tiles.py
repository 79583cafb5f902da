"""Map tiles (web mercator, 256 px PNG) of a scene, each read by a window of the scene resampled to
the tile (GDAL's warped VRT), never the whole image; the scene's stored georeferencing is used, so
world-file and registered images tile too.

Note for the layering: this is the one raster read outside ``imagery/``; it belongs there as
``imagery.read_web_tile`` (kept here while ``imagery/`` is owned elsewhere)."""

from __future__ import annotations

import io
import math
import warnings
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
from shapely.geometry import box

if TYPE_CHECKING:
    from affine import Affine

from forcewatch.errors import ImageryError
from forcewatch.model import Scene

TILE_PX = 256
MAX_ZOOM = 22
_HALF_WORLD_M = 20037508.342789244  # web mercator: half the equator's length


def valid_tile(z: int, x: int, y: int) -> bool:
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


def tile_bounds_lonlat(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) of XYZ tile ``z/x/y`` in degrees."""

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / 2**z))))

    return x / 2**z * 360 - 180, lat(y + 1), (x + 1) / 2**z * 360 - 180, lat(y)


def _bounds_m(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    size = 2 * _HALF_WORLD_M / 2**z
    west, north = -_HALF_WORLD_M + x * size, _HALF_WORLD_M - y * size
    return west, north - size, west + size, north


def _tile_transform(z: int, x: int, y: int) -> Affine:
    from affine import Affine

    west, _, east, north = _bounds_m(z, x, y)
    px = (east - west) / TILE_PX
    return Affine(px, 0.0, west, 0.0, -px, north)


@cache
def empty_tile() -> bytes:
    return _png(np.zeros((TILE_PX, TILE_PX, 4), np.uint8))


def _png(rgba: np.ndarray) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(out, "PNG")
    return out.getvalue()


def _to_byte(data: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Bands stretched to 0–255 (2–98 % of the tile's valid pixels; bytes as they are)."""
    if data.dtype == np.uint8:
        return data
    values = data[:, valid] if valid.any() else data.reshape(data.shape[0], -1)
    lo, hi = np.percentile(values, [2, 98]) if values.size else (0.0, 1.0)
    scaled = (data.astype(np.float64) - lo) / max(float(hi - lo), 1e-9)
    return (np.clip(scaled, 0, 1) * 255).astype(np.uint8)


def render_tile(scene: Scene, z: int, x: int, y: int) -> bytes:
    """The PNG of tile ``z/x/y`` of ``scene`` (transparent outside it)."""
    import rasterio
    from affine import Affine
    from rasterio.crs import CRS
    from rasterio.enums import Resampling
    from rasterio.errors import NotGeoreferencedWarning, RasterioIOError
    from rasterio.vrt import WarpedVRT

    from forcewatch.imagery.remote import gdal_path

    if not scene.footprint.intersects(box(*tile_bounds_lonlat(z, x, y))):
        return empty_tile()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            src = rasterio.open(gdal_path(scene.path))
    except RasterioIOError:
        raise ImageryError(
            f"scene {scene.id}: its image {scene.path} cannot be read. "
            f"Fix: `forcewatch scene relocate {scene.id} PATH`."
        ) from None
    with (
        src,
        WarpedVRT(
            src,
            src_crs=CRS.from_wkt(scene.crs_wkt),
            src_transform=Affine(*scene.transform),
            crs="EPSG:3857",
            transform=_tile_transform(z, x, y),
            width=TILE_PX,
            height=TILE_PX,
            resampling=Resampling.bilinear,
            add_alpha=True,  # beyond the scene (and on its nodata): alpha 0, even where the file sets no nodata
        ) as vrt,
    ):
        bands = [1, 2, 3] if src.count >= 3 else [1, 1, 1]
        data = vrt.read(bands)
        valid = (vrt.read(vrt.count) > 0) & (vrt.read_masks(1) > 0)
    rgb = _to_byte(data, valid)
    alpha = np.where(valid, 255, 0).astype(np.uint8)
    return _png(np.dstack([rgb[0], rgb[1], rgb[2], alpha]))
