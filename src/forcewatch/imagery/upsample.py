"""Bilinear upsampling of a window read at the source's own resolution.

GDAL's bilinear ``out_shape`` read upsamples at about 23 ns a pixel (1.36 s for the 59 Mpx a
vehicle scan of a 4,096² 0.5 m scene reads at 0.3 m); reading the few source pixels a window needs
and upsampling them with OpenCV gives the same pixels (at most 1 level apart, 1 in 20,000 differs)
in about a third of the time. Pure: the caller reads ``span`` and passes the array.

Coordinates are GDAL's: source pixel ``i`` covers ``[i, i + 1)`` and its value sits at its centre
``i + 0.5``; output pixel ``j`` of a window ``[x0, x1)`` resampled to ``n`` pixels has its centre at
``x0 + (j + 0.5) * (x1 - x0) / n``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

#: dtypes OpenCV's warpAffine interpolates; others are left to GDAL.
WARPABLE = frozenset({"uint8", "uint16", "int16", "float32", "float64"})


@dataclass(frozen=True)
class Span:
    """The source pixels ``[start, stop)`` an axis of an upsampled window needs, and the map
    from output pixel ``j`` to source coordinate ``scale * j + offset`` (relative to ``start``,
    pixel centres at integers: what ``cv2.warpAffine`` with ``WARP_INVERSE_MAP`` expects)."""

    start: int
    stop: int
    scale: float
    offset: float


def axis_span(lo_px: float, hi_px: float, out_n: int, size_px: int) -> Span:
    """The source pixels that bilinear interpolation of ``[lo_px, hi_px)`` onto ``out_n`` pixels
    reads, in an axis of ``size_px`` source pixels (clamped to it: edges replicate, as GDAL's do)."""
    scale = (hi_px - lo_px) / out_n
    first = lo_px + 0.5 * scale - 0.5  # the first output centre, in centre-at-integer source coordinates
    last = hi_px - 0.5 * scale - 0.5
    start = min(max(0, math.floor(first)), size_px - 1)
    stop = max(min(size_px, math.ceil(last) + 1), start + 1)  # ceil: a centre on a pixel needs no right neighbour
    return Span(start, stop, scale, first - start)


def is_identity(span: Span) -> bool:
    """Whether output pixel ``j`` is source pixel ``start + j``: nothing to interpolate."""
    return span.scale == 1.0 and span.offset == 0.0


def upsample_bilinear(data: np.ndarray, xs: Span, ys: Span, out_width: int, out_height: int) -> np.ndarray:
    """``data`` (bands × rows × cols, the pixels of ``ys`` × ``xs``) upsampled to bands ×
    ``out_height`` × ``out_width``, bilinear, edges replicated. Band by band: a plane in and a plane
    out, faster than interleaving the bands for one 3-channel warp (7.4 against 9.1 ms for a 960²
    tile of 3 bands, the same pixels)."""
    matrix = np.array([[xs.scale, 0.0, xs.offset], [0.0, ys.scale, ys.offset]])
    out = np.empty((data.shape[0], out_height, out_width), data.dtype)
    for band, plane in zip(data, out, strict=True):
        cv2.warpAffine(
            np.ascontiguousarray(band),
            matrix,
            (out_width, out_height),
            dst=plane,
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )
    return out
