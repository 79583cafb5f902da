"""An in-memory image that reads like a :class:`RasterReader` (evaluation, synthetic scenes)."""

from __future__ import annotations

import cv2
import numpy as np


class ArraySource:
    """Windows of an H×W×3 uint8 array, resampled on read (area when shrinking, else bilinear)."""

    def __init__(self, rgb: np.ndarray) -> None:
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"expected an H×W×3 uint8 array, got {rgb.shape} {rgb.dtype}")
        self.rgb = rgb
        self.width_px = rgb.shape[1]
        self.height_px = rgb.shape[0]

    def read(
        self, window_px: tuple[float, float, float, float], out_width: int, out_height: int
    ) -> tuple[np.ndarray, np.ndarray]:
        x0, y0, x1, y1 = window_px
        ix0, iy0 = max(0, int(np.floor(x0))), max(0, int(np.floor(y0)))
        ix1, iy1 = min(self.width_px, int(np.ceil(x1))), min(self.height_px, int(np.ceil(y1)))
        patch = self.rgb[iy0:iy1, ix0:ix1]
        if patch.shape[1] == out_width and patch.shape[0] == out_height:
            out = np.ascontiguousarray(patch)
        else:
            shrink = patch.shape[1] > out_width
            out = cv2.resize(
                patch,
                (out_width, out_height),
                interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR,
            )
        return out, np.ones((out_height, out_width), bool)

    def read_planes(
        self, window_px: tuple[float, float, float, float], out_width: int, out_height: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`read`'s pixels band by band (3×H×W)."""
        rgb, valid = self.read(window_px, out_width, out_height)
        return np.ascontiguousarray(np.moveaxis(rgb, -1, 0)), valid
