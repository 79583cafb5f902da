"""Size on the ground and size classes, per object class, as analysts report them."""

from __future__ import annotations

import math

#: For each class: (upper bound of the long side in metres, size class), ascending.
SIZE_CLASSES: dict[str, tuple[tuple[float, str], ...]] = {
    # fighters, attack aircraft, helicopters | airliner-size jets | transports, tankers, airliners
    "aircraft": ((20.0, "small"), (40.0, "medium"), (math.inf, "large")),
    # cars | trucks and armour | transporters, launchers, trailers
    "vehicle": ((6.0, "car-size"), (12.0, "truck/armour-size"), (math.inf, "long")),
    "tent": ((6.0, "small"), (12.0, "medium"), (math.inf, "large")),
}


def ground_size_m(box_px: tuple[float, float, float, float], gsd_m: float) -> tuple[float, float]:
    """(length, width) in metres: the long and the short side of the box on the ground."""
    w = (box_px[2] - box_px[0]) * gsd_m
    h = (box_px[3] - box_px[1]) * gsd_m
    return max(w, h), min(w, h)


def size_class(class_name: str, length_m: float) -> str:
    """The size bucket of an object of ``class_name`` whose long side is ``length_m``."""
    for bound, label in SIZE_CLASSES.get(class_name, ()):
        if length_m < bound:
            return label
    return "unclassified"
