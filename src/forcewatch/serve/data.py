"""The dashboard's JSON documents, built from the app layer's functions over a store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from shapely.geometry import box, mapping

from forcewatch.app.compare import timeline
from forcewatch.app.status import status
from forcewatch.app.validation import without_rejected
from forcewatch.errors import InputError
from forcewatch.model import Label, StoredCamp, camp_validated
from forcewatch.provenance import FileStamp, file_stamp
from forcewatch.store.base import Store

#: A review verdict → the label status it stores.
VERDICTS = {"accept": "accepted", "reject": "rejected"}


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _change(store: Store, site_id: int) -> dict[str, int] | None:
    """The latest comparison's arrived/departed totals over its classes (None: never compared)."""
    comparisons = store.comparisons(site_id)
    if not comparisons:
        return None
    latest = max(comparisons, key=lambda c: (c.later, c.id))
    totals = {"arrived": 0, "departed": 0, "stayed": 0}
    for per_class in latest.summary.values():
        for k in totals:
            totals[k] += int(per_class.get(k, 0))
    return totals | {"comparison_id": latest.id}


def sites(store: Store, line: str | None = None) -> list[dict[str, Any]]:
    """Each site's status row (findings apart from unvalidated candidates), with its id and latest
    change; with ``line`` (a code of the bundled borders, see :func:`forcewatch.serve.briefs.line_code`)
    its distance to that line, as ``forcewatch status --distance-to`` measures it."""
    out = []
    for row in status(store, line):
        site_id = row.site.id
        assert site_id is not None
        out.append({"id": site_id, **row.to_json(), "change": _change(store, site_id)})
    return out


def site_timeline(store: Store, site_id: int) -> dict[str, Any]:
    """Counts per date per class (validated or not, not-observable), and the comparisons."""
    site = store.site_by_id(site_id)
    doc = timeline(store, site.name).to_json()
    return {"id": site_id, "lat": site.lat, "lon": site.lon, **doc}


def detections(store: Store, site_id: int, scene_id: int | None) -> dict[str, Any]:
    """The detections of a site (in one scene if given) as GeoJSON, rejected ones left out, each
    with its review (label) and its status in a comparison (arrived/stayed; departed objects too)."""
    site = store.site_by_id(site_id)
    dets = without_rejected(store, list(store.detections(site_id, scene_id)))
    labels = {lab.detection_id: lab.status for lab in store.labels(site_id=site_id) if lab.detection_id is not None}
    dates = {d.acquired for d in dets}
    compared = [c for c in store.comparisons(site_id) if c.later in dates]
    ids = {c.id for c in compared}
    changed = [o for o in store.changed_objects({site_id}) if o.comparison_id in ids and o.polygon is not None]
    features = []
    for d in dets:
        poly = d.detection.polygon
        if poly is None:
            continue
        state = None
        if any(c.later == d.acquired for c in compared):
            hit = any(
                o.status == "arrived" and o.class_name == d.detection.class_name and o.polygon.intersects(poly)
                for o in changed
                if o.polygon is not None
            )
            state = "arrived" if hit else "stayed"
        features.append(
            {
                "type": "Feature",
                "id": d.id,
                "geometry": mapping(poly),
                "properties": {
                    "id": d.id,
                    "scene_id": d.scene_id,
                    "acquired": d.acquired,
                    "class": d.detection.class_name,
                    "score": round(d.detection.score, 3),
                    "status": state,
                    "review": labels.get(d.id),
                },
            }
        )
    for o in changed:
        if o.status == "departed" and o.polygon is not None:
            props = {"id": None, "class": o.class_name, "score": o.score, "status": "departed", "acquired": o.acquired}
            features.append({"type": "Feature", "geometry": mapping(o.polygon), "properties": props})
    return {"type": "FeatureCollection", "site": site.name, "features": features}


def review(store: Store, detection_id: int, verdict: str, who: str) -> Label:
    """Store an analyst's verdict on a detection in the workspace's labels (replacing an earlier one)."""
    found = [d for d in store.detections() if d.id == detection_id]
    if not found:
        raise LookupError(detection_id)
    d = found[0]
    assert d.detection.polygon is not None
    label = Label(
        d.scene_id,
        d.detection.class_name,
        VERDICTS[verdict],
        d.detection.polygon,
        who,
        _now(),
        d.site_id,
        d.id,
        "dashboard",
    )
    with store.transaction():
        store.add_labels([label])
        store.log("serve review", f"{who} {label.status} detection {d.id}")
    return label


def add_label(
    store: Store, scene_id: int, class_name: str, bounds: tuple[float, float, float, float], who: str
) -> Label:
    """Store an object the analyst drew (status ``added``) on a scene, in the site it falls in."""
    scene = store.scene_by_id(scene_id)
    minx, miny, maxx, maxy = bounds
    if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
        raise InputError(f"box {list(bounds)} is not (min lon, min lat, max lon, max lat). Fix: send four numbers.")
    poly = box(*bounds)
    if not scene.footprint.intersects(poly):
        raise InputError(f"box {list(bounds)} is outside scene {scene_id}. Fix: draw it on the scene.")
    known = sorted({c for m in model_choices(store) for c in m["classes"]})
    if class_name not in known:
        raise InputError(f"class {class_name!r} is not one the workspace's models know. Fix: use one of {known}.")
    site = next((s for s in store.sites_overlapping(poly)), None)
    label = Label(scene_id, class_name, "added", poly, who, _now(), site.id if site else None, None, "dashboard")
    with store.transaction():
        store.add_labels([label])
        store.log("serve label", f"{who} added a {class_name} on scene {scene_id}")
    return label


def label_feature(label: Label) -> dict[str, Any]:
    """A label as a GeoJSON feature (for the map's labels overlay)."""
    props = {k: v for k, v in label_json(label).items() if k != "geometry"}
    return {"type": "Feature", "geometry": mapping(label.polygon), "properties": props}


def label_json(label: Label) -> dict[str, Any]:
    fields = ("scene_id", "status", "who", "when", "detection_id")
    return {"class": label.class_name, **{k: getattr(label, k) for k in fields}, "geometry": mapping(label.polygon)}


def alerts(store: Store) -> list[dict[str, Any]]:
    return [
        {"id": a.id, "rule": a.rule, "site": a.site, "message": a.message, "created": a.created}
        for a in store.pending_alerts()
    ]


#: Simplification of the basemap's borders (degrees: about 1 km), enough for a map of the watchlist.
BORDERS_TOLERANCE_DEG = 0.02


@cache
def borders_geojson() -> dict[str, Any]:
    """The bundled borders' arcs (land borders and coasts), simplified, as one GeoJSON MultiLineString."""
    import numpy as np
    import shapely

    from forcewatch.geo.borders import borders

    lines = shapely.simplify([shapely.linestrings(a) for a in borders().arcs if len(a) > 1], BORDERS_TOLERANCE_DEG)
    arcs = [np.round(shapely.get_coordinates(line), 3).tolist() for line in lines]
    return {
        "type": "Feature",
        "properties": {"source": "Natural Earth 1:10m (bundled), simplified"},
        "geometry": {"type": "MultiLineString", "coordinates": arcs},
    }


@cache
def _model_meta(path: str, stamp: FileStamp | None) -> tuple[tuple[str, ...], float]:
    from forcewatch.detect.onnx_backend import read_meta

    meta = read_meta(Path(path))
    return meta.classes, meta.gsd_m


def model_choices(store: Store) -> list[dict[str, Any]]:
    """The models a fine-tune may start from (and whose classes a drawn object may have): the bundled
    ones and the workspace's own, each with its classes and GSD."""
    from forcewatch.detect.registry import bundled_models

    out: list[dict[str, Any]] = []
    for name, path in bundled_models().items():
        classes, gsd_m = _model_meta(str(path), file_stamp(path))
        out.append({"name": name, "classes": list(classes), "gsd_m": gsd_m, "workspace": False})
    for m in store.models():
        out.append({"name": m.name, "classes": list(m.classes), "gsd_m": m.gsd_m, "workspace": True})
    return out


def site_labels(store: Store, site_id: int) -> dict[str, Any]:
    """How many labels a site has, per class and status (what "train on my labels" would learn from)."""
    counts: dict[str, dict[str, int]] = {}
    for lab in store.labels(site_id=site_id):
        per = counts.setdefault(lab.class_name, {})
        per[lab.status] = per.get(lab.status, 0) + 1
    return {"site_id": site_id, "counts": counts}


def _camp_feature(camp: StoredCamp, validated: Mapping[str, str]) -> dict[str, Any]:
    finding = camp_validated({"tent": camp.tents, "vehicle": camp.vehicles}, validated)
    props = {
        "layer": "camp",
        "status": camp.status,
        "kind": camp.kind,
        "objects": camp.objects,
        "tents": camp.tents,
        "vehicles": camp.vehicles,
        "objects_before": camp.objects_before,
        "area_ha": round(camp.area_m2 / 1e4, 2),
        "new_activity_ha": round(camp.activity_m2 / 1e4, 3),
        "acquired": camp.acquired,
        "validated": finding,
    }
    return {"type": "Feature", "geometry": mapping(camp.polygon), "properties": props}


def overlays(store: Store, site_id: int, scene_id: int | None) -> dict[str, Any]:
    """The camps and new-activity areas of a site's comparisons (those ending on the date of
    ``scene_id``, when given) as GeoJSON; a camp of unvalidated candidates says so (``validated``
    false), as the brief sets them apart."""
    comparisons = {c.id: c for c in store.comparisons(site_id)}
    if scene_id is not None:
        when = store.scene_by_id(scene_id).acquired
        comparisons = {i: c for i, c in comparisons.items() if c.later == when}
    camps = [
        _camp_feature(k, comparisons[k.comparison_id].validated)
        for k in store.camps({site_id})
        if k.comparison_id in comparisons and k.polygon is not None
    ]
    activity = [
        {
            "type": "Feature",
            "geometry": mapping(a.polygon),
            "properties": {
                "layer": "activity",
                "area_m2": round(a.area_m2, 1),
                "confidence": round(a.confidence, 3),
                "earlier": a.earlier,
                "later": a.later,
            },
        }
        for a in store.activity({site_id})
        if a.comparison_id in comparisons and a.polygon is not None
    ]
    return {
        "camps": {"type": "FeatureCollection", "features": camps},
        "activity": {"type": "FeatureCollection", "features": activity},
    }


@cache
def border_line_geojson(code: str) -> dict[str, Any]:
    """The land border of ``code`` (bundled borders), simplified like the basemap, as GeoJSON."""
    import shapely

    from forcewatch.geo.distance import reference_line

    line = reference_line(code)
    simple = shapely.simplify(line.geometry, BORDERS_TOLERANCE_DEG / 4)
    return {"type": "Feature", "properties": {"line": line.name}, "geometry": mapping(simple)}
