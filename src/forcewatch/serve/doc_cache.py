"""The dashboard's JSON documents built once per version of the store, and answered as encoded bytes.

A site's timeline or detections cost milliseconds of Python each (observations, reviews, tracks);
under load they made the slowest requests. A document is kept under the store's *version*, read
before it is built, so any write (a review in the dashboard, `forcewatch scan` in another process)
makes the next request build it anew: a write is visible at once. The GeoPackage's version is its
file's identity and SQLite's file change counter, which SQLite bumps on every commit in the rollback
journal mode the store uses; a store in WAL mode (which does not keep that counter) or a PostGIS
store has no version here, and then nothing is kept: each request builds its document, as before.
At most ``max_bytes`` of documents are kept (least recently used out first)."""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from starlette.responses import Response

from forcewatch.app.workspace import STORE_NAME
from forcewatch.serve.tile_cache import BytesCache

#: Bytes of encoded JSON documents kept.
DEFAULT_MAX_BYTES = 16 * 2**20
_SQLITE_MAGIC = b"SQLite format 3\x00"
_WAL = 2  # the file format version bytes (offsets 18, 19) of a database in WAL mode

StoreVersion = Callable[[], Hashable | None]
_JSON = TypeAdapter(dict[str, Any])  # what FastAPI encodes a ``dict[str, Any]`` answer with


def sqlite_version(path: Path) -> StoreVersion:
    """The version of the SQLite file at ``path``: (device, inode, size, mtime, file change counter),
    or None when it cannot tell (missing, not SQLite, in WAL mode)."""

    def version() -> Hashable | None:
        try:
            with open(path, "rb") as fh:
                header = fh.read(100)
                st = os.fstat(fh.fileno())
        except OSError:
            return None
        if len(header) < 100 or not header.startswith(_SQLITE_MAGIC) or _WAL in (header[18], header[19]):
            return None
        return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, header[24:28]

    return version


def no_version() -> Hashable | None:
    return None


def store_version(folder: Path, url: str | None) -> StoreVersion:
    """The version of the workspace ``folder``'s store: its GeoPackage's, or none for PostGIS (``url``)."""
    return sqlite_version(folder / STORE_NAME) if url is None else no_version


def encode(doc: dict[str, Any]) -> bytes:
    """``doc`` as FastAPI answers a ``dict[str, Any]`` (the same bytes)."""
    return _JSON.dump_json(doc)


class DocCache:
    """JSON documents by (store version, key)."""

    def __init__(self, version: StoreVersion, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.version = version
        self.cache = BytesCache(max_bytes)

    def encoded(self, key: Hashable, build: Callable[[], dict[str, Any]]) -> bytes:
        """The encoded document ``key`` of the store as it is now (``build()`` when not kept)."""
        now = self.version()  # before building: a write after this read makes a newer version
        if now is None:
            return encode(build())
        return self.cache.get_or_render((now, key), lambda: encode(build()))

    def response(self, key: Hashable, build: Callable[[], dict[str, Any]]) -> Response:
        """The document ``key`` as the endpoint's JSON answer."""
        return Response(self.encoded(key, build), media_type="application/json")
