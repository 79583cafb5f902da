"""Map tiles (web mercator, 256 px PNG) of a scene, each read by a window of the scene resampled to
the tile (GDAL's warped VRT), never the whole image; the scene's stored georeferencing is used, so
world-file and registered images tile too. Rendered tiles are kept in a bounded cache keyed by what
their pixels depend on (``tile_cache``), and answered with an ETag (304 when the browser has it).

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
from starlette.responses import Response

if TYPE_CHECKING:
    from affine import Affine
    from rasterio.io import DatasetReader

from forcewatch.errors import ImageryError
from forcewatch.model import Scene
from forcewatch.serve.tile_cache import BytesCache, shared_cache, tile_key

TILE_PX = 256
MAX_ZOOM = 22
_HALF_WORLD_M = 20037508.342789244  # web mercator: half the equator's length
#: zlib level of the PNGs: 1 encodes a 256 px tile of imagery 3-5x faster than the default 6, for
#: 10-20 % more bytes (measured on the demo scene and on noisy imagery).
PNG_COMPRESS_LEVEL = 1
#: How long a browser keeps a tile before asking again (then with If-None-Match: 304 if unchanged).
TILE_MAX_AGE_S = 600


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
    Image.fromarray(rgba, "RGBA").save(out, "PNG", compress_level=PNG_COMPRESS_LEVEL)
    return out.getvalue()


def _to_byte(data: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Bands stretched to 0–255 (2–98 % of the tile's valid pixels; bytes as they are)."""
    if data.dtype == np.uint8:
        return data
    values = data[:, valid] if valid.any() else data.reshape(data.shape[0], -1)
    lo, hi = np.percentile(values, [2, 98]) if values.size else (0.0, 1.0)
    scaled = (data.astype(np.float64) - lo) / max(float(hi - lo), 1e-9)
    return (np.clip(scaled, 0, 1) * 255).astype(np.uint8)


def tile_gsd_m(z: int, y: int) -> float:
    """Ground metres per pixel of a tile of row ``y`` at zoom ``z`` (at its centre's latitude)."""
    _, south, _, north = tile_bounds_lonlat(z, 0, y)
    return 2 * math.pi * 6378137.0 * math.cos(math.radians((south + north) / 2)) / (TILE_PX * 2**z)


def overview_factor(factors: list[int], scene_gsd_m: float, tile_gsd_m_: float) -> int | None:
    """The coarsest of a file's overview decimation ``factors`` still at least as fine as the tile
    (None: the full resolution), so a zoomed-out tile reads the pixels it shows, not the whole scene."""
    if scene_gsd_m <= 0:
        return None
    fine_enough = [f for f in factors if scene_gsd_m * f <= tile_gsd_m_]
    return max(fine_enough) if fine_enough else None


def _open(scene: Scene, overview_level: int | None = None) -> DatasetReader:
    import rasterio
    from rasterio.errors import NotGeoreferencedWarning, RasterioIOError

    from forcewatch.imagery.remote import gdal_path

    options = {} if overview_level is None else {"overview_level": overview_level}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            return rasterio.open(gdal_path(scene.path), **options)
    except RasterioIOError:
        raise ImageryError(
            f"scene {scene.id}: its image {scene.path} cannot be read. "
            f"Fix: `forcewatch scene relocate {scene.id} PATH`."
        ) from None


def render_tile(scene: Scene, z: int, x: int, y: int) -> bytes:
    """The PNG of tile ``z/x/y`` of ``scene`` (transparent outside it), read from the file's overview
    closest to the tile's resolution when it has overviews."""
    from affine import Affine
    from rasterio.crs import CRS
    from rasterio.enums import Resampling
    from rasterio.vrt import WarpedVRT

    if not scene.footprint.intersects(box(*tile_bounds_lonlat(z, x, y))):
        return empty_tile()
    src = _open(scene)
    src_transform = Affine(*scene.transform)
    factors = sorted(src.overviews(1))
    factor = overview_factor(factors, scene.gsd_m, tile_gsd_m(z, y))
    if factor is not None:  # read the overview instead, its pixels scaled to the stored georeferencing
        full_width, full_height = src.width, src.height
        src.close()
        src = _open(scene, factors.index(factor))
        src_transform = src_transform @ Affine.scale(full_width / src.width, full_height / src.height)
    with (
        src,
        WarpedVRT(
            src,
            src_crs=CRS.from_wkt(scene.crs_wkt),
            src_transform=src_transform,
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


def _etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names ``etag`` (weak comparison, as RFC 9110 asks for it)."""
    if not if_none_match:
        return False
    sent = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in sent or etag in sent


def tile_response(
    scene: Scene, z: int, x: int, y: int, if_none_match: str | None = None, cache: BytesCache | None = None
) -> Response:
    """The dashboard's answer for tile ``z/x/y`` of ``scene``: the PNG (from ``cache``, the process's
    shared one by default, rendered once when missing) with its ETag, or 304 when ``if_none_match``
    (the request's If-None-Match header) already names it. A scene whose file is missing raises the
    renderer's :class:`ImageryError` (with its "Fix:")."""
    key = tile_key(scene, z, x, y)
    if key is None:  # no local file to key on: rendered as it is (the renderer names the problem)
        return Response(render_tile(scene, z, x, y), media_type="image/png", headers={"Cache-Control": "no-store"})
    headers = {"ETag": key.etag(), "Cache-Control": f"private, max-age={TILE_MAX_AGE_S}"}
    if _etag_matches(if_none_match, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    png = (cache if cache is not None else shared_cache()).get_or_render(key, lambda: render_tile(scene, z, x, y))
    return Response(png, media_type="image/png", headers=headers)
