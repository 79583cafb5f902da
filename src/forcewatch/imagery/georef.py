"""Georeferencing: what is embedded in a GeoTIFF, or what the user registers for a plain
JPEG/PNG (centre + GSD + rotation, a world file, or ground control points), and footprints."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from affine import Affine
from pyproj import CRS, Transformer
from shapely.geometry import Polygon

from forcewatch.errors import ImageryError, InputError
from forcewatch.geo.convert import GEOD, utm_crs


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
    to_utm = Transformer.from_crs(4326, crs, always_xy=True)
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
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    if len(lines) != 6:
        raise InputError(f"{path}: a world file has 6 numbers, one a line; this one has {len(lines)} lines.")
    try:
        A, D, B, E, C, F = (float(v) for v in lines)
    except ValueError:
        raise InputError(f"{path}: every line of a world file must be a number.") from None
    aff = Affine(A, B, C - A / 2 - B / 2, D, E, F - D / 2 - E / 2)
    return Georef(crs.to_wkt(), transform_tuple(aff), gsd_from_transform(crs, aff, width, height), "world-file")


def read_gcps(path: Path) -> list[tuple[float, float, float, float]]:
    """GCPs from a CSV with columns col,row,lon,lat (pixel ↔ degrees)."""
    if not path.is_file():
        raise InputError(f"{path}: no such GCP file. Fix: check --gcps.")
    out = []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        need = {"col", "row", "lon", "lat"}
        if not need <= set(reader.fieldnames or []):
            raise InputError(f"{path}: the header must name col,row,lon,lat (found {reader.fieldnames}).")
        for line, row in enumerate(reader, start=2):
            try:
                col, r, lon, lat = (float(row[k]) for k in ("col", "row", "lon", "lat"))
            except (TypeError, ValueError):
                raise InputError(f"{path}, line {line}: col, row, lon and lat must be numbers.") from None
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise InputError(
                    f"{path}, line {line}: lon {lon}, lat {lat} out of range. Fix: degrees, lon first column after row."
                )
            out.append((col, r, lon, lat))
    return out


def from_gcps(gcps: list[tuple[float, float, float, float]], tolerance_m: float, source: str = "GCPs") -> Georef:
    """Least-squares affine transform from ≥ 3 non-collinear GCPs, in the local UTM zone.

    Refuses when any residual exceeds ``tolerance_m`` metres.
    """
    if len(gcps) < 3:
        raise InputError(f"{source}: {len(gcps)} ground control points; an affine fit needs at least 3. Fix: add more.")
    px = np.array([[g[0], g[1]] for g in gcps], float)
    lons = np.array([g[2] for g in gcps])
    lats = np.array([g[3] for g in gcps])
    crs = utm_crs(float(lats.mean()), float(lons.mean()))
    xs, ys = Transformer.from_crs(4326, crs, always_xy=True).transform(lons, lats)
    design = np.column_stack([px, np.ones(len(gcps))])
    if np.linalg.matrix_rank(design, tol=1e-6 * max(1.0, float(np.abs(px).max()))) < 3:
        raise InputError(
            f"{source}: the ground control points are collinear (all on one line). Fix: spread them over the image."
        )
    sol_x, *_ = np.linalg.lstsq(design, np.asarray(xs), rcond=None)
    sol_y, *_ = np.linalg.lstsq(design, np.asarray(ys), rcond=None)
    resid = np.hypot(design @ sol_x - xs, design @ sol_y - ys)
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
    to_ll = Transformer.from_crs(CRS.from_wkt(georef.crs_wkt), 4326, always_xy=True)
    xs, ys = to_ll.transform([p[0] for p in ring], [p[1] for p in ring])
    poly = Polygon(zip(xs, ys, strict=True))
    if not poly.is_valid:
        raise ImageryError("the image footprint is not a valid polygon after reprojection (check the georeferencing).")
    return poly
