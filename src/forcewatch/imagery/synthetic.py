"""A synthetic airfield, rendered at a realistic GSD and written as a georeferenced GeoTIFF.

Used by ``forcewatch demo`` because real imagery may not ship with the package. Everything it
writes says that the imagery is synthetic. The scene: grass and soil, a runway with markings,
a taxiway, aprons of weathered concrete, hangars, and aircraft (fuselage, swept wings, tailplane,
engines) in light paint, each casting a shadow away from the sun.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

SYNTHETIC_NOTE = "SYNTHETIC imagery rendered by ForceWatch for the demo: not a real observation"


@dataclass(frozen=True)
class PlacedAircraft:
    """Truth for one rendered aircraft: centre and box in pixels, span in metres."""

    cx_px: float
    cy_px: float
    box_px: tuple[float, float, float, float]
    span_m: float
    heading_deg: float


def _aircraft_polygons(span_m: float, gsd_m: float) -> list[np.ndarray]:
    """Fuselage, wings, tailplane and fin as polygons (pixels, nose up, centred at 0)."""
    s = span_m / gsd_m
    length = 0.95 * s
    fus_w = 0.09 * s
    half = length / 2
    fuselage = np.array(
        [
            [0, -half],
            [fus_w / 2, -half + fus_w],
            [fus_w / 2, half - fus_w * 0.5],
            [0, half],
            [-fus_w / 2, half - fus_w * 0.5],
            [-fus_w / 2, -half + fus_w],
        ]
    )
    root_y = -0.05 * length
    sweep = 0.22 * s
    chord = 0.16 * s
    wing_r = np.array(
        [
            [fus_w / 2, root_y],
            [s / 2, root_y + sweep],
            [s / 2, root_y + sweep + chord * 0.35],
            [fus_w / 2, root_y + chord],
        ]
    )
    wing_l = wing_r * np.array([-1, 1])
    tail_y = half - 0.16 * length
    tail_r = np.array(
        [
            [fus_w / 2, tail_y],
            [0.19 * s, tail_y + 0.09 * s],
            [0.19 * s, tail_y + 0.13 * s],
            [fus_w / 2, tail_y + 0.09 * s],
        ]
    )
    tail_l = tail_r * np.array([-1, 1])
    return [fuselage, wing_r, wing_l, tail_r, tail_l]


def _engines(span_m: float, gsd_m: float) -> list[tuple[float, float, float]]:
    s = span_m / gsd_m
    y = -0.05 * 0.95 * s + 0.06 * s
    return [(x, y, 0.035 * s) for x in (-0.17 * s, 0.17 * s)]


def _rotate(points: np.ndarray, heading_deg: float, cx: float, cy: float) -> np.ndarray:
    a = math.radians(heading_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return points @ rot.T + np.array([cx, cy])


def render_airfield(
    width_px: int,
    height_px: int,
    gsd_m: float,
    aircraft: list[tuple[float, float, float, float]],
    seed: int = 0,
) -> tuple[np.ndarray, list[PlacedAircraft]]:
    """An RGB airfield with ``aircraft`` given as (x_m, y_m, span_m, heading_deg) from the
    top-left corner. Returns the image and the truth for each aircraft."""
    rng = np.random.default_rng(seed)
    h, w = height_px, width_px
    noise = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 25 / gsd_m)
    noise = noise / (noise.std() + 1e-6)
    grass = np.stack([88 + 10 * noise, 104 + 12 * noise, 70 + 8 * noise], -1)
    img = grass + rng.normal(0, 5, (h, w, 1))
    m = 1 / gsd_m
    concrete = (172, 170, 164)
    # runway along the bottom, taxiway, apron in the middle, hangars at the top
    cv2.rectangle(
        img,
        (int(60 * m), int(h - 140 * m)),
        (int(w - 60 * m), int(h - 95 * m)),
        (112, 112, 110),
        -1,
    )
    for x in range(int(100 * m), int(w - 100 * m), int(60 * m)):
        cv2.rectangle(img, (x, int(h - 118.5 * m)), (x + int(30 * m), int(h - 116.5 * m)), (235, 235, 230), -1)
    cv2.rectangle(
        img,
        (int(90 * m), int(h - 200 * m)),
        (int(w - 90 * m), int(h - 178 * m)),
        (130, 130, 126),
        -1,
    )
    apron = (int(80 * m), int(120 * m), int(w - 80 * m), int(h - 220 * m))
    cv2.rectangle(img, apron[:2], apron[2:], concrete, -1)
    for x in range(apron[0], apron[2], int(7.5 * m)):  # concrete slab joints
        cv2.line(img, (x, apron[1]), (x, apron[3]), (160, 158, 152), 1)
    for y in range(apron[1], apron[3], int(7.5 * m)):
        cv2.line(img, (apron[0], y), (apron[2], y), (160, 158, 152), 1)
    for i, x in enumerate(range(int(100 * m), int(w - 150 * m), int(110 * m))):
        top = int(30 * m)
        cv2.rectangle(img, (x, top), (x + int(70 * m), top + int(60 * m)), (150 + 10 * (i % 3), 150, 145), -1)
        cv2.rectangle(
            img,
            (x + int(70 * m), top + int(4 * m)),
            (x + int(78 * m), top + int(64 * m)),
            (60, 62, 60),
            -1,
        )
    stains = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 6 / gsd_m)
    img = img * (1 + 0.04 * stains[..., None] / (stains.std() + 1e-6))

    shadow_dx, shadow_dy = 0.35 * m * 4, 0.25 * m * 4  # sun from the north-west
    placed = []
    shadow_layer = np.zeros((h, w), np.float32)
    paint_layer = np.zeros((h, w), np.float32)
    for x_m, y_m, span_m, heading in aircraft:
        cx, cy = x_m * m, y_m * m
        polys = [_rotate(p, heading, cx, cy) for p in _aircraft_polygons(span_m, gsd_m)]
        for p in polys:
            cv2.fillPoly(shadow_layer, [np.round(p + np.array([shadow_dx, shadow_dy])).astype(np.int32)], 1.0)
            cv2.fillPoly(paint_layer, [np.round(p).astype(np.int32)], 1.0)
        for ex, ey, r in _engines(span_m, gsd_m):
            ecx, ecy = _rotate(np.array([[ex, ey]]), heading, cx, cy)[0]
            cv2.circle(paint_layer, (round(ecx), round(ecy)), max(1, round(r)), 0.8, -1)
        pts = np.concatenate(polys)
        box = (
            float(pts[:, 0].min()),
            float(pts[:, 1].min()),
            float(pts[:, 0].max()),
            float(pts[:, 1].max()),
        )
        placed.append(PlacedAircraft(cx, cy, box, span_m, heading))
    img = img * (1 - 0.45 * np.clip(shadow_layer - paint_layer, 0, 1))[..., None]
    paint = np.array([226, 228, 232], np.float32)
    img = img * (1 - paint_layer[..., None]) + paint_layer[..., None] * paint
    img = cv2.GaussianBlur(img.astype(np.float32), (0, 0), 0.6) + rng.normal(0, 2.5, (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8), placed


def write_geotiff(
    rgb: np.ndarray,
    path: Path,
    centre_lat: float,
    centre_lon: float,
    gsd_m: float,
    acquired: str,
    valid: np.ndarray | None = None,
    note: str = SYNTHETIC_NOTE,
) -> Path:
    """Write ``rgb`` as a tiled, compressed GeoTIFF in the UTM zone of the centre point."""
    import rasterio
    from affine import Affine

    from forcewatch.geo.convert import transformer, utm_crs

    crs = utm_crs(centre_lat, centre_lon)
    x, y = transformer(4326, crs).transform(centre_lon, centre_lat)
    h, w = rgb.shape[:2]
    transform = Affine(gsd_m, 0, x - w / 2 * gsd_m, 0, -gsd_m, y + h / 2 * gsd_m)
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=w,
        height=h,
        count=3,
        dtype="uint8",
        crs=crs,
        transform=transform,
        tiled=True,
        blockxsize=256,
        blockysize=256,
        compress="deflate",
        photometric="RGB",
    ) as ds:
        ds.write(np.moveaxis(rgb, -1, 0))
        if valid is not None:
            ds.write_mask(valid.astype(np.uint8) * 255)
        ds.update_tags(
            TIFFTAG_DATETIME=acquired.replace("-", ":").replace("T", " ")[:19],
            ACQUIRED=acquired,
            FORCEWATCH_NOTE=note,
        )
    return path
