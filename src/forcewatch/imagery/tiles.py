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


def axis_tiling(length: int, tile: int, overlap: int, multiple: int = 1) -> tuple[list[int], int]:
    """The fewest tiles of at most ``tile`` that cover ``length`` with at least ``overlap`` between
    neighbours: their start positions and their common size, spread evenly (the last tile ends at
    ``length``). The size is rounded up to a ``multiple`` (a network's stride) where that fits.

    Even spreading is what saves the work: fixed ``tile``-sized steps leave the last tile almost
    wholly inside the one before it (3,840 px in 1,024 px tiles: 5 × 1,024 px for 3,840 px, where
    5 × 896 px do)."""
    if tile <= overlap:
        raise ValueError(f"tile ({tile}) must be larger than overlap ({overlap})")
    if length <= tile:
        return [0], length
    n = -(-(length - overlap) // (tile - overlap))
    # n tiles of this size reach: (n - 1) whole steps of at most size - overlap each
    size = -(-(length - overlap) // n) + overlap
    size = min(tile, -(-size // multiple) * multiple)
    return [i * (length - size) // (n - 1) for i in range(n)], size


def axis_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Tile start positions along one axis (:func:`axis_tiling`); the last tile ends at ``length``."""
    return axis_tiling(length, tile, overlap)[0]


def _cores(starts: list[int], length: int, tile: int) -> list[tuple[float, float]]:
    bounds = [0.0]
    for a, b in itertools.pairwise(starts):
        end_a = min(a + tile, length)
        bounds.append((end_a + b) / 2)
    bounds.append(float(length))
    return [(bounds[i], bounds[i + 1]) for i in range(len(starts))]


def tile_grid(width: int, height: int, tile: int, overlap: int, multiple: int = 1) -> list[Tile]:
    """The fewest tiles of at most ``tile``² covering ``width × height`` with at least ``overlap``
    overlap, spread evenly (:func:`axis_tiling`)."""
    xs, tw = axis_tiling(width, tile, overlap, multiple)
    ys, th = axis_tiling(height, tile, overlap, multiple)
    cx, cy = _cores(xs, width, tw), _cores(ys, height, th)
    return [
        Tile(
            x,
            y,
            min(x + tw, width),
            min(y + th, height),
            (cx[i][0], cy[j][0], cx[i][1], cy[j][1]),
        )
        for j, y in enumerate(ys)
        for i, x in enumerate(xs)
    ]
