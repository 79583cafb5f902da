"""Training crops for overhead imagery (numpy + OpenCV): resampled to the model GSD with scale
jitter, optionally degraded to a coarser source GSD, dihedral rotations and flips, brightness,
contrast, colour, gamma, haze, greyscale, blur and noise."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from forcewatch.train.sensors import SensorConfig, simulate_sensor


@dataclass(frozen=True)
class AugmentConfig:
    scale_jitter: float = 1.25  # GSD jitter: the image is resampled at gsd × [1/j, j] (a stated GSD may be wrong)
    object_centred: float = 0.7  # share of crops centred near a labelled object
    degrade_p: float = 0.45  # share of crops degraded to a coarser source GSD …
    degrade_max: float = 3.2  # … up to this many times the model GSD
    sensor_blur_p: float = 0.0  # share of degraded crops that also get a sensor-like blur at the coarse GSD
    haze_p: float = 0.3
    grey_p: float = 0.25
    blur_p: float = 0.15
    min_visible: float = 0.45  # keep a box cut by the crop edge if this share of it is inside
    military_p: float = 0.0  # share of crops made military-looking (train.military); 0 for aircraft
    military_zoom_max: float = 3.0  # … whose objects are also enlarged up to this factor
    military_class: int = 0  # class index of the composited vehicles
    colour_jitter: float = 1.0  # scales the gamma, contrast, brightness, colour-balance and noise jitter
    small_aircraft_p: float = 0.0  # share of crops given 1–3 SYNTHETIC fighters, attack aircraft or helicopters
    small_aircraft_class: int = 0  # class index of those aircraft
    #: share of crops given SYNTHETIC tent camps and vehicle parks, unlabelled: hard negatives for a
    #: model of other classes (an aircraft model must not call a camp an aircraft)
    camp_negatives_p: float = 0.0
    #: share of crops given a SYNTHETIC paved strip with centre-line dashes and vehicles beside them,
    #: unlabelled: a dash between two vehicles is a cross an aircraft model must not count
    runway_negatives_p: float = 0.0
    sensor: SensorConfig = field(
        default_factory=SensorConfig
    )  # other providers' looks: JPEG, seams, sharpening, Google Earth, PlanetScope


@dataclass(frozen=True)
class SourceImage:
    pixels: np.ndarray  # H×W×3 uint8 RGB at the source GSD
    boxes: np.ndarray  # N×4 float (minx, miny, maxx, maxy), source pixels
    classes: np.ndarray  # N int
    gsd_m: float


def sample_crop(
    src: SourceImage,
    target_gsd_m: float,
    crop_px: int,
    rng: np.random.Generator,
    cfg: AugmentConfig,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One augmented crop (crop_px² uint8 RGB) with its boxes and classes in crop pixels."""
    h, w = src.pixels.shape[:2]
    jitter = math.exp(rng.uniform(-math.log(cfg.scale_jitter), math.log(cfg.scale_jitter)))
    military = cfg.military_p > 0 and rng.random() < cfg.military_p
    zoom = math.exp(rng.uniform(0, math.log(cfg.military_zoom_max))) if military else 1.0
    f = target_gsd_m * jitter / zoom / src.gsd_m  # source pixels per crop pixel
    side = max(8, round(crop_px * f))
    if len(src.boxes) and rng.random() < cfg.object_centred:
        b = src.boxes[rng.integers(len(src.boxes))]
        cx = (b[0] + b[2]) / 2 + rng.uniform(-0.4, 0.4) * side
        cy = (b[1] + b[3]) / 2 + rng.uniform(-0.4, 0.4) * side
    else:
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    x0 = int(np.clip(round(cx - side / 2), min(0, w - side), max(0, w - side)))
    y0 = int(np.clip(round(cy - side / 2), min(0, h - side), max(0, h - side)))
    patch = np.zeros((side, side, 3), np.uint8)
    sx0, sy0, sx1, sy1 = max(0, x0), max(0, y0), min(w, x0 + side), min(h, y0 + side)
    patch[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = src.pixels[sy0:sy1, sx0:sx1]
    crop = cv2.resize(
        patch,
        (crop_px, crop_px),
        interpolation=cv2.INTER_AREA if side > crop_px else cv2.INTER_LINEAR,
    )
    scale = crop_px / side
    boxes = (
        (src.boxes - np.array([x0, y0, x0, y0], np.float32)) * scale if len(src.boxes) else np.zeros((0, 4), np.float32)
    )
    classes = src.classes.copy()
    if military:
        crop, boxes, classes = _militarise(crop, boxes, classes, target_gsd_m * jitter, rng, cfg)
    if cfg.camp_negatives_p > 0 and rng.random() < cfg.camp_negatives_p:
        crop = _camp_negatives(crop, boxes, target_gsd_m * jitter / zoom, rng)
    if cfg.runway_negatives_p > 0 and rng.random() < cfg.runway_negatives_p:
        from forcewatch.synth.markings import draw_markings

        avoid = [(float(b[0]), float(b[1]), float(b[2]), float(b[3])) for b in boxes.reshape(-1, 4)]
        crop = draw_markings(crop, target_gsd_m * jitter / zoom, rng, avoid_px=avoid)
    if cfg.small_aircraft_p > 0 and rng.random() < cfg.small_aircraft_p:
        crop, boxes, classes = _small_aircraft(crop, boxes, classes, target_gsd_m * jitter / zoom, rng, cfg)

    if rng.random() < cfg.degrade_p:
        d = rng.uniform(1.3, cfg.degrade_max) / jitter  # simulated source GSD / crop GSD
        small = max(8, round(crop_px / max(d, 1.0)))
        coarse = cv2.resize(crop, (small, small), interpolation=cv2.INTER_AREA)
        if rng.random() < cfg.sensor_blur_p:  # real coarse sensors are softer than an area average
            coarse = cv2.GaussianBlur(coarse, (0, 0), rng.uniform(0.4, 0.9))
        crop = cv2.resize(
            coarse,
            (crop_px, crop_px),
            interpolation=cv2.INTER_LINEAR,
        )

    crop = simulate_sensor(crop, target_gsd_m * jitter, rng, cfg.sensor)
    crop, boxes = _dihedral(crop, boxes, int(rng.integers(8)))
    crop = _photometric(crop, rng, cfg)
    return crop, *_visible(boxes, classes, crop_px, cfg.min_visible)


def _militarise(
    crop: np.ndarray,
    boxes: np.ndarray,
    classes: np.ndarray,
    crop_gsd_m: float,
    rng: np.random.Generator,
    cfg: AugmentConfig,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from forcewatch.train.military import composite_rows, dusty_ground, repaint

    if rng.random() < 0.6:
        crop = dusty_ground(crop, rng)
    crop = repaint(crop, boxes, rng)
    if rng.random() < 0.5:
        crop, pasted = composite_rows(crop, boxes, crop_gsd_m, rng)
        boxes, classes = _added(boxes, classes, pasted, cfg.military_class)
    return crop, boxes, classes


def _added(boxes: np.ndarray, classes: np.ndarray, new: np.ndarray, class_index: int) -> tuple[np.ndarray, np.ndarray]:
    """``boxes`` and ``classes`` with the ``new`` boxes (N×4) of ``class_index`` appended."""
    if not len(new):
        return boxes, classes
    boxes = np.concatenate([boxes.reshape(-1, 4), np.asarray(new).reshape(-1, 4)]).astype(np.float32)
    return boxes, np.concatenate([classes, np.full(len(new), class_index, classes.dtype)])


def _camp_negatives(crop: np.ndarray, boxes: np.ndarray, gsd_m: float, rng: np.random.Generator) -> np.ndarray:
    """SYNTHETIC tents, vehicle parks and vehicles (``forcewatch.synth.scenes``) drawn on free ground
    of the crop, clear of its labelled objects, and left unlabelled."""
    from forcewatch.synth.scenes import SceneSpec, render_scene

    spec = SceneSpec(tent_camp_p=0.7, vehicle_park_p=0.5, max_camps=1, max_parks=1, scattered_vehicles=3)
    avoid = [(float(b[0]), float(b[1]), float(b[2]), float(b[3])) for b in boxes.reshape(-1, 4)]
    drawn, _ = render_scene(crop, gsd_m, rng, spec, avoid_px=avoid)
    return drawn


def _small_aircraft(
    crop: np.ndarray, boxes: np.ndarray, classes: np.ndarray, gsd_m: float, rng: np.random.Generator, cfg: AugmentConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """1–3 SYNTHETIC small military aircraft (``forcewatch.synth.aircraft``) drawn on free ground of
    the crop, some in revetments or half under nets (never in shelters: a hidden airframe is no
    label), kept clear of the labelled objects."""
    from forcewatch.synth.aircraft import render_aircraft

    avoid = [(float(b[0]), float(b[1]), float(b[2]), float(b[3])) for b in boxes.reshape(-1, 4)]
    n = int(rng.integers(1, 4))
    crop, placed = render_aircraft(crop, gsd_m, rng, n=n, shelter_p=0.0, net_p=0.15, avoid_px=avoid)
    new = np.array([a.box_px for a in placed], np.float32).reshape(-1, 4)
    return (crop, *_added(boxes, classes, new, cfg.small_aircraft_class))


def _dihedral(img: np.ndarray, boxes: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    n = img.shape[0]
    b = boxes.copy()
    for _ in range(k % 4):  # rotate 90° counter-clockwise: (x, y) -> (y, n - x)
        img = np.rot90(img)
        b = np.stack([b[:, 1], n - b[:, 2], b[:, 3], n - b[:, 0]], axis=1) if len(b) else b
    if k >= 4:
        img = img[:, ::-1]
        b = np.stack([n - b[:, 2], b[:, 1], n - b[:, 0], b[:, 3]], axis=1) if len(b) else b
    return np.ascontiguousarray(img), b


def _photometric(img: np.ndarray, rng: np.random.Generator, cfg: AugmentConfig) -> np.ndarray:
    x = img.astype(np.float32) / 255.0
    if rng.random() < cfg.grey_p:
        x = np.repeat(x.mean(axis=2, keepdims=True), 3, axis=2)
    s = cfg.colour_jitter

    def jitter(factor: Any) -> Any:  # a random factor around 1, its spread scaled by ``colour_jitter``
        return factor if s == 1.0 else 1 + (factor - 1) * s

    x = x ** jitter(rng.uniform(0.7, 1.4))
    mean = x.mean()
    x = (x - mean) * jitter(rng.uniform(0.7, 1.3)) + mean * jitter(rng.uniform(0.75, 1.25))
    x = x * jitter(rng.uniform(0.9, 1.1, size=3)).astype(np.float32)
    if rng.random() < cfg.haze_p:
        a = rng.uniform(0.1, 0.5)
        x = x * (1 - a) + a * rng.uniform(0.6, 0.95)
    if rng.random() < cfg.blur_p:
        x = cv2.GaussianBlur(x, (0, 0), rng.uniform(0.5, 1.2))
    x = x + rng.normal(0, rng.uniform(0, 0.025) * s, size=x.shape).astype(np.float32)
    return np.clip(x * 255.0 + 0.5, 0, 255).astype(np.uint8)


def _visible(boxes: np.ndarray, classes: np.ndarray, n: int, min_visible: float) -> tuple[np.ndarray, np.ndarray]:
    if not len(boxes):
        return np.zeros((0, 4), np.float32), np.zeros((0,), np.int64)
    clipped = np.clip(boxes, 0, n)
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    vis = (clipped[:, 2] - clipped[:, 0]) * (clipped[:, 3] - clipped[:, 1])
    keep = (area > 0) & (vis >= min_visible * area)
    return clipped[keep].astype(np.float32), classes[keep].astype(np.int64)
