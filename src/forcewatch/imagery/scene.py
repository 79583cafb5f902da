"""Describe an image for ingest: its hash, time, sensor, georeferencing, GSD and footprint.

Accepts GeoTIFF/COG (embedded georeferencing), a local STAC Item JSON whose asset is such a file,
and plain JPEG/PNG registered by the user (centre + GSD [+ rotation], world file + CRS, or GCPs).
A GeoTIFF/COG (or a STAC item's asset) may be an http(s) URL: it is read where it lives, by range
requests, and its hash is a fingerprint (:data:`forcewatch.imagery.remote.FINGERPRINT_NOTE`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from pyproj import CRS

from forcewatch.errors import ImageryError, InputError
from forcewatch.imagery import georef as gr
from forcewatch.imagery import remote
from forcewatch.imagery.raster import RasterReader
from forcewatch.model import Scene
from forcewatch.provenance import file_sha256

STAC_ASSET_KEYS = ("visual", "image", "data", "analytic", "pan")
#: STAC item properties a scene records, under its own names.
STAC_FIELDS = (
    ("view:off_nadir", "off_nadir_deg"),
    ("eo:cloud_cover", "cloud_cover_pct"),
    ("gsd", "gsd_m"),
    ("platform", "platform"),
    ("constellation", "constellation"),
)


@dataclass(frozen=True)
class Registration:
    """How the user places a plain image (the options of ``forcewatch ingest``)."""

    centre: tuple[float, float] | None = None  # (lat, lon)
    gsd_m: float | None = None
    rotation_deg: float = 0.0
    crs: str | None = None  # for a world file
    gcps: Path | None = None
    gcp_tolerance_m: float = 10.0


#: No satellite image is older than the first CORONA returns (August 1960).
FIRST_IMAGERY = dt.datetime(1960, 1, 1, tzinfo=dt.UTC)


def parse_time(text: str, where: str) -> str:
    """ISO 8601 → 'YYYY-MM-DDTHH:MM:SSZ' in UTC (a date alone is its midnight UTC)."""
    raw = text.strip()
    for candidate in (
        raw.replace("Z", "+00:00"),
        raw.replace(":", "-", 2).replace(" ", "T", 1) + "+00:00",
    ):
        try:
            t = dt.datetime.fromisoformat(candidate)
            break
        except ValueError:
            continue
    else:
        raise InputError(
            f"{where}: acquisition time {text!r} is not ISO 8601. Fix: write it like 2022-02-10T09:05:00Z."
        )
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    latest = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    if not FIRST_IMAGERY <= t <= latest:  # compared before converting: year 1 at +14:00 has no UTC time
        when = "before the first satellite images" if t < FIRST_IMAGERY else "in the future"
        raise InputError(
            f"{where}: acquisition time {text!r} is {when}. Fix: give the time the image was taken "
            f"(between {FIRST_IMAGERY:%Y-%m-%d} and today), e.g. --acquired 2022-02-10T09:05Z."
        )
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _tiff_time(tags: dict[str, str]) -> str | None:
    if tags.get("ACQUIRED"):
        return tags["ACQUIRED"]
    stamp = tags.get("TIFFTAG_DATETIME")
    if stamp and len(stamp) >= 19:
        return stamp[:10].replace(":", "-") + "T" + stamp[11:19] + "Z"
    return None


def _read_stac(path: Path) -> tuple[Path | str, dict[str, object]]:
    try:
        import pystac
    except ImportError:
        from forcewatch.errors import MissingExtraError

        raise MissingExtraError("pystac", None, "Reading STAC items") from None
    try:
        item = pystac.Item.from_file(str(path))
    except Exception as exc:  # pystac raises several types for bad items
        raise InputError(f"{path}: not a STAC Item ({exc}). Fix: give a STAC Item JSON file.") from None
    assets = item.assets
    key = next((k for k in STAC_ASSET_KEYS if k in assets), None)
    if key is None:
        key = next((k for k, a in assets.items() if (a.media_type or "").startswith("image/tiff")), None)
    if key is None:
        raise InputError(
            f"{path}: the STAC item has no image asset (looked for {', '.join(STAC_ASSET_KEYS)} or a GeoTIFF)."
        )
    raw = assets[key].get_absolute_href() or assets[key].href
    href: Path | str = raw if remote.is_url(raw) else Path(raw)
    if isinstance(href, Path) and not href.is_file():
        raise InputError(
            f"{path}: its asset {key!r} points to {href}, which does not exist. "
            "Fix: put the file there or correct the href."
        )
    props = item.properties
    extras: dict[str, object] = {"stac_item": str(path), "stac_id": item.id}
    extras.update({dst: props[src] for src, dst in STAC_FIELDS if src in props})
    if item.datetime is not None:
        extras["acquired"] = item.datetime.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return href, extras


def _suffix(image: Path | str) -> str:
    return (image if isinstance(image, Path) else PurePosixPath(urlsplit(image).path)).suffix.lower()


def describe(
    path: Path | str,
    *,
    acquired: str | None = None,
    sensor: str | None = None,
    registration: Registration | None = None,
    sha256: str | None = None,
) -> Scene:
    """A :class:`Scene` (without id) for ``path`` (a local file or an http(s) URL); errors say what
    is missing and how to give it.

    ``sha256`` is the file's hash (a remote image's fingerprint) when the caller has already
    computed it (it is not read twice)."""
    extras: dict[str, object] = {}
    image: Path | str = path
    if not remote.is_url(path):
        path = image = Path(path)
        if not path.is_file():
            raise InputError(f"{path}: no such file. Fix: check the path.")
        if path.suffix.lower() == ".json":
            image, extras = _read_stac(path)
    if remote.is_url(image):
        digest = sha256 if sha256 and image == path else remote.probe(image).sha256
        extras["sha256_of"] = remote.FINGERPRINT_NOTE
    else:
        digest = sha256 if sha256 and image == path else file_sha256(Path(image))
    reg = registration or Registration()
    with RasterReader(image) as reader:
        reader.verify()
        info = reader.info
        tags = reader.tags()
    w, h = info.width_px, info.height_px
    if info.georeferenced:
        crs = CRS.from_wkt(info.crs_wkt or "")
        aff = gr.Affine(*info.transform)
        geo = gr.Georef(
            crs.to_wkt(),
            info.transform,
            gr.gsd_from_transform(crs, aff, w, h),
            "stac" if "stac_id" in extras else "embedded",
        )
    elif reg.gcps is not None:
        geo = gr.from_gcps(gr.read_gcps(reg.gcps), reg.gcp_tolerance_m, str(reg.gcps))
    elif reg.centre is not None:
        if reg.gsd_m is None:
            raise InputError(f"{path}: --center needs --gsd-m (metres per pixel) too.")
        gr_lat, gr_lon = reg.centre
        from forcewatch.sites import check_lat_lon

        check_lat_lon(gr_lat, gr_lon, "--center: ")
        geo = gr.from_centre(gr_lat, gr_lon, reg.gsd_m, w, h, reg.rotation_deg)
    elif isinstance(image, Path) and (wf := gr.find_world_file(image)) is not None:
        geo = gr.from_world_file(wf, reg.crs, w, h)
    elif info.crs_wkt is None and _suffix(image) in (".tif", ".tiff"):
        raise ImageryError(
            f"{image}: this GeoTIFF has no CRS, so it cannot be placed on the map. Fix: assign one (gdal_edit.py "
            "-a_srs EPSG:XXXX), or register it with --center LAT,LON --gsd-m G, a world file and --crs, or --gcps FILE."
        )
    else:
        raise ImageryError(
            f"{image}: a plain image with no georeferencing. Fix: register it with --center LAT,LON --gsd-m G "
            "[--rotation-deg A], a world file beside it (.jgw/.pgw/.wld) with --crs, or --gcps FILE."
        )
    when = acquired or extras.pop("acquired", None) or _tiff_time(tags)
    if not when:
        raise InputError(
            f"{path}: no acquisition time in the file. Fix: give it with --acquired 2022-02-10T09:05:00Z "
            "(or use a STAC item with a datetime, or a CSV sidecar with path,acquired,sensor)."
        )
    if "gsd_m" in extras and geo.method == "stac":
        extras["stac_gsd_m"] = extras.pop("gsd_m")
    if geo.residuals_m:
        extras["gcp_residuals_m"] = [round(r, 2) for r in geo.residuals_m]
    return Scene(
        path=image if isinstance(image, str) else str(image.resolve()),
        sha256=digest,
        acquired=parse_time(str(when), str(path)),
        sensor=sensor or str(extras.get("constellation") or extras.get("platform") or tags.get("SENSOR") or "unknown"),
        crs_wkt=geo.crs_wkt,
        transform=geo.transform,
        width_px=w,
        height_px=h,
        gsd_m=geo.gsd_m,
        footprint=gr.footprint_lonlat(geo, w, h),
        georef=geo.method,
        properties=json.loads(json.dumps(extras, default=str)),
    )
