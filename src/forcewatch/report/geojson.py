"""Detections as GeoJSON: lon/lat (EPSG:4326, RFC 7946) for georeferenced images, else pixels."""

from __future__ import annotations

import json
from pathlib import Path

from forcewatch.detect.run import DetectionRun


def _pixel_to_lonlat(run: DetectionRun):  # type: ignore[no-untyped-def]
    from affine import Affine
    from pyproj import CRS, Transformer

    assert run.transform is not None and run.crs_wkt is not None
    aff = Affine(*run.transform)
    to_ll = Transformer.from_crs(CRS.from_wkt(run.crs_wkt), CRS.from_epsg(4326), always_xy=True)

    def convert(x: float, y: float) -> list[float]:
        mx, my = aff @ (x, y)
        lon, lat = to_ll.transform(mx, my)
        return [round(lon, 7), round(lat, 7)]

    return convert


def detections_geojson(run: DetectionRun) -> dict[str, object]:
    """A FeatureCollection with one polygon per detection (its box)."""
    georef = run.transform is not None and run.crs_wkt is not None
    convert = _pixel_to_lonlat(run) if georef else (lambda x, y: [round(x, 2), round(y, 2)])
    features = []
    for d in run.detections:
        x0, y0, x1, y1 = d.box_px
        ring = [convert(x, y) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))]
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
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(detections_geojson(run)), encoding="utf-8")
    tmp.replace(out)
    return out
