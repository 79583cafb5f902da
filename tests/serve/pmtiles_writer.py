"""A minimal PMTiles v3 writer for the basemap tests: raster tiles, one root directory, no
compression (the layout of the PMTiles v3 specification)."""

from __future__ import annotations

import io
import struct
from pathlib import Path

HEADER_BYTES = 127
#: Tile types of the header: PNG raster, or vector (MVT).
PNG, MVT = 2, 1
_NONE = 1  # compression: none


def tile_id(z: int, x: int, y: int) -> int:
    """The PMTiles tile id of z/x/y: the tiles of the zooms before, plus the Hilbert index."""
    acc = ((1 << z) * (1 << z) - 1) // 3
    a = z - 1
    tx, ty = x, y
    s = 1 << a if z else 0
    while s > 0:
        rx, ry = tx & s, ty & s
        acc += ((3 * rx) ^ ry) * (1 << a)
        if ry == 0:
            tx, ty = (s - 1 - ty, s - 1 - tx) if rx else (ty, tx)
        s >>= 1
        a -= 1
    return acc


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def solid_png(rgb: tuple[int, int, int], size: int = 256) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (size, size), rgb).save(out, "PNG")
    return out.getvalue()


def write_pmtiles(path: Path, tiles: dict[tuple[int, int, int], bytes], tile_type: int = PNG) -> Path:
    """Write ``tiles`` ((z, x, y) → bytes) as a PMTiles v3 archive at ``path``."""
    entries = sorted((tile_id(*zxy), data) for zxy, data in tiles.items())
    blob = bytearray()
    offsets = []
    for _, data in entries:
        offsets.append(len(blob))
        blob += data
    directory = bytearray(_varint(len(entries)))
    last = 0
    for tid, _ in entries:
        directory += _varint(tid - last)
        last = tid
    directory += b"".join(_varint(1) for _ in entries)  # run lengths
    directory += b"".join(_varint(len(d)) for _, d in entries)
    directory += b"".join(_varint(o + 1) for o in offsets)  # offset + 1 (0 would mean "right after")
    zooms = [z for z, _, _ in tiles]
    root_offset = HEADER_BYTES
    meta = b"{}"
    meta_offset = root_offset + len(directory)
    data_offset = meta_offset + len(meta)
    header = b"PMTiles" + struct.pack(
        "<BQQQQQQQQQQQBBBBBBiiiiBii",
        3,
        root_offset,
        len(directory),
        meta_offset,
        len(meta),
        0,
        0,
        data_offset,
        len(blob),
        len(entries),
        len(entries),
        len(entries),
        1,  # clustered
        _NONE,
        _NONE,
        tile_type,
        min(zooms),
        max(zooms),
        -1800000000,
        -850000000,
        1800000000,
        850000000,
        min(zooms),
        0,
        0,
    )
    assert len(header) == HEADER_BYTES
    path.write_bytes(header + bytes(directory) + meta + bytes(blob))
    return path
