"""Small military aircraft drawn from above on a real image window at its GSD: SYNTHETIC.

Fighters (swept or delta wing, 15–22 m long, 9–15 m span), attack aircraft (Su-25-like straight
wing, about 15 m × 14.5 m) and helicopters (fuselage 12–18 m, main rotor 14–21 m drawn as thin
blades), in greys, greens and camouflage, shaded by the sun and casting a shadow. An aircraft may
stand in a revetment (a U of earth berm or concrete wall open at its nose, seen slightly off nadir so
that the near wall hides a little of it), half inside a hardened shelter (the roof hides its rear),
and under a camouflage net (a textured, partly see-through polygon over 30–70 % of it).

Two civil controls, drawn by the same code in white, tell the rendering apart from the size: a
business jet (14–20 m, the only small aircraft in the Airbus labels) and an airliner (27–38 m).

:func:`plan_aircraft` places requested aircraft on the calm ground of a window, clear of labelled
objects; :func:`paint_aircraft` draws them; :func:`render_aircraft` does both for random ones.
Each aircraft is painted into a supersampled patch of the scene (so a 1 m rotor blade at 0.5 m GSD
is anti-aliased), then reduced to the scene's pixels, where nothing painted leaves the background
exactly as it was. Its label is the axis-aligned box tight around the airframe, the whole rotor disc
included for helicopters; the shares of the airframe hidden by walls or a roof and under the net are
measured on the painted masks.

>>> rng = np.random.default_rng(0)
>>> ground = np.full((200, 200, 3), 120, np.uint8)
>>> img, placed = paint_aircraft(ground, 0.5, [AircraftRequest("fighter", 50, 50, length_m=18, span_m=12)], rng)
>>> placed[0].tag, [round(v) for v in placed[0].box_px]
('fighter/open', [82, 88, 118, 112])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np
import shapely

from forcewatch.errors import InputError
from forcewatch.synth.objects import MILITARY_COLOURS, Sun, place

SYNTHETIC_AIRCRAFT_NOTE = "SYNTHETIC aircraft rendered by ForceWatch on a real background: not a real observation"

#: Kind: (length range m, span range m, span/length ratio range). Helicopters: fuselage and rotor diameter.
AIRCRAFT_KINDS: dict[str, tuple[tuple[float, float], tuple[float, float], tuple[float, float]]] = {
    "fighter": ((15.0, 22.0), (9.0, 15.0), (0.6, 0.72)),  # MiG-29, Su-27, F-16, J-10, Mirage 2000
    "attack": ((14.6, 15.6), (14.0, 14.8), (0.9, 1.0)),  # Su-25
    "helicopter": ((12.0, 18.0), (14.0, 21.0), (0.95, 1.2)),  # Ka-52, AH-64, UH-60, Mi-24, Mi-8
    "bizjet": ((14.0, 20.0), (13.0, 19.0), (0.85, 1.05)),  # control: white civil, like the real small ones
    "airliner": ((27.0, 38.0), (21.0, 36.0), (0.8, 1.0)),  # control: white civil, medium
}
MILITARY_KINDS = ("fighter", "attack", "helicopter")
COVERS = ("open", "revetment", "shelter")
PAINTS: dict[str, tuple[tuple[int, int, int], ...]] = {
    "light-grey": ((168, 172, 174),),
    "blue-grey": ((132, 144, 156), (112, 124, 138)),
    "dark-grey": ((92, 96, 98),),
    "green-camouflage": (MILITARY_COLOURS["olive"], MILITARY_COLOURS["dark-green"], MILITARY_COLOURS["tan"]),
    "desert-camouflage": (MILITARY_COLOURS["tan"], MILITARY_COLOURS["brown"], MILITARY_COLOURS["khaki"]),
    "grey-camouflage": ((140, 144, 146), (104, 108, 112)),
    "olive": (MILITARY_COLOURS["olive"],),
    "white": ((240, 242, 244),),
}
KIND_PAINTS = {
    "fighter": ("light-grey", "blue-grey", "dark-grey", "grey-camouflage", "green-camouflage"),
    "attack": ("green-camouflage", "desert-camouflage", "grey-camouflage", "blue-grey"),
    "helicopter": ("olive", "green-camouflage", "desert-camouflage", "dark-grey"),
    "bizjet": ("white",),
    "airliner": ("white",),
}
EARTH = ((128, 112, 86), (104, 112, 74), (146, 130, 100))  # berms: bare earth, grassed, dry
CONCRETE = ((178, 176, 168), (150, 150, 144))
#: Part role → (height of its underside, of its top) in metres, for the shadow.
HEIGHTS = {"body": (1.0, 3.0), "wing": (1.4, 1.9), "tail": (2.0, 3.2), "fin": (2.5, 5.2), "rotor": (4.0, 4.8)}


@dataclass(frozen=True)
class AircraftRequest:
    """One aircraft to draw: kind, centre (metres from the window's top-left), nose direction
    (degrees clockwise from image right), size (drawn from the kind's range when None), cover,
    share under a net (0: no net) and paint (drawn from the kind's paints when None)."""

    kind: str
    x_m: float = 0.0
    y_m: float = 0.0
    heading_deg: float = 0.0
    length_m: float | None = None
    span_m: float | None = None
    cover: str = "open"
    shelter_share: float | None = None  # share of the airframe under a shelter roof (0.3–0.8 when None)
    net_share: float = 0.0
    paint: str | None = None


@dataclass(frozen=True)
class PlacedAircraft:
    """One drawn aircraft: its label box (scene pixels) and what it is."""

    kind: str
    box_px: tuple[float, float, float, float]
    length_m: float  # nose to tail (helicopters: the fuselage)
    span_m: float  # wing span, or main rotor diameter
    heading_deg: float
    paint: str
    cover: str  # "open", "revetment" or "shelter"
    hidden_share: float  # share of the airframe hidden by walls or a shelter roof
    net_share: float  # share of the airframe under a camouflage net (0: none)
    class_name: str = "aircraft"

    @property
    def netted(self) -> bool:
        return self.net_share > 0

    @property
    def tag(self) -> str:
        return f"{self.kind}/{self.cover}" + ("/netted" if self.netted else "")


@dataclass(frozen=True)
class Look:
    """How the scene is seen: the sun, the satellite's view off nadir, blur and noise."""

    sun: Sun
    off_nadir_deg: float = 0.0
    view_azimuth_deg: float = 0.0  # direction tall things lean to in the image, clockwise from image up
    psf_sigma_px: float = 0.8  # Pléiades at 0.5 m is soft: a crisper render looks less like it
    noise_sigma: float = 1.5

    def lean_m(self, height_m: float) -> np.ndarray:
        d = height_m * math.tan(math.radians(self.off_nadir_deg))
        a = math.radians(self.view_azimuth_deg)
        return np.array([d * math.sin(a), -d * math.cos(a)])

    @staticmethod
    def random(rng: np.random.Generator) -> Look:
        sun = Sun(rng.uniform(0, 360), rng.uniform(25, 65))
        return Look(sun, rng.uniform(3, 25), rng.uniform(0, 360))


def draw_size(kind: str, rng: np.random.Generator) -> tuple[float, float]:
    """(length, span) in metres for a ``kind`` (span/length ratio kept, both inside the ranges)."""
    if kind not in AIRCRAFT_KINDS:
        raise InputError(f"unknown aircraft kind {kind!r}. Fix: use one of {', '.join(AIRCRAFT_KINDS)}.")
    (l0, l1), (s0, s1), (r0, r1) = AIRCRAFT_KINDS[kind]
    length = rng.uniform(l0, l1)
    return length, float(np.clip(length * rng.uniform(r0, r1), s0, s1))


# ---- planforms: (polygon in the aircraft's frame, metres, nose at +x; role) -------------------------

Parts = list[tuple[np.ndarray, str]]


def _mirror(poly: list[tuple[float, float]]) -> list[np.ndarray]:
    p = np.array(poly, np.float64)
    return [p, p * np.array([1.0, -1.0])]


def _ellipse(cx: float, length: float, width: float, y: float = 0.0, n: int = 20) -> np.ndarray:
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    return np.stack([cx + np.cos(t) * length / 2, y + np.sin(t) * width / 2], axis=1)


def _bar(x0: float, x1: float, y: float, width: float) -> np.ndarray:
    return np.array([[x0, y - width / 2], [x1, y - width / 2], [x1, y + width / 2], [x0, y + width / 2]])


def _body(nose_x: float, tail_x: float, width: float, taper: float, rear_w: float) -> np.ndarray:
    """A fuselage: pointed nose tapering over ``taper`` metres, straight sides, a ``rear_w`` wide tail."""
    w, r, n0 = width / 2, rear_w / 2, nose_x - taper
    half = [(nose_x, 0.0), (n0 + taper * 0.35, w * 0.7), (n0, w), (tail_x + 0.1, r), (tail_x, r * 0.9)]
    return np.array(half + [(x, -y) for x, y in reversed(half[1:])])


def _wing(fw: float, half_span: float, root: tuple[float, float], tip: tuple[float, float]) -> list[np.ndarray]:
    """Both halves of a wing: root leading/trailing edge x at the body, tip leading/trailing x."""
    return _mirror([(root[0], fw / 2 - 0.05), (tip[0], half_span), (tip[1], half_span), (root[1], fw / 2 - 0.05)])


def _as(role: str, polys: list[np.ndarray]) -> Parts:
    return [(p, role) for p in polys]


def _helicopter(L: float, S: float, rng: np.random.Generator) -> Parts:
    cw, h = rng.uniform(1.7, 2.5), L / 2
    parts = [
        (_body(h, -0.1 * L, cw, 0.12 * L, cw * 0.5), "body"),
        (_body(-0.05 * L, -h, cw * 0.45, 0.05 * L, 0.4), "body"),
    ]
    parts += _as("tail", _mirror([(-0.36 * L, 0.2), (-0.39 * L, 1.7), (-0.42 * L, 1.7), (-0.42 * L, 0.2)]))
    parts.append((_ellipse(-h + 1.35, 2.6, 0.25, 0.45), "fin"))  # tail rotor, edge-on
    if rng.random() < 0.4:  # stub wings with stores (attack helicopters)
        parts += _as("wing", _wing(cw, rng.uniform(2.2, 3.3), (0.08 * L, -0.02 * L), (0.05 * L, 0.0)))
    return [*parts, (_ellipse(0.36 * L, 0.16 * L, cw * 0.75), "canopy")]


def _civil(L: float, S: float, bizjet: bool) -> Parts:
    fw = L * (0.11 if bizjet else 0.1)
    parts = [(_body(L / 2, -L / 2, fw, 0.1 * L, fw * 0.3), "body")]
    parts += _as("wing", _wing(fw, S / 2, (0.12 * L, -0.1 * L), (-0.16 * L, -0.23 * L)))
    parts += _as("tail", _wing(fw * 0.3, 0.19 * S, (-0.36 * L, -0.46 * L), (-0.46 * L, -0.5 * L)))
    ex, ey = (-0.28 * L, fw / 2 + 0.5) if bizjet else (0.02 * L, 0.3 * S)
    return parts + [(_ellipse(ex, 0.16 * L, fw * 0.45, s * ey), "engine") for s in (1, -1)]


def _attack(L: float, S: float, rng: np.random.Generator) -> Parts:
    fw = rng.uniform(1.4, 1.7)
    parts = [(_body(L / 2, -L / 2, fw, 0.14 * L, 0.6), "body")]
    parts += _as("wing", _wing(fw, S / 2, (0.08 * L, -0.16 * L), (-0.1 * L, -0.18 * L)))
    parts += [(_ellipse(-0.03 * L, 0.36 * L, 1.3, s * (fw / 2 + 0.55)), "body") for s in (1, -1)]  # engines
    parts += _as("tail", _wing(0.5, 0.18 * S, (-0.35 * L, -0.47 * L), (-0.42 * L, -0.48 * L)))
    parts += [(_bar(-0.22 * L, -0.48 * L, 0.0, 0.3), "fin"), (_ellipse(0.33 * L, 0.1 * L, fw * 0.6), "canopy")]
    for s in (1, -1):  # stores under the wings
        parts += [(_ellipse(-0.06 * L, 3.2, 0.45, s * y), "engine") for y in rng.uniform(0.3, 0.85, 2) * S / 2]
    return parts


def _fighter(L: float, S: float, rng: np.random.Generator) -> Parts:
    """A twin-engine swept wing with tailplanes and one or two fins, or a tailless delta."""
    delta = rng.random() < 0.3
    fw = L * rng.uniform(0.1, 0.14) * (0.8 if delta else 1.0)
    parts = [(_body(L / 2, -L / 2, fw, 0.22 * L, fw * 0.75), "body")]
    fins = [0.0]
    if delta:
        parts += _as("wing", _wing(fw, S / 2, (0.16 * L, -0.44 * L), (-0.4 * L, -0.46 * L)))
    else:
        parts += _as("wing", _wing(fw, S / 2, (0.12 * L, -0.2 * L), (-0.15 * L, -0.25 * L)))
        parts += _as("wing", _wing(fw, fw / 2 + 0.04 * S, (0.34 * L, 0.12 * L), (0.12 * L, 0.12 * L)))  # LERX
        parts += _as("tail", _wing(fw, 0.33 * S, (-0.3 * L, -0.45 * L), (-0.42 * L, -0.5 * L)))
        fins = [fw * 0.3, -fw * 0.3] if rng.random() < 0.7 else fins
    parts += [(_bar(-0.2 * L, -0.46 * L, y, 0.3), "fin") for y in fins]
    return [*parts, (_ellipse(0.3 * L, 0.12 * L, fw * 0.5), "canopy")]


def planform(kind: str, length_m: float, span_m: float, rng: np.random.Generator) -> Parts:
    """The parts of an aircraft seen from above, nose at +x, in x ∈ [−L/2, L/2] and y ∈ [−S/2, S/2]
    (helicopters: the fuselage in x; the rotor disc is apart, see :func:`rotor_disc`)."""
    if kind == "helicopter":
        return _helicopter(length_m, span_m, rng)
    if kind in ("bizjet", "airliner"):
        return _civil(length_m, span_m, kind == "bizjet")
    return (_attack if kind == "attack" else _fighter)(length_m, span_m, rng)


def rotor_disc(length_m: float, span_m: float) -> tuple[float, float]:
    """A helicopter's main rotor: hub x (aircraft frame) and radius, metres."""
    return 0.1 * length_m, span_m / 2


# ---- painting one aircraft in a supersampled patch --------------------------------------------------


class _Patch:
    """A supersampled piece of the scene: scene pixels [x0, x1) × [y0, y1), ``ss`` hi-res pixels each."""

    def __init__(self, bounds_px: tuple[int, int, int, int], gsd_m: float, ss: int, image: np.ndarray):
        self.x0, self.y0, self.x1, self.y1 = bounds_px
        self.ss, self.k = ss, ss / gsd_m
        tile = image[self.y0 : self.y1, self.x0 : self.x1]
        self.rgb = np.repeat(np.repeat(tile, ss, 0), ss, 1).astype(np.float32)
        self.shape = self.rgb.shape[:2]
        self.origin_m = np.array([self.x0, self.y0]) * gsd_m

    def mask(self, polys_m: Sequence[np.ndarray]) -> np.ndarray:
        m = np.zeros(self.shape, np.uint8)
        pts = [np.round(((p - self.origin_m) * self.k - 0.5) * 8).astype(np.int32) for p in polys_m]  # centres at +½
        cv2.fillPoly(m, pts, 255, lineType=cv2.LINE_AA, shift=3)
        return m.astype(np.float32) / 255

    def texture(self, colours: Sequence[tuple[int, int, int]], blotch_m: float, rng: np.random.Generator) -> np.ndarray:
        """A camouflage of ``colours`` in blotches of about ``blotch_m`` (one colour: a faint mottle)."""
        field = cv2.GaussianBlur(rng.normal(0, 1, self.shape).astype(np.float32), (0, 0), blotch_m * self.k / 2)
        field = (field - field.mean()) / (field.std() + 1e-6)
        cols = np.array(colours, np.float32)
        if len(cols) == 1:
            return cols[0] * (1 + 0.03 * field[..., None])
        edges = np.quantile(field, np.linspace(0, 1, len(cols) + 1)[1:-1])
        return cols[np.digitize(field, edges)]

    @staticmethod
    def _extent(mask: np.ndarray) -> tuple[slice, slice] | None:
        rows = np.flatnonzero(mask.any(axis=1))
        if not len(rows):
            return None
        cols = np.flatnonzero(mask.any(axis=0))
        return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)

    def over(self, mask: np.ndarray, colour: np.ndarray | float) -> None:
        """Lay ``colour`` (one colour, or a colour per hi-res pixel) over the patch where ``mask``."""
        sl = self._extent(mask)
        if sl is not None:
            a = mask[sl][..., None]
            c = colour[sl] if isinstance(colour, np.ndarray) and colour.ndim == 3 else colour
            self.rgb[sl] = self.rgb[sl] * (1 - a) + a * c

    def darken(self, mask: np.ndarray, strength: float) -> None:
        sl = self._extent(mask)
        if sl is not None:
            self.rgb[sl] *= 1 - np.clip(mask[sl] * strength, 0, 0.9)[..., None]

    def reduce(self) -> np.ndarray:
        h, w = self.y1 - self.y0, self.x1 - self.x0
        return cv2.resize(self.rgb, (w, h), interpolation=cv2.INTER_AREA)


def _light(normal: np.ndarray, slope: float, sun: Sun) -> float:
    """Brightness factor of a surface tilted by ``slope`` (0 flat, 1 vertical) towards ``normal``."""
    cos_z, sin_z = math.cos(math.radians(sun.zenith_deg)), math.sin(math.radians(sun.zenith_deg))
    facing = float(normal @ sun.light_dir()) * sin_z
    return ((1 - slope) * cos_z + slope * max(facing, -0.3) + 0.4) / (cos_z + 0.4)


def _shadow(poly: np.ndarray, low_m: float, high_m: float, sun: Sun) -> np.ndarray:
    """The shadow of a prism over ``poly`` from ``low_m`` to ``high_m`` above the ground."""
    both = np.concatenate([poly + sun.shadow_offset_m(low_m), poly + sun.shadow_offset_m(high_m)])
    return cv2.convexHull(both.astype(np.float32)).reshape(-1, 2).astype(np.float64)


def _share_cut(patch: _Patch, airframe: np.ndarray, centre: np.ndarray, axis: np.ndarray, share: float) -> float:
    """Distance along ``axis`` from ``centre`` beyond which lies ``share`` of the airframe's pixels."""
    ys, xs = np.nonzero(airframe > 0.01)
    proj = ((np.stack([xs, ys], 1) + 0.5) / patch.k + patch.origin_m - centre) @ axis
    order = np.argsort(proj)
    cum = np.cumsum(airframe[ys, xs][order])
    i = int(np.searchsorted(cum, cum[-1] * (1 - share)))
    return float(proj[order][min(i, len(order) - 1)])


@dataclass
class _Frame:
    """One aircraft's frame in the scene: centre, nose axis, extents of the airframe (its frame, metres)."""

    centre: np.ndarray
    heading_deg: float
    lo: np.ndarray  # (min x, min y), aircraft frame
    hi: np.ndarray

    def world(self, poly: np.ndarray) -> np.ndarray:
        return place(poly, float(self.centre[0]), float(self.centre[1]), self.heading_deg)

    @property
    def axes(self) -> tuple[np.ndarray, np.ndarray]:
        a = math.radians(self.heading_deg)
        return np.array([math.cos(a), math.sin(a)]), np.array([-math.sin(a), math.cos(a)])

    def reach_m(self) -> float:
        return float(np.abs(np.concatenate([self.lo, self.hi])).max()) * math.sqrt(2)


def _airframe(
    patch: _Patch, f: _Frame, parts: Parts, colours: np.ndarray, look: Look, rng: np.random.Generator
) -> np.ndarray:
    """Paint shadow and airframe; returns the airframe's coverage (hi-res, 0–1)."""
    sun = look.sun
    ax, ay = f.axes
    shadows = [_shadow(p, *HEIGHTS.get(role, HEIGHTS["body"]), sun) for p, role in parts]
    patch.darken(patch.mask(shadows), rng.uniform(0.45, 0.6))
    airframe = np.zeros(patch.shape, np.float32)
    for poly, role in parts:
        m = patch.mask([poly])
        if role == "canopy":
            patch.over(m, np.array([38, 46, 56], np.float32) * (0.8 + 0.5 * _light(ax, 0.6, sun)))
        elif role == "fin":
            patch.over(m, colours * 0.7)
        elif role == "rotor":
            patch.over(m, np.array([58, 60, 62], np.float32) * _light(ax, 0.1, sun))
        elif role == "body":  # rounded: the half towards the sun lighter
            for s in (1.0, -1.0):
                side = np.array([[-60, 0], [60, 0], [60, s * 60], [-60, s * 60]], np.float64)
                patch.over(m * patch.mask([f.world(side)]), colours * _light(s * ay, 0.55, sun))
        else:
            patch.over(m, colours * (_light(ay, 0.05, sun) * (0.9 if role == "engine" else 1.0)))
        airframe = np.maximum(airframe, m)
    return airframe


def _revetment(patch: _Patch, f: _Frame, look: Look, rng: np.random.Generator) -> np.ndarray:
    """A U of earth berm or concrete wall open at the nose, leaning away from the satellite; its mask."""
    earth = rng.random() < 0.6
    t = rng.uniform(4.0, 7.0) if earth else rng.uniform(0.5, 0.9)
    height = rng.uniform(3.0, 5.0) if earth else rng.uniform(3.0, 4.0)
    side = max(-f.lo[1], f.hi[1]) + rng.uniform(0.3, 2.0)
    back, front = f.lo[0] - rng.uniform(0.5, 2.5), f.hi[0] + rng.uniform(-3.0, 1.0)
    walls = [
        f.world(np.array([[back - t, -side - t], [back, -side - t], [back, side + t], [back - t, side + t]])),
        f.world(np.array([[back, side], [front, side], [front, side + t], [back, side + t]])),
        f.world(np.array([[back, -side - t], [front, -side - t], [front, -side], [back, -side]])),
    ]
    patch.darken(patch.mask([_shadow(w, 0.0, height, look.sun) for w in walls]), rng.uniform(0.35, 0.5))
    palette = [EARTH[int(i)] for i in rng.choice(3, 2, replace=False)] if earth else [CONCRETE[int(rng.integers(2))]]
    colours = patch.texture(palette, 2.0, rng)
    lean = look.lean_m(height)
    hiding = np.zeros(patch.shape, np.float32)
    for w in walls:
        m = patch.mask([cv2.convexHull(np.concatenate([w, w + lean]).astype(np.float32)).reshape(-1, 2)])
        out = w.mean(axis=0) - f.centre
        patch.over(m, colours * _light(out / (np.linalg.norm(out) + 1e-9), 0.5 if earth else 0.2, look.sun))
        ridge = w + lean if not earth else (w - w.mean(axis=0)) * np.array([0.5, 0.5]) + w.mean(axis=0) + lean
        patch.over(patch.mask([ridge]) * m, colours * 1.1)
        hiding = np.maximum(hiding, m)
    return hiding


def _shelter(
    patch: _Patch, f: _Frame, airframe: np.ndarray, share: float, look: Look, rng: np.random.Generator
) -> np.ndarray:
    """A hardened shelter whose arched roof covers the rear ``share`` of the airframe; its mask."""
    ax, ay = f.axes
    door = -_share_cut(patch, airframe, f.centre, -ax, share)  # aircraft-frame x of the door
    depth = rng.uniform(28, 36)
    half_w = max(max(-f.lo[1], f.hi[1]) + rng.uniform(2, 4), rng.uniform(11, 14))
    outline = f.world(np.array([[door - depth, -half_w], [door, -half_w], [door, half_w], [door - depth, half_w]]))
    patch.darken(patch.mask([_shadow(outline, 0.0, rng.uniform(6, 8), look.sun)]), 0.5)
    concrete = np.array(CONCRETE[int(rng.integers(2))], np.float32) * rng.uniform(0.9, 1.1)
    bands = np.linspace(0, half_w, 4)
    for s in (1.0, -1.0):  # the arch: bands across the width, steeper towards the sides
        for i in range(3):
            y0, y1 = s * bands[i], s * bands[i + 1]
            band = f.world(np.array([[door - depth, y0], [door, y0], [door, y1], [door - depth, y1]]))
            patch.over(patch.mask([band]), concrete * _light(s * ay, 0.15 + 0.3 * i, look.sun))
    return patch.mask([outline])


def _net(patch: _Patch, f: _Frame, airframe: np.ndarray, share: float, look: Look, rng: np.random.Generator) -> float:
    """A camouflage net draped over ``share`` of the airframe from a random side: an irregular oval around
    the aircraft cut by a wavy edge, garnished, partly see-through. Returns the share it covers."""
    d = rng.uniform(0, 2 * math.pi)
    axis, across = np.array([math.cos(d), math.sin(d)]), np.array([-math.sin(d), math.cos(d)])
    cut = _share_cut(patch, airframe, f.centre, axis, share)
    t = np.linspace(0, 2 * math.pi, 36, endpoint=False)
    wobble = 1 + np.convolve(np.r_[rng.normal(0, 0.12, 36), 0, 0, 0, 0], np.ones(5) / 5, "valid")
    semi = (f.hi - f.lo) / 2 * 1.15 + rng.uniform(0.5, 2.0)
    mid = (f.hi + f.lo) / 2
    oval = f.world(np.stack([mid[0] + semi[0] * np.cos(t) * wobble, mid[1] + semi[1] * np.sin(t) * wobble], 1))
    far = float(np.abs(oval - f.centre).max()) * 1.5
    u = np.linspace(-far, far, 24)
    wave = np.convolve(rng.normal(0, 0.6, 30), np.ones(7) / 7, "valid")[:24]
    side = np.concatenate(
        [np.outer(cut + wave, axis) + np.outer(u, across), np.outer([far] * 2, axis) + np.outer([far, -far], across)]
    )
    net = shapely.Polygon(oval).intersection(shapely.Polygon(f.centre + side).buffer(0))
    polys = [
        np.asarray(g.exterior.coords)
        for g in getattr(net, "geoms", [net])
        if isinstance(g, shapely.Polygon) and not g.is_empty
    ]
    cover = patch.mask(polys)
    patch.darken(patch.mask([_shadow(p, 1.5, 2.5, look.sun) for p in polys]) * (1 - cover), 0.3)
    garnish = patch.texture(PAINTS[str(rng.choice(["green-camouflage", "desert-camouflage"]))], 0.8, rng)
    garnish = 0.6 * garnish + 0.4 * garnish.reshape(-1, 3).mean(axis=0)
    holes = np.clip(0.88 + 0.2 * rng.normal(0, 1, patch.shape), 0.4, 1).astype(np.float32)
    patch.over(cover * holes * rng.uniform(0.85, 0.97), garnish * _light(axis, 0.3, look.sun))
    return float((airframe * cover).sum() / airframe.sum())


def _paint_one(
    image: np.ndarray, gsd_m: float, req: AircraftRequest, look: Look, rng: np.random.Generator
) -> PlacedAircraft:
    L, S = req.length_m or 0.0, req.span_m or 0.0
    paint = req.paint or str(rng.choice(KIND_PAINTS[req.kind]))
    local = planform(req.kind, L, S, rng)
    pts = np.concatenate([p for p, _ in local])
    f = _Frame(np.array([req.x_m, req.y_m]), req.heading_deg, pts.min(axis=0), pts.max(axis=0))
    parts = [(f.world(p), role) for p, role in local]
    if req.kind == "helicopter":
        hub_x, radius = rotor_disc(L, S)
        phase, n = rng.uniform(0, 360), int(rng.choice([4, 5]))
        blade = np.array([[0.0, -0.27], [radius, -0.27], [radius, 0.27], [0.0, 0.27]])
        hub = f.world(np.array([[hub_x, 0.0]]))[0]
        parts += [(place(blade, hub[0], hub[1], req.heading_deg + phase + 360 * i / n), "rotor") for i in range(n)]
        f.lo = np.minimum(f.lo, [hub_x - radius, -radius])
        f.hi = np.maximum(f.hi, [hub_x + radius, radius])
        world = np.concatenate([p for p, _ in parts[:-n]] + [hub[None] - radius, hub[None] + radius])
    else:
        world = np.concatenate([p for p, _ in parts])
    lo, hi = world.min(axis=0) / gsd_m, world.max(axis=0) / gsd_m
    box_px = (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))

    reach = f.reach_m() + (55 if req.cover == "shelter" else 25)  # roof 36 m deep, shadows up to 17 m long
    h, w = image.shape[:2]
    x0, y0 = (max(0, int((c - reach) / gsd_m)) for c in f.centre)
    x1, y1 = min(w, math.ceil((f.centre[0] + reach) / gsd_m)), min(h, math.ceil((f.centre[1] + reach) / gsd_m))
    patch = _Patch((x0, y0, x1, y1), gsd_m, max(2, min(4, math.ceil(gsd_m / 0.15))), image)
    airframe = _airframe(patch, f, parts, patch.texture(PAINTS[paint], rng.uniform(1.5, 3.0), rng), look, rng)
    cover_rng = np.random.default_rng(rng.integers(2**63))  # covers do not change the aircraft drawn
    hiding = None
    if req.cover == "revetment":
        hiding = _revetment(patch, f, look, cover_rng)
    elif req.cover == "shelter":
        share = req.shelter_share if req.shelter_share is not None else cover_rng.uniform(0.3, 0.8)
        hiding = _shelter(patch, f, airframe, share, look, cover_rng)
    hidden = 0.0 if hiding is None else float((airframe * hiding).sum() / airframe.sum())
    net = _net(patch, f, airframe, req.net_share, look, cover_rng) if req.net_share > 0 else 0.0
    image[y0:y1, x0:x1] = patch.reduce()
    return PlacedAircraft(req.kind, box_px, L, S, req.heading_deg, paint, req.cover, hidden, net)


def paint_aircraft(
    background: np.ndarray,
    gsd_m: float,
    requests: Sequence[AircraftRequest],
    rng: np.random.Generator,
    look: Look | None = None,
) -> tuple[np.ndarray, list[PlacedAircraft]]:
    """Draw ``requests`` on ``background`` (H×W×3 uint8 RGB at ``gsd_m``): the image and one label each."""
    if background.ndim != 3 or background.shape[2] != 3:
        raise InputError(f"background of shape {background.shape}. Fix: give an H×W×3 RGB image.")
    look = look or Look.random(rng)
    img = background.astype(np.float32)
    placed = []
    h_m, w_m = background.shape[0] * gsd_m, background.shape[1] * gsd_m
    for req in requests:
        if req.kind not in AIRCRAFT_KINDS or req.cover not in COVERS:
            raise InputError(
                f"aircraft {req.kind!r} in {req.cover!r}. Fix: kind one of {', '.join(AIRCRAFT_KINDS)}; "
                f"cover one of {', '.join(COVERS)}."
            )
        if not (0 <= req.x_m < w_m and 0 <= req.y_m < h_m):
            raise InputError(
                f"aircraft centre ({req.x_m:.1f}, {req.y_m:.1f}) m lies outside the {w_m:.0f} × {h_m:.0f} m "
                "background. Fix: give x_m, y_m in metres from its top-left corner (or use plan_aircraft)."
            )
        if req.length_m is None or req.span_m is None:
            length, span = draw_size(req.kind, rng)
            req = replace(req, length_m=req.length_m or length, span_m=req.span_m or span)
        placed.append(_paint_one(img, gsd_m, req, look, rng))
    if look.psf_sigma_px > 0:  # the sensor's blur, on what was painted only
        img = background + cv2.GaussianBlur(img - background, (0, 0), look.psf_sigma_px).astype(np.float32)
    if look.noise_sigma > 0:
        img += rng.normal(0, look.noise_sigma, img.shape).astype(np.float32)
    return np.clip(img + 0.5, 0, 255).astype(np.uint8), placed


def plan_aircraft(
    background: np.ndarray,
    gsd_m: float,
    wanted: Sequence[AircraftRequest],
    rng: np.random.Generator,
    avoid_px: Sequence[tuple[float, float, float, float]] = (),
) -> list[AircraftRequest]:
    """``wanted`` aircraft (their kind, cover, net and paint kept) given a place, a heading and a size:
    inside the window, apart from each other and from ``avoid_px`` (labelled objects), on the calmest of
    a few free spots (aprons, taxiways, grass rather than buildings). One with no free spot is left out."""
    h_m, w_m = background.shape[0] * gsd_m, background.shape[1] * gsd_m
    grey = cv2.cvtColor(np.ascontiguousarray(background), cv2.COLOR_RGB2GRAY).astype(np.float32)
    taken = [
        ((b[0] + b[2]) / 2 * gsd_m, (b[1] + b[3]) / 2 * gsd_m, math.hypot(b[2] - b[0], b[3] - b[1]) / 2 * gsd_m + 4)
        for b in avoid_px
    ]
    out = []
    for want in wanted:
        length, span = draw_size(want.kind, rng)
        r = math.hypot(length, span) / 2 + {"open": 3.0, "revetment": 10.0, "shelter": 42.0}.get(want.cover, 42.0)
        spots: list[tuple[float, float, float]] = []
        for _ in range(60 if w_m > 2 * r and h_m > 2 * r else 0):
            x, y = rng.uniform(r, w_m - r), rng.uniform(r, h_m - r)
            if all(math.hypot(x - tx, y - ty) > r + tr for tx, ty, tr in taken):
                q, cx, cy = int(r / 2 / gsd_m), int(x / gsd_m), int(y / gsd_m)
                spots.append((float(grey[max(0, cy - q) : cy + q, max(0, cx - q) : cx + q].std()), x, y))
                if len(spots) == 8:
                    break
        if spots:
            _, x, y = min(spots)
            taken.append((x, y, r))
            out.append(replace(want, x_m=x, y_m=y, heading_deg=rng.uniform(0, 360), length_m=length, span_m=span))
    return out


def render_aircraft(
    background: np.ndarray,
    gsd_m: float,
    rng: np.random.Generator,
    n: int = 6,
    kinds: Sequence[str] = MILITARY_KINDS,
    revetment_p: float = 0.25,
    shelter_p: float = 0.1,
    net_p: float = 0.25,
    avoid_px: Sequence[tuple[float, float, float, float]] = (),
) -> tuple[np.ndarray, list[PlacedAircraft]]:
    """``n`` random small aircraft of ``kinds`` on ``background``; some in revetments or shelters, some netted."""
    wanted = []
    for _ in range(n):
        u = rng.random()
        cover = "revetment" if u < revetment_p else "shelter" if u < revetment_p + shelter_p else "open"
        net = rng.uniform(0.3, 0.7) if rng.random() < net_p else 0.0
        wanted.append(AircraftRequest(str(rng.choice(list(kinds))), cover=cover, net_share=net))
    return paint_aircraft(background, gsd_m, plan_aircraft(background, gsd_m, wanted, rng, avoid_px), rng)
