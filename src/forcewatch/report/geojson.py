"""Detections as GeoJSON: lon/lat (EPSG:4326, RFC 7946) for georeferenced images, else pixels."""

from __future__ import annotations

import json
from pathlib import Path

from forcewatch.detect.run import DetectionRun
from forcewatch.geo.convert import pixels_to_lonlat
from forcewatch.report.files import write_atomic


def _ring(x0: float, y0: float, x1: float, y1: float) -> tuple[list[float], list[float]]:
    """The corners of a box, closed, as (xs, ys)."""
    return [x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0]


def box_rings(run: DetectionRun) -> list[list[list[float]]]:
    """Each detection's box as a closed ring: lon/lat (7 decimals) when the image is georeferenced,
    else pixels of the image (2 decimals)."""
    rings = [_ring(*d.box_px) for d in run.detections]
    if run.transform is None or run.crs_wkt is None:
        return [[[round(x, 2), round(y, 2)] for x, y in zip(xs, ys, strict=True)] for xs, ys in rings]
    cols = [x for xs, _ in rings for x in xs]
    rows = [y for _, ys in rings for y in ys]
    lons, lats = pixels_to_lonlat(run.crs_wkt, run.transform, cols, rows)
    points = [[round(float(lon), 7), round(float(lat), 7)] for lon, lat in zip(lons, lats, strict=True)]
    return [points[i : i + 5] for i in range(0, len(points), 5)]


def detections_geojson(run: DetectionRun) -> dict[str, object]:
    """A FeatureCollection with one polygon per detection (its box)."""
    georef = run.transform is not None and run.crs_wkt is not None
    features = []
    for d, ring in zip(run.detections, box_rings(run), strict=True):
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {**d.to_json(), "model": run.model_id, "image": run.image},
            }
        )
    doc: dict[str, object] = {
        "type": "FeatureCollection",
        "features": features,
        "forcewatch": {
            "image": run.image,
            "gsd_m": run.gsd_m,
            "model": run.model_id,
            "coordinates": "lon/lat (EPSG:4326)" if georef else "pixels of the input image (not georeferenced)",
        },
    }
    return doc


def write_geojson(run: DetectionRun, out: Path) -> Path:
    """Write the detections as GeoJSON (atomically; never over a ForceWatch store)."""
    return write_atomic(out, json.dumps(detections_geojson(run)), option="--geojson")
