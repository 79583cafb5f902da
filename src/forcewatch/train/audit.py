"""Label audits: objects a dataset's labels leave out, found by eye and added for evaluation.

A count error measured against labels that miss objects charges the detector for the labels'
omissions: a detector that finds an unlabelled aircraft is scored as having counted one too many.
An audit is a JSON file of such objects, each with the image, its box in that image's pixels,
whether it is cut by the image edge (``truncated``: then, as the dataset's own truncated labels,
it is neither required nor counted against the detector) and why it was added:

    {"dataset": "...", "method": "...", "added": [
        {"image": "b7ab0316-....jpg", "box_px": [1108, 1272, 1201, 1360], "truncated": false,
         "why": "an aircraft at a gate, unlabelled"}]}

It only adds: a label that is wrong stays, and is reported. Scores against the original labels are
always reported beside the audited ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from forcewatch.errors import AnnotationError
from forcewatch.model import BoxPx
from forcewatch.train.annotations import AnnotationSet, ObjectLabel


@dataclass(frozen=True)
class AddedLabel:
    image: str
    box_px: BoxPx
    truncated: bool
    why: str


@dataclass(frozen=True)
class LabelAudit:
    path: Path
    class_name: str
    added: tuple[AddedLabel, ...]

    def summary(self) -> str:
        whole = sum(not a.truncated for a in self.added)
        return f"{whole} whole and {len(self.added) - whole} edge-cut {self.class_name} added by eye ({self.path.name})"


def load_audit(path: Path, class_name: str = "aircraft") -> LabelAudit:
    """The audit in ``path``; a malformed entry is an error naming the file, the entry and the fix."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise AnnotationError(path, f"cannot be read as JSON ({exc})", "give the audit file as written") from None
    entries = doc.get("added") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise AnnotationError(path, "no 'added' list", 'write {"added": [{"image": ..., "box_px": [...]}, ...]}')
    added = []
    for i, e in enumerate(entries):
        record = f"added[{i}]"
        box = e.get("box_px") if isinstance(e, dict) else None
        if not isinstance(e, dict) or not isinstance(e.get("image"), str) or not e["image"]:
            raise AnnotationError(path, f"entry {e!r} has no image name", "give the image's file name", record=record)
        if (
            not isinstance(box, list)
            or len(box) != 4
            or not all(isinstance(v, int | float) for v in box)
            or not (box[0] < box[2] and box[1] < box[3])
        ):
            raise AnnotationError(
                path,
                f"box_px {box!r} is not [x0, y0, x1, y1] with x0 < x1, y0 < y1",
                "give the box in pixels",
                record=record,
            )
        if not isinstance(e.get("truncated", False), bool) or not isinstance(e.get("why", ""), str) or not e.get("why"):
            raise AnnotationError(
                path,
                "needs 'why' (text) and, if given, 'truncated' (true/false)",
                "say why it was added",
                record=record,
            )
        added.append(AddedLabel(e["image"], (box[0], box[1], box[2], box[3]), e.get("truncated", False), e["why"]))
    return LabelAudit(path, class_name, tuple(added))


def apply_audit(data: AnnotationSet, audit: LabelAudit) -> AnnotationSet:
    """``data`` with the audit's objects added to the images it has (entries for other images are
    skipped: an audit covers a whole dataset, an evaluation one split of it). An added box outside
    its image is an error."""
    by_image: dict[str, list[AddedLabel]] = {}
    for a in audit.added:
        by_image.setdefault(a.image, []).append(a)
    images = []
    for im in data.images:
        extra = by_image.get(im.name, [])
        for a in extra:
            if a.box_px[0] < 0 or a.box_px[1] < 0 or a.box_px[2] > im.width_px or a.box_px[3] > im.height_px:
                raise AnnotationError(
                    audit.path,
                    f"box_px {list(a.box_px)} lies outside {im.name} ({im.width_px} × {im.height_px} px)",
                    "give the box in that image's pixels",
                    record=f"image {im.name}",
                )
        added = tuple(ObjectLabel(audit.class_name, a.box_px, truncated=a.truncated) for a in extra)
        images.append(replace(im, objects=im.objects + added) if added else im)
    return replace(data, images=tuple(images), notes=(*data.notes, audit.summary()))
