from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from forcewatch.errors import InputError
from forcewatch.sites import (
    area_km2,
    example_sites,
    geodesic_circle,
    make_site,
    read_site_file,
    write_site_file,
)

GEOD = Geod(ellps="WGS84")


@settings(max_examples=50)
@given(lat=st.floats(-80, 80), lon=st.floats(-179, 179), radius=st.floats(50, 50_000))
def test_geodesic_circle_vertices_lie_at_the_radius(lat: float, lon: float, radius: float) -> None:
    circle = geodesic_circle(lat, lon, radius)
    for x, y in list(circle.exterior.coords)[::8]:
        assert GEOD.inv(lon, lat, x, y)[2] == pytest.approx(radius, rel=1e-6)


def test_circle_area_matches_pi_r_squared() -> None:
    assert area_km2(geodesic_circle(52.25, 26.8, 2000)) == pytest.approx(3.14159 * 4, rel=0.01)


def test_example_watchlist() -> None:
    sites = {s.name: s for s in example_sites("ukraine-2022")}
    assert {
        "Luninets airfield",
        "Yelsk",
        "Rechitsa",
        "Yelnya",
        "Pogonovo training ground",
        "Novoozerne",
    } <= set(sites)
    assert all(s.notes for s in sites.values())


def test_bad_latitude_and_kind() -> None:
    with pytest.raises(InputError, match="latitude 95.0 is out of range"):
        make_site("x", 95.0, 10.0)
    with pytest.raises(InputError, match="kind 'base' is unknown.*airfield"):
        make_site("x", 50.0, 10.0, kind="base")


@pytest.mark.parametrize("suffix", [".geojson", ".kml", ".gpkg"])
def test_site_files_round_trip(tmp_path: Path, suffix: str) -> None:
    sites = example_sites("ukraine-2022")[:3]
    path = write_site_file(sites, tmp_path / f"sites{suffix}")
    back = read_site_file(path)
    assert [s.name for s in back] == [s.name for s in sites]
    for a, b in zip(sites, back, strict=True):
        assert a.aoi.symmetric_difference(b.aoi).area < 1e-8


def test_invalid_polygon_in_a_site_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "bowtie"}, '
        '"geometry": {"type": "Polygon", "coordinates": [[[30, 50], [31, 51], [31, 50], [30, 51], [30, 50]]]}}]}'
    )
    with pytest.raises(InputError, match=r"bad.geojson, feature 1 \('bowtie'\): invalid polygon.*Fix"):
        read_site_file(path)


def test_points_in_a_site_file_become_circles(tmp_path: Path) -> None:
    path = tmp_path / "p.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
        '{"name": "camp", "radius_m": 1000, '
        '"kind": "camp"}, "geometry": {"type": "Point", "coordinates": [29.15, 51.81]}}]}'
    )
    (site,) = read_site_file(path)
    assert site.kind == "camp" and area_km2(site.aoi) == pytest.approx(3.1416, rel=0.01)


@pytest.mark.parametrize("radius", [0.0, -5.0, float("nan"), float("inf"), 1e8, 200_001.0])
def test_a_radius_that_is_no_site_is_refused(radius: float) -> None:
    with pytest.raises(InputError, match=r"radius .* must be more than 0 and at most 200 km"):
        make_site("x", 52.0, 27.0, radius_m=radius)


@pytest.mark.parametrize("radius", [1.0, 2000.0, 200_000.0])
def test_a_radius_within_the_limits_is_the_circle_asked_for(radius: float) -> None:
    site = make_site("x", 52.0, 27.0, radius_m=radius)
    assert site.radius_m == radius and site.aoi.is_valid and site.aoi.contains(shapely.Point(27.0, 52.0))
