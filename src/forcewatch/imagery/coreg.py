"""Co-registration of two dates of a site: both read onto one grid (local UTM, the coarser GSD of
the two), then the shift between them estimated to sub-pixel precision by phase correlation on
gradient images (robust to brightness and haze). Pairs that cannot be aligned are refused with
the reason: no overlap, too little texture, too much cloud."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

import cv2
import numpy as np
import scipy.fft
import shapely
from affine import Affine
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from forcewatch.errors import InputError
from forcewatch.geo.convert import transformer, utm_crs
from forcewatch.imagery.raster import RasterReader
from forcewatch.model import Scene

#: Largest grid side read for co-registration and area change (memory stays bounded).
MAX_GRID_PX = 2048
MIN_TEXTURE = 0.5  # mean gradient (grey levels per pixel, after a σ = 1 px blur) below which alignment is refused
MAX_SHIFT_M = 200.0
MAX_LOCAL_RESIDUAL_PX = 1.0  # a local (affine) fit is used when its block shifts agree to within this


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
    xs, ys = transformer(4326, crs).transform(*np.asarray(shapely.segmentize(area.envelope, 0.001).exterior.coords.xy))
    minx, maxx, miny, maxy = min(xs), max(xs), min(ys), max(ys)
    gsd = max(gsd_m, (maxx - minx) / MAX_GRID_PX, (maxy - miny) / MAX_GRID_PX)
    w, h = max(1, math.ceil((maxx - minx) / gsd)), max(1, math.ceil((maxy - miny) / gsd))
    return Grid(crs, Affine(gsd, 0, minx, 0, -gsd, maxy), w, h, gsd)


def read_on_grid(scene: Scene, grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    """The scene resampled onto ``grid``: (RGB float32 H×W×3 in display levels 0–255, valid bool H×W).

    One warped read through a :class:`rasterio.vrt.WarpedVRT` on the grid (bilinear, in float, so
    no rounding before the resampling); only the part of the scene under the grid is read. The bands
    and the display scaling of non-8-bit imagery are those of :class:`RasterReader`. A grid cell is
    valid where the warper found valid source pixels (nodata, mask band, alpha band and the scene's
    edges are all honoured: the VRT's alpha band says so); invalid cells are 0."""
    with RasterReader(scene.path) as reader:
        return reader.read_on_grid(grid.crs, grid.transform, grid.width, grid.height)


def grey(rgb: np.ndarray) -> np.ndarray:
    return (rgb @ np.array([0.299, 0.587, 0.114], np.float32)).astype(np.float32)


def _gradient(img: np.ndarray) -> np.ndarray:
    """Gradient magnitude after a light blur (sensor noise is not texture)."""
    img = cv2.GaussianBlur(img, (0, 0), 1.0)
    gx = cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3)
    return np.hypot(gx, gy)


#: The phase-correlation peak is refined on a grid this many times finer than the pixels, over
#: ±REFINE_SPAN_PX around the whole-pixel peak (an upsampled DFT: Guizar-Sicairos et al., 2008).
UPSAMPLE = 10
REFINE_SPAN_PX = 1.0


def signed_shift(index: int, n: int) -> int:
    """The signed shift (pixels) of a peak at ``index`` of a circular correlation of length ``n``:
    0 … n//2 are shifts forwards, the rest backwards, for even and odd ``n`` alike (for odd n,
    (n - 1)/2 forwards and as many backwards; for even n, n/2 is taken forwards).

    >>> [signed_shift(i, 5) for i in range(5)], [signed_shift(i, 4) for i in range(4)]
    ([0, 1, 2, -2, -1], [0, 1, 2, -1])
    """
    return index - n if 2 * index > n else index


def _dft_near(cross: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """The inverse DFT of ``cross`` (H×W) at fractional positions: rows ``ys`` × columns ``xs``
    (pixels, signed), as a matrix product (only the neighbourhood of the peak is evaluated)."""
    h, w = cross.shape
    fy, fx = np.fft.fftfreq(h), np.fft.fftfreq(w)  # cycles per pixel, signed
    ky = np.exp(2j * np.pi * np.outer(ys, fy)).astype(cross.dtype)
    kx = np.exp(2j * np.pi * np.outer(fx, xs)).astype(cross.dtype)
    return (ky @ cross @ kx).real / (h * w)


def _parabola_vertex(left: float, centre: float, right: float) -> float:
    """Where a parabola through three equally spaced values peaks, relative to the centre one (−0.5 … 0.5)."""
    curvature = left - 2 * centre + right
    return 0.0 if curvature >= 0 else float(np.clip(0.5 * (left - right) / curvature, -0.5, 0.5))


def _argmax(values: np.ndarray) -> tuple[int, int]:
    """(row, column) of the largest value of a 2-D array."""
    row, col = np.unravel_index(int(np.argmax(values)), values.shape)
    return int(row), int(col)


def phase_correlate(a: np.ndarray, b: np.ndarray, window: np.ndarray) -> tuple[tuple[float, float], float]:
    """((sx, sy), response): ``b`` is ``a`` moved by sx pixels along x and sy along y, to a fraction
    of a pixel, for images of any size, even or odd. The response (0–1) is the correlation summed over
    the 5×5 pixels round the peak, as :func:`cv2.phaseCorrelate` gives it.

    The whole-pixel peak of the circular correlation gives the shift (:func:`signed_shift`); an
    upsampled DFT round it, then a parabola through the finest grid's best value and its neighbours,
    the fraction. (OpenCV's phaseCorrelate is off by half a pixel on each axis where its DFT size is
    odd, and its 5×5 weighted centroid by up to a third of a pixel at half-pixel shifts.)"""
    h, w = a.shape
    fa = scipy.fft.fft2(a * window)
    fb = scipy.fft.fft2(b * window)
    cross = np.conj(fa) * fb
    cross /= np.maximum(np.abs(cross), np.finfo(np.float32).tiny)
    corr = scipy.fft.ifft2(cross).real
    py, px = _argmax(corr)
    near = np.arange(-2, 3)
    response = float(corr[np.ix_((py + near) % h, (px + near) % w)].sum())
    steps = np.arange(-UPSAMPLE * REFINE_SPAN_PX, UPSAMPLE * REFINE_SPAN_PX + 1) / UPSAMPLE
    ys, xs = signed_shift(py, h) + steps, signed_shift(px, w) + steps
    fine = _dft_near(cross, ys, xs)
    iy, ix = (min(max(i, 1), len(steps) - 2) for i in _argmax(fine))  # a parabola needs both neighbours
    sy = ys[iy] + _parabola_vertex(fine[iy - 1, ix], fine[iy, ix], fine[iy + 1, ix]) / UPSAMPLE
    sx = xs[ix] + _parabola_vertex(fine[iy, ix - 1], fine[iy, ix], fine[iy, ix + 1]) / UPSAMPLE
    return (float(sx), float(sy)), response


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
    (sx, sy), peak = phase_correlate(a, b, win)
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


@dataclass(frozen=True, eq=False)
class Aligned:
    """The later date moved onto the earlier one's pixels, and the alignment that did it."""

    rgb: np.ndarray  # H×W×3 float32
    valid: np.ndarray  # H×W bool: valid after the move (cells the move brought in from outside are not)
    clouds: np.ndarray  # H×W bool: the later date's unusable cells, moved with it
    alignment: Alignment


def coregister(
    before_rgb: np.ndarray,
    after_rgb: np.ndarray,
    valid: np.ndarray,
    after_valid: np.ndarray,
    after_clouds: np.ndarray,
    unusable: np.ndarray,
    gsd_m: float,
) -> Aligned:
    """Align the later date with the earlier on their common grid: a global shift (phase correlation,
    ``unusable`` cells left out: clouds, masks, objects that move), then a local affine fit to block
    shifts where one fits well (small rotations), else the global shift alone. ``valid`` is where both
    dates have pixels; ``after_valid`` and ``after_clouds`` are moved with the later image."""
    before_grey, after_grey = grey(before_rgb), grey(after_rgb)
    al = estimate_shift(before_grey, after_grey, valid, gsd_m, unusable=unusable)
    fit = refine_locally(before_grey, after_grey, valid & ~unusable, al, gsd_m)
    move: Callable[[np.ndarray], np.ndarray]
    if fit is not None and fit.residual_px < MAX_LOCAL_RESIDUAL_PX:
        move = partial(warp, fit=fit)
        al = replace(al, residual_m=max(al.residual_m * 0.5, fit.residual_px * gsd_m))
    else:
        move = partial(shift_image, dx_m=al.dx_m, dy_m=al.dy_m, gsd_m=gsd_m)
    rgb = np.stack([move(after_rgb[..., i]) for i in range(3)], axis=2)
    return Aligned(rgb, move(after_valid.astype(np.float32)) > 0.99, move(after_clouds.astype(np.float32)) > 0.01, al)
