"""A minimal STAC API on 127.0.0.1, served from items held in memory, for the ``fetch`` tests: the
landing page and ``/conformance`` (what pystac-client reads first), ``/collections`` and
``/collections/{id}``, and ``GET``/``POST /search`` with ``collections``, ``bbox``, ``intersects``,
``datetime``, ``query`` (``eo:cloud_cover`` lt/lte/gt/gte), ``limit`` and paging through ``next``
links (a ``token``). It records every search request (a page each)."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

from shapely.geometry import box, mapping, shape

API = "https://api.stacspec.org/v1.0.0"
CONFORMS_TO = [
    f"{API}/core",
    f"{API}/item-search",
    f"{API}/item-search#query",
    f"{API}/collections",
    f"{API}/ogcapi-features",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]


def item(
    item_id: str,
    collection: str,
    footprint: Any,
    when: str,
    assets: dict[str, dict[str, Any]],
    cloud_pct: float | None = None,
) -> dict[str, Any]:
    """A STAC Item (GeoJSON Feature) with these assets (key → {"href", "type"})."""
    props: dict[str, Any] = {"datetime": when, "constellation": "testsat"}
    if cloud_pct is not None:
        props["eo:cloud_cover"] = cloud_pct
    return {
        "type": "Feature",
        "stac_version": "1.0.0",
        "stac_extensions": [],
        "id": item_id,
        "collection": collection,
        "geometry": mapping(footprint),
        "bbox": list(footprint.bounds),
        "properties": props,
        "assets": assets,
        "links": [],
    }


def cog_asset(href: str) -> dict[str, Any]:
    return {"href": href, "type": "image/tiff; application=geotiff; profile=cloud-optimized", "roles": ["data"]}


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _in_time(when: str, interval: str | None) -> bool:
    if not interval:
        return True
    t = _time(when)
    if "/" not in interval:
        return t == _time(interval)
    start, end = interval.split("/")
    return (start in ("", "..") or t >= _time(start)) and (end in ("", "..") or t <= _time(end))


_OPS = {"lt": float.__lt__, "lte": float.__le__, "gt": float.__gt__, "gte": float.__ge__, "eq": float.__eq__}


def _query_ok(props: dict[str, Any], query: dict[str, dict[str, float]] | None) -> bool:
    for name, tests in (query or {}).items():
        value = props.get(name)
        if value is None or not all(_OPS[op](float(value), float(v)) for op, v in tests.items()):
            return False
    return True


class StacServer:
    """Serves ``items`` (of ``collections``) at ``url``; ``searches`` holds each search request's
    parameters (one per page), ``max_limit`` caps the page size."""

    def __init__(self, items: list[dict[str, Any]], collections: tuple[str, ...], max_limit: int = 1000) -> None:
        self.items, self.collections, self.max_limit = items, collections, max_limit
        self.searches: list[dict[str, Any]] = []
        self._http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._http.daemon_threads = True
        threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_port}"

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()

    def landing(self) -> dict[str, Any]:
        u = self.url
        return {
            "type": "Catalog",
            "id": "test-api",
            "stac_version": "1.0.0",
            "description": "ForceWatch test STAC API",
            "conformsTo": CONFORMS_TO,
            "links": [
                {"rel": "self", "href": f"{u}/", "type": "application/json"},
                {"rel": "root", "href": f"{u}/", "type": "application/json"},
                {"rel": "conformance", "href": f"{u}/conformance", "type": "application/json"},
                {"rel": "data", "href": f"{u}/collections", "type": "application/json"},
                {"rel": "search", "href": f"{u}/search", "type": "application/geo+json", "method": "GET"},
                {"rel": "search", "href": f"{u}/search", "type": "application/geo+json", "method": "POST"},
            ],
        }

    def collection(self, cid: str) -> dict[str, Any]:
        return {
            "type": "Collection",
            "id": cid,
            "stac_version": "1.0.0",
            "description": f"test collection {cid}",
            "license": "proprietary",
            "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]}, "temporal": {"interval": [[None, None]]}},
            "links": [{"rel": "self", "href": f"{self.url}/collections/{cid}"}],
        }

    def search(self, params: dict[str, Any], method: str) -> dict[str, Any]:
        self.searches.append(params | {"method": method})
        area = None
        if params.get("intersects"):
            area = shape(params["intersects"])
        elif params.get("bbox"):
            area = box(*params["bbox"])
        chosen = [
            it
            for it in self.items
            if (not params.get("collections") or it["collection"] in params["collections"])
            and (area is None or shape(it["geometry"]).intersects(area))
            and _in_time(it["properties"]["datetime"], params.get("datetime"))
            and _query_ok(it["properties"], params.get("query"))
        ]
        limit = min(int(params.get("limit") or 10), self.max_limit)
        start = int(params.get("token") or 0)
        page = chosen[start : start + limit]
        links = []
        if start + limit < len(chosen):
            nxt = params | {"token": str(start + limit)}
            if method == "POST":
                links.append({"rel": "next", "href": f"{self.url}/search", "method": "POST", "body": nxt})
            else:
                query = "&".join(f"{k}={json.dumps(v) if isinstance(v, dict | list) else v}" for k, v in nxt.items())
                links.append({"rel": "next", "href": f"{self.url}/search?{query}", "method": "GET"})
        return {"type": "FeatureCollection", "features": page, "links": links, "numberReturned": len(page)}

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, doc: Any, status: int = 200) -> None:
                body = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                path = parts.path.rstrip("/")
                if path == "":
                    self._json(api.landing())
                elif path == "/conformance":
                    self._json({"conformsTo": CONFORMS_TO})
                elif path == "/collections":
                    self._json({"collections": [api.collection(c) for c in api.collections], "links": []})
                elif path.startswith("/collections/") and path.split("/")[2] in api.collections:
                    self._json(api.collection(path.split("/")[2]))
                elif path == "/search":
                    raw = {k: v[0] for k, v in parse_qs(parts.query).items()}
                    params: dict[str, Any] = dict(raw)
                    for key in ("intersects", "query"):
                        if key in raw:
                            params[key] = json.loads(raw[key])
                    if "collections" in raw:
                        params["collections"] = raw["collections"].split(",")
                    if "bbox" in raw:
                        params["bbox"] = [float(v) for v in raw["bbox"].split(",")]
                    self._json(api.search(params, "GET"))
                else:
                    self._json({"code": "NotFound", "description": self.path}, 404)

            def do_POST(self) -> None:
                if urlsplit(self.path).path.rstrip("/") != "/search":
                    self._json({"code": "NotFound", "description": self.path}, 404)
                    return
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                self._json(api.search(body, "POST"))

        return Handler


@contextmanager
def stac_api(
    items: list[dict[str, Any]], collections: tuple[str, ...] = ("testsat-l1",), max_limit: int = 1000
) -> Iterator[StacServer]:
    server = StacServer(items, collections, max_limit)
    try:
        yield server
    finally:
        server.close()
