"""Georeferencing: what is embedded in a GeoTIFF, or what the user registers for a plain
JPEG/PNG (centre + GSD + rotation, a world file, or ground control points), and footprints."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from affine import Affine
from pyproj import CRS, Transformer
from pyproj.exceptions import ProjError
from shapely.geometry import Polygon

from forcewatch.errors import ImageryError, InputError
from forcewatch.geo.convert import GEOD, transformer, utm_crs


@dataclass(frozen=True)
class Georef:
    """A raster's placement: CRS (WKT), affine transform, GSD in metres, and how it was made."""

    crs_wkt: str
    transform: tuple[float, float, float, float, float, float]
    gsd_m: float
    method: str  # embedded | world-file | centre | gcps
    residuals_m: tuple[float, ...] = ()

    @property
    def affine(self) -> Affine:
        return Affine(*self.transform)


def transform_tuple(a: Affine) -> tuple[float, float, float, float, float, float]:
    """The six coefficients of an affine transform (as stored with a scene)."""
    return (a.a, a.b, a.c, a.d, a.e, a.f)


#: The ground sample distances ForceWatch accepts, metres: from drone imagery to the coarsest satellite.
GSD_RANGE_M = (0.01, 1000.0)


def check_gsd_m(gsd_m: float, where: str = "--gsd-m") -> float:
    """A ground sample distance a sensor can have, in metres per pixel, or a clear error."""
    lo, hi = GSD_RANGE_M
    if not (math.isfinite(gsd_m) and lo <= gsd_m <= hi):
        raise InputError(
            f"{where} {gsd_m}: not a ground sample distance. Fix: give metres per pixel between {lo:g} and {hi:g} "
            "(e.g. 0.5 for Pléiades, 3 for PlanetScope)."
        )
    return gsd_m


def from_centre(lat: float, lon: float, gsd_m: float, width: int, height: int, rotation_deg: float = 0.0) -> Georef:
    """The image's centre is at (lat, lon), its pixels are ``gsd_m`` square, and its up
    direction points ``rotation_deg`` clockwise from north."""
    check_gsd_m(gsd_m)
    if not math.isfinite(rotation_deg):
        raise InputError(
            f"--rotation-deg {rotation_deg}: not an angle. Fix: give degrees clockwise from north, e.g. 0 or 12.5."
        )
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(
            f"--center {lat},{lon}: not a place on Earth. Fix: give LAT,LON in degrees (-90..90, -180..180)."
        )
    crs = utm_crs(lat, lon)
    to_utm = transformer(4326, crs)
    cx, cy = to_utm.transform(lon, lat)
    # true north is not grid north away from the zone's central meridian: measure it
    nlon, nlat, _ = GEOD.fwd(lon, lat, 0.0, 100.0)
    nx, ny = to_utm.transform(nlon, nlat)
    t = math.radians(rotation_deg) + math.atan2(nx - cx, ny - cy)
    a, b = gsd_m * math.cos(t), -gsd_m * math.sin(t)
    d, e = -gsd_m * math.sin(t), -gsd_m * math.cos(t)
    c = cx - (a * width / 2 + b * height / 2)
    f = cy - (d * width / 2 + e * height / 2)
    return Georef(crs.to_wkt(), (a, b, c, d, e, f), gsd_m, "centre")


WORLD_FILE_SUFFIXES = {
    ".jpg": (".jgw", ".jpgw", ".wld"),
    ".jpeg": (".jgw", ".jpegw", ".wld"),
    ".png": (".pgw", ".pngw", ".wld"),
    ".tif": (".tfw", ".tifw", ".wld"),
}


def find_world_file(image: Path) -> Path | None:
    for suffix in WORLD_FILE_SUFFIXES.get(image.suffix.lower(), (".wld",)):
        for cand in (image.with_suffix(suffix), image.with_suffix(suffix.upper())):
            if cand.is_file():
                return cand
    return None


def _metres_per_unit(crs: CRS) -> float | None:
    if crs.is_projected:
        return float(crs.axis_info[0].unit_conversion_factor)
    return None


def gsd_from_transform(crs: CRS, a: Affine, width: int, height: int) -> float:
    """Metres per pixel at the image centre (geodesic for geographic CRSs)."""
    per_unit = _metres_per_unit(crs)
    if per_unit is not None:
        return math.sqrt(abs(a.a * a.e - a.b * a.d)) * per_unit
    geod = GEOD
    cx, cy = a @ (width / 2, height / 2)
    x1, y1 = a @ (width / 2 + 1, height / 2)
    x2, y2 = a @ (width / 2, height / 2 + 1)
    return math.sqrt(geod.inv(cx, cy, x1, y1)[2] * geod.inv(cx, cy, x2, y2)[2])


def to_lonlat(crs: CRS, where: str) -> Transformer:
    """The transformer from a horizontal CRS to lon/lat, or an error naming ``where`` that says what to give."""
    if not (crs.is_projected or crs.is_geographic):
        raise InputError(
            f"{where}: {crs.name!r} is a {crs.type_name}, not a map projection or lon/lat. "
            "Fix: give the horizontal CRS the image is in, e.g. --crs EPSG:32635 (UTM 35N) or EPSG:4326."
        )
    try:
        return transformer(crs, 4326)
    except ProjError as exc:
        raise InputError(
            f"{where}: PROJ cannot convert {crs.name!r} to lon/lat ({exc}; a datum shift grid may be missing). "
            "Fix: give the CRS in a datum PROJ converts, e.g. its WGS 84 / UTM zone (--crs EPSG:326NN)."
        ) from None


def _read_text(path: Path, what: str) -> str:
    """A small text file in UTF-8 (a byte order mark is fine), or an error naming the line of the first bad byte."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"{path}, line {line}: byte {exc.start} ({data[exc.start : exc.start + 1]!r}) is not UTF-8 text. "
            f"Fix: save {what} as plain text in UTF-8."
        ) from None


def from_world_file(path: Path, crs_text: str | None, width: int, height: int) -> Georef:
    """A world file (.jgw/.pgw/.wld: A, D, B, E, C, F; C and F at the upper-left pixel's centre)."""
    if not crs_text:
        raise InputError(f"{path}: a world file does not say its CRS. Fix: add --crs (for example --crs EPSG:32635).")
    try:
        crs = CRS.from_user_input(crs_text)
    except Exception:
        raise InputError(
            f"--crs {crs_text!r} is not a CRS pyproj knows. Fix: give an EPSG code like EPSG:32635."
        ) from None
    to_lonlat(crs, f"--crs {crs_text!r}")
    lines = [ln.strip() for ln in _read_text(path, "the world file (six numbers, one a line)").splitlines()]
    lines = [ln for ln in lines if ln]
    if len(lines) != 6:
        raise InputError(f"{path}: a world file has 6 numbers, one a line; this one has {len(lines)} lines.")
    try:
        A, D, B, E, C, F = (float(v) for v in lines)
    except ValueError:
        raise InputError(f"{path}: every line of a world file must be a number.") from None
    for number, (line, value) in enumerate(zip(lines, (A, D, B, E, C, F), strict=True), start=1):
        if not math.isfinite(value):
            raise InputError(f"{path}, line {number}: {line!r} is not a finite number. Fix: give the coefficient.")
    if A * E - B * D == 0:
        raise InputError(
            f"{path}: the pixel size is zero (lines 1-4: {A:g}, {D:g}, {B:g}, {E:g}). "
            "Fix: lines 1 and 4 hold the pixel size in CRS units, e.g. 0.5 and -0.5."
        )
    aff = Affine(A, B, C - A / 2 - B / 2, D, E, F - D / 2 - E / 2)
    gsd_m = gsd_from_transform(crs, aff, width, height)
    lo, hi = GSD_RANGE_M
    if not (math.isfinite(gsd_m) and lo <= gsd_m <= hi):
        raise InputError(
            f"{path}: its pixel size means {gsd_m:g} m per pixel in {crs.name}, not a ground sample distance "
            f"({lo:g}-{hi:g} m). Fix: check lines 1-4 and that --crs is the CRS of the world file (metres or degrees)."
        )
    return Georef(crs.to_wkt(), transform_tuple(aff), gsd_m, "world-file")


def read_gcps(path: Path) -> list[tuple[float, float, float, float]]:
    """GCPs from a CSV with columns col,row,lon,lat (pixel ↔ degrees); a UTF-8 byte order mark is fine."""
    if not path.is_file():
        raise InputError(f"{path}: no such GCP file. Fix: check --gcps.")
    reader = csv.DictReader(io.StringIO(_read_text(path, "the GCP file (CSV)"), newline=""))
    out = []
    try:
        need = {"col", "row", "lon", "lat"}
        if not need <= set(reader.fieldnames or []):
            raise InputError(f"{path}: the header must name col,row,lon,lat (found {reader.fieldnames}).")
        for row in reader:
            out.append(_gcp_row(row, f"{path}, line {reader.line_num}"))
    except csv.Error as exc:
        raise InputError(
            f"{path}, line {reader.line_num + 1}: not CSV ({exc}). Fix: write one GCP a line: col,row,lon,lat."
        ) from None
    return out


def _gcp_row(row: dict[str, str | None], where: str) -> tuple[float, float, float, float]:
    try:
        col, r, lon, lat = (float(row[k] or "") for k in ("col", "row", "lon", "lat"))
    except (TypeError, ValueError):
        raise InputError(f"{where}: col, row, lon and lat must be numbers.") from None
    return _check_gcp((col, r, lon, lat), where)


def _check_gcp(gcp: tuple[float, float, float, float], where: str) -> tuple[float, float, float, float]:
    col, r, lon, lat = gcp
    if not (math.isfinite(col) and math.isfinite(r)):
        raise InputError(f"{where}: pixel col {col}, row {r} is not a place in the image. Fix: give finite pixels.")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"{where}: lon {lon}, lat {lat} out of range. Fix: degrees, lon first column after row.")
    return gcp


def from_gcps(gcps: list[tuple[float, float, float, float]], tolerance_m: float, source: str = "GCPs") -> Georef:
    """Least-squares affine transform from ≥ 3 non-collinear GCPs, in the local UTM zone.

    Refuses when any residual exceeds ``tolerance_m`` metres.
    """
    if not (math.isfinite(tolerance_m) and tolerance_m > 0):
        raise InputError(
            f"--gcp-tolerance-m {tolerance_m}: not a distance. Fix: give the largest residual to accept, in metres "
            "(e.g. 10)."
        )
    if len(gcps) < 3:
        raise InputError(f"{source}: {len(gcps)} ground control points; an affine fit needs at least 3. Fix: add more.")
    for i, g in enumerate(gcps):
        _check_gcp(g, f"{source}, GCP #{i + 1}")
    px = np.array([[g[0], g[1]] for g in gcps], float)
    lons = np.array([g[2] for g in gcps])
    lats = np.array([g[3] for g in gcps])
    crs = utm_crs(float(lats.mean()), float(lons.mean()))
    xs, ys = transformer(4326, crs).transform(lons, lats)
    if not (np.isfinite(xs).all() and np.isfinite(ys).all()):
        raise InputError(
            f"{source}: the ground control points lie too far apart for one UTM zone ({crs.name}). "
            "Fix: give points on the image only."
        )
    design = np.column_stack([px, np.ones(len(gcps))])
    with np.errstate(all="ignore"):
        try:
            rank = np.linalg.matrix_rank(design, tol=1e-6 * max(1.0, float(np.abs(px).max())))
            sol_x, *_ = np.linalg.lstsq(design, np.asarray(xs), rcond=None)
            sol_y, *_ = np.linalg.lstsq(design, np.asarray(ys), rcond=None)
        except np.linalg.LinAlgError:
            rank, sol_x, sol_y = 0, np.full(3, np.nan), np.full(3, np.nan)
        resid = np.hypot(design @ sol_x - xs, design @ sol_y - ys)
    if not (np.isfinite(sol_x).all() and np.isfinite(sol_y).all() and np.isfinite(resid).all()):
        raise InputError(
            f"{source}: the affine fit does not converge (pixel col,row too large?). Fix: give pixels on the image."
        )
    if rank < 3:
        raise InputError(
            f"{source}: the ground control points are collinear (all on one line). Fix: spread them over the image."
        )
    aff = Affine(sol_x[0], sol_x[1], sol_x[2], sol_y[0], sol_y[1], sol_y[2])
    if resid.max() > tolerance_m:
        listing = ", ".join(f"#{i + 1}: {r:.1f} m" for i, r in enumerate(resid))
        raise InputError(
            f"{source}: the affine fit leaves residuals up to {resid.max():.1f} m ({listing}), above the tolerance of "
            f"{tolerance_m} m. Fix: check the GCPs with the largest residuals, or raise --gcp-tolerance-m."
        )
    return Georef(
        crs.to_wkt(),
        transform_tuple(aff),
        math.sqrt(abs(aff.a * aff.e - aff.b * aff.d)),
        "gcps",
        tuple(float(r) for r in resid),
    )


def footprint_lonlat(georef: Georef, width: int, height: int, steps: int = 16) -> Polygon:
    """The image outline in lon/lat, edges densified so that reprojection stays faithful."""
    aff = georef.affine
    ring = []
    for (x0, y0), (x1, y1) in zip(
        [(0, 0), (width, 0), (width, height), (0, height)],
        [(width, 0), (width, height), (0, height), (0, 0)],
        strict=True,
    ):
        for i in range(steps):
            ring.append(aff @ (x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps))
    try:
        to_ll = transformer(georef.crs_wkt, 4326)
    except ProjError as exc:
        raise ImageryError(
            f"the image's CRS cannot be converted to lon/lat ({exc}). Fix: give it a CRS with an EPSG code."
        ) from None
    xs, ys = to_ll.transform([p[0] for p in ring], [p[1] for p in ring])
    if not (np.isfinite(xs).all() and np.isfinite(ys).all()):
        raise ImageryError(
            f"the image's corners ({georef.method} georeferencing) are not places on Earth. "
            "Fix: check the georeferencing."
        )
    poly = Polygon(zip(xs, ys, strict=True))
    if not poly.is_valid:
        raise ImageryError("the image footprint is not a valid polygon after reprojection (check the georeferencing).")
    return poly
