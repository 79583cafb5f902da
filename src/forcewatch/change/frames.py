"""The two dates' frames: the later date's positions moved onto the earlier date's ground (and back)
by the co-registration shift, in metres east and north of a metric CRS (the comparison grid's)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import shapely.affinity
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from forcewatch.geo.convert import reprojector
from forcewatch.model import StoredDetection


def shifted(geom: BaseGeometry, offset_m: tuple[float, float], crs: CRS) -> BaseGeometry:
    """A lon/lat geometry moved ``offset_m`` (east, north) metres in the metric ``crs``."""
    if geom.is_empty or offset_m == (0.0, 0.0):
        return geom
    to_m, to_ll = reprojector(4326, crs), reprojector(crs, 4326)
    return to_ll(shapely.affinity.translate(to_m(geom), *offset_m))


def shifted_detections(
    detections: Sequence[StoredDetection], offset_m: tuple[float, float], crs: CRS
) -> list[StoredDetection]:
    """Detections with their ground polygons moved ``offset_m`` (east, north) metres."""
    return [
        replace(d, detection=replace(d.detection, polygon=shifted(d.detection.polygon, offset_m, crs)))
        if d.detection.polygon is not None
        else d
        for d in detections
    ]


def opposite(offset_m: tuple[float, float]) -> tuple[float, float]:
    """The shift back."""
    return -offset_m[0], -offset_m[1]
