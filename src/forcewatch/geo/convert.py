"""The one place for coordinate conversions: a raster's pixels ↔ lon/lat, masks → polygons,
geometries between CRSs, areas on the ellipsoid, and local metric planes.

A raster is named here by its CRS (WKT, EPSG code or :class:`pyproj.CRS`) and its affine transform
(six coefficients or an :class:`affine.Affine`); nothing here opens a file.

>>> lons, lats = pixels_to_lonlat(4326, (0.1, 0, 20.0, 0, -0.1, 50.0), [0, 10], [0, 10])
>>> [round(v, 6) for v in (*lons, *lats)]
[20.0, 21.0, 50.0, 49.0]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import numpy as np
import shapely
from affine import Affine
from pyproj import CRS, Geod, Transformer
from shapely.geometry import Polygon, shape
from shapely.geometry.base import BaseGeometry

#: The one ellipsoid every geodesic measure uses (metres on WGS 84; never degrees).
GEOD = Geod(ellps="WGS84")

CrsLike = CRS | int | str
TransformLike = Affine | Sequence[float]
BoxPx = tuple[float, float, float, float]


@cache
def _crs(value: str | int) -> CRS:
    return CRS.from_user_input(value)


def as_crs(value: CrsLike) -> CRS:
    """A :class:`pyproj.CRS` from a CRS, an EPSG code or a WKT/PROJ string (parsed once per value)."""
    return value if isinstance(value, CRS) else _crs(value)


@cache
def _transformer(src: str | int, dst: str | int) -> Transformer:
    return Transformer.from_crs(_crs(src), _crs(dst), always_xy=True)


def transformer(src: CrsLike, dst: CrsLike) -> Transformer:
    """A cached ``always_xy`` transformer (x = lon/east first) between two CRSs."""
    key = [c.srs if isinstance(c, CRS) else c for c in (src, dst)]
    return _transformer(key[0], key[1])


def as_affine(transform: TransformLike) -> Affine:
    return transform if isinstance(transform, Affine) else Affine(*list(transform)[:6])


def area_m2(geom: BaseGeometry) -> float:
    """The area of a lon/lat geometry on the ellipsoid, in square metres."""
    return 0.0 if geom.is_empty else abs(GEOD.geometry_area_perimeter(geom)[0])


def reprojector(src: CrsLike, dst: CrsLike) -> Callable[[BaseGeometry], BaseGeometry]:
    """A function that reprojects shapely geometries from ``src`` to ``dst`` (x = lon/east first);
    the transformer is built once, so callers reproject many geometries cheaply."""
    t = transformer(src, dst)

    def apply(geom: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))

    return apply


def pixels_to_map(transform: TransformLike, cols: Any, rows: Any) -> tuple[np.ndarray, np.ndarray]:
    """Map coordinates (the raster's CRS) of pixel positions (column, row; 0, 0 is the top-left corner)."""
    a = as_affine(transform)
    c, r = np.asarray(cols, np.float64), np.asarray(rows, np.float64)
    return a.a * c + a.b * r + a.c, a.d * c + a.e * r + a.f


def map_to_pixels(transform: TransformLike, xs: Any, ys: Any) -> tuple[np.ndarray, np.ndarray]:
    """Pixel positions (column, row) of map coordinates in the raster's CRS."""
    return pixels_to_map(~as_affine(transform), xs, ys)


def pixels_to_lonlat(crs: CrsLike, transform: TransformLike, cols: Any, rows: Any) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat (EPSG:4326) of pixel positions of a raster."""
    mx, my = pixels_to_map(transform, cols, rows)
    lon, lat = transformer(crs, 4326).transform(mx, my)
    return np.asarray(lon, np.float64), np.asarray(lat, np.float64)


def lonlat_to_pixels(
    crs: CrsLike, transform: TransformLike, xs: Any, ys: Any, points_crs: CrsLike = 4326
) -> tuple[np.ndarray, np.ndarray]:
    """Pixel positions (column, row) in a raster of points given in ``points_crs`` (lon/lat by default)."""
    mx, my = transformer(points_crs, crs).transform(np.asarray(xs, np.float64), np.asarray(ys, np.float64))
    return map_to_pixels(transform, mx, my)


def pixel_bounds(
    crs: CrsLike, transform: TransformLike, xs: Any, ys: Any, points_crs: CrsLike = 4326
) -> tuple[float, float, float, float]:
    """The bounds (min col, min row, max col, max row) in a raster's pixels of points in
    ``points_crs`` (lon/lat by default). Not clamped to the raster."""
    cols, rows = lonlat_to_pixels(crs, transform, xs, ys, points_crs)
    return float(cols.min()), float(rows.min()), float(cols.max()), float(rows.max())


def geometry_pixel_bounds(crs: CrsLike, transform: TransformLike, geom: BaseGeometry) -> BoxPx:
    """The pixel bounds of a lon/lat geometry's outline in a raster (see :func:`pixel_bounds`)."""
    xy = shapely.get_coordinates(geom)
    return pixel_bounds(crs, transform, xy[:, 0], xy[:, 1])


def box_to_lonlat(crs: CrsLike, transform: TransformLike, box_px: BoxPx) -> Polygon:
    """A box in a raster's pixels (minx, miny, maxx, maxy) as a lon/lat polygon (its four corners)."""
    return boxes_to_lonlat(crs, transform, [box_px])[0]


def boxes_to_lonlat(crs: CrsLike, transform: TransformLike, boxes_px: Sequence[BoxPx]) -> list[Polygon]:
    """Many pixel boxes as lon/lat polygons, converted in one call."""
    if not len(boxes_px):
        return []
    b = np.asarray(boxes_px, np.float64).reshape(-1, 4)
    cols = b[:, [0, 2, 2, 0]].ravel()
    rows = b[:, [1, 1, 3, 3]].ravel()
    lons, lats = pixels_to_lonlat(crs, transform, cols, rows)
    return [Polygon(zip(lo, la, strict=True)) for lo, la in zip(lons.reshape(-1, 4), lats.reshape(-1, 4), strict=True)]


def lonlat_to_pixel_rings(crs: CrsLike, transform: TransformLike, geom: BaseGeometry) -> list[np.ndarray]:
    """The exterior ring of each polygon of a lon/lat geometry as an N×2 array of pixel positions."""
    rings = []
    for part in getattr(geom, "geoms", [geom]):
        if part.is_empty or not hasattr(part, "exterior"):
            continue
        xy = np.asarray(part.exterior.coords)
        cols, rows = lonlat_to_pixels(crs, transform, xy[:, 0], xy[:, 1])
        rings.append(np.column_stack([cols, rows]))
    return rings


def mask_to_polygon(mask: np.ndarray, transform: TransformLike, crs: CrsLike, *, to: CrsLike = 4326) -> BaseGeometry:
    """The true cells of a boolean raster mask (on the grid ``transform``/``crs``) as one geometry in
    ``to`` (lon/lat by default); an empty polygon when no cell is set."""
    polys = mask_to_polygons(mask, transform)
    if not polys:
        return Polygon()
    return reprojector(crs, to)(shapely.union_all(polys))


def mask_to_polygons(mask: np.ndarray, transform: TransformLike) -> list[BaseGeometry]:
    """Each connected region of true cells of a mask as a polygon in the grid's map coordinates."""
    from rasterio import features

    m = mask.astype(np.uint8)
    return [shape(g) for g, v in features.shapes(m, mask=m > 0, transform=as_affine(transform)) if v == 1]


def utm_crs(lat: float, lon: float) -> CRS:
    """The UTM zone of a point (north or south)."""
    zone = int((lon + 180) // 6) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def local_metric_crs(lon: float, lat: float) -> CRS:
    """An azimuthal equidistant plane in metres centred on (lon, lat): true distances from the centre."""
    return CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=WGS84 +units=m")
