"""The tile cache: bounded in bytes, least recently used out first, one render for concurrent asks,
thread-safe; tiles keyed by the scene file's identity now (so a changed or moved file is never
answered from a stale entry) and answered with an ETag (304 when the browser has it)."""

from __future__ import annotations

import dataclasses
import functools
import io
import math
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from affine import Affine
from PIL import Image
from rasterio.crs import CRS
from shapely.geometry import box

from forcewatch.errors import ImageryError, InputError
from forcewatch.model import Scene
from forcewatch.serve import tile_cache, tiles
from forcewatch.serve.tile_cache import ENTRY_OVERHEAD_B, BytesCache, max_bytes_from_env, tile_key
from tests.imagery.test_raster import _geotiff

Z = 15


def _xy(lon: float, lat: float) -> tuple[int, int]:
    n = 2**Z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def _write(path: Path, value: int) -> None:
    _geotiff(
        path, "EPSG:4326", Affine(0.0001, 0.0, 26.79, 0.0, -0.0001, 52.26), np.full((3, 200, 200), value, np.uint8)
    )


def _scene(path: Path, value: int = 50) -> Scene:
    _write(path, value)
    transform = (0.0001, 0.0, 26.79, 0.0, -0.0001, 52.26)
    wkt = CRS.from_epsg(4326).to_wkt()
    footprint = box(26.79, 52.24, 26.81, 52.26)
    return Scene(
        str(path), "ab" * 32, "2022-03-01T09:00:00Z", "t", wkt, transform, 200, 200, 10.0, footprint, "embedded", id=7
    )


def _red(png: bytes) -> int:
    rgba = np.asarray(Image.open(io.BytesIO(png)))
    return int(np.median(rgba[..., 0][rgba[..., 3] == 255]))


# ---- the cache


def test_the_cache_holds_at_most_its_bytes_and_drops_the_least_recently_used() -> None:
    entry = 1000
    cache = BytesCache(max_bytes=3 * (entry + ENTRY_OVERHEAD_B))
    for key in "abc":
        cache.put(key, b"x" * entry)
    assert cache.get("a") is not None  # a is now the most recent: b goes first
    cache.put("d", b"x" * entry)
    assert cache.get("b") is None and all(cache.get(k) is not None for k in "acd")
    assert len(cache) == 3 and cache.bytes_used == 3 * (entry + ENTRY_OVERHEAD_B) <= cache.max_bytes
    cache.put("e", b"x" * (2 * entry))  # one large entry pushes out two
    assert len(cache) == 2 and cache.bytes_used <= cache.max_bytes
    cache.put("huge", b"x" * cache.max_bytes)  # larger than the bound: not kept, nothing dropped for it
    assert cache.get("huge") is None and len(cache) == 2


def test_replacing_an_entry_counts_its_bytes_once() -> None:
    cache = BytesCache(max_bytes=10_000)
    cache.put("k", b"x" * 100)
    cache.put("k", b"y" * 300)
    assert cache.get("k") == b"y" * 300 and cache.bytes_used == 300 + ENTRY_OVERHEAD_B


def test_concurrent_asks_for_one_missing_tile_render_it_once() -> None:
    cache = BytesCache()
    calls: list[int] = []
    gate = threading.Barrier(8)

    def render() -> bytes:
        calls.append(1)
        time.sleep(0.05)  # the others ask while it renders
        return b"png"

    def ask(out: list[bytes]) -> None:
        gate.wait()
        out.append(cache.get_or_render(("scene", 1), render))

    got: list[bytes] = []
    threads = [threading.Thread(target=ask, args=(got,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == [b"png"] * 8 and len(calls) == 1 and cache.misses == 1 and cache.hits == 7


def test_a_failed_render_reaches_its_caller_and_is_not_kept() -> None:
    cache = BytesCache()

    def broken() -> bytes:
        raise ImageryError("gone. Fix: relocate.")

    with pytest.raises(ImageryError):
        cache.get_or_render("k", broken)
    assert cache.get("k") is None and cache.get_or_render("k", lambda: b"now") == b"now"


def test_the_cache_stays_consistent_under_many_threads() -> None:
    cache = BytesCache(max_bytes=40 * (100 + ENTRY_OVERHEAD_B))
    plan = np.random.default_rng(0).integers(0, 200, size=(8, 400)).tolist()
    wrong: list[int] = []

    def value(k: int) -> bytes:
        return bytes([k]) * (50 + k % 100)

    def work(row: list[int]) -> None:
        for k in row:
            if cache.get_or_render(k, functools.partial(value, k)) != value(k):
                wrong.append(k)

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads interleave as often as they can
    try:
        threads = [threading.Thread(target=work, args=(row,)) for row in plan]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(switch)
    kept = [k for k in range(200) if cache.get(k) is not None]
    assert not wrong and all(cache.get(k) == value(k) for k in kept)
    assert cache.bytes_used == sum(len(value(k)) + ENTRY_OVERHEAD_B for k in kept) <= cache.max_bytes
    assert cache.hits + cache.misses == 8 * 400


def test_a_cache_of_zero_bytes_keeps_nothing() -> None:
    cache = BytesCache(max_bytes=0)
    assert cache.get_or_render("k", lambda: b"png") == b"png" and len(cache) == 0


def test_its_size_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(tile_cache.TILE_CACHE_ENV, raising=False)
    assert max_bytes_from_env() == tile_cache.DEFAULT_MAX_MB * 2**20
    monkeypatch.setenv(tile_cache.TILE_CACHE_ENV, "0.5")
    assert max_bytes_from_env() == 2**19
    for bad in ("lots", "-1", "nan"):
        monkeypatch.setenv(tile_cache.TILE_CACHE_ENV, bad)
        with pytest.raises(InputError, match="Fix: set it to"):
            max_bytes_from_env()


# ---- keys: what a tile's pixels depend on


def test_a_key_changes_with_the_file_its_place_and_the_georeferencing(tmp_path: Path) -> None:
    scene = _scene(tmp_path / "a.tif")
    first, same = tile_key(scene, Z, 1, 2), tile_key(scene, Z, 1, 2)
    assert first is not None and same is not None and first == same and first.etag() == same.etag()
    assert tile_key(scene, Z, 1, 3) != first
    stat = os.stat(scene.path)
    _write(Path(scene.path), 200)  # rewritten in place (same size: only the time and content differ)
    os.utime(scene.path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    rewritten = tile_key(scene, Z, 1, 2)
    assert rewritten is not None and rewritten != first and rewritten.etag() != first.etag()
    moved = Path(tmp_path / "b.tif")
    os.rename(scene.path, moved)
    assert tile_key(scene, Z, 1, 2) is None  # the old place: no file to key on
    relocated = tile_key(dataclasses.replace(scene, path=str(moved)), Z, 1, 2)
    assert relocated is not None and relocated not in (first, rewritten)
    shifted = dataclasses.replace(scene, path=str(moved), transform=(0.0001, 0.0, 26.791, 0.0, -0.0001, 52.26))
    assert tile_key(shifted, Z, 1, 2) != relocated


def test_a_remote_scene_is_keyed_by_its_recorded_hash(tmp_path: Path) -> None:
    scene = dataclasses.replace(_scene(tmp_path / "a.tif"), path="https://example.org/a.tif")
    key = tile_key(scene, Z, 1, 2)
    assert key is not None and key.file_id == f"sha256:{scene.sha256}"
    assert tile_key(dataclasses.replace(scene, sha256="cd" * 32), Z, 1, 2) != key


# ---- the answer: ETag, 304, never stale


def test_a_tile_answer_carries_an_etag_and_a_304_when_the_browser_has_it(tmp_path: Path) -> None:
    scene = _scene(tmp_path / "a.tif", 60)
    x, y = _xy(26.80, 52.25)
    cache = BytesCache()
    done = tiles.tile_response(scene, Z, x, y, None, cache)
    assert done.status_code == 200 and done.media_type == "image/png" and _red(bytes(done.body)) == 60
    etag = done.headers["etag"]
    assert done.headers["cache-control"] == f"private, max-age={tiles.TILE_MAX_AGE_S}"
    for sent in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = tiles.tile_response(scene, Z, x, y, sent, cache)
        assert again.status_code == 304 and again.body == b"" and again.headers["etag"] == etag
    assert tiles.tile_response(scene, Z, x, y, '"other"', cache).status_code == 200
    assert cache.misses == 1 and cache.hits == 1  # rendered once; the 304s rendered nothing


def test_a_file_rewritten_in_place_is_not_answered_from_the_cache(tmp_path: Path) -> None:
    scene = _scene(tmp_path / "a.tif", 60)
    x, y = _xy(26.80, 52.25)
    cache = BytesCache()
    before = tiles.tile_response(scene, Z, x, y, None, cache)
    stat = os.stat(scene.path)
    _write(Path(scene.path), 180)
    os.utime(scene.path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    after = tiles.tile_response(scene, Z, x, y, before.headers["etag"], cache)
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    assert _red(bytes(after.body)) == 180


def test_the_cached_answer_is_the_rendered_tile(tmp_path: Path) -> None:
    scene = _scene(tmp_path / "a.tif", 90)
    x, y = _xy(26.79, 52.25)  # across the scene's west edge
    cache = BytesCache()
    first = tiles.tile_response(scene, Z, x, y, None, cache)
    assert first.body == tiles.render_tile(scene, Z, x, y) == tiles.tile_response(scene, Z, x, y, None, cache).body


def test_a_missing_file_is_not_cached_and_names_the_fix(tmp_path: Path) -> None:
    scene = _scene(tmp_path / "a.tif")
    os.remove(scene.path)
    x, y = _xy(26.80, 52.25)
    cache = BytesCache()
    with pytest.raises(ImageryError, match="forcewatch scene relocate"):
        tiles.tile_response(scene, Z, x, y, None, cache)
    far = tiles.tile_response(scene, Z, x + 50, y, None, cache)  # outside the scene: the empty tile, unkept
    assert far.status_code == 200 and far.headers["cache-control"] == "no-store" and len(cache) == 0
