"""New activity where no detector looks (tent camps, vehicle parks, earthworks): radiometric
normalisation of the later date to the earlier, a change magnitude, a robust threshold, morphological
cleaning, and polygons with area and confidence. Nodata and cloud are never change."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from rasterio import features

from forcewatch.geo.convert import area_m2, mask_to_polygons, reprojector
from forcewatch.imagery.coreg import Grid
from forcewatch.model import ActivityPolygon

K_MAD = 6.0  # threshold: median + K_MAD robust standard deviations of the magnitude …
MIN_MAGNITUDE = 30.0  # … and at least this much (0–255 units): illumination and haze stay below
MIN_AREA_M2 = 300.0


@dataclass(frozen=True)
class ChangeThreshold:
    """How strong a change must be to count: ``k_mad`` robust standard deviations above the median
    magnitude and at least ``min_magnitude``; each area's confidence is scaled by ``confidence_scale``."""

    k_mad: float = K_MAD
    min_magnitude: float = MIN_MAGNITUDE
    confidence_scale: float = 1.0


#: Two dates of one sensor at one GSD.
SAME_SENSOR = ChangeThreshold()


def match_radiometry(src: np.ndarray, ref: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """Histogram matching of each band of ``src`` to ``ref`` over the usable pixels."""
    out = src.copy()
    q = np.linspace(0, 100, 257)
    for b in range(src.shape[2]):
        s_q = np.percentile(src[..., b][usable], q)
        r_q = np.percentile(ref[..., b][usable], q)
        s_q, idx = np.unique(s_q, return_index=True)
        out[..., b] = np.interp(src[..., b], s_q, r_q[idx])
    return out


def change_magnitude(before: np.ndarray, after: np.ndarray, gsd_m: float) -> np.ndarray:
    """Per-pixel change: colour difference plus texture difference, lightly smoothed."""
    sigma = max(0.5, 1.0 / gsd_m)
    a = cv2.GaussianBlur(before, (0, 0), sigma)
    b = cv2.GaussianBlur(after, (0, 0), sigma)
    colour = np.linalg.norm(a - b, axis=2) / np.sqrt(3)
    ga = cv2.Laplacian(before.mean(axis=2), cv2.CV_32F)
    gb = cv2.Laplacian(after.mean(axis=2), cv2.CV_32F)
    texture = cv2.GaussianBlur(np.abs(np.abs(gb) - np.abs(ga)), (0, 0), 2 * sigma)
    return (colour + texture).astype(np.float32)


def new_activity(
    before: np.ndarray,
    after: np.ndarray,
    usable: np.ndarray,
    grid: Grid,
    min_area_m2: float = MIN_AREA_M2,
    threshold: ChangeThreshold = SAME_SENSOR,
) -> tuple[list[ActivityPolygon], np.ndarray]:
    """Polygons of change between two co-registered RGB images on ``grid`` (usable: valid, cloud-free
    on both dates). Returns the areas (lon/lat, largest first, each with its area and a confidence
    0–1: how far above the threshold the change is, on average, times the threshold's
    ``confidence_scale``) and the change mask."""
    if usable.sum() < 100:
        return [], np.zeros(usable.shape, bool)
    after_n = match_radiometry(after, before, usable)
    mag = change_magnitude(before, after_n, grid.gsd_m)
    vals = mag[usable]
    med = float(np.median(vals))
    mad = float(np.median(np.abs(vals - med))) * 1.4826
    thr = max(med + threshold.k_mad * mad, threshold.min_magnitude)
    mask = (mag > thr) & usable
    r_open = max(1, round(1.0 / grid.gsd_m))
    r_close = max(1, round(6.0 / grid.gsd_m))
    m = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((2 * r_open + 1,) * 2, np.uint8))
    m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, np.ones((2 * r_close + 1,) * 2, np.uint8))
    m = ((m > 0) & usable).astype(np.uint8)
    to_ll = reprojector(grid.crs, 4326)
    areas = []
    for poly_utm in mask_to_polygons(m, grid.transform):
        if poly_utm.area < min_area_m2:
            continue
        ll = to_ll(poly_utm)
        inside = features.rasterize([(poly_utm, 1)], out_shape=m.shape, transform=grid.transform).astype(bool)
        conf = float(np.clip((mag[inside].mean() / thr - 1.0), 0, 1)) * threshold.confidence_scale
        areas.append(ActivityPolygon(ll, area_m2(ll), conf))
    return sorted(areas, key=lambda a: -a.area_m2), m.astype(bool)
