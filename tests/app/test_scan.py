"""The pure steps of a scan, on values built in code: no raster, no store."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import CRS
from shapely.geometry import box

from forcewatch.app.scan import (
    OBSERVABLE_SIDE_PX,
    SHARE_GRID,
    CoarseMosaic,
    count_by_class,
    detect_window,
    in_site,
    not_observable_result,
    observable,
    place_detections,
    share_grid,
    site_window,
)
from forcewatch.detect.base import Detector, TileDetections
from forcewatch.imagery.array import ArraySource
from forcewatch.imagery.tiles import Tile
from forcewatch.model import Detection, Scene, Site
from tests.detect.test_metadata import META

# a lon/lat scene of 100 × 80 pixels of 0.25° (exact in binary) whose top-left corner is 20° E, 50° N
WGS84 = CRS.from_epsg(4326).to_wkt()
TRANSFORM = (0.25, 0.0, 20.0, 0.0, -0.25, 50.0)


def _scene(gsd_m: float = 0.5, width_px: int = 100, height_px: int = 80) -> Scene:
    footprint = box(20.0, 50.0 - height_px * 0.25, 20.0 + width_px * 0.25, 50.0)
    return Scene(
        path="mem://scene",
        sha256="0" * 64,
        acquired="2022-02-10T09:00:00Z",
        sensor="test",
        crs_wkt=WGS84,
        transform=TRANSFORM,
        width_px=width_px,
        height_px=height_px,
        gsd_m=gsd_m,
        footprint=footprint,
        georef="embedded",
        id=7,
    )


def _site(aoi: shapely.Geometry) -> Site:
    return Site("test site", aoi, id=3)


class BrightBoxDetector:
    """A detector that boxes the bright pixels of a tile (one box per tile, class "aircraft") at 1 m."""

    sha256 = "f" * 64
    path = Path("bright.onnx")
    card = None

    def __init__(self) -> None:
        self.meta = replace(META, model_id="bright-v1", gsd_m=1.0, tile_px=256, overlap_px=32, score_threshold=0.5)
        self.model_id, self.classes, self.gsd_m = self.meta.model_id, self.meta.classes, self.meta.gsd_m

    def detect(self, rgb: np.ndarray, score_threshold: float | None = None) -> TileDetections:
        rows, cols = np.nonzero(rgb[..., 0] > 200)
        if not len(rows):
            return TileDetections(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64))
        b = [cols.min(), rows.min(), cols.max() + 1, rows.max() + 1]
        return TileDetections(np.array([b], np.float32), np.array([0.9], np.float32), np.array([0], np.int64))


def _detection(box_px: tuple[float, float, float, float], class_name: str = "aircraft") -> Detection:
    return Detection(class_name, 0.9, box_px, 10.0, 5.0, "small", "bright-v1")


def test_the_fake_detector_satisfies_the_protocol() -> None:
    assert isinstance(BrightBoxDetector(), Detector)


def test_site_window_covers_the_site_plus_the_margin() -> None:
    aoi = box(21.0, 48.0, 22.0, 49.0)  # columns 4–8, rows 4–8
    assert site_window(_scene(), aoi, margin_px=0) == (4, 4, 8, 8)
    assert site_window(_scene(), aoi, margin_px=1.5) == (2, 2, 10, 10)


def test_site_window_is_clamped_to_the_scene_and_none_outside_it() -> None:
    assert site_window(_scene(), box(19.0, 48.0, 21.0, 49.0), margin_px=2) == (0, 2, 6, 10)
    assert site_window(_scene(), box(60.0, 48.0, 61.0, 49.0), margin_px=2) is None


def test_coarse_mosaic_is_at_most_the_observable_side() -> None:
    big = CoarseMosaic(4 * OBSERVABLE_SIDE_PX, 2 * OBSERVABLE_SIDE_PX)
    assert (big.w, big.h, big.f) == (OBSERVABLE_SIDE_PX, OBSERVABLE_SIDE_PX // 2, 4.0)
    small = CoarseMosaic(100, 50)
    assert (small.w, small.h, small.f) == (100, 50, 1.0)


def test_coarse_mosaic_pastes_a_tile_shrunk() -> None:
    mosaic = CoarseMosaic(4 * OBSERVABLE_SIDE_PX, 2 * OBSERVABLE_SIDE_PX)  # 4 model pixels per mosaic pixel
    rgb = np.full((512, 512, 3), 200, np.uint8)
    valid = np.ones((512, 512), bool)
    mosaic.add(Tile(512, 0, 1024, 512, (512, 0, 1024, 512)), rgb, valid)
    assert mosaic.valid[:128, 128:256].all() and not mosaic.valid[:, :128].any()
    assert (mosaic.rgb[:128, 128:256] == 200).all() and (mosaic.rgb[:, :128] == 0).all()


def test_share_grid_keeps_the_points_inside_the_site() -> None:
    lons, lats = share_grid(box(21.0, 48.0, 22.0, 49.0))
    assert len(lons) == len(lats) == (SHARE_GRID - 2) ** 2  # the points on the outline are not inside
    assert lons.min() > 21.0 and lats.max() < 49.0


def test_observable_share_counts_valid_pixels_only() -> None:
    scene = _scene()
    window = (0, 0, 100, 80)
    mosaic = CoarseMosaic(100, 80)
    mosaic.rgb[:] = (60, 120, 60)  # grass: not cloud
    mosaic.valid[:, :50] = True  # the eastern half holds no data
    share, clouds = observable(mosaic, scene, scene.footprint, window)
    assert share == pytest.approx(0.5, abs=0.03)
    assert clouds.is_empty


def test_observable_share_leaves_out_clouds_and_outlines_them() -> None:
    scene = _scene(gsd_m=5.0)  # cloud morphology works on metres: 5 m pixels keep its kernels small
    window = (0, 0, 100, 80)
    mosaic = CoarseMosaic(100, 80)
    mosaic.rgb[:] = (60, 120, 60)
    mosaic.rgb[:, :40] = 245  # a flat white cloud over the western 40 %
    mosaic.valid[:] = True
    share, clouds = observable(mosaic, scene, scene.footprint, window)
    assert 0.5 < share < 0.6  # the cloud mask is dilated by a few pixels
    minx, miny, maxx, maxy = clouds.bounds
    assert minx == pytest.approx(20.0) and 30.0 < maxx < 31.5  # about 40 pixels of 0.25° east of 20° E
    assert (miny, maxy) == pytest.approx((30.0, 50.0))


def test_observable_without_a_window_sees_nothing() -> None:
    share, clouds = observable(None, _scene(), box(21.0, 48.0, 22.0, 49.0), None)
    assert share == 0.0 and clouds.is_empty


def test_place_detections_moves_boxes_into_the_scene_and_onto_the_ground() -> None:
    placed = place_detections([_detection((0, 0, 4, 2)), _detection((10, 10, 12, 12))], _scene(), (4, 8, 50, 50))
    assert [d.box_px for d in placed] == [(4, 8, 8, 10), (14, 18, 16, 20)]
    assert all(d.scene_id == 7 for d in placed)
    assert placed[0].polygon is not None
    assert placed[0].polygon.bounds == pytest.approx((21.0, 47.5, 22.0, 48.0))
    assert place_detections([], _scene(), (0, 0, 10, 10)) == []


def test_in_site_keeps_detections_centred_in_the_site() -> None:
    placed = place_detections([_detection((4, 4, 6, 6)), _detection((7, 7, 11, 11))], _scene(), (0, 0, 100, 80))
    kept = in_site(placed, box(21.0, 48.0, 22.0, 49.0))  # pixels 4–8: the second box's centre (9, 9) is out
    assert [d.box_px for d in kept] == [(4, 4, 6, 6)]
    assert in_site([], box(21.0, 48.0, 22.0, 49.0)) == []


def test_count_by_class_has_a_zero_for_each_class_not_found() -> None:
    dets = [_detection((0, 0, 1, 1)), _detection((0, 0, 1, 1)), _detection((0, 0, 1, 1), "tent")]
    assert count_by_class(("aircraft", "vehicle"), dets) == {"aircraft": 2, "vehicle": 0, "tent": 1}


def test_detect_window_reads_only_the_window_through_the_detector() -> None:
    image = np.zeros((300, 400, 3), np.uint8)
    image[120:130, 210:230] = 255  # a bright object at columns 210–230, rows 120–130
    source = ArraySource(image)
    reads: list[tuple[float, float, float, float]] = []
    read = source.read

    def spy(window_px: tuple[float, float, float, float], w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
        reads.append(window_px)
        return read(window_px, w, h)

    source.read = spy  # type: ignore[method-assign]
    found, mosaic = detect_window(source, (200, 100, 300, 200), 1.0, BrightBoxDetector())
    assert [d.box_px for d in found] == [(10.0, 20.0, 30.0, 30.0)]  # in the window's pixels
    assert all(x0 >= 200 and x1 <= 300 and y0 >= 100 and y1 <= 200 for x0, y0, x1, y1 in reads)
    assert (mosaic.w, mosaic.h) == (100, 100) and mosaic.valid.all()


def test_not_observable_result_records_why_never_zero() -> None:
    res = not_observable_result(_scene(), _site(box(21.0, 48.0, 22.0, 49.0)), BrightBoxDetector(), "too coarse")
    obs = res.observation
    assert obs.counts == {} and obs.not_observable == {"aircraft": "too coarse", "vehicle": "too coarse"}
    assert (obs.site_id, obs.scene_id, obs.share_observed, obs.observed) == (3, 7, 0.0, None)
    assert obs.model_sha256 == "f" * 64 and obs.thresholds == {"score": 0.5, "nms_iou": 0.5}
    assert res.detections == []
