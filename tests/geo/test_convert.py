"""Coordinate conversions: pixel ↔ lon/lat, boxes and masks to polygons, reprojection, areas."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS, Transformer

from forcewatch.geo.convert import (
    GEOD,
    area_m2,
    box_to_lonlat,
    boxes_to_lonlat,
    lonlat_to_pixel_rings,
    lonlat_to_pixels,
    mask_to_polygon,
    pixel_bounds,
    pixels_to_lonlat,
    reprojector,
)

UTM35 = CRS.from_epsg(32635)


@given(
    cols=st.lists(st.floats(-500, 5000), min_size=1, max_size=6),
    rows=st.lists(st.floats(-500, 5000), min_size=1, max_size=6),
    gsd=st.floats(0.1, 10),
    rot=st.floats(-30, 30),
)
@settings(max_examples=60, deadline=None)
def test_pixel_bounds_inverts_the_raster_transform(
    cols: list[float], rows: list[float], gsd: float, rot: float
) -> None:
    n = min(len(cols), len(rows))
    crs = CRS.from_epsg(32635)
    aff = Affine.translation(500000, 5800000) @ Affine.rotation(rot) @ Affine.scale(gsd, -gsd)
    mx, my = zip(*(aff @ (c, r) for c, r in zip(cols[:n], rows[:n], strict=True)), strict=True)
    lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(mx, my)
    tup = (aff.a, aff.b, aff.c, aff.d, aff.e, aff.f)
    got = pixel_bounds(crs.to_wkt(), tup, lon, lat)
    want = (min(cols[:n]), min(rows[:n]), max(cols[:n]), max(rows[:n]))
    assert got == pytest.approx(want, abs=1e-3)
    assert pixel_bounds(crs.to_wkt(), tup, mx, my, crs) == pytest.approx(want, abs=1e-6)


@given(lon=st.floats(24.0, 30.0), lat=st.floats(45.0, 56.0), size_m=st.floats(1, 5000))
@settings(max_examples=40, deadline=None)
def test_reprojector_round_trips_a_polygon(lon: float, lat: float, size_m: float) -> None:
    utm = CRS.from_epsg(32635)
    there, back = reprojector(4326, utm), reprojector(utm, 4326)
    x, y = Transformer.from_crs(4326, utm, always_xy=True).transform(lon, lat)
    square = shapely.Polygon([(x, y), (x + size_m, y), (x + size_m, y + size_m), (x, y + size_m)])
    assert there(back(square)).area == pytest.approx(size_m**2, rel=1e-6)
    assert back(square).exterior.coords[0] == pytest.approx((lon, lat), abs=1e-7)


@given(
    col=st.floats(-1000, 5000),
    row=st.floats(-1000, 5000),
    gsd=st.floats(0.1, 10),
    rot=st.floats(-30, 30),
)
@settings(max_examples=60, deadline=None)
def test_pixels_to_lonlat_and_back(col: float, row: float, gsd: float, rot: float) -> None:
    aff = Affine.translation(500000, 5800000) @ Affine.rotation(rot) @ Affine.scale(gsd, -gsd)
    lon, lat = pixels_to_lonlat(UTM35, aff, [col], [row])
    c, r = lonlat_to_pixels(UTM35.to_wkt(), tuple(aff)[:6], lon, lat)
    assert (c[0], r[0]) == pytest.approx((col, row), abs=1e-4)


def test_boxes_to_lonlat_match_one_box_at_a_time() -> None:
    aff = Affine.translation(500000, 5800000) @ Affine.scale(0.5, -0.5)
    boxes = [(0.0, 0.0, 10.0, 20.0), (100.0, 50.0, 140.0, 60.0)]
    many = boxes_to_lonlat(UTM35, aff, boxes)
    assert [p.equals_exact(box_to_lonlat(UTM35, aff, b), 1e-12) for p, b in zip(many, boxes, strict=True)] == [
        True,
        True,
    ]
    # a 10 × 20 px box at 0.5 m is 5 m × 10 m = 50 m² on the ground
    assert area_m2(many[0]) == pytest.approx(50.0, rel=1e-3)
    assert boxes_to_lonlat(UTM35, aff, []) == []


def test_mask_to_polygon_and_back_to_pixel_rings() -> None:
    aff = Affine.translation(500000, 5800000) @ Affine.scale(2.0, -2.0)
    mask = np.zeros((50, 60), bool)
    mask[10:20, 5:25] = True  # 20 × 10 cells of 2 m: 800 m²
    poly = mask_to_polygon(mask, aff, UTM35)
    assert area_m2(poly) == pytest.approx(800.0, rel=1e-3)
    (ring,) = lonlat_to_pixel_rings(UTM35, aff, poly)
    assert ring[:, 0].min() == pytest.approx(5, abs=1e-6) and ring[:, 0].max() == pytest.approx(25, abs=1e-6)
    assert ring[:, 1].min() == pytest.approx(10, abs=1e-6) and ring[:, 1].max() == pytest.approx(20, abs=1e-6)
    assert mask_to_polygon(np.zeros((4, 4), bool), aff, UTM35).is_empty


def test_one_geod_measures_metres_on_the_ellipsoid() -> None:
    # one degree of latitude at the equator is about 110.574 km
    assert GEOD.inv(0, 0, 0, 1)[2] == pytest.approx(110_574, rel=1e-4)
    assert area_m2(shapely.Polygon()) == 0.0
