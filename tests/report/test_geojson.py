"""Detections as GeoJSON: each box's ring in lon/lat (7 decimals) for a georeferenced image, in
pixels otherwise."""

from __future__ import annotations

import math

import pytest

from forcewatch.detect.run import DetectionRun
from forcewatch.model import Detection
from forcewatch.report.geojson import detections_geojson

UTM35N = 'PROJCS["WGS 84 / UTM zone 35N",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",27],PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1],AUTHORITY["EPSG","32635"]]'  # noqa: E501


def _run(georeferenced: bool) -> DetectionRun:
    det = Detection("aircraft", 0.9, (10.0, 20.0, 50.5, 60.25), 30.0, 25.0, "medium", "m")
    return DetectionRun(
        image="a.tif",
        gsd_m=0.5,
        gsd_source="embedded",
        model_id="m",
        model_sha256="s",
        score_threshold=0.5,
        width_px=100,
        height_px=100,
        detections=[det, det],
        crs_wkt=UTM35N if georeferenced else None,
        transform=(0.5, 0.0, 486_000.0, 0.0, -0.5, 5_789_000.0) if georeferenced else None,
    )


def test_pixel_rings_when_not_georeferenced() -> None:
    doc = detections_geojson(_run(False))
    ring = doc["features"][0]["geometry"]["coordinates"][0]  # type: ignore[index]
    assert ring == [[10.0, 20.0], [50.5, 20.0], [50.5, 60.25], [10.0, 60.25], [10.0, 20.0]]
    assert "not georeferenced" in doc["forcewatch"]["coordinates"]  # type: ignore[index]


def test_lonlat_rings_when_georeferenced() -> None:
    doc = detections_geojson(_run(True))
    features = doc["features"]
    ring = features[0]["geometry"]["coordinates"][0]  # type: ignore[index]
    assert len(ring) == 5 and ring[0] == ring[-1] and features[1]["geometry"]["coordinates"][0] == ring  # type: ignore[index]
    (lon0, lat0), (lon1, _), (_, lat2) = ring[0], ring[1], ring[2]
    assert 26.79 < lon0 < lon1 < 26.81 and 52.24 < lat2 < lat0 < 52.26  # east, then south in pixels
    assert all(round(v, 7) == v for point in ring for v in point)
    width_m = (lon1 - lon0) * 111_320 * math.cos(math.radians(lat0))
    assert width_m == pytest.approx(40.5 * 0.5, rel=0.01)
