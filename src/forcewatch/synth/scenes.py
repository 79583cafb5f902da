"""Synthetic tent camps and vehicle parks on real backgrounds, written as a labelled DOTA dataset.

A scene is a window cut from a real image at its true GSD. Camps are rows and grids of tents
(flat, ridge or pyramid, light or dark canvas, 4–12 m) with paths between rows on worn ground;
some camps are irregular clusters. Vehicle parks are tight rows of one kind (light vehicles,
tanks, APCs, trucks, launchers) in olive, tan, grey or camouflage; a few vehicles stand alone.
Objects avoid the background's labelled objects (its aircraft, say) and stay inside the window.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from forcewatch.errors import InputError
from forcewatch.synth.objects import (
    MILITARY_COLOURS,
    TENT_DARK,
    TENT_KINDS,
    TENT_LIGHT,
    VEHICLE_KINDS,
    Layers,
    Placed,
    Sun,
    camouflage,
    draw_tent,
    draw_vehicle,
    place,
    rect,
)

SYNTHETIC_NOTE = "SYNTHETIC objects rendered by ForceWatch on a real background: not a real observation"
DIRT = ((150, 134, 108), (128, 112, 88), (170, 156, 130), (118, 104, 84))


@dataclass(frozen=True)
class Background:
    """A real image to cut windows from: path, GSD and the boxes (pixels) to keep clear."""

    path: Path
    gsd_m: float
    avoid_px: tuple[tuple[float, float, float, float], ...] = ()


@dataclass(frozen=True)
class SceneSpec:
    scene_px: int = 640
    tent_camp_p: float = 0.8  # share of scenes with tent camps
    vehicle_park_p: float = 0.6
    max_camps: int = 2
    max_parks: int = 2
    scattered_vehicles: int = 6


@dataclass
class _Scene:
    width_m: float
    height_m: float
    avoid_m: list[tuple[float, float, float]]  # circles (x, y, radius) already taken
    placed: list[Placed] = field(default_factory=list)

    def free(self, x: float, y: float, r: float) -> bool:
        if x - r < 0 or y - r < 0 or x + r > self.width_m or y + r > self.height_m:
            return False
        return all(math.hypot(x - ax, y - ay) > r + ar for ax, ay, ar in self.avoid_m)

    def inside(self, foot_m: np.ndarray) -> bool:
        return bool(
            foot_m[:, 0].min() > 0.5
            and foot_m[:, 1].min() > 0.5
            and foot_m[:, 0].max() < self.width_m - 0.5
            and foot_m[:, 1].max() < self.height_m - 0.5
        )


def _wear(img: np.ndarray, poly_m: np.ndarray, gsd_m: float, colour: np.ndarray, alpha: float, soft_m: float) -> None:
    """Trampled or scraped ground under a camp or along a path (in place, float image)."""
    h, w = img.shape[:2]
    mask = np.zeros((h, w), np.float32)
    cv2.fillPoly(mask, [np.round(poly_m / gsd_m * 8).astype(np.int32)], 1.0, lineType=cv2.LINE_AA, shift=3)
    sigma = max(0.5, soft_m / gsd_m)
    mask = cv2.GaussianBlur(mask, (0, 0), sigma) * alpha
    img *= 1 - mask[..., None]
    img += mask[..., None] * colour


def _free_spot(scene: _Scene, radius_m: float, rng: np.random.Generator) -> tuple[float, float] | None:
    for _ in range(40):
        x, y = rng.uniform(0, scene.width_m), rng.uniform(0, scene.height_m)
        if scene.free(x, y, radius_m):
            return x, y
    return None


def _lay_out(
    scene: _Scene, n_rows: int, per_row: int, pitch_u: float, pitch_v: float, margin_m: float, rng: np.random.Generator
) -> tuple[float, float, float, float, float, float] | None:
    """A free place and a heading for a grid of rows: (x, y, angle, extent along, across, radius)."""
    extent_u, extent_v = per_row * pitch_u, n_rows * pitch_v
    radius = math.hypot(extent_u, extent_v) / 2 + margin_m
    spot = _free_spot(scene, radius, rng)
    if spot is None:
        return None
    return spot[0], spot[1], rng.uniform(0, 180), extent_u, extent_v, radius


def _grid(
    n_rows: int, per_row: int, pitch_along: float, pitch_across: float, jitter_m: float, rng: np.random.Generator
) -> np.ndarray:
    u = (np.arange(per_row) - (per_row - 1) / 2) * pitch_along
    v = (np.arange(n_rows) - (n_rows - 1) / 2) * pitch_across
    uu, vv = np.meshgrid(u, v)
    pts = np.stack([uu.ravel(), vv.ravel()], axis=1)
    return pts + rng.normal(0, jitter_m, pts.shape)


def tent_camp(img: np.ndarray, layers: Layers, scene: _Scene, sun: Sun, rng: np.random.Generator) -> None:
    """A camp: a regular grid of one kind of tent with paths between rows, or an irregular cluster."""
    kind = str(rng.choice(TENT_KINDS, p=[0.4, 0.4, 0.2]))
    length = rng.uniform(4.0, 8.0) if kind == "pyramid" else rng.uniform(4.5, 12.0)
    width = length * (rng.uniform(0.85, 1.0) if kind == "pyramid" else rng.uniform(0.4, 0.7))
    width = max(width, 3.0)
    palette = TENT_LIGHT if rng.random() < 0.45 else TENT_DARK
    colour = np.array(palette[str(rng.choice(list(palette)))], np.float32)
    regular = rng.random() < 0.75
    n_rows, per_row = int(rng.integers(1, 7)), int(rng.integers(2, 13))
    along_row = rng.random() < 0.5  # tents' long side along the row
    gap = rng.uniform(1.0, 5.0)
    path = rng.uniform(4.0, 12.0)
    size_along, size_across = (length, width) if along_row else (width, length)
    pitch_u, pitch_v = size_along + gap, size_across + path
    laid = _lay_out(scene, n_rows, per_row, pitch_u, pitch_v, 8, rng)
    if laid is None:
        return
    cx, cy, angle, extent_u, extent_v, radius = laid
    if regular:
        local = _grid(n_rows, per_row, pitch_u, pitch_v, 0.25, rng)
    else:  # irregular cluster: random positions without overlap
        local = rng.uniform(-0.5, 0.5, (n_rows * per_row * 3, 2)) * np.array([extent_u, extent_v])
    ground = np.array(DIRT[int(rng.integers(len(DIRT)))], np.float32) * rng.uniform(0.85, 1.15)
    if rng.random() < 0.7:
        margin = rng.uniform(3, 12)
        area = place(rect(extent_u + 2 * margin, extent_v + 2 * margin), cx, cy, angle)
        _wear(img, area, layers.gsd_m, ground, rng.uniform(0.2, 0.55), rng.uniform(2, 6))
    if regular and n_rows > 1 and rng.random() < 0.7:
        for r in range(n_rows - 1):
            v = (r + 0.5 - (n_rows - 1) / 2) * pitch_v
            strip = place(rect(extent_u + 6, path * rng.uniform(0.4, 0.8)) + np.array([0, v]), cx, cy, angle)
            _wear(img, strip, layers.gsd_m, ground * 1.05, rng.uniform(0.25, 0.6), 0.6)
    taken: list[np.ndarray] = []
    tent_angle = angle if along_row else angle + 90
    for u, v in local:
        if rng.random() < 0.08:  # a missing tent in a row
            continue
        x, y = place(np.array([[u, v]]), cx, cy, angle)[0]
        a = tent_angle + (rng.normal(0, 2.0) if regular else rng.uniform(-30, 30))
        foot = place(rect(length, width), x, y, a)
        if not scene.inside(foot) or any(math.hypot(x - t[0], y - t[1]) < (length + width) / 2 + 0.8 for t in taken):
            continue
        if len(taken) >= n_rows * per_row:
            break
        c = colour * rng.uniform(0.92, 1.08)
        draw_tent(layers, kind, x, y, length, width, a, c, sun, rng)
        taken.append(np.array([x, y]))
        scene.placed.append(Placed("tent", kind, foot / layers.gsd_m, length, width))
    scene.avoid_m.append((cx, cy, radius))


def _vehicle_colours(rng: np.random.Generator) -> list[np.ndarray]:
    names = list(MILITARY_COLOURS)
    base = str(rng.choice(names))
    if rng.random() < 0.4:  # camouflage: two or three colours
        extra = [str(n) for n in rng.choice([n for n in names if n != base], int(rng.integers(1, 3)), replace=False)]
        return camouflage([base, *extra], rng)
    return camouflage([base], rng)


def vehicle_park(img: np.ndarray, layers: Layers, scene: _Scene, sun: Sun, rng: np.random.Generator) -> None:
    """Tight rows of vehicles, one kind per row, on scraped ground."""
    n_rows, per_row = int(rng.integers(1, 5)), int(rng.integers(3, 15))
    kinds = [str(rng.choice(list(VEHICLE_KINDS), p=[0.15, 0.25, 0.25, 0.25, 0.1])) for _ in range(n_rows)]
    longest = max(VEHICLE_KINDS[k][0][1] for k in kinds) + (4 if "tank" in kinds else 0)
    gap = rng.uniform(0.8, 4.0)
    row_gap = rng.uniform(5.0, 15.0)
    pitch_u, pitch_v = 3.7 + gap, longest + row_gap  # vehicles side by side, noses in one direction
    laid = _lay_out(scene, n_rows, per_row, pitch_u, pitch_v, 6, rng)
    if laid is None:
        return
    cx, cy, angle, extent_u, extent_v, radius = laid
    ground = np.array(DIRT[int(rng.integers(len(DIRT)))], np.float32)
    if rng.random() < 0.8:
        area = place(rect(extent_u + 10, extent_v + 10), cx, cy, angle)
        _wear(img, area, layers.gsd_m, ground, rng.uniform(0.3, 0.7), rng.uniform(2, 5))
    colours = _vehicle_colours(rng)
    local = _grid(n_rows, per_row, pitch_u, pitch_v, 0.3, rng)
    for i, (u, v) in enumerate(local):
        if rng.random() < 0.1:
            continue
        x, y = place(np.array([[u, v]]), cx, cy, angle)[0]
        a = angle + 90 + rng.normal(0, 3.0) + (180 if rng.random() < 0.1 else 0)
        _vehicle(layers, scene, kinds[i // per_row], x, y, a, colours, sun, rng)
    scene.avoid_m.append((cx, cy, radius))


def _vehicle(
    layers: Layers,
    scene: _Scene,
    kind: str,
    x: float,
    y: float,
    angle: float,
    colours: list[np.ndarray],
    sun: Sun,
    rng: np.random.Generator,
) -> None:
    probe = place(rect(VEHICLE_KINDS[kind][0][1] + 5, 4), x, y, angle)
    if not scene.inside(probe):
        return
    foot, length, width = draw_vehicle(layers, kind, x, y, angle, colours, sun, rng)
    scene.placed.append(Placed("vehicle", kind, foot / layers.gsd_m, length, width))


def render_scene(
    background: np.ndarray,
    gsd_m: float,
    rng: np.random.Generator,
    spec: SceneSpec = SceneSpec(),
    avoid_px: Sequence[tuple[float, float, float, float]] = (),
) -> tuple[np.ndarray, list[Placed]]:
    """Camps, parks and scattered vehicles on ``background`` (H×W×3 uint8 RGB at ``gsd_m``)."""
    h, w = background.shape[:2]
    avoid = [
        ((b[0] + b[2]) / 2 * gsd_m, (b[1] + b[3]) / 2 * gsd_m, math.hypot(b[2] - b[0], b[3] - b[1]) / 2 * gsd_m + 3)
        for b in avoid_px
    ]
    scene = _Scene(w * gsd_m, h * gsd_m, avoid)
    img = background.astype(np.float32)
    ss = max(2, min(4, math.ceil(gsd_m / 0.15)))
    layers = Layers(h, w, gsd_m, ss)
    sun = Sun(rng.uniform(0, 360), rng.uniform(25, 65))
    if rng.random() < spec.tent_camp_p:
        for _ in range(int(rng.integers(1, spec.max_camps + 1))):
            tent_camp(img, layers, scene, sun, rng)
    if rng.random() < spec.vehicle_park_p:
        for _ in range(int(rng.integers(1, spec.max_parks + 1))):
            vehicle_park(img, layers, scene, sun, rng)
    for _ in range(int(rng.integers(0, spec.scattered_vehicles + 1))):
        spot = _free_spot(scene, 10, rng)
        if spot is not None:
            kind = str(rng.choice(list(VEHICLE_KINDS)))
            _vehicle(layers, scene, kind, *spot, rng.uniform(0, 360), _vehicle_colours(rng), sun, rng)
            scene.avoid_m.append((*spot, 10))
    out = layers.composite(img)
    out = out + rng.normal(0, 1.5, out.shape)  # sensor noise over the painted objects
    return np.clip(out + 0.5, 0, 255).astype(np.uint8), scene.placed


def _window(bg: Background, pixels: np.ndarray, scene_px: int, rng: np.random.Generator):  # type: ignore[no-untyped-def]
    h, w = pixels.shape[:2]
    side_h, side_w = min(scene_px, h), min(scene_px, w)
    x0, y0 = int(rng.integers(0, w - side_w + 1)), int(rng.integers(0, h - side_h + 1))
    avoid = [
        (b[0] - x0, b[1] - y0, b[2] - x0, b[3] - y0)
        for b in bg.avoid_px
        if b[2] > x0 and b[0] < x0 + side_w and b[3] > y0 and b[1] < y0 + side_h
    ]
    return pixels[y0 : y0 + side_h, x0 : x0 + side_w], avoid, (x0, y0)


def write_dataset(
    backgrounds: Sequence[Background],
    out_dir: Path,
    n_scenes: int,
    seed: int,
    spec: SceneSpec = SceneSpec(),
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, object]:
    """Render ``n_scenes`` scenes into ``out_dir`` as DOTA (images/, labelTxt/ with gsd lines) plus
    manifest.json (backgrounds, seed, counts, the SYNTHETIC note). Returns the manifest."""
    if not backgrounds:
        raise InputError("no background images given. Fix: give a folder of images or a labelled dataset.")
    (out_dir / "images").mkdir(parents=True, exist_ok=True)
    (out_dir / "labelTxt").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    counts: dict[str, int] = {}
    kinds: dict[str, int] = {}
    cache: dict[Path, np.ndarray] = {}
    for i in range(n_scenes):
        bg = backgrounds[int(rng.integers(len(backgrounds)))]
        if bg.path not in cache:
            bgr = cv2.imread(str(bg.path), cv2.IMREAD_COLOR)
            if bgr is None:
                raise InputError(f"{bg.path}: cannot be decoded as an image. Fix: remove it from the backgrounds.")
            cache.clear()  # one decoded background at a time
            cache[bg.path] = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        window, avoid, (x0, y0) = _window(bg, cache[bg.path], spec.scene_px, rng)
        image, placed = render_scene(window, bg.gsd_m, rng, spec, avoid)
        name = f"scene_{i:05d}"
        cv2.imwrite(str(out_dir / "images" / f"{name}.png"), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        lines = [f"imagesource:SYNTHETIC on {bg.path.name} at ({x0},{y0})", f"gsd:{bg.gsd_m}"]
        for p in placed:
            coords = " ".join(f"{v:.1f}" for v in p.polygon_px.ravel())
            lines.append(f"{coords} {p.class_name} 0")
            counts[p.class_name] = counts.get(p.class_name, 0) + 1
            kinds[f"{p.class_name}/{p.kind}"] = kinds.get(f"{p.class_name}/{p.kind}", 0) + 1
        (out_dir / "labelTxt" / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        if progress:
            progress(i + 1, n_scenes)
    manifest: dict[str, object] = {
        "note": SYNTHETIC_NOTE,
        "seed": seed,
        "scenes": n_scenes,
        "scene_px": spec.scene_px,
        "backgrounds": sorted({str(b.path) for b in backgrounds}),
        "objects": counts,
        "kinds": kinds,
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest
