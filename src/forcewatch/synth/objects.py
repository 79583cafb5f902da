"""Tents and military vehicles drawn from above at a given GSD, with shading by the sun and shadows.

Objects are described in metres in their own frame (x along the length, y across, centred) and
painted into premultiplied colour/alpha layers at a supersampled resolution, so that a 4 m tent at
0.5 m GSD (8 pixels) has anti-aliased edges after the layers are reduced to the scene's pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

#: Paint and canvas colours (RGB 0–255) seen from above.
MILITARY_COLOURS = {
    "olive": (78, 84, 52),
    "dark-green": (56, 66, 46),
    "green": (88, 100, 62),
    "tan": (152, 132, 96),
    "khaki": (128, 118, 84),
    "grey": (112, 112, 106),
    "brown": (96, 80, 58),
}
TENT_LIGHT = {
    "white": (228, 226, 218),
    "cream": (210, 200, 176),
    "light-grey": (186, 186, 180),
    "sand": (196, 176, 136),
}
TENT_DARK = {**{k: MILITARY_COLOURS[k] for k in ("olive", "dark-green", "green", "khaki", "brown")}}

#: Vehicle kinds: (length range m, width range m, height range m).
VEHICLE_KINDS: dict[str, tuple[tuple[float, float], tuple[float, float], tuple[float, float]]] = {
    "light": ((4.5, 5.6), (2.0, 2.4), (1.9, 2.3)),  # jeeps, light armoured cars
    "tank": ((6.6, 7.6), (3.4, 3.7), (2.2, 2.5)),  # hull only; the gun adds 2–4 m
    "apc": ((6.2, 7.6), (2.9, 3.2), (2.0, 2.6)),  # IFVs, APCs, self-propelled guns
    "truck": ((7.0, 10.0), (2.4, 2.6), (2.8, 3.3)),
    "launcher": ((11.0, 16.0), (2.6, 3.0), (3.0, 3.6)),  # MLRS, TEL, tank transporters
}
TENT_KINDS = ("flat", "ridge", "pyramid")


@dataclass(frozen=True)
class Sun:
    azimuth_deg: float  # direction the light comes from, clockwise from image-up (north-up: true azimuth)
    zenith_deg: float

    def shadow_offset_m(self, height_m: float) -> np.ndarray:
        """Where a point ``height_m`` above the ground casts its shadow (x right, y down), metres."""
        d = height_m * math.tan(math.radians(self.zenith_deg))
        a = math.radians(self.azimuth_deg)
        return np.array([-d * math.sin(a), d * math.cos(a)])  # away from the sun

    def light_dir(self) -> np.ndarray:
        """Unit vector (x right, y down) pointing towards the sun on the ground plane."""
        a = math.radians(self.azimuth_deg)
        return np.array([math.sin(a), -math.cos(a)])


@dataclass(frozen=True)
class Placed:
    """One drawn object: class, kind, footprint polygon (scene pixels) and size in metres."""

    class_name: str  # "tent" or "vehicle"
    kind: str
    polygon_px: np.ndarray  # 4×2 oriented footprint, scene pixels
    length_m: float
    width_m: float


class Layers:
    """Premultiplied paint, shadow and ground-wear layers at ``ss``× the scene resolution."""

    def __init__(self, height_px: int, width_px: int, gsd_m: float, ss: int = 3):
        self.ss = ss
        self.gsd_m = gsd_m
        self.px_per_m = ss / gsd_m
        hh, ww = height_px * ss, width_px * ss
        self.paint = np.zeros((hh, ww, 3), np.float32)
        self.alpha = np.zeros((hh, ww), np.float32)
        self.shadow = np.zeros((hh, ww), np.float32)

    def to_hi(self, pts_m: np.ndarray) -> np.ndarray:
        return np.round(pts_m * self.px_per_m * 8).astype(np.int32)  # 3 fractional bits for cv2

    def fill(self, pts_m: np.ndarray, colour: tuple[float, float, float] | np.ndarray, alpha: float = 1.0) -> None:
        """Paint a polygon (metres, scene frame) over what is already painted."""
        pts = self.to_hi(pts_m)
        x0, y0 = np.maximum(pts.min(axis=0) // 8 - 1, 0)
        x1, y1 = pts.max(axis=0) // 8 + 2
        x1, y1 = min(x1, self.alpha.shape[1]), min(y1, self.alpha.shape[0])
        if x1 <= x0 or y1 <= y0:
            return
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillPoly(mask, [pts - np.array([x0 * 8, y0 * 8])], 255, lineType=cv2.LINE_AA, shift=3)
        a = mask.astype(np.float32) * (alpha / 255.0)
        sl = (slice(y0, y1), slice(x0, x1))
        self.paint[sl] = self.paint[sl] * (1 - a[..., None]) + a[..., None] * np.asarray(colour, np.float32)
        self.alpha[sl] = self.alpha[sl] * (1 - a) + a

    def cast(self, pts_m: np.ndarray, strength: float) -> None:
        pts = self.to_hi(pts_m)
        cv2.fillPoly(self.shadow, [pts], strength, lineType=cv2.LINE_AA, shift=3)

    def composite(self, background: np.ndarray) -> np.ndarray:
        """The background (H×W×3 uint8 or float) with shadows then paint laid over it."""
        h, w = background.shape[:2]
        small = (w, h)
        shadow = cv2.resize(self.shadow, small, interpolation=cv2.INTER_AREA)
        paint = cv2.resize(self.paint * self.alpha[..., None], small, interpolation=cv2.INTER_AREA)
        alpha = cv2.resize(self.alpha, small, interpolation=cv2.INTER_AREA)
        out = background.astype(np.float32) * (1 - np.clip(shadow, 0, 0.9))[..., None]
        return out * (1 - alpha[..., None]) + paint


def rect(length_m: float, width_m: float) -> np.ndarray:
    """Corners of a centred rectangle, length along x."""
    hl, hw = length_m / 2, width_m / 2
    return np.array([[-hl, -hw], [hl, -hw], [hl, hw], [-hl, hw]], np.float64)


def place(local: np.ndarray, cx_m: float, cy_m: float, angle_deg: float) -> np.ndarray:
    a = math.radians(angle_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return local @ rot.T + np.array([cx_m, cy_m])


def _shade(colour: np.ndarray, normal: np.ndarray, sun: Sun, slope: float) -> np.ndarray:
    """Lambert-like shading of a roof facet whose horizontal normal is ``normal`` (unit) and
    whose steepness is ``slope`` (0 flat, 1 steep)."""
    cos_z = math.cos(math.radians(sun.zenith_deg))
    facing = float(normal @ sun.light_dir()) * math.sin(math.radians(sun.zenith_deg))
    k = (1 - slope) * cos_z + slope * max(facing, -0.2) + 0.35
    return np.clip(colour * k / (cos_z + 0.35), 0, 255)


def _cast_shadow(layers: Layers, footprint: np.ndarray, height_m: float, sun: Sun, strength: float) -> None:
    moved = footprint + sun.shadow_offset_m(height_m)
    hull = cv2.convexHull(np.concatenate([footprint, moved]).astype(np.float32)).reshape(-1, 2)
    layers.cast(hull.astype(np.float64), strength)


def draw_tent(
    layers: Layers,
    kind: str,
    cx_m: float,
    cy_m: float,
    length_m: float,
    width_m: float,
    angle_deg: float,
    colour: np.ndarray,
    sun: Sun,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draw one tent; returns its footprint (metres, scene frame)."""
    height = {"flat": rng.uniform(1.8, 2.6), "ridge": rng.uniform(2.4, 3.4), "pyramid": rng.uniform(2.6, 3.6)}[kind]
    foot = place(rect(length_m, width_m), cx_m, cy_m, angle_deg)
    _cast_shadow(layers, foot, height, sun, rng.uniform(0.35, 0.6))
    a = math.radians(angle_deg)
    ax = np.array([math.cos(a), math.sin(a)])  # along the length
    ay = np.array([-math.sin(a), math.cos(a)])  # across
    c = np.array([cx_m, cy_m])
    if kind == "flat":
        layers.fill(foot, _shade(colour, ay, sun, 0.1))
        for t in np.linspace(-0.5, 0.5, int(rng.integers(2, 5)))[1:-1]:  # roof seams
            p = c + ax * t * length_m
            seam = np.array(
                [
                    p - ay * width_m / 2 - ax * 0.08,
                    p + ay * width_m / 2 - ax * 0.08,
                    p + ay * width_m / 2 + ax * 0.08,
                    p - ay * width_m / 2 + ax * 0.08,
                ]
            )
            layers.fill(seam, colour * 0.8, 0.7)
    elif kind == "ridge":
        half_a = np.array([foot[0], foot[1], c + ax * length_m / 2, c - ax * length_m / 2])
        half_b = np.array([c - ax * length_m / 2, c + ax * length_m / 2, foot[2], foot[3]])
        layers.fill(half_a, _shade(colour, -ay, sun, 0.7))
        layers.fill(half_b, _shade(colour, ay, sun, 0.7))
    else:  # pyramid: four facets meeting at the centre
        for i, normal in enumerate((-ay, ax, ay, -ax)):
            tri = np.array([foot[i], foot[(i + 1) % 4], c])
            layers.fill(tri, _shade(colour, normal, sun, 0.6))
    return foot


def camouflage(colour_names: list[str], rng: np.random.Generator) -> list[np.ndarray]:
    return [np.array(MILITARY_COLOURS[n], np.float32) * rng.uniform(0.85, 1.15) for n in colour_names]


def draw_vehicle(
    layers: Layers,
    kind: str,
    cx_m: float,
    cy_m: float,
    angle_deg: float,
    colours: list[np.ndarray],
    sun: Sun,
    rng: np.random.Generator,
) -> tuple[np.ndarray, float, float]:
    """Draw one vehicle; returns its footprint (metres, scene frame, gun included), length, width."""
    (l0, l1), (w0, w1), (h0, h1) = VEHICLE_KINDS[kind]
    length, width, height = rng.uniform(l0, l1), rng.uniform(w0, w1), rng.uniform(h0, h1)
    base = colours[0]
    hull = place(rect(length, width), cx_m, cy_m, angle_deg)
    _cast_shadow(layers, hull, height, sun, rng.uniform(0.45, 0.65))
    layers.fill(hull, base * 0.8)  # sides and tracks, darker
    top = place(rect(length * 0.92, width * 0.8), cx_m, cy_m, angle_deg)
    layers.fill(top, base)
    a = math.radians(angle_deg)
    ax = np.array([math.cos(a), math.sin(a)])
    ay = np.array([-math.sin(a), math.cos(a)])
    c = np.array([cx_m, cy_m])
    extent = rect(length, width)
    for extra in colours[1:]:  # camouflage blotches on the top
        for _ in range(int(rng.integers(1, 4))):
            u, v = rng.uniform(-0.35, 0.35) * length, rng.uniform(-0.3, 0.3) * width
            blob = place(
                rect(rng.uniform(0.15, 0.35) * length, rng.uniform(0.25, 0.5) * width), 0, 0, rng.uniform(0, 180)
            )
            layers.fill(place(blob + np.array([u, v]), cx_m, cy_m, angle_deg), extra, 0.9)
    if kind == "tank":
        tc = c - ax * 0.1 * length
        turret = place(_ellipse(2.4, 2.1), tc[0], tc[1], angle_deg)
        gun_len = rng.uniform(4.0, 5.0)
        gun = _at(rect(gun_len, 0.22), tc + ax * (gun_len / 2 + 0.8), angle_deg)
        _cast_shadow(layers, turret, height + 0.6, sun, 0.25)
        layers.fill(gun, base * 0.7)
        layers.fill(turret, _shade(base * 1.05, ay, sun, 0.3))
        front = float((tc + ax * (gun_len + 0.8) - c) @ ax)
        extent = np.array(
            [
                [-length / 2, -width / 2],
                [max(length / 2, front), -width / 2],
                [max(length / 2, front), width / 2],
                [-length / 2, width / 2],
            ]
        )
    elif kind == "apc":
        turret = _at(_ellipse(1.4, 1.3), c + ax * 0.05 * length, angle_deg)
        layers.fill(turret, base * 1.1)
    elif kind in ("truck", "launcher"):
        cab = _at(rect(2.2, width * 0.95), c + ax * (length / 2 - 1.2), angle_deg)
        layers.fill(cab, colours[-1] * 0.9)
        bed_len = length - 2.8
        bed = _at(rect(bed_len, width * 0.95), c - ax * (length / 2 - bed_len / 2 - 0.1), angle_deg)
        if kind == "truck":
            layers.fill(bed, _shade(base * rng.uniform(0.95, 1.2), ay, sun, 0.5))
        else:  # tube pack or missile container
            layers.fill(bed, base * 0.9)
            for t in np.linspace(-0.3, 0.3, 3):
                tube = _at(rect(bed_len * 0.9, 0.12), c - ax * (length / 2 - bed_len / 2) + ay * t * width, angle_deg)
                layers.fill(tube, base * 0.6, 0.8)
    foot = place(extent, cx_m, cy_m, angle_deg)
    long_side = float(extent[1, 0] - extent[0, 0])
    return foot, long_side, width


def _at(local: np.ndarray, centre: np.ndarray, angle_deg: float) -> np.ndarray:
    return place(local, float(centre[0]), float(centre[1]), angle_deg)


def _ellipse(length_m: float, width_m: float, n: int = 16) -> np.ndarray:
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    return np.stack([np.cos(t) * length_m / 2, np.sin(t) * width_m / 2], axis=1)
