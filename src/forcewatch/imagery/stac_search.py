"""Searching a STAC API (pystac-client) for imagery over an area, and choosing each item's image.

One :func:`search` is one query of the API (its pages followed through ``next`` links): for a
collection, over a geometry, since a date, under a cloud cover (the API's ``query`` or ``filter``
extension where it has one; always checked again on the items, so an API without either is served
too)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shapely.geometry import mapping, shape

from forcewatch.errors import InputError, MissingExtraError
from forcewatch.imagery import remote
from forcewatch.imagery.scene import STAC_ASSET_KEYS, STAC_FIELDS
from forcewatch.model import Geometry

if TYPE_CHECKING:
    import pystac
    from pystac_client import Client

#: Items asked for per page of results.
PAGE_ITEMS = 250
TIFF = "image/tiff"


@dataclass(frozen=True)
class Found:
    """What one search found: its items (each with its footprint), and the pages it took."""

    items: list[tuple[pystac.Item, Geometry]]
    pages: int


@contextmanager
def _api_errors(url: str) -> Iterator[None]:
    """Errors of the API (HTTP, network, a reply that is not STAC) as errors naming it and the fix."""
    import requests
    from pystac_client.exceptions import APIError

    try:
        yield
    except APIError as exc:
        status, text = getattr(exc, "status_code", None), str(exc).strip()[:300]
        if status is None:
            raise InputError(
                f"{url}: the STAC API cannot be reached ({text}). Fix: check the URL and the network."
            ) from None
        raise InputError(
            f"{url}: the STAC API answered HTTP {status}{f' ({text})' if text else ''}. Fix: check that the URL is the "
            "API's root (the page that links to /search), and the collection and dates."
        ) from None
    except requests.RequestException as exc:
        raise InputError(
            f"{url}: the STAC API cannot be reached ({exc}). Fix: check the URL and the network."
        ) from None
    except (ValueError, KeyError, TypeError) as exc:  # a landing page or an item that is not STAC
        raise InputError(
            f"{url}: not a STAC API (its reply could not be read: {exc}). Fix: give the API's root URL (the page that "
            "links to /search)."
        ) from None


@contextmanager
def open_api(url: str, timeout_s: float = 60) -> Iterator[Client]:
    """The STAC API at ``url`` (its HTTP session closed on exit): an error (naming it) when it is not
    one, or cannot search items."""
    try:
        from pystac_client import Client
        from pystac_client.conformance import ConformanceClasses
        from pystac_client.stac_api_io import StacApiIO
    except ImportError:
        raise MissingExtraError("pystac-client", None, "Searching a STAC API") from None
    io = StacApiIO(timeout=timeout_s, max_retries=3)
    try:
        with _api_errors(url):
            client = Client.open(url, stac_io=io)
        if not client.conforms_to(ConformanceClasses.ITEM_SEARCH):
            raise InputError(
                f"{url}: this STAC API does not offer item search (no {ConformanceClasses.ITEM_SEARCH.valid_uri} in "
                "its conformance classes). Fix: give the root URL of an API with a /search endpoint."
            )
        yield client
    finally:
        io.session.close()


def check_collection(client: Client, url: str, collection: str) -> None:
    """An error listing the API's collections when it has no ``collection`` (APIs that list them)."""
    from pystac_client.conformance import ConformanceClasses

    if not client.conforms_to(ConformanceClasses.COLLECTIONS):
        return
    with _api_errors(url):
        if client.get_collection(collection) is not None:
            return
        known = sorted(c.id for c in client.get_collections())
    raise InputError(
        f"{url}: no collection {collection!r}. Fix: use one of: {', '.join(known[:30]) or 'none'} (--collection)."
    )


def _method(client: Client) -> str:
    methods = {(link.extra_fields.get("method") or "GET").upper() for link in client.get_links("search")}
    return "POST" if not methods or "POST" in methods else "GET"


def search(
    client: Client,
    url: str,
    collection: str,
    area: Geometry,
    since: dt.datetime | None,
    max_cloud_pct: float | None,
) -> Found:
    """The items of ``collection`` meeting ``area`` (lon/lat), acquired since ``since``, with a cloud
    cover under ``max_cloud_pct`` (items that do not give one are kept): one query of the API."""
    from pystac_client.conformance import ConformanceClasses

    args: dict[str, Any] = {"collections": [collection], "intersects": mapping(area), "limit": PAGE_ITEMS}
    if since is not None:
        args["datetime"] = f"{since.strftime('%Y-%m-%dT%H:%M:%SZ')}/.."
    if max_cloud_pct is not None:
        if client.conforms_to(ConformanceClasses.QUERY):
            args["query"] = {"eo:cloud_cover": {"lt": max_cloud_pct}}
        elif client.conforms_to(ConformanceClasses.FILTER):
            args["filter"] = {"op": "<", "args": [{"property": "eo:cloud_cover"}, max_cloud_pct]}
    found, pages = [], 0
    with _api_errors(url):
        for page in client.search(method=_method(client), **args).pages():
            pages += 1
            for item in page.items:
                cloud = item.properties.get("eo:cloud_cover")
                if max_cloud_pct is not None and isinstance(cloud, int | float) and cloud >= max_cloud_pct:
                    continue
                if item.geometry is not None:
                    found.append((item, shape(item.geometry)))
    return Found(found, pages)


def _is_tiff(asset: pystac.Asset) -> bool:
    kind = (asset.media_type or "").lower()
    return kind.startswith(TIFF) or (not kind and asset.href.lower().split("?")[0].endswith((".tif", ".tiff")))


def pick_asset(item: pystac.Item, key: str | None = None) -> tuple[str, str]:
    """The key and absolute URL of an item's image: ``key`` if given, else the first of
    :data:`~forcewatch.imagery.scene.STAC_ASSET_KEYS` that is a GeoTIFF, else a cloud-optimised
    GeoTIFF, else any GeoTIFF. An error names the item, its assets and the fix when it has none that
    ForceWatch can read by ranges."""
    assets = item.assets
    listing = ", ".join(f"{k} ({a.media_type or 'no type'})" for k, a in assets.items()) or "none"
    where = f"STAC item {item.id!r} ({item.collection_id})"
    if key is not None:
        if key not in assets:
            raise InputError(f"{where}: no asset {key!r}; it has: {listing}. Fix: pick one of them with --asset.")
        chosen = key
    else:
        tiffs = [k for k, a in assets.items() if _is_tiff(a)]
        preferred = [k for k in STAC_ASSET_KEYS if k in tiffs]
        cog = [k for k in tiffs if "cloud-optimized" in (assets[k].media_type or "")]
        if not (preferred or cog or tiffs):
            raise InputError(
                f"{where}: no GeoTIFF/COG asset to read (it has: {listing}). Fix: choose one with --asset KEY, or "
                "search another --collection."
            )
        chosen = (preferred or cog or tiffs)[0]
    href = assets[chosen].get_absolute_href() or assets[chosen].href
    if not remote.is_url(href):
        raise InputError(
            f"{where}: asset {chosen!r} is at {href}, not an http(s) URL that can be read by ranges. Fix: choose "
            "another asset with --asset KEY, or use the provider's https endpoint."
        )
    return chosen, href


def item_properties(item: pystac.Item, api_url: str, asset: str) -> dict[str, object]:
    """What a scene records of the STAC item it came from."""
    props = item.properties
    out: dict[str, object] = {"stac_id": item.id, "stac_collection": item.collection_id, "stac_api": api_url}
    out["stac_asset"] = asset
    fields = {src: ("stac_gsd_m" if dst == "gsd_m" else dst) for src, dst in STAC_FIELDS}
    return out | {dst: props[src] for src, dst in fields.items() if src in props}
