"""Tile grids with overlap whose *cores* partition the image.

Each tile owns the core between the mid-points of its overlaps with its neighbours. A detection
is kept only by the tile whose core holds its centre: every object is reported once, and, when
the overlap is at least the object's size, from a tile that holds all of it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass


@dataclass(frozen=True)
class Tile:
    x0: int
    y0: int
    x1: int
    y1: int
    core: tuple[float, float, float, float]  # (minx, miny, maxx, maxy): centres owned by this tile

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0


def axis_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Tile start positions along one axis; the last tile ends at ``length``."""
    if tile <= overlap:
        raise ValueError(f"tile ({tile}) must be larger than overlap ({overlap})")
    if length <= tile:
        return [0]
    step = tile - overlap
    starts = list(range(0, length - tile, step))
    starts.append(length - tile)
    return starts


def _cores(starts: list[int], length: int, tile: int) -> list[tuple[float, float]]:
    bounds = [0.0]
    for a, b in itertools.pairwise(starts):
        end_a = min(a + tile, length)
        bounds.append((end_a + b) / 2)
    bounds.append(float(length))
    return [(bounds[i], bounds[i + 1]) for i in range(len(starts))]


def tile_grid(width: int, height: int, tile: int, overlap: int) -> list[Tile]:
    """Tiles of at most ``tile``² covering ``width × height`` with at least ``overlap`` overlap."""
    xs, ys = axis_starts(width, tile, overlap), axis_starts(height, tile, overlap)
    cx, cy = _cores(xs, width, tile), _cores(ys, height, tile)
    return [
        Tile(
            x,
            y,
            min(x + tile, width),
            min(y + tile, height),
            (cx[i][0], cy[j][0], cx[i][1], cy[j][1]),
        )
        for j, y in enumerate(ys)
        for i, x in enumerate(xs)
    ]
