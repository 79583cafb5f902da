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
    as_affine,
    as_crs,
    box_to_lonlat,
    boxes_to_lonlat,
    geometry_pixel_bounds,
    local_metric_crs,
    lonlat_to_pixel_rings,
    lonlat_to_pixels,
    map_to_pixels,
    mask_to_polygon,
    mask_to_polygons,
    pixel_bounds,
    pixels_to_lonlat,
    pixels_to_map,
    reprojector,
    transformer,
    utm_crs,
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


# -- known values: every coefficient, axis and corner in its place ----------------------------------

#: a raster in lon/lat: 0.1° pixels, its top-left corner at 20° E 50° N (rows go south)
LONLAT_GRID = (0.1, 0.0, 20.0, 0.0, -0.1, 50.0)


def test_pixels_to_map_uses_each_coefficient_once() -> None:
    """x = a·col + b·row + c, y = d·col + e·row + f, with six different coefficients."""
    for transform in ((1, 2, 3, 4, 5, 6), Affine(1, 2, 3, 4, 5, 6)):
        x, y = pixels_to_map(transform, [10, 0], [100, 1])
        assert x.tolist() == [213.0, 5.0] and y.tolist() == [546.0, 11.0]
        cols, rows = map_to_pixels(transform, x, y)
        assert cols.tolist() == pytest.approx([10, 0]) and rows.tolist() == pytest.approx([100, 1])


def test_as_affine_takes_six_or_nine_numbers() -> None:
    aff = Affine(1, 2, 3, 4, 5, 6)
    assert as_affine(aff) is aff
    assert as_affine([1, 2, 3, 4, 5, 6]) == aff
    assert as_affine(tuple(aff)) == aff  # rasterio's nine (the last row 0, 0, 1)


def test_pixels_and_lonlat_on_a_lonlat_grid() -> None:
    lons, lats = pixels_to_lonlat(4326, LONLAT_GRID, [0, 10, 5], [0, 10, 20])
    assert lons.tolist() == pytest.approx([20.0, 21.0, 20.5]) and lats.tolist() == pytest.approx([50.0, 49.0, 48.0])
    cols, rows = lonlat_to_pixels(4326, LONLAT_GRID, [21.0, 20.5], [49.0, 48.0])
    assert cols.tolist() == pytest.approx([10.0, 5.0]) and rows.tolist() == pytest.approx([10.0, 20.0])


def test_pixels_and_lonlat_on_a_utm_grid() -> None:
    """Zone 35's central meridian is 27° E: easting 500 000 m there; 0.5 m pixels."""
    aff = Affine.translation(500_000, 5_800_000) @ Affine.scale(0.5, -0.5)
    lon0, lat0 = Transformer.from_crs(UTM35, 4326, always_xy=True).transform(500_000, 5_800_000)
    lon1, lat1 = Transformer.from_crs(UTM35, 4326, always_xy=True).transform(500_100, 5_799_900)
    lons, lats = pixels_to_lonlat(UTM35, aff, [0, 200], [0, 200])
    assert lon0 == pytest.approx(27.0) and lons.tolist() == pytest.approx([lon0, lon1], abs=1e-9)
    assert lats.tolist() == pytest.approx([lat0, lat1], abs=1e-9)
    cols, rows = lonlat_to_pixels(UTM35, aff, [lon1], [lat1])
    assert (cols[0], rows[0]) == pytest.approx((200, 200), abs=1e-6)
    # points in the raster's own CRS
    cols, rows = lonlat_to_pixels(UTM35, aff, [500_010.0], [5_799_990.0], UTM35)
    assert (cols[0], rows[0]) == pytest.approx((20, 20))


def test_pixel_bounds_of_points_and_of_a_geometry() -> None:
    # (20.5, 49.5) → px (5, 5); (21.0, 48.7) → (10, 13); (20.2, 49.9) → (2, 1)
    lons, lats = [20.5, 21.0, 20.2], [49.5, 48.7, 49.9]
    assert pixel_bounds(4326, LONLAT_GRID, lons, lats) == pytest.approx((2, 1, 10, 13))
    poly = shapely.Polygon(zip(lons, lats, strict=True))
    assert geometry_pixel_bounds(4326, LONLAT_GRID, poly) == pytest.approx((2, 1, 10, 13))
    assert geometry_pixel_bounds(4326, LONLAT_GRID, shapely.box(20.2, 48.7, 21.0, 49.9)) == pytest.approx(
        (2, 1, 10, 13)
    )


def test_boxes_become_polygons_corner_by_corner() -> None:
    """(minx, miny, maxx, maxy) in pixels → top-left, top-right, bottom-right, bottom-left."""
    poly = box_to_lonlat(4326, LONLAT_GRID, (0, 0, 10, 20))
    np.testing.assert_allclose(poly.exterior.coords, [(20, 50), (21, 50), (21, 48), (20, 48), (20, 50)])
    a, b = boxes_to_lonlat(4326, LONLAT_GRID, [(0, 0, 10, 20), (5, 3, 6, 7)])
    assert a.equals_exact(poly, 1e-12)
    np.testing.assert_allclose(
        b.exterior.coords, [(20.5, 49.7), (20.6, 49.7), (20.6, 49.3), (20.5, 49.3), (20.5, 49.7)]
    )


def test_pixel_rings_of_every_polygon_and_nothing_else() -> None:
    p1, p2 = shapely.box(20.1, 49.0, 20.5, 49.8), shapely.box(21.0, 48.0, 21.2, 48.5)
    rings = lonlat_to_pixel_rings(4326, LONLAT_GRID, shapely.MultiPolygon([p1, p2]))
    assert len(rings) == 2
    # (col, row): x is the column, y the row, never the other way round
    np.testing.assert_allclose([rings[0].min(axis=0), rings[0].max(axis=0)], [[1, 2], [5, 10]], atol=1e-9)
    np.testing.assert_allclose([rings[1].min(axis=0), rings[1].max(axis=0)], [[10, 15], [12, 20]], atol=1e-9)
    mixed = shapely.GeometryCollection([shapely.LineString([(20, 49), (21, 49)]), shapely.Polygon(), p1])
    (ring,) = lonlat_to_pixel_rings(4326, LONLAT_GRID, mixed)
    np.testing.assert_allclose(ring, rings[0])
    assert lonlat_to_pixel_rings(4326, LONLAT_GRID, shapely.Polygon()) == []


def test_each_region_of_a_mask_is_a_polygon_in_map_coordinates() -> None:
    aff = Affine.translation(1000, 2000) @ Affine.scale(2.0, -2.0)
    mask = np.zeros((10, 12), bool)
    mask[1:3, 2:5] = True  # 3 × 2 cells
    mask[6:10, 8:9] = True  # 1 × 4 cells, apart
    polys = sorted(mask_to_polygons(mask, aff), key=lambda p: p.bounds)
    assert [p.bounds for p in polys] == [(1004.0, 1994.0, 1010.0, 1998.0), (1016.0, 1980.0, 1018.0, 1988.0)]
    assert [p.area for p in polys] == [24.0, 16.0]  # 6 and 4 cells of 4 m²
    assert mask_to_polygons(np.zeros((3, 3), bool), aff) == []
    # one geometry, in the CRS asked for (here the grid's own)
    both = mask_to_polygon(mask, aff, UTM35, to=UTM35)
    assert both.area == pytest.approx(40.0) and both.bounds == pytest.approx((1004, 1980, 1018, 1998))


def test_utm_zone_edges_and_hemispheres() -> None:
    zones = {
        (10.0, -180.0): 32601,
        (10.0, -174.000001): 32601,
        (10.0, -174.0): 32602,  # a zone starts at its western edge
        (10.0, 23.999999): 32634,
        (10.0, 24.0): 32635,
        (10.0, 179.9): 32660,
        (10.0, 180.0): 32601,  # the antimeridian wraps
        (10.0, -181.0): 32660,  # and so does a longitude past it
        (0.0, 24.0): 32635,  # the equator is north
        (-0.0001, 24.0): 32735,
        (-33.9, 18.4): 32734,
    }
    assert {k: utm_crs(*k).to_epsg() for k in zones} == zones


def test_crs_and_transformers_are_parsed_once_and_go_the_right_way() -> None:
    utm = as_crs(32635)
    assert isinstance(utm, CRS) and isinstance(as_crs("EPSG:32635"), CRS)  # (a CRS equals its EPSG code)
    assert utm == UTM35 and as_crs(utm) is utm and as_crs("EPSG:32635") == UTM35
    assert transformer(4326, 32635) is transformer(4326, 32635)
    x, y = transformer(4326, UTM35).transform(27.0, 0.0)  # lon first, to the zone's central meridian
    assert (x, y) == pytest.approx((500_000.0, 0.0), abs=1e-6)
    lon, lat = transformer(UTM35, 4326).transform(500_000.0, 0.0)
    assert (lon, lat) == pytest.approx((27.0, 0.0), abs=1e-9)
    moved = reprojector(4326, UTM35)(shapely.Point(27.0, 0.0))
    assert (moved.x, moved.y) == pytest.approx((500_000.0, 0.0), abs=1e-6)


def test_local_metric_plane_is_centred_on_lon_lat() -> None:
    crs = local_metric_crs(30.0, 50.0)
    x, y = Transformer.from_crs(4326, crs, always_xy=True).transform(30.0, 50.0)
    assert (x, y) == pytest.approx((0.0, 0.0), abs=1e-6)
    x, y = Transformer.from_crs(4326, crs, always_xy=True).transform(30.0, 51.0)
    assert x == pytest.approx(0.0, abs=1e-6) and y == pytest.approx(GEOD.inv(30, 50, 30, 51)[2], rel=1e-9)


def test_areas_do_not_depend_on_the_ring_direction() -> None:
    ccw = shapely.Polygon([(30, 50), (30.01, 50), (30.01, 50.01), (30, 50.01)])
    cw = shapely.Polygon(list(ccw.exterior.coords)[::-1])
    assert area_m2(cw) == pytest.approx(area_m2(ccw)) and area_m2(ccw) > 0
    # 0.01° × 0.01° at 50° N: about 716 m × 1112 m
    assert area_m2(ccw) == pytest.approx(716.6 * 1112.0, rel=2e-3)
