from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS, Geod, Transformer

from forcewatch.errors import InputError
from forcewatch.imagery.georef import (
    footprint_lonlat,
    from_centre,
    from_gcps,
    from_world_file,
)

GEOD = Geod(ellps="WGS84")


@settings(max_examples=40)
@given(
    lat=st.floats(-70, 70),
    lon=st.floats(-179, 179),
    gsd=st.floats(0.3, 5),
    rot=st.floats(-180, 180),
)
def test_centre_registration_puts_the_centre_there_at_that_gsd(lat: float, lon: float, gsd: float, rot: float) -> None:
    g = from_centre(lat, lon, gsd, 1000, 600, rot)
    to_ll = Transformer.from_crs(CRS.from_wkt(g.crs_wkt), 4326, always_xy=True)
    cx, cy = to_ll.transform(*(g.affine @ (500, 300)))
    assert GEOD.inv(lon, lat, cx, cy)[2] < 0.01
    x1, y1 = to_ll.transform(*(g.affine @ (600, 300)))  # 100 pixels to the right
    dist = GEOD.inv(cx, cy, x1, y1)[2]
    assert dist == pytest.approx(100 * gsd, rel=0.01)  # UTM scale error stays under 1 %
    az = GEOD.inv(cx, cy, *to_ll.transform(*(g.affine @ (500, 200))))[0]  # 100 pixels up
    assert (az - rot + 180) % 360 - 180 == pytest.approx(0, abs=1.0)


def test_world_file(tmp_path: Path) -> None:
    wf = tmp_path / "press.jgw"
    wf.write_text("0.5\n0\n0\n-0.5\n500000.25\n5800000.0\n")
    g = from_world_file(wf, "EPSG:32635", 200, 100)
    assert g.gsd_m == pytest.approx(0.5)
    assert g.affine @ (0.5, 0.5) == pytest.approx((500000.25, 5800000.0))  # centre of the first pixel
    with pytest.raises(InputError, match="--crs"):
        from_world_file(wf, None, 200, 100)


def _gcps(
    aff: Affine, crs: int, pixels: list[tuple[float, float]], noise_m: float = 0.0
) -> list[tuple[float, float, float, float]]:
    to_ll = Transformer.from_crs(crs, 4326, always_xy=True)
    rng = np.random.default_rng(0)
    out = []
    for c, r in pixels:
        x, y = aff @ (c, r)
        x, y = x + rng.normal(0, noise_m), y + rng.normal(0, noise_m)
        lon, lat = to_ll.transform(x, y)
        out.append((c, r, lon, lat))
    return out


def test_gcp_fit_recovers_the_transform_with_small_residuals() -> None:
    aff = Affine(0.5, 0.1, 500000, 0.1, -0.5, 5800000)
    g = from_gcps(_gcps(aff, 32635, [(0, 0), (1000, 0), (0, 800), (1000, 800), (500, 400)]), tolerance_m=1.0)
    assert g.method == "gcps" and max(g.residuals_m) < 0.01
    assert g.gsd_m == pytest.approx(np.sqrt(0.25 + 0.01), rel=0.01)


def test_gcps_refused_when_residuals_exceed_the_tolerance() -> None:
    aff = Affine(0.5, 0, 500000, 0, -0.5, 5800000)
    gcps = _gcps(aff, 32635, [(0, 0), (1000, 0), (0, 800), (1000, 800)])
    gcps[3] = (1000, 800, gcps[3][2] + 0.001, gcps[3][3])  # one point ~70 m off
    with pytest.raises(InputError, match="residuals up to .* above the tolerance of 10.0 m.*--gcp-tolerance-m"):
        from_gcps(gcps, tolerance_m=10.0)


def test_gcps_too_few_or_collinear() -> None:
    aff = Affine(0.5, 0, 500000, 0, -0.5, 5800000)
    with pytest.raises(InputError, match="2 ground control points; an affine fit needs at least 3"):
        from_gcps(_gcps(aff, 32635, [(0, 0), (10, 10)]), 10)
    with pytest.raises(InputError, match="collinear"):
        from_gcps(_gcps(aff, 32635, [(0, 0), (10, 10), (20, 20), (30, 30)]), 10)


def test_footprint_is_in_lonlat_around_the_centre() -> None:
    g = from_centre(52.25, 26.8, 0.5, 2000, 1000)
    fp = footprint_lonlat(g, 2000, 1000)
    assert fp.contains(fp.centroid) and fp.bounds[0] == pytest.approx(26.8 - 500 / 68000, abs=0.002)


@pytest.mark.parametrize("gsd", [0.0, -1.0, 1e-6, 5000.0, float("nan"), float("inf")])
def test_a_gsd_no_sensor_has_is_refused(gsd: float) -> None:
    with pytest.raises(InputError, match="not a ground sample distance"):
        from_centre(52.0, 27.0, gsd, 100, 100)


@pytest.mark.parametrize("rotation", [float("nan"), float("inf"), float("-inf")])
def test_a_rotation_that_is_no_angle_is_refused(rotation: float) -> None:
    with pytest.raises(InputError, match="--rotation-deg .*not an angle"):
        from_centre(52.0, 27.0, 0.5, 100, 100, rotation_deg=rotation)


def test_a_centre_off_the_earth_is_refused() -> None:
    with pytest.raises(InputError, match="not a place on Earth"):
        from_centre(95.0, 27.0, 0.5, 100, 100)
