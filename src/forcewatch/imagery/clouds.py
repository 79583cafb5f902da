"""Cloud and haze mask for optical imagery: bright, low saturation, low texture — plus any mask the
user supplies. What is masked is *not observed*: never counted as absent."""

from __future__ import annotations

import cv2
import numpy as np

BRIGHT = 0.82  # value (0–1) above which a pixel may be cloud (bright concrete stays below)
MAX_SATURATION = 0.12
MAX_TEXTURE = 6.0  # local standard deviation (grey levels) of cloud tops at 0.5–3 m


def cloud_mask(rgb: np.ndarray, valid: np.ndarray, gsd_m: float) -> np.ndarray:
    """Boolean H×W mask of cloud (RGB float 0–255 on a grid of ``gsd_m``)."""
    x = np.clip(rgb / 255.0, 0, 1).astype(np.float32)
    v = x.max(axis=2)
    s = np.where(v > 0, (v - x.min(axis=2)) / np.maximum(v, 1e-6), 0)
    g = x.mean(axis=2) * 255
    r = max(1, round(5 / gsd_m))  # texture over ~10 m
    mean = cv2.blur(g, (2 * r + 1, 2 * r + 1))
    sq = cv2.blur(g * g, (2 * r + 1, 2 * r + 1))
    texture = np.sqrt(np.maximum(sq - mean * mean, 0))
    cloud = valid & (v > BRIGHT) & (s < MAX_SATURATION) & (texture < MAX_TEXTURE)
    k = max(3, 2 * round(10 / gsd_m) + 1)
    cloud = cv2.morphologyEx(cloud.astype(np.uint8), cv2.MORPH_OPEN, np.ones((k, k), np.uint8)) > 0
    return (cv2.dilate(cloud.astype(np.uint8), np.ones((k, k), np.uint8)) > 0) & valid
