"""A bounded in-memory cache of encoded map tiles, shared by the dashboard's requests.

A tile is keyed by everything its pixels depend on: the scene's image (its path or URL; for a local
file the size, modification time and inode the OS reports *now*, for a URL the recorded sha256), the
scene's stored georeferencing (CRS, transform, size, footprint's bounds), the tile's z/x/y and the renderer's
version. So `forcewatch scene relocate`, an edited georeferencing or a file rewritten in place make a
new key and are never answered from a stale entry; entries of the old key age out. The cache holds
at most ``max_bytes`` of tiles (least recently used out first), set by ``$FORCEWATCH_TILE_CACHE_MB``
(default 64; 0 turns it off). Concurrent asks for one missing tile render it once.

>>> cache = BytesCache(max_bytes=1000)
>>> cache.get_or_render("k", lambda: b"png") == b"png" and cache.get("k") == b"png"
True
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from forcewatch.errors import InputError
from forcewatch.imagery.remote import is_url
from forcewatch.model import Scene
from forcewatch.provenance import file_stamp

#: Megabytes of tiles the dashboard keeps in memory (0: no cache).
TILE_CACHE_ENV = "FORCEWATCH_TILE_CACHE_MB"
DEFAULT_MAX_MB = 64
#: What an entry costs beyond its bytes (key, links of the LRU), counted against the bound.
ENTRY_OVERHEAD_B = 512
#: Bump when the renderer's output changes for the same inputs (so ETags held by browsers change too).
RENDER_VERSION = "2"


@dataclass(frozen=True)
class TileKey:
    """What a tile's pixels depend on (two equal keys: the same PNG)."""

    scene_id: int | None
    source: str  # the image's path or URL
    file_id: str  # local: "size:mtime_ns:inode" now; URL: "sha256:<recorded hash>"
    georef: str  # digest of the stored CRS, transform, size and footprint's bounds
    z: int
    x: int
    y: int

    def etag(self) -> str:
        """A strong HTTP entity tag for the tile (quoted)."""
        text = repr((RENDER_VERSION, self))
        return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def _georef_digest(scene: Scene) -> str:
    text = repr((scene.crs_wkt, tuple(scene.transform), scene.width_px, scene.height_px, scene.footprint.bounds))
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def tile_key(scene: Scene, z: int, x: int, y: int) -> TileKey | None:
    """The key of tile ``z/x/y`` of ``scene``, or None when its local file cannot be found (not cached:
    the renderer says what is wrong)."""
    if is_url(scene.path):
        file_id = f"sha256:{scene.sha256}"
    else:
        stamp = file_stamp(scene.path)
        if stamp is None:
            return None
        mtime_ns, size, inode = stamp
        file_id = f"{size}:{mtime_ns}:{inode}"
    return TileKey(scene.id, scene.path, file_id, _georef_digest(scene), z, x, y)


def max_bytes_from_env() -> int:
    """``$FORCEWATCH_TILE_CACHE_MB`` in bytes (the default when unset)."""
    raw = os.environ.get(TILE_CACHE_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_MB * 2**20
    try:
        mb = float(raw)
    except ValueError:
        mb = -1.0
    if not mb >= 0:
        raise InputError(
            f"${TILE_CACHE_ENV}={raw!r} is not a number of megabytes. Fix: set it to e.g. {DEFAULT_MAX_MB}, "
            "or 0 to turn the tile cache off."
        )
    return int(mb * 2**20)


class BytesCache:
    """Encoded documents (tiles, JSON) by key, least recently used out first, at most ``max_bytes`` in
    all; thread-safe."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_MB * 2**20) -> None:
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._rendering: dict[Hashable, threading.Event] = {}

    @staticmethod
    def cost(data: bytes) -> int:
        return len(data) + ENTRY_OVERHEAD_B

    @property
    def bytes_used(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            data = self._entries.get(key)
            if data is not None:
                self._entries.move_to_end(key)
            return data

    def put(self, key: Hashable, data: bytes) -> None:
        """Keep ``data`` under ``key`` (something larger than the whole bound is not kept)."""
        cost = self.cost(data)
        if cost > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= self.cost(old)
            self._entries[key] = data
            self._bytes += cost
            while self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= self.cost(dropped)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def get_or_render(self, key: Hashable, render: Callable[[], bytes]) -> bytes:
        """The bytes under ``key``, made by ``render()`` (once, however many threads ask at the same
        time) when missing. An error of ``render`` goes to the caller that rendered; the others waiting
        on it try again."""
        if self.max_bytes <= 0:
            return render()
        while True:
            with self._lock:
                data = self._entries.get(key)
                if data is not None:
                    self._entries.move_to_end(key)
                    self.hits += 1
                    return data
                waiting = self._rendering.get(key)
                if waiting is None:
                    done = self._rendering[key] = threading.Event()
                    self.misses += 1
                    break
            waiting.wait()
        try:
            data = render()
            self.put(key, data)
            return data
        finally:
            with self._lock:
                del self._rendering[key]
            done.set()


_shared: list[BytesCache] = []
_shared_lock = threading.Lock()


def shared_cache() -> BytesCache:
    """The process's tile cache (sized by ``$FORCEWATCH_TILE_CACHE_MB`` when first asked for)."""
    with _shared_lock:
        if not _shared:
            _shared.append(BytesCache(max_bytes_from_env()))
        return _shared[0]
