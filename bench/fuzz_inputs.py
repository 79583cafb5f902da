"""What bench/fuzz.py feeds the code under test: Hypothesis strategies for the inputs users type or
hand over (numbers, texts, world files, GCP files, GeoJSON and KML site files, news texts), and the
byte/character mutators that turn each drawn text or file into a few more inputs.

Values are plausible half the time (so that the code gets past its first checks) and anything the
type allows otherwise: NaN, infinities, huge and subnormal numbers, wrong JSON types, broken XML,
other encodings, stray bytes, truncation.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from typing import Any

from hypothesis import strategies as st

# ---- numbers and encodings shared by the inputs

ANY_FLOAT = st.floats()


EDGE_FLOAT = st.sampled_from(
    [0.0, -0.0, 1.0, -1.0, 90.0, -90.0, 180.0, -180.0, 1e-9, 1e308, -1e308, 5e-324, math.nan, math.inf, -math.inf]
)


def around(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Half plausible values in [lo, hi], half any float (NaN, infinities, huge, subnormal, edges)."""
    return st.one_of(st.floats(lo, hi), st.one_of(ANY_FLOAT, EDGE_FLOAT))


NUM_TEXT = st.one_of(
    st.floats().map(repr),
    st.integers(-(10**6), 10**6).map(str),
    st.sampled_from(
        [
            *("", " ", "nan", "-nan", "inf", "-Infinity", "1e999", "-1e999", "1e-999", "1_000", "0x1p3", "٣", "１２"),
            *("1,5", "+", "-", ".", "e5", "\x00", "1\x00", "1 2", "--1", "1e", "∞", "True"),
        ]
    ),
    st.text(max_size=10),
    st.integers(1, 400).map(lambda k: "9" * k),
)


SIZE_PX = st.one_of(st.integers(1, 20_000), st.integers(-(2**31), 2**31))


LAT = around(-90, 90)


LON = around(-180, 180)


@st.composite
def encoded(draw: st.DrawFn, text: str) -> bytes:
    """``text`` as a user's file might hold it: UTF-8 mostly, else a BOM, UTF-16, Latin-1, stray bytes, truncation."""
    how = draw(st.sampled_from(["utf-8"] * 5 + ["utf-8-sig", "utf-16", "latin-1", "stray", "cut"]))
    if how in ("stray", "cut"):
        data = text.encode()
        at = draw(st.integers(0, len(data)))
        if how == "cut":
            return data[:at]
        return data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
    return text.encode(how, errors="replace")


# ---- registration of a plain image

CENTRE_TEXT = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda a, sep, b: f"{a}{sep}{b}",
        NUM_TEXT,
        st.sampled_from([",", ", ", " ,", ";", ",,", " ", "،", "，", "\n,"]),
        NUM_TEXT,
    ),
    st.builds(lambda lat, lon: f"{lat!r},{lon!r}", LAT, LON),
)


CENTRE_ARGS = st.tuples(LAT, LON, around(0.01, 1000), SIZE_PX, SIZE_PX, around(-360, 360))


@st.composite
def time_text(draw: st.DrawFn) -> str:
    """ISO 8601-ish acquisition times with every part allowed out of range."""
    year = draw(
        st.one_of(st.integers(1955, 2030), st.sampled_from([0, 1, 1959, 1960, 9999, 10000]), st.integers(0, 99999))
    )
    parts = [draw(st.integers(0, 13)), draw(st.integers(0, 32)), draw(st.integers(0, 25)), draw(st.integers(0, 61))]
    date_sep = draw(st.sampled_from(["-", "-", ":", "/", ""]))
    text = f"{year:04d}{date_sep}{parts[0]:02d}{date_sep}{parts[1]:02d}"
    form = draw(st.sampled_from(["date", "minutes", "seconds", "fraction"]))
    if form != "date":
        text += draw(st.sampled_from(["T", "T", " ", "t", "_", ""])) + f"{parts[2]:02d}:{parts[3]:02d}"
        if form != "minutes":
            text += f":{draw(st.integers(0, 61)):02d}"
        if form == "fraction":
            text += draw(st.sampled_from([".5", ".123456", ".1234567", ",5", "."]))
        zones = [
            "",
            "Z",
            "z",
            "+00:00",
            "+14:00",
            "-14:00",
            "+23:59",
            "-23:59",
            "+24:00",
            "+0530",
            "+05",
            " UTC",
            "Z+01",
        ]
        text += draw(st.sampled_from(zones))
    pad = draw(st.sampled_from(["", "", " ", "\t", "\n"]))
    return pad + text + pad


TIME_TEXT = st.one_of(
    time_text(),
    st.datetimes(
        timezones=st.builds(
            dt.timezone, st.timedeltas(-dt.timedelta(hours=23, minutes=59), dt.timedelta(hours=23, minutes=59))
        )
    ).map(lambda t: t.isoformat(sep=" " if t.minute % 2 else "T")),
    st.datetimes().map(lambda t: t.strftime("%Y:%m:%d %H:%M:%S")),
    st.text(max_size=30),
)


CRS_COMMON = st.sampled_from(
    [
        *("EPSG:4326", "EPSG:3857", "EPSG:2263", "EPSG:4978", "EPSG:5773", "EPSG:7415", "EPSG:32635+5773"),
        *("ESRI:54009", "+proj=longlat +datum=WGS84", "+proj=ortho +lat_0=90", "OGC:CRS84", "EPSG:3031"),
        *("EPSG:27700", "", " "),
    ]
)


#: Mostly UTM zones and a list of odd CRSs; any EPSG code 1 time in 7, any text 1 time in 100 (pyproj
#: looks text up by name in its database: half a second a call).
CRS_TEXT = st.integers(0, 99).flatmap(
    lambda k: (
        st.integers(1, 60).map(lambda z: f"EPSG:{32600 + z}")
        if k < 55
        else CRS_COMMON
        if k < 85
        else st.integers(1000, 33000).map(lambda n: f"EPSG:{n}")
        if k < 99
        else st.text(max_size=15)
    )
)


@st.composite
def world_file(draw: st.DrawFn) -> tuple[bytes, str, int, int]:
    """(file bytes, --crs text, width, height): six plausible numbers for the CRS, or garbage lines."""
    crs = draw(CRS_TEXT)
    if draw(st.booleans()):
        gsd = draw(around(0.01, 1000))
        if crs == "EPSG:4326":
            gsd, x, y = gsd / 111_000, draw(LON), draw(LAT)
        else:
            x, y = draw(around(1e5, 9e5)), draw(around(-1e7, 1e7))
        turn = math.radians(draw(st.floats(-180, 180)))
        lines = [repr(v) for v in (gsd * math.cos(turn), -gsd * math.sin(turn), -gsd * math.sin(turn))]
        lines += [repr(-gsd * math.cos(turn)), repr(x), repr(y)]
        if draw(st.booleans()):
            lines[draw(st.integers(0, 5))] = draw(NUM_TEXT)
    else:
        lines = draw(st.lists(NUM_TEXT, max_size=8))
    sep = draw(st.sampled_from(["\n", "\n", "\r\n", "\r", "\n\n", " \n", "\x0b", "\x85", "\u2028"]))
    data = draw(encoded(sep.join(lines) + draw(st.sampled_from(["", "\n"]))))
    return data, crs, draw(SIZE_PX), draw(SIZE_PX)


def plausible_gcps(draw: st.DrawFn) -> list[tuple[float, float, float, float]]:
    """3–8 GCPs on one affine pixel → lon/lat mapping somewhere on Earth (a fit that should work)."""
    lon0, lat0 = draw(st.floats(-180, 180)), draw(st.floats(-89, 89))
    step = draw(st.floats(1e-7, 1e-2))
    turn = math.radians(draw(st.floats(-180, 180)))
    cells = draw(st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 5000)), min_size=3, max_size=8, unique=True))
    out = []
    for col, row in cells:
        dx, dy = col * step, -row * step
        lon = lon0 + dx * math.cos(turn) - dy * math.sin(turn)
        lat = lat0 + dx * math.sin(turn) + dy * math.cos(turn)
        out.append((float(col), float(row), lon, lat))
    return out


GCP_TUPLE = st.tuples(around(-1e4, 1e4), around(-1e4, 1e4), LON, LAT)


@st.composite
def gcp_list(draw: st.DrawFn) -> tuple[list[tuple[float, float, float, float]], float]:
    gcps = plausible_gcps(draw) if draw(st.booleans()) else draw(st.lists(GCP_TUPLE, max_size=8))
    return gcps, draw(around(0.1, 100))


GCP_HEADERS = st.one_of(
    st.just("col,row,lon,lat"),
    st.permutations(["col", "row", "lon", "lat"]).map(",".join),
    st.sampled_from(["COL,ROW,LON,LAT", "col;row;lon;lat", "col,row,lon", "x,y,lon,lat", "col,row,lon,lat,extra"])
    | st.sampled_from(
        ["col,row,lon,lat,lat", "", '"col","row","lon","lat"', " col, row, lon, lat", "col,,row,lon,lat"]
    ),
    st.text(max_size=20),
)


@st.composite
def gcp_csv(draw: st.DrawFn) -> tuple[bytes, float]:
    """(CSV bytes, --gcp-tolerance-m): a header, then plausible GCP rows or rows of any cells."""
    header = draw(GCP_HEADERS)
    if draw(st.booleans()):
        rows = [[repr(v) for v in g] for g in plausible_gcps(draw)]
        if draw(st.booleans()):
            row = draw(st.integers(0, len(rows) - 1))
            rows[row][draw(st.integers(0, 3))] = draw(NUM_TEXT)
    else:
        rows = draw(st.lists(st.lists(NUM_TEXT, max_size=6), max_size=6))
    quote = draw(st.sampled_from(["", "", '"', "'"]))
    end = draw(st.sampled_from(["\n", "\r\n", "\r", "\n\n"]))
    text = end.join([header, *(",".join(quote + c + quote for c in r) for r in rows)])
    if draw(st.integers(0, 19)) == 0:
        text += "," + "9" * draw(st.integers(100_000, 200_000))  # a field longer than csv's limit
    return draw(encoded(text)), draw(around(0.1, 100))


# ---- site files and make_site

SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), ANY_FLOAT, st.text(max_size=12), NUM_TEXT)


SMALL_JSON = st.one_of(SCALAR, st.lists(SCALAR, max_size=3), st.dictionaries(st.text(max_size=5), SCALAR, max_size=3))


POSITION = st.one_of(
    st.tuples(LON, LAT).map(list), st.tuples(LON, LAT, ANY_FLOAT).map(list), st.lists(SCALAR, max_size=4)
)


@st.composite
def ring(draw: st.DrawFn) -> object:
    """A closed box, a bow tie, any positions, or garbage."""
    kind = draw(st.sampled_from(["box", "box", "bowtie", "positions", "garbage"]))
    if kind in ("box", "bowtie"):
        x, y, size = draw(LON), draw(LAT), draw(around(1e-5, 5))
        corners = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
        if kind == "bowtie":
            corners[1], corners[2] = corners[2], corners[1]
        return corners
    if kind == "positions":
        return draw(st.lists(POSITION, max_size=6))
    return draw(SMALL_JSON)


@st.composite
def geometry(draw: st.DrawFn, depth: int = 0) -> object:
    types = ["Point", "Point", "Polygon", "Polygon", "MultiPolygon", "LineString", "MultiPoint"]
    kind = draw(st.sampled_from([*types, "GeometryCollection", "garbage", "none", "Circle"]))
    if kind == "none":
        return None
    if kind == "garbage":
        return draw(SMALL_JSON)
    if kind == "GeometryCollection":
        parts = [] if depth else draw(st.lists(geometry(depth=1), max_size=2))
        return {"type": kind, "geometries": parts}
    if kind == "Point":
        coords = draw(POSITION)
    elif kind in ("LineString", "MultiPoint"):
        coords = draw(st.lists(POSITION, max_size=4))
    elif kind == "Polygon":
        coords = draw(st.lists(ring(), max_size=2))
    elif kind == "MultiPolygon":
        coords = draw(st.lists(st.lists(ring(), max_size=2), max_size=2))
    else:
        coords = draw(SMALL_JSON)
    return {"type": kind, "coordinates": coords}


NAMES = ("name", "name", "Name", "NAME")


PROPERTY_VALUES = {
    "name": st.one_of(st.sampled_from(["Yelsk", "Luninets airfield", "", "  "]), st.text(max_size=12), SMALL_JSON),
    "kind": st.one_of(st.sampled_from(["airfield", "garrison", "training-ground", "camp", "other"]), SMALL_JSON),
    "notes": st.one_of(st.text(max_size=20), SMALL_JSON),
    "description": st.one_of(st.text(max_size=20), SMALL_JSON),
    "radius_m": st.one_of(around(1, 250_000), NUM_TEXT, SMALL_JSON),
}


@st.composite
def properties(draw: st.DrawFn) -> object:
    if draw(st.integers(0, 9)) == 0:
        return draw(SMALL_JSON)
    props: dict[str, object] = {}
    for key, values in PROPERTY_VALUES.items():
        if draw(st.integers(0, 3)) or key == "name":
            name = draw(st.sampled_from(NAMES)) if key == "name" else key
            if draw(st.integers(0, 9)):
                props[name] = draw(values)
    props.update(draw(st.dictionaries(st.text(max_size=6), SCALAR, max_size=2)))
    return props


@st.composite
def feature(draw: st.DrawFn) -> object:
    out = {"type": "Feature", "geometry": draw(geometry()), "properties": draw(properties())}
    if draw(st.integers(0, 9)) == 0:
        out.pop(draw(st.sampled_from(sorted(out))))
    if draw(st.integers(0, 9)) == 0:
        out["id"] = draw(SCALAR)
    return out


CRS_MEMBERS = [
    {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
    {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
    {"type": "name", "properties": {"name": "nonsense"}},
    "EPSG:4326",
]


@st.composite
def site_geojson(draw: st.DrawFn) -> tuple[str, bytes]:
    """(suffix, bytes) of a GeoJSON file: a collection, a lone feature or geometry, or any JSON."""
    top = draw(st.sampled_from(["collection"] * 6 + ["feature", "geometry", "json"]))
    if draw(st.integers(0, 49)) == 0:
        top = "many" if draw(st.integers(0, 3)) == 0 else "deep"  # rare: a thousand features take a second
    doc: object
    if top == "deep":  # nesting past any parser's depth limit, in the coordinates or the properties
        depth = draw(st.integers(30, 5000))
        nest = "[" * depth + "]" * depth if draw(st.booleans()) else '{"a": ' * depth + "1" + "}" * depth
        text = '{"type": "Feature", "properties": {"name": "x", "notes": %s}, "geometry": {"type": "Polygon", '
        text = text % (nest if nest.startswith("{") else "1") + f'"coordinates": {nest if nest[0] == "[" else "[]"}}}}}'
        return ".geojson", text.encode()
    if top == "many":  # a few thousand points: the import must stay well under the hang limit
        point = (
            '{"type": "Feature", "properties": {"name": "p%d"}, "geometry": {"type": "Point", "coordinates": [27, 52]}}'
        )
        features = ", ".join(point % i for i in range(draw(st.integers(100, 2000))))
        return ".geojson", f'{{"type": "FeatureCollection", "features": [{features}]}}'.encode()
    if top == "collection":
        doc = {"type": "FeatureCollection", "features": draw(st.lists(feature(), max_size=4))}
        if draw(st.integers(0, 5)) == 0:
            doc["crs"] = draw(st.sampled_from(CRS_MEMBERS))
    elif top == "feature":
        doc = draw(feature())
    elif top == "geometry":
        doc = draw(geometry())
    else:
        doc = draw(SMALL_JSON)
    text = json.dumps(doc, allow_nan=True, ensure_ascii=draw(st.booleans()))
    return draw(st.sampled_from([".geojson", ".json"])), draw(encoded(text))


def xml_text(draw: st.DrawFn, text: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped if draw(st.integers(0, 4)) else text


@st.composite
def kml_geometry(draw: st.DrawFn) -> str:
    def coords(n_min: int, n_max: int) -> str:
        points = draw(st.lists(st.tuples(LON, LAT), min_size=n_min, max_size=n_max))
        if draw(st.booleans()) and points:
            points.append(points[0])
        text = " ".join(f"{x!r},{y!r}" for x, y in points)
        return text if draw(st.integers(0, 4)) else draw(NUM_TEXT) + text

    kind = draw(st.sampled_from(["Point", "Point", "Polygon", "Polygon", "LineString", "Multi", "none", "garbage"]))
    if kind == "Point":
        return f"<Point><coordinates>{coords(1, 1)}</coordinates></Point>"
    if kind == "Polygon":
        ring_kml = f"<LinearRing><coordinates>{coords(0, 6)}</coordinates></LinearRing>"
        return f"<Polygon><outerBoundaryIs>{ring_kml}</outerBoundaryIs></Polygon>"
    if kind == "LineString":
        return f"<LineString><coordinates>{coords(0, 4)}</coordinates></LineString>"
    if kind == "Multi":
        return f"<MultiGeometry><Point><coordinates>{coords(1, 1)}</coordinates></Point></MultiGeometry>"
    return "" if kind == "none" else xml_text(draw, draw(st.text(max_size=20)))


KML_NAME = st.one_of(st.sampled_from(["Yelsk", "Luninets airfield", "", "  "]), st.text(max_size=12), NUM_TEXT)


@st.composite
def site_kml(draw: st.DrawFn) -> tuple[str, bytes]:
    """(suffix, bytes) of a KML file: placemarks with names, ExtendedData and geometries of any kind."""
    marks = []
    for _ in range(draw(st.integers(0, 3))):
        name = xml_text(draw, draw(KML_NAME))
        data = "".join(
            f'<Data name="{key}"><value>{xml_text(draw, str(draw(PROPERTY_VALUES[key])))}</value></Data>'
            for key in ("kind", "radius_m", "notes")
            if draw(st.booleans())
        )
        extended = f"<ExtendedData>{data}</ExtendedData>" if data else ""
        marks.append(f"<Placemark><name>{name}</name>{extended}{draw(kml_geometry())}</Placemark>")
    doc = '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
    doc += "".join(marks) + "</Document></kml>"
    return ".kml", draw(encoded(doc))


@st.composite
def site_args(draw: st.DrawFn) -> tuple[str, float, float, float | None, object, str, str]:
    aoi = draw(st.one_of(st.none(), st.none(), geometry()))
    name = draw(st.one_of(st.sampled_from(["Yelsk", "", " ", "\n"]), st.text(max_size=20)))
    radius = draw(st.one_of(st.none(), around(1, 250_000)))
    kind = draw(
        st.one_of(st.sampled_from(["airfield", "garrison", "training-ground", "camp", "other"]), st.text(max_size=10))
    )
    return name, draw(LAT), draw(LON), radius, aoi, kind, draw(st.text(max_size=20))


# ---- news texts for the claims parser

PLACES = ["Yelsk", "Rechitsa", "Luninets", "Klintsy", "Yelnya", "Novoozerne", "Kharkiv", "Belgorod", "Minsk", "Gomel"]


CLAIM_WORDS = [
    *PLACES,
    *("about", "some", "less than", "more than", "up to", "between", "and", "to", "-", "–", "nearly", "within"),
    *("km", "kilometres", "kilometers", "miles", "mile", "mi", "m", "metres", "(25 miles)", "(", ")"),
    *("from the", "away from the", "of the", "Ukrainian", "Belarusian", "Russian", "Russia's", "border", "frontier"),
    *("boundary", "with", "Ukraine", "tanks", "troops", "helicopters", "Su-25", "Iskander", "armoured vehicles"),
    *("battalion tactical groups", "near", "at", "in", "outside", "airfield", "air base", ".", "!", "?", '"', "“"),
    *("dozens of", "a few", "several", "hundreds of thousands of", "a dozen", "twenty-five", "one hundred and"),
    *("thousand", "million", "1,500", "1 000", "2.5", "40", "0", "ſ", "K", "İ", "ı", "\u202f", "\xa0", "’s", "'s"),
]


REPEATED = ["one ", "1,000 ", "a ", "twenty-", "Yelsk ", "about ", "40 km ", "(", "1 ", "A ", ". ", "-", "Su-"]


@st.composite
def claims_text(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["words"] * 6 + ["unicode", "repeat"]))
    if kind == "unicode":
        return draw(st.text(max_size=200))
    if kind == "repeat":  # long runs: superlinear regular expressions show up here
        return draw(st.text(max_size=10)) + draw(st.sampled_from(REPEATED)) * draw(st.integers(1, 3000))
    words = draw(st.lists(st.one_of(st.sampled_from(CLAIM_WORDS), NUM_TEXT, st.text(max_size=6)), max_size=40))
    seps = st.sampled_from([" "] * 8 + ["  ", "\n", "\u202f", "\xa0", "", "-"])
    text = "".join(w + draw(seps) for w in words)
    return draw(st.sampled_from([str, str, str, str.upper, str.lower, str.title]))(text)


# ---- mutants: each drawn text or file also runs as a few byte/character-level variants

INTERESTING = [
    *("\x00", "\ufeff", "\u202e", "\u2028", "é", "ſ", "İ", "NaN", "Infinity", "-1e999", "1e309", "-0", '"', "'"),
    *("{", "}", "[", "]", ",", ":", "<", ">", "&", "</", "<![CDATA[", "\r\n", "\n", "  ", "9" * 40, "null"),
]


def mutate_text(rng: random.Random, text: str) -> str:
    """One random edit: insert an interesting token or a random character, delete, duplicate, truncate, re-case."""
    at = rng.randint(0, len(text))
    end = min(len(text), at + rng.randint(1, 16))
    how = rng.randrange(6)
    if how == 0:
        return text[:at] + rng.choice(INTERESTING) + text[at:]
    if how == 1:
        return text[:at] + chr(rng.choice([rng.randint(0, 0x7F), rng.randint(0x80, 0xD7FF)])) + text[at:]
    if how == 2:
        return text[:at] + text[end:]
    if how == 3:
        return text[:end] + text[at:end] * rng.randint(1, 50) + text[end:]
    if how == 4:
        return text[:at]
    return text[:at] + text[at:end].swapcase() + text[end:]


def mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    """One random byte-level edit (flip, insert, or any of :func:`mutate_text`'s on the bytes)."""
    if data and rng.randrange(4) == 0:
        at = rng.randrange(len(data))
        return data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :]
    if rng.randrange(4) == 0:
        at = rng.randint(0, len(data))
        return data[:at] + rng.randbytes(rng.randint(1, 4)) + data[at:]
    return mutate_text(rng, data.decode("latin-1")).encode("latin-1", errors="replace")


def mutate_first(rng: random.Random, value: tuple[Any, ...]) -> tuple[Any, ...]:
    head = value[0]
    return (mutate_bytes(rng, head) if isinstance(head, bytes) else mutate_text(rng, head), *value[1:])


def mutate_second(rng: random.Random, value: tuple[str, bytes]) -> tuple[str, bytes]:
    return value[0], mutate_bytes(rng, value[1])
