"""Frozen value types shared by the pipeline.

Boxes are always (minx, miny, maxx, maxy) in pixels of the image they were found in.
"""

from __future__ import annotations

from dataclasses import dataclass

BoxPx = tuple[float, float, float, float]


@dataclass(frozen=True)
class Detection:
    """One object found by a detector in one image.

    ``box_px`` is in pixels of the input image; ``length_m`` and ``width_m`` are the long and
    short side of the box on the ground; ``size_class`` is the class-specific size bucket
    (for aircraft: small < 20 m, medium 20–40 m, large > 40 m).
    """

    class_name: str
    score: float
    box_px: BoxPx
    length_m: float
    width_m: float
    size_class: str
    model_id: str = ""
    scene_id: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "class": self.class_name,
            "score": round(self.score, 4),
            "box": [round(v, 1) for v in self.box_px],
            "length_m": round(self.length_m, 1),
            "width_m": round(self.width_m, 1),
            "size_class": self.size_class,
        }
