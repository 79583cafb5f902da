"""Augmentation that turns crops of civilian car parks into something closer to a military
vehicle park: earth-toned dusty ground, labelled cars repainted olive, tan, grey or camouflage,
and tight rows of synthetic armour, trucks and launchers composited with their shadows.

Applied to a crop at its ground sample distance, before degradation and photometric changes,
so the composited vehicles are degraded exactly like the real ones.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from forcewatch.synth.objects import MILITARY_COLOURS, VEHICLE_KINDS, Layers, Sun, camouflage, draw_vehicle

DUST = np.array([[150, 134, 108], [128, 112, 88], [170, 156, 130], [105, 100, 70]], np.float32)


def dusty_ground(crop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Blend towards a blotchy earth tone (dirt, dry grass), keeping the crop's texture."""
    h, w = crop.shape[:2]
    x = crop.astype(np.float32)
    lum = x.mean(axis=2, keepdims=True)
    tone = DUST[int(rng.integers(len(DUST)))] * rng.uniform(0.85, 1.15)
    noise = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), rng.uniform(6, 30))
    noise = noise / (noise.std() + 1e-6)
    earth = tone * (lum / (lum.mean() + 1e-6)) * (1 + 0.08 * noise[..., None])
    a = rng.uniform(0.25, 0.65)
    return np.clip(x * (1 - a) + earth * a, 0, 255).astype(np.uint8)


def repaint(crop: np.ndarray, boxes: np.ndarray, rng: np.random.Generator, p: float = 0.7) -> np.ndarray:
    """Repaint labelled vehicles in military colours, keeping their shading (the inset body)."""
    out = crop.astype(np.float32)
    names = list(MILITARY_COLOURS)
    for b in boxes:
        if rng.random() >= p:
            continue
        x0, y0 = max(0, int(b[0])), max(0, int(b[1]))
        x1, y1 = min(crop.shape[1], math.ceil(b[2])), min(crop.shape[0], math.ceil(b[3]))
        if x1 - x0 < 3 or y1 - y0 < 3:
            continue
        patch = out[y0:y1, x0:x1]
        body = np.zeros(patch.shape[:2], np.float32)
        ix, iy = round((x1 - x0) * 0.12), round((y1 - y0) * 0.12)  # the body inside the box
        body[iy : y1 - y0 - iy, ix : x1 - x0 - ix] = 1.0
        mask = cv2.GaussianBlur(body, (0, 0), max(0.6, 0.06 * min(x1 - x0, y1 - y0)))[..., None]
        lum = patch.mean(axis=2, keepdims=True)
        colour = np.array(MILITARY_COLOURS[str(rng.choice(names))], np.float32)
        painted = np.clip(colour * (lum / (lum.mean() + 1e-6)) ** 0.6, 0, 255)
        out[y0:y1, x0:x1] = patch * (1 - mask) + painted * mask
    return np.clip(out, 0, 255).astype(np.uint8)


def composite_rows(
    crop: np.ndarray,
    boxes: np.ndarray,
    gsd_m: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Paste one or two tight rows of synthetic military vehicles where no labelled object is;
    returns the crop and the boxes of the pasted vehicles (crop pixels)."""
    h, w = crop.shape[:2]
    layers = Layers(h, w, gsd_m, ss=2)
    sun = Sun(rng.uniform(0, 360), rng.uniform(25, 65))
    taken = [tuple(b) for b in boxes]  # real labelled objects stay uncovered
    new: list[tuple[float, float, float, float]] = []
    for _ in range(int(rng.integers(1, 3))):
        kind = str(rng.choice(list(VEHICLE_KINDS), p=[0.15, 0.25, 0.25, 0.25, 0.1]))
        names = [str(n) for n in rng.choice(list(MILITARY_COLOURS), int(rng.integers(1, 4)), replace=False)]
        colours = camouflage(names, rng)
        angle = rng.uniform(0, 180)
        a = math.radians(angle)
        step = np.array([math.cos(a), math.sin(a)]) * (VEHICLE_KINDS[kind][1][1] + rng.uniform(0.8, 3.5))
        start = np.array([rng.uniform(0, w), rng.uniform(0, h)]) * gsd_m
        for i in range(int(rng.integers(3, 10))):
            c = start + step * i
            foot_probe = _box(np.array([c - 8, c + 8]) / gsd_m)
            if min(foot_probe[0], foot_probe[1]) < 0 or foot_probe[2] >= w or foot_probe[3] >= h:
                continue
            if any(_overlap(foot_probe, t) for t in taken):
                continue
            foot, _, _ = draw_vehicle(
                layers, kind, float(c[0]), float(c[1]), angle + 90 + rng.normal(0, 3), colours, sun, rng
            )
            new.append(_box(foot / gsd_m))
    if not new:
        return crop, np.zeros((0, 4), np.float32)
    out = layers.composite(crop)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8), np.array(new, np.float32)


def _box(pts: np.ndarray) -> tuple[float, float, float, float]:
    return float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max())


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
