"""Training chips from the workspace's labels (``forcewatch train --from-workspace``).

For each scene that has labels of the chosen sites (and date), windows on a grid around the
labelled objects and the rejected detections are read from the scene at the model's GSD (or the
scene's own, where it is coarser) and written as PNG chips. Accepted and added labels are the
objects (their boxes: the label polygons projected into the scene's pixels); a chip that holds
only rejected detections is a hard negative (a chip without objects). What nobody reviewed is not
taught as background: pixels outside the label sites' areas, detections left unreviewed and
objects mostly outside a chip are blanked (as missing data), never left unlabelled.

The chips come back as the :class:`~forcewatch.train.annotations.AnnotationSet` every other
dataset is read into, so the same fine-tune runs on them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from forcewatch.errors import InputError
from forcewatch.geo.convert import geometry_pixel_bounds, lonlat_to_pixel_rings
from forcewatch.imagery.remote import is_url
from forcewatch.model import BoxPx, Label, Scene, Site
from forcewatch.store.base import Store
from forcewatch.train.annotations import AnnotationSet, ImageLabels, ObjectLabel, box_iou, merge_duplicates

#: Chip side in pixels at the model's GSD (512 px: 154 m for a 0.3 m model, 512 m for a 1 m one).
CHIP_PX = 512
#: An object with less than this share of its box inside a chip is blanked there, not labelled.
MIN_VISIBLE = 0.5
#: Margin (share of the box side) blanked around an unreviewed detection.
BLANK_MARGIN = 0.25
OBJECT_STATUSES = ("accepted", "added")
FORMAT = "workspace"
_REVIEW = (
    "`forcewatch label export SITE --out labels.gpkg`, review it in QGIS, then `forcewatch label import labels.gpkg`"
)


@dataclass(frozen=True)
class WorkspaceChips:
    """The chips built from the workspace's labels, and what the card and the held-out split need."""

    data: AnnotationSet
    label: str  # how the card names the data: "workspace labels of site X (2 scenes, by ana)"
    name: str  # for a model id: the site names, slugged
    sites: tuple[str, ...]
    scenes: int
    who: tuple[str, ...]
    scene_of: dict[str, str]  # chip name → "scene N" (the held-out split keeps a scene's chips together)
    source_gsd_m: dict[str, float]  # chip name → the GSD of the scene it was read from
    synthetic: str | None  # why the imagery is synthetic, or None
    notes: tuple[str, ...] = field(default_factory=tuple)


# ---- pure: chip layout --------------------------------------------------------------------------


def _cuts(box: BoxPx, ox: float, oy: float, side: float) -> bool:
    """Whether a grid line crosses ``box`` (by more than half a pixel)."""
    x0, y0, x1, y1 = box[0] + 0.5, box[1] + 0.5, box[2] - 0.5, box[3] - 0.5
    return math.floor((x0 - ox) / side) != math.floor((x1 - ox) / side) or math.floor((y0 - oy) / side) != math.floor(
        (y1 - oy) / side
    )


def chip_windows(
    width_px: int, height_px: int, side_px: float, anchors: Sequence[BoxPx], objects: Sequence[BoxPx] = ()
) -> list[BoxPx]:
    """Windows (minx, miny, maxx, maxy, in image pixels) of a grid of ``side_px`` cells, clipped to the
    image, that hold the centre of one of ``anchors``. They never overlap; of 16 grid offsets (quarters
    of a cell), the one that cuts the fewest ``objects`` is used (then the smallest offset).

    >>> chip_windows(1000, 1000, 400, [(10, 10, 30, 30), (500, 500, 520, 520)])
    [(0, 0, 400, 400), (400, 400, 800, 800)]
    """
    if not anchors:
        return []
    offsets = [(fx * side_px / 4, fy * side_px / 4) for fy in range(4) for fx in range(4)]
    ox, oy = min(offsets, key=lambda o: (sum(_cuts(b, o[0], o[1], side_px) for b in objects), o[1], o[0]))
    cells = set()
    for b in anchors:
        cx = min(max((b[0] + b[2]) / 2, 0.0), width_px - 1e-6)
        cy = min(max((b[1] + b[3]) / 2, 0.0), height_px - 1e-6)
        cells.add((math.floor((cy - oy) / side_px), math.floor((cx - ox) / side_px)))
    out = []
    for j, i in sorted(cells):
        x0, y0 = max(0.0, ox + i * side_px), max(0.0, oy + j * side_px)
        x1, y1 = min(float(width_px), ox + (i + 1) * side_px), min(float(height_px), oy + (j + 1) * side_px)
        out.append((round(x0), round(y0), round(x1), round(y1)))
    return [w for w in out if w[2] > w[0] and w[3] > w[1]]


def _in_window(box: BoxPx, win: BoxPx, scale: float) -> tuple[BoxPx, float]:
    """``box`` (image pixels) in the chip of ``win`` (chip pixels, clipped) and the share of it inside."""
    x0, y0, x1, y1 = max(box[0], win[0]), max(box[1], win[1]), min(box[2], win[2]), min(box[3], win[3])
    area = max(box[2] - box[0], 1e-9) * max(box[3] - box[1], 1e-9)
    inside = max(0.0, x1 - x0) * max(0.0, y1 - y0) / area
    return ((x0 - win[0]) * scale, (y0 - win[1]) * scale, (x1 - win[0]) * scale, (y1 - win[1]) * scale), inside


def chip_objects(
    win: BoxPx, scale: float, objects: Sequence[ObjectLabel]
) -> tuple[tuple[ObjectLabel, ...], list[BoxPx]]:
    """(the objects of the chip of ``win``, in chip pixels; the chip boxes to blank): an object cut by
    the chip's edge is kept (truncated) when at least :data:`MIN_VISIBLE` of it is inside, else blanked."""
    kept: list[ObjectLabel] = []
    blank: list[BoxPx] = []
    for o in objects:
        box, inside = _in_window(o.box_px, win, scale)
        if inside <= 0:
            continue
        if inside >= MIN_VISIBLE:
            kept.append(ObjectLabel(o.class_name, box, truncated=o.truncated or inside < 0.999))
        else:
            blank.append(box)
    return tuple(kept), blank


def _overlaps_any(box: BoxPx, others: Sequence[BoxPx]) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return any(box_iou(box, o) > 0.3 or (o[0] <= cx <= o[2] and o[1] <= cy <= o[3]) for o in others)


# ---- the workspace ------------------------------------------------------------------------------


def _scene_file(store: Store, scene: Scene) -> Path | str:
    """Where the scene's image opens: a URL as it is, a file path (relative ones under the workspace)."""
    if is_url(scene.path):
        return scene.path
    path = Path(scene.path)
    return path if path.is_absolute() else store.folder / path


def _label_text(lab: Label) -> str:
    who = f" by {lab.who}" if lab.who else ""
    src = f" from {lab.source}" if lab.source else ""
    return f"label {lab.id} ({lab.class_name}, {lab.status}{who}{src})"


def _checked_scene(store: Store, scene: Scene | None, lab: Label) -> tuple[Scene, Path | str]:
    """The label's scene and its file, which must still be the file that was ingested."""
    from forcewatch.provenance import file_sha256

    if scene is None:
        raise InputError(
            f"{_label_text(lab)} is on scene {lab.scene_id}, which is no longer in the workspace. Fix: ingest that "
            "image again and review its detections again, or leave its site out with --site."
        )
    path = _scene_file(store, scene)
    if isinstance(path, str):  # a remote image: read where it lives (its fingerprint was checked on ingest)
        return scene, path
    where = f"{_label_text(lab)} is on scene {scene.id} ({Path(scene.path).name}, {scene.acquired[:10]})"
    if not path.is_file():
        raise InputError(
            f"{where}, whose file {path} is missing. Fix: put the image back at that path, or leave that site out "
            "with --site (or that date with --date)."
        )
    if file_sha256(path) != scene.sha256:
        raise InputError(
            f"{where}, whose file {path} has changed since it was ingested (sha256 differs), so the labels may no "
            "longer lie on their objects. Fix: restore the ingested file, or ingest the new one and review it again."
        )
    return scene, path


def _chosen_labels(
    store: Store, sites: Sequence[str], date: str | None
) -> tuple[list[Label], dict[int, Site], list[str]]:
    """The labels of ``sites`` (every site's, when none is named) on scenes of ``date``, the sites by
    id, and notes."""
    from forcewatch.report.dates import parse_date

    by_id = {s.id: s for s in store.sites() if s.id is not None}
    wanted = [store.site(name) for name in dict.fromkeys(sites)]  # a clear error for an unknown site
    labels = [lab for s in wanted for lab in store.labels(s.id)] if wanted else store.labels()
    notes = []
    outside = [lab for lab in labels if lab.site_id is None]
    if outside:
        notes.append(f"{len(outside)} labels lie outside every site: not used (nobody reviewed around them)")
    labels = [lab for lab in labels if lab.site_id is not None]
    if date is not None:
        day = parse_date(date, "--date").isoformat()
        acquired = {s.id: s.acquired[:10] for s in store.scenes()}
        labels = [lab for lab in labels if acquired.get(lab.scene_id) == day]
    where = f" of {', '.join(repr(s.name) for s in wanted)}" if wanted else ""
    when = f" on {date}" if date else ""
    if not labels:
        raise InputError(f"the workspace has no labels{where}{when}. Fix: label detections first: {_REVIEW}.")
    return labels, by_id, notes


def _checked_classes(labels: list[Label], classes: Sequence[str], model_id: str, only: bool) -> list[Label]:
    """The labels of ``classes``; with other classes, an error (or, with ``only``, they are left out)."""
    other = sorted({lab.class_name for lab in labels} - set(classes))
    if other and not only:
        counts = ", ".join(f"{sum(lab.class_name == c for lab in labels)} of {c!r}" for c in other)
        raise InputError(
            f"the labels include classes {model_id} does not have ({counts}); it has {', '.join(classes)}, and a "
            f"fine-tune keeps them. Fix: fine-tune a model of that class (--init), learn only its classes with "
            f"--classes {','.join(classes)}, or choose the sites with --site."
        )
    chosen = [lab for lab in labels if lab.class_name in classes]
    if not any(lab.status in OBJECT_STATUSES for lab in chosen):
        raise InputError(
            f"none of the {len(chosen)} labels of {', '.join(classes)} is an object (accepted or added): there is "
            f"nothing to learn. Fix: accept the right detections and draw the missed objects: {_REVIEW}."
        )
    return chosen


def _pixel_box(scene: Scene, geom: BaseGeometry) -> BoxPx:
    return geometry_pixel_bounds(scene.crs_wkt, scene.transform, geom)


def _area_mask(scene: Scene, area: BaseGeometry, win: BoxPx, scale: float, shape: tuple[int, int]) -> np.ndarray:
    """True where a chip's pixels lie in ``area`` (lon/lat)."""
    mask = np.zeros(shape, np.uint8)
    rings = [
        np.round((r - np.array([win[0], win[1]])) * scale).astype(np.int32)
        for r in lonlat_to_pixel_rings(scene.crs_wkt, scene.transform, area)
    ]
    if rings:
        cv2.fillPoly(mask, rings, 1)
    return mask.astype(bool)


def _blank(valid: np.ndarray, boxes: Sequence[BoxPx], margin: float = 0.0) -> None:
    h, w = valid.shape
    for b in boxes:
        mx, my = (b[2] - b[0]) * margin, (b[3] - b[1]) * margin
        x0, y0 = max(0, math.floor(b[0] - mx)), max(0, math.floor(b[1] - my))
        x1, y1 = min(w, math.ceil(b[2] + mx)), min(h, math.ceil(b[3] + my))
        valid[y0:y1, x0:x1] = False


@dataclass
class _SceneChips:
    images: list[ImageLabels]
    blanked_unreviewed: int
    merged: int


def _scene_chips(
    store: Store,
    scene: Scene,
    path: Path | str,
    labels: list[Label],
    area: BaseGeometry,
    classes: Sequence[str],
    model_gsd_m: float,
    folder: Path,
    chip_px: int,
) -> _SceneChips:
    """Read and write the chips of one scene."""
    from forcewatch.imagery.raster import RasterReader

    objects = [
        ObjectLabel(lab.class_name, _pixel_box(scene, lab.polygon)) for lab in labels if lab.status in OBJECT_STATUSES
    ]
    objects, merged = merge_duplicates(objects)
    rejected = [_pixel_box(scene, lab.polygon) for lab in labels if lab.status == "rejected"]
    reviewed = {lab.detection_id for lab in labels if lab.detection_id is not None}
    unreviewed = [
        box
        for d in store.detections(scene_id=scene.id)
        if d.id not in reviewed and d.detection.class_name in classes and d.detection.polygon is not None
        if area.intersects(d.detection.polygon)
        for box in [_pixel_box(scene, d.detection.polygon)]
        if not _overlaps_any(box, [o.box_px for o in objects])
    ]
    chip_gsd_m = max(scene.gsd_m, model_gsd_m)
    side = chip_px * chip_gsd_m / scene.gsd_m
    windows = chip_windows(scene.width_px, scene.height_px, side, [o.box_px for o in objects] + rejected,
                           [o.box_px for o in objects])  # fmt: skip
    images: list[ImageLabels] = []
    blanked = 0
    with RasterReader(path) as reader:
        for i, win in enumerate(windows):
            out_w = max(1, round((win[2] - win[0]) * scene.gsd_m / chip_gsd_m))
            out_h = max(1, round((win[3] - win[1]) * scene.gsd_m / chip_gsd_m))
            scale = out_w / (win[2] - win[0])
            rgb, valid = reader.read(win, out_w, out_h)
            kept, cut = chip_objects(win, scale, objects)
            valid &= _area_mask(scene, area, win, scale, valid.shape)
            _blank(valid, cut)
            gone = [b for b in (_in_window(u, win, scale) for u in unreviewed) if b[1] > 0]
            _blank(valid, [b for b, _ in gone], BLANK_MARGIN)
            blanked += len(gone)
            for o in kept:  # a labelled object is never blanked (it may reach beyond the site's area)
                x0, y0 = max(0, math.floor(o.box_px[0])), max(0, math.floor(o.box_px[1]))
                valid[y0 : math.ceil(o.box_px[3]), x0 : math.ceil(o.box_px[2])] = True
            rgb[~valid] = 0
            name = f"scene{scene.id}-{i + 1:03d}.png"
            if not cv2.imwrite(str(folder / name), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)):
                raise InputError(f"{folder / name}: cannot be written. Fix: check the --out folder and the disk.")
            images.append(ImageLabels(folder / name, out_w, out_h, kept, chip_gsd_m))
    return _SceneChips(images, blanked, merged)


def _synthetic(scene: Scene, path: Path | str) -> str | None:
    from forcewatch.imagery.raster import RasterReader

    with RasterReader(path) as reader:
        note = reader.tags().get("FORCEWATCH_NOTE", "")
    if "SYNTHETIC" in note.upper() or "synthetic" in scene.sensor.lower():
        return f"scene {scene.id} ({Path(scene.path).name}) is SYNTHETIC: {note or scene.sensor}"
    return None


def _slug(names: Sequence[str]) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9.]+", "-", "-".join(names)).strip("-").lower()


def workspace_chips(
    store: Store,
    folder: Path,
    *,
    classes: Sequence[str],
    model_gsd_m: float,
    model_id: str,
    sites: Sequence[str] = (),
    date: str | None = None,
    only_classes: bool = False,
    chip_px: int = CHIP_PX,
) -> WorkspaceChips:
    """Build the training chips of the workspace's labels (of ``sites``, every site's when none is named;
    of scenes of ``date``) into ``folder`` for a model of ``classes`` at ``model_gsd_m``. Labels of other
    classes are an error, or left out with ``only_classes``. Every error names the label or scene and
    the fix."""
    labels, sites_by_id, notes = _chosen_labels(store, sites, date)
    labels = _checked_classes(labels, classes, model_id, only_classes)
    scenes = {s.id: s for s in store.scenes()}
    by_scene: dict[int, list[Label]] = {}
    for lab in labels:
        by_scene.setdefault(lab.scene_id, []).append(lab)
    checked = {sid: _checked_scene(store, scenes.get(sid), labs[0]) for sid, labs in by_scene.items()}
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("scene*.png"):
        old.unlink()
    images: list[ImageLabels] = []
    scene_of: dict[str, str] = {}
    source_gsd: dict[str, float] = {}
    blanked = merged = 0
    synthetic = None
    for sid, (scene, path) in sorted(checked.items()):
        labs = by_scene[sid]
        area = shapely.union_all([sites_by_id[lab.site_id].aoi for lab in labs if lab.site_id in sites_by_id])
        made = _scene_chips(store, scene, path, labs, area, classes, model_gsd_m, folder, chip_px)
        blanked += made.blanked_unreviewed
        merged += made.merged
        for im in made.images:
            scene_of[im.name] = f"scene {sid}"
            source_gsd[im.name] = scene.gsd_m
        images += made.images
        synthetic = synthetic or _synthetic(scene, path)
    if blanked:
        notes.append(
            f"{blanked} detections nobody reviewed were blanked out of the chips (neither object nor background)"
        )
    if merged:
        notes.append(f"merged {merged} labels drawn twice on the same object")
    site_names = tuple(sorted({sites_by_id[lab.site_id].name for lab in labels if lab.site_id in sites_by_id}))
    who = tuple(sorted({lab.who for lab in labels if lab.who}))
    n_scenes = len(checked)
    label = (
        f"workspace labels of {'site' if len(site_names) == 1 else 'sites'} {', '.join(site_names)}"
        + (f" on {date}" if date else "")
        + f" ({n_scenes} {'scene' if n_scenes == 1 else 'scenes'}, by {', '.join(who) or 'unknown'})"
    )
    data = AnnotationSet(folder, FORMAT, tuple(classes), tuple(images), merged, tuple(notes))
    return WorkspaceChips(
        data, label, _slug(site_names), site_names, n_scenes, who, scene_of, source_gsd, synthetic, tuple(notes)
    )
