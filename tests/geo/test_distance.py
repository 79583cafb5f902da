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
from forcewatch.geo.distance import distance_to, point, read_line_file, reference_line

GEOD = Geod(ellps="WGS84")


def _parallel(lat: float) -> ReferenceLine:
    return ReferenceLine(f"parallel {lat}", MultiLineString([LineString([(20.0, lat), (40.0, lat)])]), "test")


@settings(max_examples=60)
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
