"""Inputs bench/fuzz.py found that crashed the site-file import or make_site (issue 13).

Each raised something other than a ForceWatchError (ValueError, GEOSException) or returned a site
whose area of interest is not a valid polygon; each now raises an InputError that names the file,
the feature, the field or value and the fix. The files are the fuzzer's, byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from forcewatch.errors import InputError
from forcewatch.sites import make_site, read_site_file

KML_HEAD = b'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'


#: (file name, the fuzzer's bytes, what the error says): each crashed or gave an invalid site before.
FINDINGS = [
    pytest.param(
        "sites.json",
        b'{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": []}, "properties": {"name": "\\u001b",'
        b' "kind": {}, "description": [570250640592, 2153, -3814451586400606.0], "radius_m": "1\\u0000",'
        b' "\\u0014\xc3\xa0\xc3\x84 \\fv": false, "\xf1\x89\xa1\xae\\r\xc3\xab\xc2\x87": "\xf2\xbe\xb1\xa8"}}',
        r"sites.json, feature 1 \('\\x1b'\): the polygon is empty",
        id="description-a-list: ValueError truth value of an array is ambiguous",
    ),
    pytest.param(
        "sites.json",
        b'{"type": "Feature", "geometry": "\\ud87b\\udfb9\\u00bbt\\u009b\\u0086\\udbfa\\udcefC\x9aGY\\udb0e\\ude0c'
        b'\\ud9cf\\udca6N\\u00ad\\udbe7\\udf08", "properties": {"name": ["362", "205", "\\udaf4\\udf2b"], "notes":'
        b' "1\\u009bH", "radius_m": 84732.73975775728, "*\\udaf5\\udca5\\u00e9\\u00dd@_": "590"}}',
        r"sites.json, feature 1 \('362, 205, .*'\): no geometry\. Fix:",
        id="name-a-list: ValueError truth value of an array is ambiguous",
        marks=pytest.mark.filterwarnings("ignore:Unsupported geometry type detected:RuntimeWarning"),
    ),
    pytest.param(
        "sites.geojson",
        b'{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates":'
        b' [-44.559428609632306, 8.127163164375308e-13]}, "properties": {"NAME": "275", "kind": {}, "notes": "'
        + b"9"
        * 256
        + b'", "description": "\\u00a6", "radius_m": "x\\udbb2\\udff1\\u00da$\\ud98f\\udc02^"}}, {"type": "Feature",'
        b' "properties": "\\u221e", "id": null}], "crs": {"type": "name", "properties": {"name":'
        b' "urn:ogc:def:crs:OGC:1.3:CRS84"}}}',
        r"sites.geojson, feature 1 \('275'\): radius_m '.*' is not a number of metres",
        id="radius-text: ValueError could not convert string to float",
    ),
    pytest.param(
        "sites.kml",
        KML_HEAD
        + b'<Placemark><name>D</name><ExtendedData><Data name="radius_m"><value>None</value></Data><Data name="notes">'
        b"<value>-10000.0</value></Data></ExtendedData><Point><coordinates>-2.233140592630067e-1915.3877591637091515e+262"
        b",5.4419843836672926e+98 5.3877591637091515e+262,5.4419843836672926e+98</coordinates></Point></Placemark>"
        b'<Placemark><name>-3.210077954770129e-42</name><ExtendedData><Data name="kind"><value>\\</value></Data>'
        b'<Data name="radius_m"><value>180.0</value></Data><Data name="notes"><value>1.3614478383141898e+16</value>'
        b"</Data></ExtendedData><Point><coordinates>-84.91720560529065,1.8351115021734545e-127 -84.91720560529065,"
        b"1.8351115021734545e-127</coordinates></Point></Placemark><Placemark><name>-5.232347457435239e-303</name>"
        b"<ExtendedData><Data name=\"kind\"><value>['-1e999', '\xf0\xa6\xb7\xa4', -180050.87230420776]</value></Data>"
        b"<Data name=\"notes\"><value>['-9.84257481418618e-12', '+']</value></Data></ExtendedData><MultiGeometry>"
        b"<Point><coordinates>3.83344869153997e-149,11.597372932402536</coordinates></Point></MultiGeometry></Placemark>"
        b"</Document></kml>",
        r"sites.kml, feature 1 \('D'\): radius_m 'None' is not a number of metres",
        id="radius-None: ValueError could not convert string to float",
    ),
    pytest.param(
        "sites.geojson",
        b'{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[-6.262233675957532,'
        b" -1.9562471474900925e-101], [1.3384423542304695e+263, -1.9562471474900925e-101], [1.3384423542304695e+263,"
        b" 1.3384423542304695e+263], [-6.262233675957532, 1.3384423542304695e+263], [-6.262233675957532,"
        b' -1.9562471474900925e-101]], [[-18.46771261949158, -1e+308]]]}, "properties": {"name": "Yelsk", "notes": "",'
        b' "description": {"\\u009f": -1850, "": "156146", "9#\\u00ae": ""}, "radius_m": "33.1837", "": false,'
        b' "R\\u001e\\ud839\\udf39": "-999999"}}',
        r"sites.geojson, feature 1 \('Yelsk'\): the geometry is broken \(.*\)\. Fix:",
        id="one-point-hole: GEOSException point array must contain 0 or >1 elements",
    ),
    pytest.param(
        "sites.kml",
        KML_HEAD
        + b"<Placemark><name>e5</name><Point><coordinates>-0.0,-19.976697710169546</coordinates></Point></Placemark>"
        b'<Placemark><name>Yelsk</name><ExtendedData><Data name="kind"><value>-79795</value></Data><Data'
        b' name="radius_m"><value>1.5</value></Data></ExtendedData><Polygon><outerBoundaryIs><LinearRing><coordinates>'
        b"5.31114665245394e+16,-10.01794561016095 5.31114665245394e+16,-10.01794561016095</coordinates></LinearRing>"
        b"</outerBoundaryIs></Polygon></Placemark><Placemark><name>\xc3\x94\xf1\xbc\x86\xa2\xc2\xa3\xf1\xbf\xb0\xae"
        b'\xf1\xbf\x98\xbf]\xc2\xac</name><ExtendedData><Data name="kind"><value>None</value></Data><Data name="notes">'
        b"<value>nan</value></Data></ExtendedData><Point><coordinates>-5.714938507469288e-115,-3.962776709254312e+39"
        b"</coordinates></Point></Placemark></Document></kml>",
        r"sites.kml, feature 2 \('Yelsk'\): the geometry is broken",
        id="two-point-ring: GEOSException Invalid number of points in LinearRing",
    ),
    pytest.param(
        "sites.geojson",
        b'\xef\xbb\xbf{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point",'
        b' "coordinates": [-180.0, 90.0]}, "properties": {"name": "1e-999", "description": "'
        + b"9" * 136
        + b'", "e\\u00c9\\u001e6": "'
        + b"9" * 159
        + b'"}}]}',
        r"sites.geojson, feature 1 \('1e-999'\): a circle of 2000 m .* covers a pole",
        id="north-pole: an invalid circle",
    ),
    pytest.param(
        "sites.kml",
        KML_HEAD + b'<Placemark><name>-2.2250738585e-313</name><ExtendedData><Data name="notes"><value>None</value>'
        b"</Data></ExtendedData><Point><coordinates>-143.29556847717475,-90.0</coordinates></Point></Placemark>"
        b"</Document></kml>",
        r"sites.kml, feature 1 \('-2.2250738585e-313'\): a circle of 2000 m .* covers a pole",
        id="south-pole: an invalid circle",
    ),
    pytest.param(
        "sites.geojson",
        b'{"type": "Feature", "geometry": {"type": "Point", "coordinates": [27.0, 52.0]},'
        b' "properties": {"name": "x", "radius_m": -5}}',
        r"sites.geojson, feature 1 \('x'\): radius -5.0 m: a site's radius must be",
        id="make_site's errors name the file and feature",
    ),
]


@pytest.mark.parametrize(("name", "data", "message"), FINDINGS)
def test_a_site_file_the_fuzzer_broke_is_refused(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError, match=message):
        read_site_file(path)


def test_make_site_at_a_pole_is_refused() -> None:
    # returned a site whose circle is an invalid polygon
    with pytest.raises(
        InputError, match=r"circle of 2000 m around latitude -90.0, longitude 1.0 covers a pole, .* Fix:"
    ):
        make_site("Yelsk", -90.0, 1.0, radius_m=None, aoi=None, kind="garrison", notes="Ó\x87·꿋6ýÍ\x86Yñ")


def test_make_site_across_the_antimeridian_is_refused() -> None:
    with pytest.raises(InputError, match=r"circle of 5000 m .* crosses the ±180° meridian, .* Fix:"):
        make_site("Anadyr", 64.7, 179.99, radius_m=5000)


def test_a_null_radius_is_the_default_circle_and_other_features_keep_theirs(tmp_path: Path) -> None:
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [27.0, 52.0]}, "properties": props}
        for props in ({"name": "a", "radius_m": 3000}, {"name": "b", "radius_m": None}, {"name": "c", "radius_m": 0})
    ]
    path = tmp_path / "sites.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    assert [s.radius_m for s in read_site_file(path)] == [3000.0, 2000.0, 2000.0]
