"""What every annotation reader shares: the reading context (GSD, accepted classes, renames) and the
checks that turn a bad value into an :class:`~forcewatch.errors.AnnotationError` naming the file, the
line or record, the value and the fix."""

from __future__ import annotations

from pathlib import Path

from forcewatch.errors import AnnotationError, ImageryError
from forcewatch.imagery.raster import image_size_px

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff")
#: Class names from common datasets that mean what ForceWatch calls ``aircraft``.
DEFAULT_ALIASES = {
    "airplane": "aircraft",
    "aeroplane": "aircraft",
    "plane": "aircraft",
    "truncated_airplane": "aircraft",
}
#: Boxes of objects cut by the image edge are clipped to the image; a box with less than this
#: many pixels of width or height inside the image is an error (it belongs elsewhere).
EDGE_TOLERANCE_PX = 2.0
#: ``--class-map NAME=-`` drops a class: its objects are not labels, only background.
DROP = "-"


class ReadContext:
    """The options a reader applies to every record: GSD, accepted classes, renames, and the folder of
    the images when the labels are kept apart from them."""

    def __init__(
        self,
        gsd_m: float | None,
        allowed: set[str] | None,
        class_map: dict[str, str],
        image_dir: Path | None = None,
    ):
        self.gsd_m = gsd_m
        self.allowed = allowed
        self.class_map = class_map
        self.image_dir = image_dir

    def image_dirs(self, defaults: list[Path]) -> list[Path]:
        """Where a record's image is looked for: the user's image folder alone when given, else ``defaults``."""
        return [self.image_dir] if self.image_dir is not None else defaults

    def class_name(self, raw: str, path: Path, line: int | None, record: str | None) -> str:
        name = raw.strip()
        name = DEFAULT_ALIASES.get(name.lower(), name)
        name = self.class_map.get(name, name)
        if self.allowed is not None and name not in self.allowed and name != DROP:
            raise AnnotationError(
                path,
                f"unknown class {raw!r}",
                f"use one of {', '.join(sorted(self.allowed))}, or map it with --class-map {raw}=NAME",
                line=line,
                record=record,
            )
        return name


def number(value: str, path: Path, line: int | None, record: str | None, what: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise AnnotationError(
            path,
            f"{what} is {value!r}, not a number",
            "write a decimal number there",
            line=line,
            record=record,
        ) from None


def find_image(name: str, dirs: list[Path], path: Path, line: int | None, record: str | None) -> Path:
    for d in dirs:
        candidate = d / name
        if candidate.is_file():
            return candidate
    raise AnnotationError(
        path,
        f"image {name!r} not found (looked in {', '.join(str(d) for d in dirs)})",
        "put the image there or correct the file name",
        line=line,
        record=record,
    )


def image_size(image: Path, path: Path, line: int | None, record: str | None) -> tuple[int, int]:
    try:
        return image_size_px(image)
    except ImageryError as exc:
        raise AnnotationError(
            path,
            f"image {image} cannot be read ({exc})",
            "replace the file",
            line=line,
            record=record,
        ) from None


def checked_box(
    box: tuple[float, float, float, float],
    size: tuple[int, int],
    path: Path,
    line: int | None,
    record: str | None,
) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = box
    w, h = size
    tol = EDGE_TOLERANCE_PX
    if x1 <= x0 or y1 <= y0:
        raise AnnotationError(
            path,
            f"box {list(box)} is empty (max not above min)",
            "fix the coordinates",
            line=line,
            record=record,
        )
    inside = (max(0.0, x0), max(0.0, y0), min(float(w), x1), min(float(h), y1))
    if inside[2] - inside[0] <= tol or inside[3] - inside[1] <= tol:
        raise AnnotationError(
            path,
            f"box {[round(v, 1) for v in box]} lies outside the image ({w}×{h} px)",
            "fix the coordinates, or check that the label belongs to this image",
            line=line,
            record=record,
        )
    return (max(0.0, x0), max(0.0, y0), min(float(w), x1), min(float(h), y1))
