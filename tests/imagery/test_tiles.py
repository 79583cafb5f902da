from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forcewatch.detect.merge import in_core, nms
from forcewatch.imagery.tiles import axis_starts, axis_tiling, tile_grid


@given(
    length=st.integers(1, 20000),
    tile=st.integers(64, 2048),
    overlap=st.integers(0, 63),
    multiple=st.sampled_from([1, 8, 32]),
)
def test_tiles_cover_the_axis_with_at_least_the_overlap(length: int, tile: int, overlap: int, multiple: int) -> None:
    starts, size = axis_tiling(length, tile, overlap, multiple)
    assert starts[0] == 0 and size <= tile
    assert starts[-1] + size == length  # the last tile ends at the end, none sticks out
    for a, b in itertools.pairwise(starts):
        assert a < b
        assert a + size - b >= overlap  # consecutive tiles overlap enough
    if len(starts) > 1:
        assert size % multiple == 0 or size == tile  # a multiple of the stride where that fits


@given(length=st.integers(1, 20000), tile=st.integers(64, 2048), overlap=st.integers(0, 63))
def test_even_tiles_are_the_fewest_and_never_more_pixels_than_fixed_steps(length: int, tile: int, overlap: int) -> None:
    starts, size = axis_tiling(length, tile, overlap)
    fewest = 1 if length <= tile else -(-(length - overlap) // (tile - overlap))
    assert len(starts) == fewest
    fixed = [*range(0, length - tile, tile - overlap), length - tile] if length > tile else [0]  # the old steps
    assert len(starts) * size <= len(fixed) * min(tile, length)


def test_even_tiles_halve_the_waste_on_a_3840_px_side() -> None:
    assert axis_tiling(3840, 1024, 128, 32) == ([0, 736, 1472, 2208, 2944], 896)
    assert axis_starts(1280, 1024, 128) == [0, 576]  # two 704 px tiles, not two of 1,024


@given(
    width=st.integers(1, 3000),
    height=st.integers(1, 3000),
    tile=st.sampled_from([128, 256, 512]),
    overlap=st.sampled_from([0, 32, 64]),
)
def test_cores_partition_the_image(width: int, height: int, tile: int, overlap: int) -> None:
    tiles = tile_grid(width, height, tile, overlap)
    area = sum((t.core[2] - t.core[0]) * (t.core[3] - t.core[1]) for t in tiles)
    assert area == pytest.approx(width * height)
    for t in tiles:
        assert t.x0 <= t.core[0] <= t.core[2] <= t.x1
        assert t.y0 <= t.core[1] <= t.core[3] <= t.y1


def _simulated_detector(box: np.ndarray, tile_box: tuple[int, int, int, int]) -> np.ndarray:
    """What a detector sees in one tile: the part of the object inside it (maybe cut)."""
    x0, y0, x1, y1 = tile_box
    clipped = np.array([max(box[0], x0), max(box[1], y0), min(box[2], x1), min(box[3], y1)])
    if clipped[2] <= clipped[0] or clipped[3] <= clipped[1]:
        return np.zeros((0, 4))
    return clipped[None]


@settings(max_examples=300)
@given(
    width=st.integers(200, 2500),
    height=st.integers(200, 2500),
    tile=st.sampled_from([256, 512, 1024]),
    overlap=st.sampled_from([64, 128]),
    fx=st.floats(0, 1),
    fy=st.floats(0, 1),
    fw=st.floats(0.05, 1),
    fh=st.floats(0.05, 1),
)
def test_a_box_split_by_any_tile_edge_is_found_once_and_whole(
    width: int, height: int, tile: int, overlap: int, fx: float, fy: float, fw: float, fh: float
) -> None:
    # an object no larger than the overlap, anywhere in the image
    w, h = max(1.0, fw * overlap), max(1.0, fh * overlap)
    x0, y0 = fx * (width - w), fy * (height - h)
    box = np.array([x0, y0, x0 + w, y0 + h])
    found = []
    for t in tile_grid(width, height, tile, overlap):
        seen = _simulated_detector(box, (t.x0, t.y0, t.x1, t.y1))
        found.extend(seen[in_core(seen, t)])
    assert len(found) == 1
    np.testing.assert_allclose(found[0], box)  # never a half object


def test_nms_is_class_wise_and_keeps_the_best() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [0, 0, 10, 10], [30, 30, 40, 40]], np.float32)
    scores = np.array([0.5, 0.9, 0.4, 0.3], np.float32)
    classes = np.array([0, 0, 1, 0])
    keep = nms(boxes, scores, classes, 0.5)
    assert keep.tolist() == [1, 2, 3]


def test_a_known_grid_on_a_wide_image() -> None:
    """1000 × 600 px in tiles of at most 512 px with 64 px overlap: every start, end and core by hand.
    Across: ceil((1000 - 64) / (512 - 64)) = 3 tiles of (1000 - 64) / 3 + 64 = 376 px, starts 0, 312,
    624; down: 2 tiles of (600 - 64) / 2 + 64 = 332 px, starts 0, 268. The cores split each overlap
    at its middle: (376 + 312) / 2 = 344, (688 + 624) / 2 = 656, (332 + 268) / 2 = 300."""
    assert axis_starts(1000, 512, 64) == [0, 312, 624]  # the last tile ends at the edge
    assert axis_starts(600, 512, 64) == [0, 268]
    tiles = tile_grid(1000, 600, 512, 64)
    # row by row (y outer), x inner; x and y never swapped on a non-square image
    assert [(t.x0, t.y0, t.x1, t.y1) for t in tiles] == [
        (0, 0, 376, 332),
        (312, 0, 688, 332),
        (624, 0, 1000, 332),
        (0, 268, 376, 600),
        (312, 268, 688, 600),
        (624, 268, 1000, 600),
    ]
    assert [t.core for t in tiles] == [
        (0.0, 0.0, 344.0, 300.0),
        (344.0, 0.0, 656.0, 300.0),
        (656.0, 0.0, 1000.0, 300.0),
        (0.0, 300.0, 344.0, 600.0),
        (344.0, 300.0, 656.0, 600.0),
        (656.0, 300.0, 1000.0, 600.0),
    ]
    assert {(t.width, t.height) for t in tiles} == {(376, 332)}
    assert len(tile_grid(1000, 600, 512, 64, multiple=32)) == 6 and tile_grid(1000, 600, 512, 64, 32)[0].x1 == 384


def test_an_image_smaller_than_a_tile_is_one_clipped_tile() -> None:
    (only,) = tile_grid(300, 200, 512, 64)
    assert (only.x0, only.y0, only.x1, only.y1) == (0, 0, 300, 200)
    assert (only.width, only.height) == (300, 200)
    assert only.core == (0.0, 0.0, 300.0, 200.0)


def test_tile_and_overlap_boundaries() -> None:
    # the overlap must be smaller than the tile: equal is an error, one less is the tightest grid
    with pytest.raises(ValueError, match="tile"):
        axis_starts(100, 64, 64)
    with pytest.raises(ValueError, match="tile"):
        axis_starts(100, 64, 65)
    assert axis_starts(66, 64, 63) == [0, 1, 2]  # a step of one pixel
    # an axis exactly one tile long is one tile; one pixel longer needs a second
    assert axis_starts(512, 512, 64) == [0]
    assert axis_tiling(513, 512, 64) == ([0, 224], 289)  # two tiles of (513 - 64) / 2 + 64 px
    assert axis_starts(100, 512, 0) == [0]
    assert axis_starts(1024, 512, 0) == [0, 512]  # no overlap: tiles abut
    assert axis_tiling(1025, 512, 0) == ([0, 341, 683], 342)
