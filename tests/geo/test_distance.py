from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod
from shapely.geometry import LineString, MultiLineString

from forcewatch.errors import InputError
from forcewatch.geo.borders import ReferenceLine, borders
from forcewatch.geo.distance import Distance, distance_to, point, read_line_file, reference_line

GEOD = Geod(ellps="WGS84")


def _parallel(lat: float) -> ReferenceLine:
    return ReferenceLine(f"parallel {lat}", MultiLineString([LineString([(20.0, lat), (40.0, lat)])]), "test")


@settings(max_examples=60, deadline=None)  # seconds under load: the machine is shared
@given(lat0=st.floats(-60, 60), offset_deg=st.floats(0.01, 3.0), lon=st.floats(25, 35))
def test_distance_along_a_meridian_matches_the_ellipsoid(lat0: float, offset_deg: float, lon: float) -> None:
    """A point due north of a line of latitude: the distance is the meridian arc between them."""
    expected = GEOD.inv(lon, lat0, lon, lat0 + offset_deg)[2]
    d = distance_to(point(lat0 + offset_deg, lon), _parallel(lat0))
    # the nearest point of a parallel is not exactly due south (the parallel is not a geodesic),
    # but within a few metres of it over these spans
    assert d.distance_m == pytest.approx(expected, rel=2e-3, abs=5.0)
    assert d.distance_m <= expected + 0.01  # never further than the meridian foot (1 cm numerical slack)
    assert d.nearest_lat == pytest.approx(lat0, abs=1e-6)


def test_known_offsets_in_km_and_miles() -> None:
    d = distance_to(point(51.0, 30.0), _parallel(50.0))
    assert d.distance_km == pytest.approx(111.25, abs=0.05)  # one degree of latitude near 50.5° N
    assert d.distance_miles == pytest.approx(d.distance_m / 1609.344)
    assert d.to_json()["line"] == "parallel 50.0"


def test_a_polygon_crossing_the_line_is_at_zero() -> None:
    from forcewatch.sites import geodesic_circle

    assert distance_to(geodesic_circle(50.0, 30.0, 5000), _parallel(50.0)).distance_m == 0.0
    near = distance_to(geodesic_circle(50.1, 30.0, 5000), _parallel(50.0))
    assert near.distance_m == pytest.approx(GEOD.inv(30, 50, 30, 50.1)[2] - 5000, abs=30)


def test_reported_distances_to_borders() -> None:
    """Places from public reporting, measured to the bundled Natural Earth borders."""
    yelsk = distance_to(point(51.8141, 29.1522), reference_line("UKR"))
    assert 15 < yelsk.distance_km < 25  # "about 20 km from the Ukrainian border"
    pskov = distance_to(point(57.8136, 28.3496), reference_line("Estonia"))
    assert 25 < pskov.distance_km < 40  # "some 30 kilometres from the Estonian border"
    assert "Estonia" in pskov.line


def test_crimea_depends_on_the_chosen_view() -> None:
    b = borders()
    novoozerne = (33.10, 45.38)
    assert b.containing(*novoozerne) == "RUS"  # Natural Earth's default view
    assert b.containing(*novoozerne, view_1991=True) == "UKR-1991"
    default = distance_to(point(45.38, 33.10), reference_line("UKR"))
    recognised = distance_to(point(45.38, 33.10), reference_line("UKR-1991"))
    assert default.distance_km < 120 < recognised.distance_km  # to the Perekop line vs. the Moldovan border
    assert "Crimea" in default.line and "internationally recognised" in recognised.line


def test_containment_on_both_sides_of_a_border() -> None:
    b = borders()
    assert b.containing(29.15, 51.81) == "BLR"  # Yelsk
    assert b.containing(29.15, 51.40) == "UKR"  # 45 km south, in Ukraine
    assert b.containing(30.0, 43.0) is None  # the Black Sea


def test_land_border_excludes_the_coast() -> None:
    ukr = reference_line("UKR").geometry
    assert distance_to(point(46.48, 30.73), ReferenceLine("x", ukr, "")).distance_km > 40  # Odesa is on the coast


def test_user_line_file(tmp_path: Path) -> None:
    path = tmp_path / "contact.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {"type": "LineString", "coordinates": [[36.0, 48.0], [38.0, 48.0]]},
                    }
                ],
            }
        )
    )
    line = read_line_file(path)
    assert line.name == "contact.geojson"
    assert distance_to(point(48.5, 37.0), line).distance_km == pytest.approx(
        GEOD.inv(37, 48, 37, 48.5)[2] / 1000, rel=1e-3
    )
    with pytest.raises(InputError, match="no country 'Atlantis'"):
        reference_line("Atlantis")


def _write_features(path: Path, geometries: list[dict[str, object] | None]) -> Path:
    features = [{"type": "Feature", "properties": {}, "geometry": g} for g in geometries]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


CONTACT = {"type": "LineString", "coordinates": [[36.0, 48.0], [38.0, 48.0]]}


def test_the_nearest_point_is_on_the_line_below_or_above_the_point() -> None:
    """North and south of a parallel, east and west on the globe: the nearest point is the foot of
    the meridian (lon of the point, lat of the line), never the point itself or lat/lon swapped."""
    for lat, lon, line_lat in [(51.0, 30.0, 50.0), (49.0, 30.0, 50.0), (-33.5, 21.0, -34.0), (10.2, 38.7, 10.0)]:
        d = distance_to(point(lat, lon), _parallel(line_lat))
        assert d.distance_m == pytest.approx(GEOD.inv(lon, lat, lon, line_lat)[2], rel=2e-3)
        assert d.nearest_lat == pytest.approx(line_lat, abs=1e-6)
        assert d.nearest_lon == pytest.approx(lon, abs=1e-3)
    # along a meridian line (x and y swapped relative to the parallels above)
    meridian = ReferenceLine("meridian", MultiLineString([LineString([(30.0, 40.0), (30.0, 60.0)])]), "test")
    d = distance_to(point(50.0, 31.0), meridian)
    assert d.distance_m == pytest.approx(GEOD.inv(31, 50, 30, 50)[2], rel=2e-3)
    # (the geodesic meets the meridian a little poleward: 50.004° N)
    assert d.nearest_lon == pytest.approx(30.0, abs=1e-6) and d.nearest_lat == pytest.approx(50.0, abs=0.01)


def test_a_long_straight_segment_is_followed_not_cut_short() -> None:
    """A line straight in lon/lat 20° long: between its ends it bulges away from the great circle
    (about 3 km here at 60° N), and the distance is to the line, not to that chord."""
    d = distance_to(point(60.05, 30.0), _parallel(60.0))
    assert d.distance_m == pytest.approx(GEOD.inv(30, 60.05, 30, 60)[2], rel=1e-3)


def test_a_crossing_is_at_zero_with_its_point_on_the_line() -> None:
    from forcewatch.sites import geodesic_circle

    d = distance_to(geodesic_circle(50.0, 30.0, 5000), _parallel(50.0))
    assert d.distance_m == 0.0 and d.distance_km == 0.0
    assert d.nearest_lat == pytest.approx(50.0, abs=1e-9) and 29.9 < d.nearest_lon < 30.1


def test_distance_json_rounds_each_value() -> None:
    d = Distance("front", 12_345.678, 30.1234567, 50.9876543)
    assert d.distance_km == pytest.approx(12.345678) and d.distance_miles == pytest.approx(12_345.678 / 1609.344)
    assert d.to_json() == {
        "line": "front",
        "distance_km": 12.35,
        "distance_miles": 7.67,
        "nearest_point": {"lon": 30.12346, "lat": 50.98765},
    }


def test_reference_line_from_a_file(tmp_path: Path) -> None:
    """A path is a file (by its suffix, or because it exists), a name a country; points and features
    without a geometry are skipped, polygons give their outline."""
    path = _write_features(tmp_path / "contact.geojson", [None, {"type": "Point", "coordinates": [37, 48.4]}, CONTACT])
    line = reference_line(str(path))
    assert (line.name, line.source) == ("contact.geojson", str(path))
    assert line.geometry.equals(MultiLineString([LineString([(36.0, 48.0), (38.0, 48.0)])]))
    assert distance_to(point(48.5, 37.0), line).distance_m == pytest.approx(GEOD.inv(37, 48, 37, 48.5)[2], rel=1e-3)
    # any existing file, whatever its suffix
    odd = tmp_path / "contact.line"
    odd.write_bytes(path.read_bytes())
    assert reference_line(str(odd)).geometry.equals(line.geometry)
    # a missing file with a vector suffix is a missing file, not a country
    with pytest.raises(InputError, match="no such line file"):
        reference_line(str(tmp_path / "gone.geojson"))
    only_points = _write_features(tmp_path / "p.geojson", [{"type": "Point", "coordinates": [37, 48.4]}])
    with pytest.raises(InputError, match="no lines or polygons"):
        reference_line(str(only_points))


def test_an_area_file_is_measured_to_its_outline(tmp_path: Path) -> None:
    square = {"type": "Polygon", "coordinates": [[[30, 50], [31, 50], [31, 51], [30, 51], [30, 50]]]}
    area = reference_line(str(_write_features(tmp_path / "area.json", [square])))
    assert area.geometry.equals(MultiLineString([LineString(square["coordinates"][0])]))  # type: ignore[index]
    inside = distance_to(point(50.5, 30.5), area)  # nearer the east edge than the north one at 50.5° N
    assert inside.distance_m == pytest.approx(GEOD.inv(30.5, 50.5, 31, 50.5)[2], rel=2e-3)
    assert inside.nearest_lon == pytest.approx(31.0, abs=1e-6)
