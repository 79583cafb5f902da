"""One annotation type for every dataset format, and the merge of duplicated labels."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from forcewatch.model import BoxPx


@dataclass(frozen=True)
class ObjectLabel:
    """One labelled object: class, axis-aligned box in image pixels, optional polygon."""

    class_name: str
    box_px: BoxPx
    polygon_px: tuple[tuple[float, float], ...] | None = None
    truncated: bool = False


@dataclass(frozen=True)
class ImageLabels:
    """Labels of one image, with its size in pixels and its ground sample distance if known."""

    image_path: Path
    width_px: int
    height_px: int
    objects: tuple[ObjectLabel, ...]
    gsd_m: float | None = None

    @property
    def name(self) -> str:
        return self.image_path.name


@dataclass(frozen=True)
class AnnotationSet:
    """A whole labelled dataset as read from one of the supported formats."""

    source: Path
    format: str
    classes: tuple[str, ...]
    images: tuple[ImageLabels, ...]
    merged_duplicates: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def object_count(self) -> int:
        return sum(len(im.objects) for im in self.images)

    def subset(self, names: set[str]) -> AnnotationSet:
        """The images whose file names are in ``names`` (same order as here)."""
        return replace(self, images=tuple(im for im in self.images if im.name in names))


def box_iou(a: BoxPx, b: BoxPx) -> float:
    """Intersection over union of two (minx, miny, maxx, maxy) boxes; 0 for empty boxes."""
    ix = min(a[2], b[2]) - max(a[0], b[0])
    iy = min(a[3], b[3]) - max(a[1], b[1])
    if ix <= 0 or iy <= 0:
        return 0.0
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def merge_duplicates(objects: list[ObjectLabel], iou_threshold: float = 0.8) -> tuple[list[ObjectLabel], int]:
    """Merge labels of the same class whose boxes overlap above ``iou_threshold``.

    Some datasets label one object twice with two nearly identical boxes. The merged label
    keeps the mean box; it is truncated only if both were. Returns the labels and how many
    were merged away.
    """
    kept: list[ObjectLabel] = []
    merged = 0
    for obj in objects:
        for i, other in enumerate(kept):
            if other.class_name == obj.class_name and box_iou(other.box_px, obj.box_px) > (iou_threshold):
                mean_box = tuple((p + q) / 2 for p, q in zip(other.box_px, obj.box_px, strict=True))
                kept[i] = replace(
                    other,
                    box_px=(mean_box[0], mean_box[1], mean_box[2], mean_box[3]),
                    truncated=other.truncated and obj.truncated,
                )
                merged += 1
                break
        else:
            kept.append(obj)
    return kept, merged
