"""Merging detections across tiles (core ownership, then class-wise non-maximum suppression) and
across models (parts of a larger object of another class are dropped)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from forcewatch.imagery.tiles import Tile
from forcewatch.model import Detection


def in_core(boxes: np.ndarray, tile: Tile) -> np.ndarray:
    """Mask of boxes (image pixels) whose centre lies in the tile's core (half-open)."""
    cx = (boxes[:, 0] + boxes[:, 2]) / 2
    cy = (boxes[:, 1] + boxes[:, 3]) / 2
    x0, y0, x1, y1 = tile.core
    return (cx >= x0) & (cx < x1) & (cy >= y0) & (cy < y1)


def nms(boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, iou: float) -> np.ndarray:
    """Indices kept by greedy class-wise non-maximum suppression, best score first."""
    if len(boxes) == 0:
        return np.zeros((0,), np.int64)
    order = np.argsort(-scores, kind="stable")
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    suppressed = np.zeros(len(boxes), bool)
    keep = []
    for pos, i in enumerate(order):
        if suppressed[i]:
            continue
        keep.append(i)
        rest = order[pos + 1 :]
        rest = rest[~suppressed[rest] & (classes[rest] == classes[i])]
        if not len(rest):
            continue
        ix = np.minimum(boxes[i, 2], boxes[rest, 2]) - np.maximum(boxes[i, 0], boxes[rest, 0])
        iy = np.minimum(boxes[i, 3], boxes[rest, 3]) - np.maximum(boxes[i, 1], boxes[rest, 1])
        inter = np.clip(ix, 0, None) * np.clip(iy, 0, None)
        ious = inter / (areas[i] + areas[rest] - inter + 1e-9)
        suppressed[rest[ious > iou]] = True
    return np.array(keep, np.int64)


def drop_parts(
    detections: list[Detection],
    others: Sequence[Detection] = (),
    *,
    inside: float = 0.6,
    ratio: float = 4.0,
    same_iou: float = 0.5,
) -> list[Detection]:
    """Drop detections that lie mostly (``inside`` of their box) within a detection of another
    class at least ``ratio`` times larger: a "vehicle" on an aircraft's wing tip or tail is part of
    the aircraft. ``others`` are detections by models run before (other classes, same pixels): they
    can contain a part, and a detection that is the same object as one of them (IoU ≥ ``same_iou``:
    the vehicle model firing on a tent the tent model found) is dropped too; ``others`` are not
    returned. Boxes must share one pixel frame."""
    import shapely

    pool = [*detections, *others]
    if len(pool) < 2 or not detections:
        return list(detections)
    boxes = np.array([d.box_px for d in pool], np.float64)
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    geoms = shapely.box(boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3])
    tree = shapely.STRtree(geoms)
    small, big = tree.query(geoms[: len(detections)], predicate="intersects")
    cls = np.array([d.class_name for d in pool])
    inter = shapely.area(shapely.intersection(geoms[small], geoms[big]))
    other_class = (small != big) & (cls[small] != cls[big])
    is_part = other_class & (areas[big] >= ratio * areas[small]) & (inter >= inside * areas[small])
    iou = inter / np.maximum(areas[small] + areas[big] - inter, 1e-9)  # exact: an IoU of same_iou is the same
    is_same = other_class & (big >= len(detections)) & (iou >= same_iou)
    part = np.zeros(len(detections), bool)
    part[small[is_part | is_same]] = True
    return [d for d, p in zip(detections, part, strict=True) if not p]
