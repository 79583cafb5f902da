"""The watched sites of a workspace: add (by coordinates, place name or area file), list, measure
to a border or line, remove, import and export. Every write is one transaction, logged."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from forcewatch.app.ingest import overlap_share
from forcewatch.app.models import check_model_names, site_model_names
from forcewatch.errors import InputError
from forcewatch.geo.borders import ReferenceLine
from forcewatch.geo.distance import Distance, distance_to, reference_line
from forcewatch.model import Site
from forcewatch.places import Place, resolve
from forcewatch.sites import make_site, read_site_file, write_site_file
from forcewatch.store.base import Store


@dataclass(frozen=True)
class SiteAdded:
    """The site as stored, and the gazetteer entry that ``place`` resolved to (None for coordinates)."""

    site: Site
    place: Place | None = None
    scenes: int = 0  # scenes already ingested that cover the site (linked: the next scan reads them)
    models: tuple[str, ...] = ()  # the models a scan runs on it


def _location(
    lat: float | None, lon: float | None, place: str | None, country: str | None
) -> tuple[float, float, Place | None]:
    if place is not None and (lat is not None or lon is not None):
        raise InputError("give either --place or --lat/--lon, not both.")
    found = resolve(place, country) if place is not None else None
    if found is not None:
        lat, lon = found.lat, found.lon
    if lat is None or lon is None:
        raise InputError("a site needs a location. Fix: give --lat and --lon, --place NAME, or --aoi FILE.")
    return lat, lon, found


def _area_file(aoi_path: Path, radius_m: float | None) -> Site:
    if radius_m is not None:
        raise InputError("give either --radius-m or --aoi, not both.")
    shapes = read_site_file(aoi_path)
    if len(shapes) != 1:
        raise InputError(f"{aoi_path}: holds {len(shapes)} features; --aoi needs exactly one polygon.")
    return shapes[0]


def add_site(
    store: Store,
    name: str,
    *,
    lat: float | None = None,
    lon: float | None = None,
    place: str | None = None,
    country: str | None = None,
    radius_m: float | None = None,
    aoi_path: Path | None = None,
    kind: str = "other",
    notes: str = "",
    models: list[str] | None = None,
) -> SiteAdded:
    """Add a site at (lat, lon) or at a place of the offline gazetteer (``country``, ISO-2, picks
    among places of one name); its area is a geodesic circle of ``radius_m`` (default 2 km) or the
    one polygon of ``aoi_path`` (whose centre is then the site's location unless one is given)."""
    area = _area_file(aoi_path, radius_m).aoi if aoi_path is not None else None
    if area is not None and lat is None and lon is None and place is None:
        centre = area.centroid
        lat, lon = centre.y, centre.x
    lat, lon, found = _location(lat, lon, place, country)
    site = make_site(name, lat, lon, radius_m=radius_m, aoi=area, kind=kind, notes=notes)
    if models is not None:
        site = replace(site, models=check_model_names(store, models))
    with store.transaction():
        added = store.add_site(site)
        linked = link_scenes(store, added)
        store.log("site add", f"{added.name} at {lat:.4f}, {lon:.4f}; {linked} ingested scenes cover it")
    return SiteAdded(added, found, linked, site_model_names(added))


def link_scenes(store: Store, site: Site) -> int:
    """Link a new site to the scenes already ingested that cover it, so that the next scan reads
    them (imagery often arrives before the site is watched); returns how many."""
    assert site.id is not None
    n = 0
    for scene in store.scenes():
        assert scene.id is not None
        if scene.footprint.intersects(site.aoi):
            store.link(scene.id, site.id, overlap_share(scene.footprint, site.aoi))
            n += 1
    return n


def list_sites(store: Store) -> list[Site]:
    """Every watched site, in the order they were added."""
    return store.sites()


def site_distances(store: Store, spec: str) -> tuple[ReferenceLine, list[tuple[Site, Distance]]]:
    """The line ``spec`` names (a border: ISO-3 code or country name, UKR-1991; or a line file) and
    each site with the geodesic distance from its area to that line, in the order of the sites."""
    line = reference_line(spec)
    return line, [(s, distance_to(s.aoi, line)) for s in store.sites()]


def remove_site(store: Store, name: str) -> Site:
    """Remove a site with its observations and detections; returns what was removed."""
    with store.transaction():
        removed = store.remove_site(name)
        store.log("site remove", name)
    return removed


def import_sites(store: Store, path: Path) -> list[Site]:
    """Add every site of a vector file (GeoJSON, KML, GeoPackage): all, or on one bad feature none."""
    sites = read_site_file(path)
    with store.transaction():
        added = [store.add_site(s) for s in sites]
        linked = sum(link_scenes(store, s) for s in added)
        store.log("site import", f"{len(sites)} sites from {path}; {linked} links to ingested scenes")
    return added


def export_sites(store: Store, path: Path) -> list[Site]:
    """Write every site to ``path`` (.geojson, .kml or .gpkg); returns the sites written."""
    from forcewatch.report.files import check_folder_for, refuse_store, writing

    check_folder_for(path, "FILE")
    refuse_store(path, [store.folder / "forcewatch.gpkg"], "FILE")
    sites = store.sites()
    with writing(path, "FILE"):
        write_site_file(sites, path)
    return sites
