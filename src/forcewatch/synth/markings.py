"""SYNTHETIC airfield pavement: a runway or taxiway strip with its painted centre-line dashes, and
vehicles parked or driving beside the dashes.

A dash flanked by two vehicles is a cross, which an aircraft detector may take for a fuselage and
wings. Drawn unlabelled on real training crops, these are hard negatives for such a detector.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from forcewatch.synth.objects import MILITARY_COLOURS, Layers, Sun, draw_vehicle, place, rect

#: Paint of centre lines (white) and taxiway lines (yellow), RGB.
LINE_COLOURS = ((236, 236, 230), (222, 222, 214), (214, 184, 70))
#: Civilian vehicle colours (airport service vehicles, cars), RGB.
SERVICE_COLOURS = ((230, 230, 226), (214, 170, 40), (40, 42, 46), (160, 30, 30), (90, 96, 104))


def _clear(band_m: np.ndarray, boxes_m: Sequence[tuple[float, float, float, float]]) -> bool:
    """Whether the strip polygon ``band_m`` misses every box (metres), by its rotated-frame test."""
    centre = band_m.mean(axis=0)
    axis_u = (band_m[1] - band_m[0]) / max(float(np.linalg.norm(band_m[1] - band_m[0])), 1e-6)
    axis_v = np.array([-axis_u[1], axis_u[0]])
    half_v = float(np.linalg.norm(band_m[3] - band_m[0])) / 2
    for x0, y0, x1, y1 in boxes_m:
        corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]) - centre
        v = corners @ axis_v
        if v.max() > -half_v and v.min() < half_v:
            return False
    return True


def draw_markings(
    crop: np.ndarray,
    gsd_m: float,
    rng: np.random.Generator,
    avoid_px: Sequence[tuple[float, float, float, float]] = (),
) -> np.ndarray:
    """``crop`` (H×W×3 uint8 RGB at ``gsd_m``) with one paved strip, its centre-line dashes and 1–4
    vehicles beside dashes drawn across it, clear of the ``avoid_px`` boxes; unchanged when no strip
    fits. Nothing drawn is labelled."""
    h, w = crop.shape[:2]
    width_m, height_m = w * gsd_m, h * gsd_m
    boxes_m = [(b[0] * gsd_m, b[1] * gsd_m, b[2] * gsd_m, b[3] * gsd_m) for b in avoid_px]
    strip_w = rng.uniform(18.0, 50.0)
    length = 2 * math.hypot(width_m, height_m)  # runs off the crop both ways
    for _ in range(6):
        angle = rng.uniform(0, 180)
        cx, cy = rng.uniform(0, width_m), rng.uniform(0, height_m)
        band = place(rect(length, strip_w), cx, cy, angle)
        if _clear(band, boxes_m):
            break
    else:
        return crop
    ss = max(2, min(4, math.ceil(gsd_m / 0.15)))
    layers = Layers(h, w, gsd_m, ss)
    sun = Sun(rng.uniform(0, 360), rng.uniform(25, 65))
    grey = rng.uniform(95, 150)
    layers.fill(band, (grey, grey, grey * rng.uniform(0.95, 1.02)), rng.uniform(0.7, 0.95))
    paint = np.array(LINE_COLOURS[int(rng.integers(len(LINE_COLOURS)))], np.float32)
    dash_l, dash_w = rng.uniform(15.0, 36.0), rng.uniform(0.9, 2.5)
    period = dash_l + rng.uniform(12.0, 40.0)
    a = math.radians(angle)
    along, across = np.array([math.cos(a), math.sin(a)]), np.array([-math.sin(a), math.cos(a)])
    offsets_m = np.arange(-length / 2, length / 2, period) + rng.uniform(0, period)
    dashes = [np.array([cx, cy]) + along * t for t in offsets_m]
    for d in dashes:
        layers.fill(place(rect(dash_l, dash_w), float(d[0]), float(d[1]), angle), paint)
    inside = [d for d in dashes if 0 <= d[0] <= width_m and 0 <= d[1] <= height_m]
    for _ in range(int(rng.integers(1, 5)) if inside else 0):
        d = inside[int(rng.integers(len(inside)))]
        side = 1 if rng.random() < 0.5 else -1
        beside_m = rng.uniform(2.5, max(3.0, min(8.0, strip_w / 2 - 3)))  # on the strip
        at = d + along * rng.uniform(-0.4, 0.4) * dash_l + across * side * beside_m
        kind = str(rng.choice(["light", "truck", "apc", "tank"]))
        if rng.random() < 0.5:
            colours = [np.array(SERVICE_COLOURS[int(rng.integers(len(SERVICE_COLOURS)))], np.float32)]
        else:
            colours = [np.array(MILITARY_COLOURS[str(rng.choice(list(MILITARY_COLOURS)))], np.float32)]
        heading = angle + rng.normal(0, 8) + (180 if rng.random() < 0.5 else 0)
        draw_vehicle(layers, kind, float(at[0]), float(at[1]), heading, colours, sun, rng)
    return np.clip(layers.composite(crop) + 0.5, 0, 255).astype(np.uint8)
