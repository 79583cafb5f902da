"""Co-registration of two dates of a site: both read onto one grid (local UTM, the coarser GSD of
the two), then the shift between them estimated to sub-pixel precision by phase correlation on
gradient images (robust to brightness and haze). Pairs that cannot be aligned are refused with
the reason: no overlap, too little texture, too much cloud."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import shapely
from affine import Affine
from pyproj import CRS, Transformer
from rasterio.enums import Resampling
from rasterio.warp import reproject
from shapely.geometry.base import BaseGeometry

from forcewatch.errors import InputError
from forcewatch.geo.convert import pixel_bounds, utm_crs
from forcewatch.imagery.raster import RasterReader
from forcewatch.model import Scene

#: Largest grid side read for co-registration and area change (memory stays bounded).
MAX_GRID_PX = 2048
MIN_TEXTURE = 0.5  # mean gradient (grey levels per pixel, after a σ = 1 px blur) below which alignment is refused
MAX_SHIFT_M = 200.0


@dataclass(frozen=True)
class Grid:
    """A north-up grid in a local UTM zone covering an area at a given GSD."""

    crs: CRS
    transform: Affine
    width: int
    height: int
    gsd_m: float


@dataclass(frozen=True)
class Alignment:
    dx_m: float  # shift to apply to the later date (east, metres) to align it with the earlier
    dy_m: float  # (north, metres)
    residual_m: float  # estimated misalignment left after the shift
    peak: float  # phase-correlation peak strength (0–1): confidence of the estimate

    @property
    def shift_m(self) -> float:
        return math.hypot(self.dx_m, self.dy_m)


def common_grid(area: BaseGeometry, gsd_m: float) -> Grid:
    """A grid over ``area`` (lon/lat) at ``gsd_m`` (coarsened if it would exceed MAX_GRID_PX)."""
    c = area.centroid
    crs = utm_crs(c.y, c.x)
    to_utm = Transformer.from_crs(4326, crs, always_xy=True)
    xs, ys = to_utm.transform(*np.asarray(shapely.segmentize(area.envelope, 0.001).exterior.coords.xy))
    minx, maxx, miny, maxy = min(xs), max(xs), min(ys), max(ys)
    gsd = max(gsd_m, (maxx - minx) / MAX_GRID_PX, (maxy - miny) / MAX_GRID_PX)
    w, h = max(1, math.ceil((maxx - minx) / gsd)), max(1, math.ceil((maxy - miny) / gsd))
    return Grid(crs, Affine(gsd, 0, minx, 0, -gsd, maxy), w, h, gsd)


def read_on_grid(scene: Scene, grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    """The scene resampled onto ``grid``: (RGB float32 H×W×3, valid bool H×W).

    Only the scene window covering the grid is read (at about the grid's resolution)."""
    src_crs = CRS.from_wkt(scene.crs_wkt)
    src_aff = Affine(*scene.transform)
    corners = [
        grid.transform @ (x, y) for x, y in ((0, 0), (grid.width, 0), (grid.width, grid.height), (0, grid.height))
    ]
    c0, r0, c1, r1 = pixel_bounds(
        scene.crs_wkt, scene.transform, [p[0] for p in corners], [p[1] for p in corners], grid.crs
    )
    x0, y0 = max(0, math.floor(c0) - 2), max(0, math.floor(r0) - 2)
    x1, y1 = min(scene.width_px, math.ceil(c1) + 2), min(scene.height_px, math.ceil(r1) + 2)
    out = np.zeros((grid.height, grid.width, 3), np.float32)
    valid = np.zeros((grid.height, grid.width), bool)
    if x1 <= x0 or y1 <= y0:
        return out, valid
    f = max(1.0, (grid.gsd_m / scene.gsd_m) / 1.0)
    ow, oh = max(1, round((x1 - x0) / f)), max(1, round((y1 - y0) / f))
    with RasterReader(Path(scene.path)) as reader:
        rgb, ok = reader.read((x0, y0, x1, y1), ow, oh)
    win_aff = src_aff @ Affine.translation(x0, y0) @ Affine.scale((x1 - x0) / ow, (y1 - y0) / oh)
    for band in range(3):
        dst = np.full((grid.height, grid.width), np.nan, np.float32)
        reproject(
            rgb[..., band].astype(np.float32),
            dst,
            src_transform=win_aff,
            src_crs=src_crs,
            dst_transform=grid.transform,
            dst_crs=grid.crs,
            resampling=Resampling.bilinear,
            dst_nodata=np.nan,
        )
        out[..., band] = dst
    mask = np.zeros((grid.height, grid.width), np.uint8)
    reproject(
        ok.astype(np.uint8),
        mask,
        src_transform=win_aff,
        src_crs=src_crs,
        dst_transform=grid.transform,
        dst_crs=grid.crs,
        resampling=Resampling.nearest,
        dst_nodata=0,
    )
    valid = (mask > 0) & np.isfinite(out).all(axis=2)
    out[~valid] = 0
    return out, valid


def grey(rgb: np.ndarray) -> np.ndarray:
    return (rgb @ np.array([0.299, 0.587, 0.114], np.float32)).astype(np.float32)


def _gradient(img: np.ndarray) -> np.ndarray:
    """Gradient magnitude after a light blur (sensor noise is not texture)."""
    img = cv2.GaussianBlur(img, (0, 0), 1.0)
    gx = cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3)
    return np.hypot(gx, gy)


def estimate_shift(
    before: np.ndarray, after: np.ndarray, valid: np.ndarray, gsd_m: float, unusable: np.ndarray | None = None
) -> Alignment:
    """Sub-pixel shift between two grey images on one grid (phase correlation on gradients)."""
    usable = valid & (~unusable if unusable is not None else True)
    if usable.mean() < 0.2:
        why = "too much cloud" if unusable is not None and (valid & unusable).mean() > 0.3 else "too little overlap"
        raise InputError(f"the two dates cannot be aligned: {why} ({usable.mean():.0%} of the grid usable).")
    ga, gb = _gradient(before), _gradient(after)
    texture = min(float(ga[usable].mean()), float(gb[usable].mean())) / 8.0  # Sobel 3×3 scales by 8
    if texture < MIN_TEXTURE:
        raise InputError(
            f"the two dates cannot be aligned: too little texture (mean gradient {texture:.2f} "
            f"grey levels per pixel, below {MIN_TEXTURE})."
        )
    win = cv2.createHanningWindow((before.shape[1], before.shape[0]), cv2.CV_32F)
    a = np.where(usable, ga, 0).astype(np.float32)
    b = np.where(usable, gb, 0).astype(np.float32)
    (sx, sy), peak = cv2.phaseCorrelate(a, b, win)
    dx_m, dy_m = -sx * gsd_m, sy * gsd_m  # image x → east; image y → south
    if math.hypot(dx_m, dy_m) > MAX_SHIFT_M:
        raise InputError(
            f"the two dates cannot be aligned: the best shift, {math.hypot(dx_m, dy_m):.0f} m, exceeds "
            f"{MAX_SHIFT_M:.0f} m (different places, or one is georeferenced wrongly)."
        )
    residual = gsd_m * (0.25 if peak > 0.3 else 0.5 if peak > 0.1 else 1.0)
    return Alignment(dx_m, dy_m, residual, float(peak))


def shift_image(img: np.ndarray, dx_m: float, dy_m: float, gsd_m: float) -> np.ndarray:
    """Apply an Alignment's shift to an image on the grid (sub-pixel, bilinear)."""
    m = np.array([[1, 0, dx_m / gsd_m], [0, 1, -dy_m / gsd_m]], np.float32)
    return cv2.warpAffine(img, m, (img.shape[1], img.shape[0]), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


@dataclass(frozen=True)
class LocalFit:
    """An affine correction (grid pixels) fitted to block-wise shifts: handles small rotations."""

    matrix: np.ndarray  # 2×3, maps later-image pixels to earlier-image pixels' positions (cv2.warpAffine)
    residual_px: float  # RMS of the block shifts around the fitted affine
    blocks: int


def refine_locally(
    before: np.ndarray, after: np.ndarray, usable: np.ndarray, coarse: Alignment, gsd_m: float, blocks: int = 4
) -> LocalFit | None:
    """Block-wise phase correlation after the coarse shift, and an affine fitted to it (rejecting
    blocks that disagree). None when too few blocks have texture to fit one."""
    h, w = before.shape
    shifted = shift_image(after, coarse.dx_m, coarse.dy_m, gsd_m)
    ok = usable & (shift_image(usable.astype(np.float32), coarse.dx_m, coarse.dy_m, gsd_m) > 0.99)
    bh, bw = h // blocks, w // blocks
    if min(bh, bw) < 64:
        return None
    src, dst = [], []
    for by in range(blocks):
        for bx in range(blocks):
            sl = (slice(by * bh, (by + 1) * bh), slice(bx * bw, (bx + 1) * bw))
            if ok[sl].mean() < 0.5:
                continue
            try:
                al = estimate_shift(before[sl], shifted[sl], ok[sl], gsd_m)
            except InputError:
                continue
            if al.peak < 0.05:
                continue
            cx, cy = (bx + 0.5) * bw, (by + 0.5) * bh
            # the block's content in `shifted` sits at (cx - dx_px, cy + dy_px) relative to `before`
            src.append((cx - al.dx_m / gsd_m, cy + al.dy_m / gsd_m))
            dst.append((cx, cy))
    if len(src) < 4:
        return None
    src_a = np.array(src, np.float32)
    dst_a = np.array(dst, np.float32)
    m, inliers = cv2.estimateAffine2D(src_a, dst_a, method=cv2.RANSAC, ransacReprojThreshold=1.0)
    if m is None or inliers is None or int(np.sum(inliers)) < 4:
        return None
    m = np.asarray(m, np.float64)
    keep = np.asarray(inliers).ravel() > 0
    pred = src_a @ m[:, :2].T + m[:, 2]
    resid = np.sqrt(np.mean(np.sum((pred - dst_a) ** 2, axis=1)[keep]))
    # compose: first the coarse shift, then the affine
    t = np.array([[1, 0, coarse.dx_m / gsd_m], [0, 1, -coarse.dy_m / gsd_m], [0, 0, 1]], np.float64)
    full = np.vstack([m, [0, 0, 1]]) @ t
    return LocalFit(full[:2].astype(np.float32), float(resid), int(keep.sum()))


def warp(img: np.ndarray, fit: LocalFit) -> np.ndarray:
    return cv2.warpAffine(
        img, fit.matrix, (img.shape[1], img.shape[0]), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT
    )
