"""Drawing the brief's chips (JPEG): the pixels of a planned window (from a reader the caller gives), the
boxes coloured by what happened since the previous date, and the new-activity and camp outlines;
and the small chip of a site's unvalidated candidates (their boxes in one colour, nothing else).

The reader is any callable ``read_window(scene, (x0, y0, x1, y1), out_width, out_height)`` that
returns the window of the scene resampled to an H×W×3 uint8 RGB array; the application passes one
built on :class:`forcewatch.imagery.raster.RasterReader`, tests a function returning a grey array.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

import cv2
import numpy as np

from forcewatch.geo.convert import lonlat_to_pixel_rings
from forcewatch.model import BoxPx, Scene
from forcewatch.report.brief_plan import CANDIDATE, ChipPlan

#: ``read_window(scene, window_px, out_width, out_height) -> H×W×3 uint8 RGB``.
ReadWindow: TypeAlias = Callable[[Scene, BoxPx, int, int], np.ndarray]

#: BGR colours of the boxes by what happened to the object since the previous date (and of the
#: unvalidated candidates, on their own chip).
STATUS_COLOURS = {
    "seen": (0, 200, 255),
    "stayed": (255, 128, 0),
    "arrived": (0, 0, 230),
    "not observed before": (230, 230, 0),
    "departed": (230, 0, 230),
    "not observed": (150, 150, 150),
    CANDIDATE: (0, 140, 255),
}
ACTIVITY_COLOUR = (0, 255, 255)  # BGR yellow: new-activity outlines
CAMP_COLOUR = (80, 200, 0)  # BGR green: camps (clusters of tents and vehicles)
#: Objects no longer there are drawn thin, where they were.
THIN_STATUSES = ("departed", "not observed")
#: JPEG quality of the chips (imagery: a fifth to a tenth of the PNG's size, the boxes still crisp).
JPEG_QUALITY = 85


def draw_chip(plan: ChipPlan, rgb: np.ndarray) -> np.ndarray:
    """A BGR copy of the chip's pixels (``rgb``, the planned window at the planned size) with the
    boxes and outlines drawn."""
    w = plan.window
    img = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    for (bx0, by0, bx1, by1), what in plan.boxes:
        p0 = (round((bx0 - w.x0) * w.scale), round((by0 - w.y0) * w.scale))
        p1 = (round((bx1 - w.x0) * w.scale), round((by1 - w.y0) * w.scale))
        cv2.rectangle(img, p0, p1, STATUS_COLOURS[what], 1 if what in THIN_STATUSES else 2)
    outlines = [(g, ACTIVITY_COLOUR) for g in plan.activity] + [(g, CAMP_COLOUR) for g in plan.camps]
    for geom, colour in outlines:
        for ring_px in lonlat_to_pixel_rings(plan.scene.crs_wkt, plan.scene.transform, geom):
            ring = ((ring_px - (w.x0, w.y0)) * w.scale).astype(np.int32)
            cv2.polylines(img, [ring], True, colour, 2)
    return img


def chip_image(plan: ChipPlan, read_window: ReadWindow) -> np.ndarray:
    """The chip as a BGR array: its window read with ``read_window``, then drawn on."""
    w = plan.window
    return draw_chip(plan, read_window(plan.scene, w.box_px, w.width_px, w.height_px))


def chip_jpeg(plan: ChipPlan, read_window: ReadWindow, quality: int = JPEG_QUALITY) -> bytes:
    """The chip (:func:`chip_image`) as JPEG bytes."""
    ok, jpeg = cv2.imencode(".jpg", chip_image(plan, read_window), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError(f"OpenCV could not encode the chip of {plan.scene.path} as JPEG")
    return bytes(jpeg.tobytes())
