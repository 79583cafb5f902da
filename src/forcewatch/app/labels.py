"""Labels from the workspace, edited where analysts already edit: a site's detections go out as an
editable GeoPackage layer (``status`` = candidate); in QGIS the analyst deletes false detections or
sets them ``rejected``, draws missed objects (``added``) and marks checked ones ``accepted``; the
file comes back as the workspace's ``labels`` layer, with who and when. A bad file stores nothing.
"""

from __future__ import annotations

import datetime as dt
import getpass
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from forcewatch.detect.registry import bundled_models, load_detector
from forcewatch.errors import InputError
from forcewatch.model import LABEL_STATUSES, Label, Scene, StoredDetection
from forcewatch.store.base import Store

LAYER = "labels"
EXPORTED_LAYER = "exported"  # the detections written out: one deleted in QGIS is a rejected one
FIELDS = ("status", "class", "score", "detection_id", "scene_id", "scene_sha256", "acquired", "site", "model", "note")


@dataclass(frozen=True)
class LabelExport:
    path: Path
    features: int
    reviewed: int  # of which an earlier review had already decided


@dataclass(frozen=True)
class LabelImport:
    path: Path
    counts: dict[str, int]  # status → labels stored
    unreviewed: int  # features still "candidate": not stored


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def export_labels(
    store: Store, site_name: str, out: Path, *, date: str | None = None, force: bool = False
) -> LabelExport:
    """Write the site's detections (of one date, or all) and its earlier labels as an editable layer."""
    import pyogrio

    from forcewatch.report.dates import parse_date
    from forcewatch.report.files import check_folder_for, refuse_store, writing

    site = store.site(site_name)
    assert site.id is not None
    day = parse_date(date, "--date").isoformat() if date else None
    check_folder_for(out)
    refuse_store(out, [store.folder / "forcewatch.gpkg"])
    if out.exists() and not force:
        raise InputError(f"--out {out}: the file exists. Fix: choose another --out, or pass --force to replace it.")
    dets = [d for d in store.detections(site.id) if day is None or d.acquired[:10] == day]
    scenes = {s.id: s for s in store.scenes_of_site(site.id)}
    verdicts = {lab.detection_id: lab for lab in store.labels(site.id) if lab.detection_id is not None}
    drawn = [lab for lab in store.labels(site.id) if lab.detection_id is None]
    drawn = [lab for lab in drawn if day is None or scenes[lab.scene_id].acquired[:10] == day]
    rows: list[tuple[shapely.Geometry, dict[str, object]]] = []
    for d in dets:
        if d.detection.polygon is None:
            continue
        lab = verdicts.get(d.id)
        rows.append((d.detection.polygon, _row(d, scenes[d.scene_id], site.name, lab.status if lab else "candidate")))
    for lab in drawn:
        sc = scenes[lab.scene_id]
        rows.append(
            (
                lab.polygon,
                {
                    **dict.fromkeys(FIELDS, None),
                    "status": lab.status,
                    "class": lab.class_name,
                    "scene_id": lab.scene_id,
                    "scene_sha256": sc.sha256,
                    "acquired": sc.acquired,
                    "site": site.name,
                },
            )
        )
    if not rows:
        raise InputError(
            f"{site_name!r} has no detections{f' on {day}' if day else ''} to review. Fix: scan imagery of it "
            "first (`forcewatch scan`), or choose another --date."
        )
    tmp = out.with_name(f".{out.stem}.part{out.suffix or '.gpkg'}")  # GDAL wants the .gpkg extension
    geoms = np.array([shapely.to_wkb(g) for g, _ in rows], dtype=object)
    columns = [_column([r[f] for _, r in rows]) for f in FIELDS]
    ids = np.array([d.id for d in dets if d.detection.polygon is not None], dtype=np.int64)
    with writing(out):
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.unlink(missing_ok=True)
        try:
            pyogrio.raw.write(
                tmp, geoms, columns, list(FIELDS), driver="GPKG", layer=LAYER, crs="EPSG:4326", geometry_type="Polygon"
            )
            pyogrio.raw.write(
                tmp, None, [ids], ["detection_id"], driver="GPKG", layer=EXPORTED_LAYER, geometry_type=None, append=True
            )
            tmp.replace(out)
        finally:
            tmp.unlink(missing_ok=True)
    return LabelExport(out, len(rows), sum(1 for d in dets if d.id in verdicts) + len(drawn))


def _row(d: StoredDetection, scene: Scene, site: str, status: str) -> dict[str, object]:
    return {
        "status": status,
        "class": d.detection.class_name,
        "score": round(d.detection.score, 4),
        "detection_id": d.id,
        "scene_id": d.scene_id,
        "scene_sha256": scene.sha256,
        "acquired": d.acquired,
        "site": site,
        "model": d.detection.model_id,
        "note": "",
    }


def _column(values: list[object]) -> np.ndarray:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int) for v in present):
        return np.array([-1 if v is None else v for v in values], dtype=np.int64)  # -1: none (a drawn object)
    if present and all(isinstance(v, float | int) for v in present):
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    return np.array(["" if v is None else str(v) for v in values], dtype=object)


def known_classes(store: Store) -> set[str]:
    """The classes a label may have: those of the bundled and the workspace's models."""
    classes = {c for m in store.models() for c in m.classes}
    for path in bundled_models().values():
        classes.update(load_detector(str(path)).meta.classes)
    return classes


def import_labels(store: Store, path: Path, *, who: str | None = None) -> LabelImport:
    """Store the verdicts and drawn objects of an edited label file, all or nothing."""
    labels, unreviewed = read_label_file(store, path, who or getpass.getuser())
    with store.transaction():
        store.add_labels(labels)
        counts = {s: sum(1 for lab in labels if lab.status == s) for s in LABEL_STATUSES if s != "candidate"}
        store.log("label import", f"{path.name}: {counts}, {unreviewed} not reviewed")
    return LabelImport(path, counts, unreviewed)


def read_label_file(store: Store, path: Path, who: str) -> tuple[list[Label], int]:
    """The labels of an edited file, checked against the workspace: every error names the file, the
    feature, the field, the value and the fix."""
    import pyogrio

    if not path.is_file():
        raise InputError(f"{path}: no such file. Fix: give the GeoPackage written by `forcewatch label export`.")
    try:
        layers = {name for name, _ in pyogrio.list_layers(path)}
        _meta, _fids, geoms, field_data = pyogrio.raw.read(path, layer=LAYER)
        meta = _meta
    except Exception as exc:  # GDAL raises several types for a file it cannot open
        raise InputError(f"{path}: not a readable GeoPackage with a {LAYER!r} layer ({exc}).") from None
    fields = list(meta["fields"])
    for required in ("status", "class", "scene_id"):
        if required not in fields:
            raise InputError(
                f"{path}: layer {LAYER!r} has no {required!r} field. Fix: keep the fields of `forcewatch label "
                "export` (status, class, scene_id, detection_id), or export the labels again."
            )
    col = {f: field_data[i] for i, f in enumerate(fields)}
    scenes = {s.id: s for s in store.scenes()}
    classes = known_classes(store)
    now = _now()
    labels: list[Label] = []
    seen_detections: set[int] = set()
    unreviewed = 0
    for i in range(len(geoms)):
        where = f"{path}, feature {i + 1}"
        status = str(col["status"][i] or "").strip().lower()
        if status not in LABEL_STATUSES:
            raise InputError(
                f"{where}: status is {_text(col['status'][i])}. Fix: use one of {', '.join(LABEL_STATUSES)}."
            )
        cls = str(col["class"][i] or "").strip()
        if cls not in classes:
            raise InputError(
                f"{where}: class is {cls!r}, which no model knows. Fix: use one of {', '.join(sorted(classes))}."
            )
        scene = scenes.get(_int(col["scene_id"][i]))
        if scene is None:
            raise InputError(
                f"{where}: scene_id {_text(col['scene_id'][i])} is not a scene of this workspace. Fix: draw new "
                "objects by copying a feature of the same image (it carries the scene_id), or export the labels again."
            )
        geom = shapely.from_wkb(geoms[i]) if geoms[i] is not None else None
        if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon") or not geom.is_valid:
            raise InputError(f"{where}: the geometry is not a valid polygon. Fix: draw the object's outline.")
        if not scene.footprint.contains(geom.centroid):
            raise InputError(
                f"{where}: the object at {geom.centroid.x:.5f} E, {geom.centroid.y:.5f} N lies outside scene "
                f"{scene.id} ({Path(scene.path).name}). Fix: draw it on the image of that date, or set its scene_id."
            )
        det_id = _int(col["detection_id"][i]) if "detection_id" in col else None
        det_id = det_id if det_id is not None and det_id >= 0 else None
        if det_id is not None:
            seen_detections.add(det_id)
        if status == "candidate":
            unreviewed += 1
            continue
        if status == "added" and det_id is not None:
            status = "accepted"  # a detection marked "added" is a detection that is right
        site_id = next((s.id for s in store.sites() if s.aoi.intersects(geom)), None)
        labels.append(Label(scene.id or 0, cls, status, geom, who, now, site_id, det_id, path.name))
    if EXPORTED_LAYER in layers:  # a detection the analyst deleted is a false one: rejected
        _m, _f, _g, exported = pyogrio.raw.read(path, layer=EXPORTED_LAYER)
        for det_id in {int(v) for v in exported[0]} - seen_detections:
            labels += _rejected_deleted(store, det_id, who, now, path.name)
    return labels, unreviewed


def _text(value: object) -> str:
    """A field's value as the user wrote it (numpy scalars as plain numbers, text quoted)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def _rejected_deleted(store: Store, det_id: int, who: str, now: str, source: str) -> list[Label]:
    for d in store.detections():
        if d.id == det_id and d.detection.polygon is not None:
            return [Label(d.scene_id, d.detection.class_name, "rejected", d.detection.polygon, who, now, d.site_id,
                          det_id, source)]  # fmt: skip
    return []
