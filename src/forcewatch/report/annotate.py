"""Annotated PNG: the image (at most ``max_side_px`` wide) with each detection's box and score."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from forcewatch.detect.run import DetectionRun
from forcewatch.imagery.raster import RasterReader

#: BGR colours by size class.
COLOURS = {
    "small": (0, 200, 255),
    "medium": (0, 255, 0),
    "large": (255, 128, 0),
    "car-size": (0, 200, 255),
    "truck/armour-size": (0, 255, 0),
    "long": (255, 128, 0),
}


def draw_detections(rgb: np.ndarray, run: DetectionRun, scale: float) -> np.ndarray:
    """A BGR copy of ``rgb`` (which is the image scaled by ``scale``) with the boxes drawn."""
    img = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    thick = max(1, round(min(img.shape[:2]) / 800))
    for d in run.detections:
        x0, y0, x1, y1 = (round(v * scale) for v in d.box_px)
        colour = COLOURS.get(d.size_class, (0, 0, 255))
        cv2.rectangle(img, (x0, y0), (x1, y1), colour, thick)
        cv2.putText(
            img,
            f"{d.score:.2f}",
            (x0, max(10, y0 - 3)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.35 * thick,
            colour,
            1,
            cv2.LINE_AA,
        )
    label = f"{len(run.detections)} detections - {run.model_id} - {run.gsd_m:.2f} m GSD"
    for colour, weight in (((255, 255, 255), thick + 1), ((0, 0, 0), thick)):  # a white halo, then black
        cv2.putText(img, label, (8, 20 * thick), cv2.FONT_HERSHEY_SIMPLEX, 0.6 * thick, colour, weight, cv2.LINE_AA)
    return img


def write_annotated(run: DetectionRun, out: Path, max_side_px: int = 4096) -> Path:
    scale = min(1.0, max_side_px / max(run.width_px, run.height_px))
    w, h = max(1, round(run.width_px * scale)), max(1, round(run.height_px * scale))
    with RasterReader(Path(run.image)) as reader:
        rgb, _ = reader.read((0, 0, run.width_px, run.height_px), w, h)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(out), draw_detections(rgb, run, scale)):
        raise OSError(f"{out}: could not write the PNG (check the folder and the .png suffix)")
    return out
