"""Training targets for the centre heat-map detector (numpy): heat-maps, sizes, offsets."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Targets:
    heat: np.ndarray  # (C, H, W) float32 in [0, 1], 1 at object centres
    size: np.ndarray  # (2, H, W) log(box w / stride), log(box h / stride) at centres
    offset: np.ndarray  # (2, H, W) sub-cell offset of the centre
    mask: np.ndarray  # (H, W) 1 where size/offset are supervised


def make_targets(
    boxes: np.ndarray, classes: np.ndarray, num_classes: int, height: int, width: int, stride: int
) -> Targets:
    """Targets on an (height/stride × width/stride) grid for boxes in input pixels.

    Each object puts an elliptical Gaussian at its centre whose spread follows the box
    (σ = side / 6 in cells, at least 0.8 cells).
    """
    gh, gw = height // stride, width // stride
    heat = np.zeros((num_classes, gh, gw), np.float32)
    size = np.zeros((2, gh, gw), np.float32)
    offset = np.zeros((2, gh, gw), np.float32)
    mask = np.zeros((gh, gw), np.float32)
    ys, xs = np.mgrid[0:gh, 0:gw].astype(np.float32)
    for (x0, y0, x1, y1), c in zip(boxes, classes, strict=True):
        cx, cy = (x0 + x1) / 2 / stride, (y0 + y1) / 2 / stride
        ix, iy = int(cx), int(cy)
        if not (0 <= ix < gw and 0 <= iy < gh):
            continue
        bw, bh = max(x1 - x0, 1.0) / stride, max(y1 - y0, 1.0) / stride
        sx, sy = max(0.8, bw / 6), max(0.8, bh / 6)
        r = int(3 * max(sx, sy)) + 1
        ya, yb, xa, xb = max(0, iy - r), min(gh, iy + r + 1), max(0, ix - r), min(gw, ix + r + 1)
        g = np.exp(-((xs[ya:yb, xa:xb] - ix) ** 2) / (2 * sx**2) - ((ys[ya:yb, xa:xb] - iy) ** 2) / (2 * sy**2))
        np.maximum(heat[c, ya:yb, xa:xb], g, out=heat[c, ya:yb, xa:xb])
        size[:, iy, ix] = (np.log(bw), np.log(bh))
        offset[:, iy, ix] = (cx - ix, cy - iy)
        mask[iy, ix] = 1.0
    return Targets(heat, size, offset, mask)
