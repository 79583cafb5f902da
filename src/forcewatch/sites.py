"""Watched sites: validation, areas of interest (geodesic circles or polygons), site files
(GeoJSON, KML, GeoPackage) in and out, and the bundled example watchlists."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import shapely
import shapely.errors
from shapely.geometry import Polygon, mapping
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from forcewatch.errors import InputError
from forcewatch.geo.convert import GEOD, area_m2
from forcewatch.model import Site

KINDS = ("airfield", "garrison", "training-ground", "camp", "depot", "other")
DEFAULT_RADIUS_M = 2000.0
#: The largest radius of a site drawn as a circle (a larger area is drawn and given as a polygon).
MAX_RADIUS_M = 200_000.0


class ExampleSite(NamedTuple):
    name: str
    lat: float
    lon: float
    radius_m: float
    kind: str
    notes: str


#: Sites named in public reporting of the 2021–22 build-up (approximate centres; check and
#: refine the areas of interest before relying on counts).
EXAMPLES: dict[str, list[ExampleSite]] = {
    "ukraine-2022": [
        ExampleSite(
            "Luninets airfield",
            52.2500,
            26.8000,
            2500,
            "airfield",
            "Belarus. Su-25 ground attack aircraft counted on commercial imagery in early 2022, "
            "ahead of the Allied Resolve exercise.",
        ),
        ExampleSite(
            "Yelsk",
            51.8141,
            29.1522,
            4000,
            "camp",
            "Belarus, about 20 km from the Ukrainian border. Tent camps and armour deployed near the town "
            "in February 2022.",
        ),
        ExampleSite(
            "Rechitsa",
            52.3617,
            30.3916,
            4000,
            "garrison",
            "Belarus. Troops, vehicles and a field hospital reported near the town and its rail sidings "
            "in February 2022.",
        ),
        ExampleSite(
            "Yelnya",
            54.5786,
            33.1837,
            5000,
            "garrison",
            "Russia, Smolensk region. Large armour and artillery deployments imaged in November 2021.",
        ),
        ExampleSite(
            "Pogonovo training ground",
            51.4800,
            39.1000,
            6000,
            "training-ground",
            "Russia, south of Voronezh. Armour, artillery and tent camps imaged from spring 2021 on "
            "(approximate centre).",
        ),
        ExampleSite(
            "Novoozerne",
            45.3833,
            33.1000,
            4000,
            "garrison",
            "Crimea. Troops and equipment reported near the Donuzlav lake base in early 2022.",
        ),
    ]
}


def check_lat_lon(lat: float, lon: float, where: str = "") -> None:
    if not -90 <= lat <= 90:
        raise InputError(
            f"{where}latitude {lat} is out of range. Fix: give a latitude between -90 and 90 (degrees north)."
        )
    if not -180 <= lon <= 180:
        raise InputError(
            f"{where}longitude {lon} is out of range. Fix: give a longitude between -180 and 180 (degrees east)."
        )


def geodesic_circle(lat: float, lon: float, radius_m: float, points: int = 64) -> Polygon:
    """A circle of ``radius_m`` metres on the ellipsoid, as a lon/lat polygon."""
    if not 0 < radius_m <= MAX_RADIUS_M:
        raise InputError(
            f"radius {radius_m} m: a site's radius must be more than 0 and at most {MAX_RADIUS_M / 1000:g} km. "
            "Fix: give --radius-m METRES (e.g. 2000); for a larger or odd-shaped area, draw it and pass --aoi FILE."
        )
    az = [i * 360 / points for i in range(points)]
    lons, lats, _ = GEOD.fwd([lon] * points, [lat] * points, az, [radius_m] * points)
    return Polygon(zip(lons, lats, strict=True))


def _check_circle(circle: Polygon, lat: float, lon: float, radius_m: float) -> Polygon:
    """A site's circle must be a plain lon/lat polygon: not over a pole, not across the ±180° meridian."""
    pole_m = GEOD.inv(lon, lat, lon, 90.0 if lat >= 0 else -90.0)[2]
    minx, _miny, maxx, _maxy = circle.bounds
    problem = None
    if pole_m <= radius_m:
        problem = "covers a pole"
    elif maxx - minx > 180 or not circle.is_valid:
        problem = "crosses the ±180° meridian"
    if problem:
        raise InputError(
            f"a circle of {radius_m:g} m around latitude {lat}, longitude {lon} {problem}, which an area in lon/lat "
            "degrees cannot show. Fix: move the centre or give a smaller --radius-m."
        )
    return circle


def check_aoi(geom: BaseGeometry, where: str) -> BaseGeometry:
    """An area of interest must be a valid, non-empty polygon in lon/lat degrees."""
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise InputError(
            f"{where}: geometry is a {geom.geom_type}, not a polygon. "
            "Fix: give an area (polygon), or a point with --radius-m."
        )
    if geom.is_empty:
        raise InputError(f"{where}: the polygon is empty. Fix: give the area's outline.")
    if not geom.is_valid:
        raise InputError(
            f"{where}: invalid polygon ({explain_validity(geom)}). Fix: repair it (e.g. QGIS 'Fix geometries')."
        )
    minx, miny, maxx, maxy = geom.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise InputError(
            f"{where}: coordinates {geom.bounds} are not lon/lat degrees. Fix: reproject the file to EPSG:4326."
        )
    return geom


def make_site(
    name: str,
    lat: float,
    lon: float,
    *,
    radius_m: float | None = None,
    aoi: BaseGeometry | None = None,
    kind: str = "other",
    notes: str = "",
) -> Site:
    """A site around (lat, lon): a geodesic circle of ``radius_m``, or the given ``aoi``."""
    if not name.strip():
        raise InputError("a site needs a name. Fix: give NAME.")
    if kind not in KINDS:
        raise InputError(f"kind {kind!r} is unknown. Fix: use one of {', '.join(KINDS)}.")
    check_lat_lon(lat, lon)
    if aoi is None:
        radius_m = DEFAULT_RADIUS_M if radius_m is None else radius_m
        aoi = _check_circle(geodesic_circle(lat, lon, radius_m), lat, lon, radius_m)
    else:
        aoi = check_aoi(aoi, f"area of interest of {name!r}")
    return Site(name.strip(), aoi, kind, notes, lat, lon, radius_m)


def area_km2(geom: BaseGeometry) -> float:
    return area_m2(geom) / 1e6


def example_sites(name: str) -> list[Site]:
    if name not in EXAMPLES:
        raise InputError(f"no example {name!r}. Fix: use one of {', '.join(EXAMPLES)}.")
    return [make_site(e.name, e.lat, e.lon, radius_m=e.radius_m, kind=e.kind, notes=e.notes) for e in EXAMPLES[name]]


# ---- site files (read and written with pyogrio: GeoJSON, KML, GeoPackage)

DRIVERS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".kml": "KML", ".gpkg": "GPKG"}


def _driver(path: Path) -> str:
    drv = DRIVERS.get(path.suffix.lower())
    if drv is None:
        raise InputError(f"{path}: unknown site file type. Fix: use .geojson, .kml or .gpkg.")
    return drv


def read_lonlat_vectors(path: Path, what: str = "file") -> tuple[list[str], list[bytes | None], list[Any]]:
    """(field names, WKB geometries, field values) of a vector file in lon/lat (EPSG:4326), read
    with pyogrio; a missing, unreadable or projected file is an error that says how to fix it."""
    import pyogrio

    if not path.is_file():
        raise InputError(f"{path}: no such {what}. Fix: check the path.")
    try:
        meta, _idx, geoms, field_data = pyogrio.raw.read(path)
    except Exception as exc:  # pyogrio raises DataSourceError and others
        raise InputError(f"{path}: cannot be read as a vector file ({exc}). Fix: check the file.") from None
    crs = meta.get("crs")
    if crs and crs.upper() not in ("EPSG:4326", "OGC:CRS84"):
        raise InputError(f"{path}: coordinates are in {crs}. Fix: reproject the file to EPSG:4326 (lon/lat).")
    return [str(f) for f in meta["fields"]], list(geoms), list(field_data)


def _missing(value: object) -> bool:
    """A field pyogrio gives for a feature without it: None, NaN (numbers) or NaT (dates)."""
    if value is None:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    return isinstance(value, np.datetime64) and bool(np.isnat(value))


def _text(value: object) -> str:
    """A text field's value; a list (GeoJSON array) is joined with commas."""
    if _missing(value):
        return ""
    if isinstance(value, np.ndarray | list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value).strip()


def _radius_m(value: object, where: str) -> float | None:
    """A feature's radius_m in metres; None when absent, empty or 0 (the default circle)."""
    if _missing(value) or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if isinstance(value, bool | np.bool_ | np.ndarray | np.datetime64):
            raise TypeError(type(value).__name__)
        radius = float(value)  # type: ignore[arg-type]  # numbers and numeric text
    except (TypeError, ValueError, OverflowError):
        raise InputError(
            f"{where}: radius_m {_text(value)!r} is not a number of metres. Fix: give the circle's radius in metres, "
            "e.g. 2000, or leave radius_m out for the default of 2 km."
        ) from None
    return radius or None


def _geometry(wkb: bytes | None, where: str) -> BaseGeometry | None:
    """The 2D geometry of a feature (None without one); a geometry GEOS cannot build is an input error."""
    if wkb is None:
        return None
    try:
        return shapely.force_2d(shapely.from_wkb(wkb))
    except shapely.errors.GEOSException as exc:
        raise InputError(
            f"{where}: the geometry is broken ({str(exc).strip()}). Fix: repair it (e.g. QGIS 'Fix geometries')."
        ) from None


def read_site_file(path: Path) -> list[Site]:
    """Sites from a vector file: a 'name' field (or Name), optional kind, notes, radius_m.

    Points become geodesic circles (radius_m, default 2 km); polygons are the areas of interest.
    """
    _driver(path)
    names, geoms, field_data = read_lonlat_vectors(path)
    fields = {f.lower(): i for i, f in enumerate(names)}
    if "name" not in fields:
        raise InputError(f"{path}: no 'name' field. Fix: give each feature a name.")

    def value(key: str, row: int) -> object:
        return field_data[fields[key]][row] if key in fields else None

    out = []
    for row, wkb in enumerate(geoms):
        where = f"{path}, feature {row + 1}"
        name = _text(value("name", row))
        if not name:
            raise InputError(f"{where}: empty name. Fix: give each feature a name.")
        where = f"{where} ({name!r})"
        geom = _geometry(wkb, where)
        if geom is None or (geom.geom_type == "Point" and geom.is_empty):
            raise InputError(f"{where}: no geometry. Fix: give a point or a polygon.")
        kind = _text(value("kind", row)) or "other"
        notes = _text(value("notes", row)) or _text(value("description", row))
        try:
            if geom.geom_type == "Point":
                radius_m = _radius_m(value("radius_m", row), where)
                site = make_site(name, geom.y, geom.x, radius_m=radius_m, kind=kind, notes=notes)
            else:
                aoi = check_aoi(geom, where)
                c = aoi.representative_point()
                site = make_site(name, c.y, c.x, aoi=aoi, kind=kind, notes=notes)
        except InputError as exc:
            message = str(exc)
            raise InputError(message if message.startswith(where) else f"{where}: {message}") from None
        out.append(site)
    return out


def write_site_file(sites: list[Site], path: Path) -> Path:
    """Write sites (their areas of interest and attributes) as GeoJSON, KML or GeoPackage."""
    import pyogrio

    driver = _driver(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    geoms = np.array([shapely.to_wkb(s.aoi) for s in sites], dtype=object)
    fields = ["name", "kind", "notes", "lat", "lon", "radius_m"]
    data = [
        np.array([s.name for s in sites], dtype=object),
        np.array([s.kind for s in sites], dtype=object),
        np.array([s.notes for s in sites], dtype=object),
        np.array([s.lat if s.lat is not None else math.nan for s in sites], dtype=np.float64),
        np.array([s.lon if s.lon is not None else math.nan for s in sites], dtype=np.float64),
        np.array([s.radius_m if s.radius_m is not None else math.nan for s in sites], dtype=np.float64),
    ]
    pyogrio.raw.write(
        path,
        geoms,
        data,
        fields,
        driver=driver,
        geometry_type="Polygon",
        crs="EPSG:4326",
        layer="sites",
    )
    return path


def to_feature(site: Site) -> dict[str, object]:
    return {
        "type": "Feature",
        "geometry": mapping(site.aoi),
        "properties": {k: v for k, v in site.__dict__.items() if k != "aoi"},
    }


def read_polygons(path: Path) -> list[BaseGeometry]:
    """The polygons of a vector file in lon/lat (masks: areas not to be considered observed)."""
    _names, geoms, _fields = read_lonlat_vectors(path)
    found = [(f"{path}, feature {i + 1}", _geometry(g, f"{path}, feature {i + 1}")) for i, g in enumerate(geoms)]
    out = [check_aoi(geom, where) for where, geom in found if geom is not None]
    if not out:
        raise InputError(f"{path}: no polygons. Fix: draw the areas to mask as polygons.")
    return out
