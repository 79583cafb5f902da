"""Geodesic distance (metres on the WGS 84 ellipsoid) from a point or polygon to a line.

The nearest point is found in an azimuthal equidistant projection centred on the feature (where
distances from the centre are true), then the distance is measured on the ellipsoid with
pyproj's ``Geod``. Never in degrees.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiLineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from forcewatch.errors import InputError
from forcewatch.geo.borders import ReferenceLine, borders
from forcewatch.geo.convert import GEOD, local_metric_crs

METRES_PER_MILE = 1609.344
#: Segments are densified to this length (about 500 m) before projection, so that a long straight
#: segment in lon/lat keeps its shape in the local projection.
DENSIFY_DEG = 0.005


@dataclass(frozen=True)
class Distance:
    """How far a feature is from a line, and the nearest point of that line."""

    line: str  # the name of the line measured to
    distance_m: float
    nearest_lon: float
    nearest_lat: float

    @property
    def distance_km(self) -> float:
        return self.distance_m / 1000

    @property
    def distance_miles(self) -> float:
        return self.distance_m / METRES_PER_MILE

    def to_json(self) -> dict[str, object]:
        return {
            "line": self.line,
            "distance_km": round(self.distance_km, 2),
            "distance_miles": round(self.distance_miles, 2),
            "nearest_point": {"lon": round(self.nearest_lon, 5), "lat": round(self.nearest_lat, 5)},
        }


def distance_to(feature: BaseGeometry, line: ReferenceLine) -> Distance:
    """Geodesic distance from a lon/lat point or polygon to the nearest point of ``line``."""
    centre = feature.centroid
    if feature.intersects(line.geometry):
        hit = feature.intersection(line.geometry).representative_point()
        return Distance(line.name, 0.0, hit.x, hit.y)
    aeqd = local_metric_crs(centre.x, centre.y)
    to_plane = Transformer.from_crs(4326, aeqd, always_xy=True)
    inv = Transformer.from_crs(aeqd, 4326, always_xy=True).transform

    def fwd(xy: np.ndarray) -> np.ndarray:
        x, y = to_plane.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    # lines are straight in lon/lat (as GeoJSON says): densify them before projecting
    dense_line = shapely.segmentize(line.geometry, DENSIFY_DEG)
    pf, pl = nearest_points(
        shapely.transform(shapely.segmentize(feature, DENSIFY_DEG), fwd), shapely.transform(dense_line, fwd)
    )
    lon_f, lat_f = inv(pf.x, pf.y)
    lon_l, lat_l = inv(pl.x, pl.y)
    dist = GEOD.inv(lon_f, lat_f, lon_l, lat_l)[2]
    return Distance(line.name, float(dist), float(lon_l), float(lat_l))


def reference_line(spec: str) -> ReferenceLine:
    """A country (ISO-3 code or name: its land border; UKR-1991 for the 1991 borders), or a file
    of lines or polygons (GeoJSON, GeoPackage, KML: a line of contact, an administrative line)."""
    path = Path(spec)
    if path.suffix.lower() in (".geojson", ".json", ".gpkg", ".kml") or path.exists():
        return read_line_file(path)
    b = borders()
    return b.land_border(b.resolve(spec))


def read_line_file(path: Path) -> ReferenceLine:
    from forcewatch.sites import read_lonlat_vectors

    _names, geoms, _fields = read_lonlat_vectors(path, "line file")
    parts: list[LineString] = []
    for wkb in geoms:
        if wkb is None:
            continue
        g = shapely.force_2d(shapely.from_wkb(wkb))
        g = g.boundary if g.geom_type in ("Polygon", "MultiPolygon") else g
        parts.extend(getattr(g, "geoms", [g]))
    lines = [p for p in parts if isinstance(p, LineString) and not p.is_empty]
    if not lines:
        raise InputError(f"{path}: no lines or polygons. Fix: give a line (e.g. a line of contact) or an area.")
    return ReferenceLine(f"{path.name}", MultiLineString(lines), str(path))


def point(lat: float, lon: float) -> Point:
    """A lon/lat point from latitude and longitude (the order people say them)."""
    return Point(lon, lat)
