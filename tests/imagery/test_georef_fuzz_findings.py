"""Inputs bench/fuzz.py found that crashed the registration of a plain image (issue 13).

Each raised something other than a ForceWatchError (OverflowError, ValueError, LinAlgError,
UnicodeDecodeError, GEOSException, ProjError); each now raises an InputError or ImageryError that
says where, what and how to fix it. The inputs are the fuzzer's, cut short where marked.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from pyproj import CRS

from forcewatch.errors import ImageryError, InputError
from forcewatch.imagery.georef import Georef, footprint_lonlat, from_gcps, from_world_file, read_gcps
from forcewatch.imagery.scene import parse_time

NAN, INF = math.nan, math.inf


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("0001-01-01T00:00:00+00:00:17.000001", "before the first satellite images"),  # OverflowError
        ("0001-01-01T00:00:00+14:00", "before the first satellite images"),
        ("9999-12-31T23:59:59-14:00", "in the future"),
    ],
)
def test_a_time_that_has_no_utc_equivalent_is_out_of_range(text: str, when: str) -> None:
    with pytest.raises(InputError, match=rf"scene.tif: acquisition time .* is {when}\. Fix: give the time"):
        parse_time(text, "scene.tif")


def test_a_time_with_an_offset_is_still_converted_to_utc() -> None:
    assert parse_time("2022-02-10T12:05:00+03:00", "x") == "2022-02-10T09:05:00Z"


# ---- GCPs given as numbers (from_gcps)

#: ValueError "cannot convert float NaN to integer" in utm_crs.
GCPS_NAN = [
    (-2.1351091825852367e139, 6.523457076143694e16, -1.6932376710367372e-41, -17.92768440535623),
    (2.9226894000467498e-151, -180.0, NAN, INF),
    (NAN, 6123.504844797964, -148.4335899277986, NAN),
    (-6.471799199255353e-224, -4042.166163425919, -1.6488852295650182e16, NAN),
    (1e-09, 1354.4552800129568, -4.660203461187935e293, -5.865841278607732),
    (-INF, 2.459566380398872e-143, -1.6580633155177145e-113, 0.99999),
    (-3.1134393491362632e206, NAN, 0.41905017200605243, 90.0),
    (-1.1646737967936834e-57, 3.189049208193092e16, 82.9463641790204, NAN),
]
#: LinAlgError "SVD did not converge" in matrix_rank.
GCPS_SVD = [
    (0.3333333333333333, 180.0, 6.195703262779321e-251, -90.0),
    (1e-05, 1.6038352241811166e-224, -161.03544518720804, 80.88937625950442),
    (0.1, -5.619881761776789e16, 0.00228461717788933, 5.390455572091401e16),
    (NAN, 1e308, 90.0, -1e308),
    (-0.0, NAN, 30.372587536021882, 3.4507590687682977e180),
]
#: GEOSException "Points of LinearRing do not form a closed linestring" in footprint_lonlat.
GCPS_FOOTPRINT = [
    (-4994.383575429725, -0.0, 171.0270445195361, -2.6587777162074425e-31),
    (7567.343153934911, 0.04, 1.2389954579421955e-167, -11.908724083029028),
    (0.01, 180.0, 77.72850070399409, -44.16743054056365),
    (0.01, -6.507118728471067e-71, 5.160872457133894e257, -0.0),
    (0.07, 7950.291735089351, 10000000.0, -90.0),
]


@pytest.mark.parametrize(
    ("gcps", "tolerance_m", "message"),
    [
        (GCPS_NAN, 26.65344458944215, r"GCPs, GCP #2: lon nan, lat inf out of range\. Fix: degrees"),
        (GCPS_SVD, 4.028325708284949e16, r"GCPs, GCP #3: lon 0\.0022\d+, lat 5\.39\d+e\+16 out of range"),
        (GCPS_FOOTPRINT, -2.4110128676744944e-130, r"--gcp-tolerance-m -2\.41\d+e-130: not a distance\. Fix:"),
        (GCPS_FOOTPRINT, 10.0, r"GCPs, GCP #4: lon 5\.16\d+e\+257, lat -0\.0 out of range"),
        ([(NAN, 0.0, 27.0, 52.0), (1.0, 0.0, 27.1, 52.0), (0.0, 1.0, 27.0, 52.1)], 10.0, r"GCP #1: pixel col nan"),
        ([(0.0, 0.0, 27.0, 52.0), (1.0, 0.0, 27.1, 52.0), (0.0, 1.0, 27.0, 52.1)], NAN, "not a distance"),
    ],
)
def test_gcps_that_are_no_numbers_or_places_are_refused(
    gcps: list[tuple[float, float, float, float]], tolerance_m: float, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        from_gcps(gcps, tolerance_m)


# ---- GCP files (read_gcps)

#: UnicodeDecodeError: a GCP file saved as UTF-16 (the fuzzer's input, cut after its first row).
GCP_CSV_UTF16 = b"\xff\xfe\n\x00'\x001\x00e\x00'\x00,\x00'\x00\x0f\x00\xa9\x00;\xdb\xbc\xddh\x00'\x00"


def test_a_gcp_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "gcps.csv"
    path.write_bytes(GCP_CSV_UTF16)
    with pytest.raises(InputError, match=r"gcps.csv, line 1: byte 0 \(b'\\xff'\) is not UTF-8 text\. Fix: save"):
        read_gcps(path)


def test_a_gcp_file_with_a_field_past_the_csv_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "gcps.csv"  # csv.Error "field larger than field limit"
    path.write_text("col,row,lon,lat\n0,0,27,52\n0,1," + "9" * 200_000 + ",52\n")
    with pytest.raises(InputError, match=r"gcps.csv, line 3: not CSV \(field larger than field limit"):
        read_gcps(path)


def test_a_gcp_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "gcps.csv"
    path.write_bytes("col,row,lon,lat\n0,0,27,52\n".encode("utf-8-sig"))
    assert read_gcps(path) == [(0.0, 0.0, 27.0, 52.0)]


def test_a_gcp_row_with_infinite_pixels_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "gcps.csv"
    path.write_text("col,row,lon,lat\ninf,0,27,52\n")
    with pytest.raises(InputError, match=r"gcps.csv, line 2: pixel col inf, row 0.0 is not a place in the image"):
        read_gcps(path)


# ---- world files (from_world_file)


#: UnicodeDecodeError: a world file saved as UTF-16 (the fuzzer's input, cut after three lines).
WORLD_FILE_UTF16 = b"\xff\xfe1\x008\x000\x00\n\x004\x007\x000\x00\n\x00\n\x00-\x002\x009\x000\x00\n\x00"


def test_a_world_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "press.jgw"
    path.write_bytes(WORLD_FILE_UTF16)
    with pytest.raises(InputError, match=r"press.jgw, line 1: byte 0 \(b'\\xff'\) is not UTF-8 text\. Fix: save"):
        from_world_file(path, "EPSG:32635", 200, 100)


def test_a_world_file_with_an_infinite_coefficient_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "press.jgw"  # GEOSException in footprint_lonlat; U+2028 separates lines too
    path.write_bytes(
        b"-20.134662105951918\xe2\x80\xa8178.8703311951961\xe2\x80\xa8178.8703311951961\xe2\x80\xa8"
        b"20.134662105951918\xe2\x80\xa8-0.0\xe2\x80\xa8-inf\n"
    )
    with pytest.raises(InputError, match=r"press.jgw, line 6: '-inf' is not a finite number\. Fix:"):
        from_world_file(path, "EPSG:32646", 435, 192)


def test_a_crs_proj_cannot_convert_to_lonlat_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "press.jgw"  # ProjError "Error creating Transformer from CRS" in footprint_lonlat
    path.write_text(
        "3.091391200355369\r\n-89.94689155521922\r\n-89.94689155521922\r\n-3.091391200355369\r\n"
        "2.865432763392424e+16\r\n7.039132887789249e+16"
    )
    with pytest.raises(InputError, match=r"--crs 'EPSG:2307': PROJ cannot convert .* to lon/lat.*Fix:"):
        from_world_file(path, "EPSG:2307", 1860, 100)


@pytest.mark.parametrize("crs", ["EPSG:4978", "EPSG:5773"])
def test_a_crs_that_is_not_horizontal_is_refused(tmp_path: Path, crs: str) -> None:
    path = tmp_path / "press.jgw"
    path.write_text("0.5\n0\n0\n-0.5\n500000\n5800000\n")
    with pytest.raises(InputError, match=rf"--crs '{crs}': .* is a .*, not a map projection or lon/lat\. Fix:"):
        from_world_file(path, crs, 200, 100)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("0\n0\n0\n0\n500000\n5800000\n", "the pixel size is zero"),
        ("0.000005\n0\n0\n-0.000005\n500000\n5800000\n", r"means 5e-06 m per pixel .* Fix: check lines 1-4"),
    ],
)
def test_a_world_file_without_a_usable_pixel_size_is_refused(tmp_path: Path, lines: str, message: str) -> None:
    path = tmp_path / "press.jgw"
    path.write_text(lines)
    with pytest.raises(InputError, match=message):
        from_world_file(path, "EPSG:32635", 200, 100)


def test_a_footprint_off_the_earth_is_an_imagery_error() -> None:
    georef = Georef(CRS.from_epsg(32635).to_wkt(), (0.5, 0.0, INF, 0.0, -0.5, 5800000.0), 0.5, "world-file")
    with pytest.raises(ImageryError, match="corners .* are not places on Earth. Fix: check the georeferencing"):
        footprint_lonlat(georef, 200, 100)
