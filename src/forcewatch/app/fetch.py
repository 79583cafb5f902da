"""``forcewatch fetch --stac URL --collection C``: find new imagery of the watched sites in a STAC
API and ingest it where it lives (its cloud-optimised GeoTIFFs read by range requests).

The sites are grouped by the cell of a grid (``cell_deg`` a side) that their area's centre falls in,
and each group is one search over the box around its sites: a hundred sites in a few regions are a
few queries, not one per site (nor per date). An item is new when neither its id (in that
collection) nor its image's URL is in the workspace already: a second run ingests nothing. Items
that meet no site's area (only the box around them) are left out. All new items are ingested in one
transaction: an item without a usable image leaves the workspace unchanged, and says so."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shapely.geometry import box

from forcewatch.app.ingest import IngestResult, Source, ingest
from forcewatch.errors import InputError
from forcewatch.imagery import stac_search as stac
from forcewatch.imagery.scene import parse_time
from forcewatch.model import Geometry, Site
from forcewatch.store.base import Store

if TYPE_CHECKING:
    import pystac

#: The side (degrees) of the grid cells that group sites into one search each (about 110 km north-south).
GROUP_CELL_DEG = 1.0


@dataclass(frozen=True)
class SiteGroup:
    """Sites searched together: the box (lon/lat: minx, miny, maxx, maxy) around their areas."""

    sites: tuple[Site, ...]
    bbox: tuple[float, float, float, float]


def group_sites(sites: Sequence[Site], cell_deg: float = GROUP_CELL_DEG) -> list[SiteGroup]:
    """Sites grouped by the grid cell their area's centre falls in, in the order of the cells."""
    cells: dict[tuple[int, int], list[Site]] = defaultdict(list)
    for site in sites:
        c = site.aoi.centroid
        cells[(math.floor(c.x / cell_deg), math.floor(c.y / cell_deg))].append(site)
    groups = []
    for key in sorted(cells):
        members = tuple(cells[key])
        bounds = [s.aoi.bounds for s in members]
        bbox = (
            min(b[0] for b in bounds),
            min(b[1] for b in bounds),
            max(b[2] for b in bounds),
            max(b[3] for b in bounds),
        )
        groups.append(SiteGroup(members, bbox))
    return groups


@dataclass(frozen=True)
class FetchResult:
    """What a fetch did: the site groups (one search each), the pages of results read, the items
    found (meeting a site), those already in the workspace, and what ingesting the rest did."""

    groups: int
    pages: int
    found: int
    known: int
    results: list[IngestResult]

    def to_json(self) -> dict[str, object]:
        return {
            "groups": self.groups,
            "searches": self.groups,
            "pages": self.pages,
            "items_found": self.found,
            "items_known": self.known,
            "ingested": [
                {"item": (r.scene.properties or {}).get("stac_id") if r.scene else None, "scene": r.scene.id}
                | {"status": r.status, "sites": list(r.sites)}
                for r in self.results
                if r.scene is not None
            ],
        }


class _Tally:
    """The items found so far: each counted once, known ones set aside, the new ones as sources."""

    def __init__(self, store: Store, url: str, collection: str, asset: str | None) -> None:
        self.url, self.collection, self.asset = url, collection, asset
        self.known_ids: set[tuple[object, object]] = set()
        self.known_paths: set[str] = set()
        for s in store.scenes():
            props = s.properties or {}
            if "stac_id" in props:
                self.known_ids.add((props.get("stac_collection"), props["stac_id"]))
            self.known_paths.add(s.path)
        self.seen: set[str] = set()
        self.pages = self.found = self.known = 0
        self.sources: list[Source] = []

    def take(self, item: pystac.Item, footprint: Geometry, group: SiteGroup) -> None:
        if item.id in self.seen or not any(footprint.intersects(s.aoi) for s in group.sites):
            return
        self.seen.add(item.id)
        self.found += 1
        if (item.collection_id, item.id) in self.known_ids:
            self.known += 1
            return
        key, href = stac.pick_asset(item, self.asset)
        if href in self.known_paths:
            self.known += 1
            return
        taken = item.datetime or item.common_metadata.start_datetime
        props = item.properties
        self.sources.append(
            Source(
                href,
                acquired=taken.isoformat() if taken else None,
                sensor=str(props.get("constellation") or props.get("platform") or "") or None,
                properties=stac.item_properties(item, self.url, key),
                where=f"STAC item {item.id!r} ({self.collection}), asset {key!r}",
            )
        )


def fetch_stac(
    store: Store,
    url: str,
    collection: str,
    *,
    since: str | None = None,
    max_cloud_pct: float | None = None,
    asset: str | None = None,
    site_name: str | None = None,
    cell_deg: float = GROUP_CELL_DEG,
    progress: Callable[[int, int], None] | None = None,
) -> FetchResult:
    """Search the STAC API at ``url`` over the watched sites (or one): one search per group of
    nearby sites; ingest the new items' images (in one transaction)."""
    when = parse_time(since, f"--since {since}") if since else None
    if max_cloud_pct is not None and not 0 <= max_cloud_pct <= 100:
        raise InputError(f"--max-cloud {max_cloud_pct}: a cloud cover is 0–100 %. Fix: e.g. --max-cloud 20.")
    sites = [store.site(site_name)] if site_name else store.sites()
    if not sites:
        raise InputError("no sites in the workspace. Fix: add some (`forcewatch site add` or `site import`).")
    since_dt = None if when is None else dt.datetime.fromisoformat(when.replace("Z", "+00:00"))
    groups = group_sites(sites, cell_deg)
    tally = _Tally(store, url, collection, asset)
    with stac.open_api(url) as client:
        stac.check_collection(client, url, collection)
        for i, group in enumerate(groups):
            result = stac.search(client, url, collection, box(*group.bbox), since_dt, max_cloud_pct)
            tally.pages += result.pages
            for item, footprint in result.items:
                tally.take(item, footprint, group)
            if progress:
                progress(i + 1, len(groups))
    results = ingest(store, tally.sources) if tally.sources else []
    return FetchResult(len(groups), tally.pages, tally.found, tally.known, results)
