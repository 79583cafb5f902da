"""Tiles that cannot hold a detection the caller wants are not read (outside the region) or not run
through the detector (no valid pixel); the detections are those of the full run."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from forcewatch.detect.base import TileDetections
from forcewatch.detect.metadata import ModelMeta
from forcewatch.detect.run import Timings, detect_source, tiles_meeting
from forcewatch.imagery.array import ArraySource
from forcewatch.imagery.tiles import tile_grid
from tests.detect.test_metadata import META  # a valid model card


class GridDetector:
    """A fake model that finds a 6 px object at every bright pixel it is shown."""

    def __init__(self) -> None:
        self.meta = ModelMeta(**{**META.__dict__, "tile_px": 64, "overlap_px": 16, "gsd_m": 1.0})
        self.sha256, self.path, self.calls = "0" * 64, None, 0

    model_id = property(lambda self: self.meta.model_id)
    classes = property(lambda self: self.meta.classes)
    gsd_m = property(lambda self: self.meta.gsd_m)
    card = None

    def detect(self, rgb: np.ndarray, score_threshold: float | None = None) -> TileDetections:
        self.calls += 1
        ys, xs = np.nonzero(rgb[..., 0] > 200)
        boxes = np.stack([xs - 3, ys - 3, xs + 3, ys + 3], axis=1).astype(np.float32).reshape(-1, 4)
        return TileDetections(boxes, np.full(len(xs), 0.9, np.float32), np.zeros(len(xs), np.int64))


@settings(max_examples=60, deadline=None)
@given(
    w=st.integers(20, 400),
    h=st.integers(20, 400),
    cx=st.floats(0, 400),
    cy=st.floats(0, 400),
    r=st.floats(1, 150),
    s=st.sampled_from([0.5, 1.0, 2.0]),
)
def test_every_point_of_the_region_lies_in_the_core_of_a_kept_tile(
    w: int, h: int, cx: float, cy: float, r: float, s: float
) -> None:
    grid = tile_grid(w, h, 64, 16)
    region = shapely.Point(cx, cy).buffer(r)  # in source pixels; s source pixels per model pixel
    kept = tiles_meeting(grid, region, s, s)
    pts = np.random.default_rng(0).uniform([0, 0], [w * s, h * s], (300, 2))
    inside = shapely.contains_xy(region, pts[:, 0], pts[:, 1])
    for x, y in pts[inside]:
        assert any(t.core[0] * s <= x <= t.core[2] * s and t.core[1] * s <= y <= t.core[3] * s for t in kept)
    for t in set(grid) - set(kept):  # a dropped tile's core is wholly outside
        core = shapely.box(*(np.array(t.core) * s))
        assert not core.intersects(region)


def _scene() -> np.ndarray:
    rgb = np.zeros((300, 300, 3), np.uint8)
    for x, y in [(20, 20), (150, 150), (280, 40), (40, 270), (100, 160), (200, 100)]:
        rgb[y, x] = 255
    return rgb


def test_a_region_gives_the_full_runs_detections_centred_in_it_with_fewer_tiles_read() -> None:
    region = shapely.Point(150, 150).buffer(75)
    full_t, part_t = Timings(), Timings()
    full = detect_source(ArraySource(_scene()), 1.0, GridDetector(), timings=full_t)
    part = detect_source(ArraySource(_scene()), 1.0, GridDetector(), timings=part_t, region_px=region)
    in_region = [d for d in full if region.contains(shapely.box(*d.box_px).centroid)]
    assert len(full) == 6 and len(in_region) == 3
    assert {d.box_px for d in in_region} <= {d.box_px for d in part}
    assert part_t.tiles + part_t.tiles_outside == full_t.tiles and part_t.tiles_outside > 0


def test_a_region_that_misses_the_image_reads_nothing() -> None:
    det, t = GridDetector(), Timings()
    assert detect_source(ArraySource(_scene()), 1.0, det, timings=t, region_px=shapely.box(900, 900, 950, 950)) == []
    assert det.calls == 0 and t.tiles == 0 and t.tiles_outside == 36


class FilledSource(ArraySource):
    """An array whose columns from ``fill_x`` on are no data (as a RasterReader reports a nodata fill)."""

    def __init__(self, rgb: np.ndarray, fill_x: int) -> None:
        super().__init__(rgb)
        self.fill_x = fill_x

    def read(
        self, window_px: tuple[float, float, float, float], out_width: int, out_height: int
    ) -> tuple[np.ndarray, np.ndarray]:
        rgb, valid = super().read(window_px, out_width, out_height)
        valid[:, max(0, self.fill_x - int(window_px[0])) :] = False
        rgb[~valid] = 0
        return rgb, valid


def test_tiles_without_a_valid_pixel_are_not_run_through_the_detector() -> None:
    det, t = GridDetector(), Timings()
    found = detect_source(FilledSource(_scene(), 120), 1.0, det, timings=t)
    assert len(found) == 3  # (20, 20), (40, 270), (100, 160): the others are in the fill
    assert t.tiles_empty > 0 and det.calls == t.tiles == 36 - t.tiles_empty
