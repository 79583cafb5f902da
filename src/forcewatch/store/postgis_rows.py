"""Rows ↔ the value types of :mod:`forcewatch.model`, for the PostGIS store; nothing in it is
PostGIS's (geometries are shapely), so any store whose tables are the GeoPackage's can use it.

Reading (:func:`from_row`), by field name: a field reads the column of its name (or the one
:data:`COLUMN` names); a field typed ``dict`` or ``tuple`` is stored as JSON text, a ``bool`` as 0
or 1; the geometry is the ``geom`` column. Writing (``site_row`` …): column → value."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any, TypeVar

from shapely.geometry import Polygon

from forcewatch.model import Comparison, Detection, Label, ModelEntry, Observation, Scene, Site

T = TypeVar("T")

#: Fields stored under another column name (``id`` is ``fid`` in the tables that have no ``id``).
COLUMN = {"class_name": "class", "when": "at"} | dict.fromkeys(("aoi", "footprint", "observed", "polygon"), "geom")
#: Fields that are an empty polygon where no geometry was stored (as the GeoPackage store reads them).
NEVER_NONE = {"aoi", "footprint"}


def _column(name: str, row: Mapping[str, Any]) -> str:
    return name if name in row else COLUMN.get(name, "fid" if name == "id" else name)


def _value(field: dataclasses.Field[Any], row: Mapping[str, Any]) -> Any:
    raw = row[_column(field.name, row)]
    kind = str(field.type)
    if raw is None:
        return Polygon() if field.name in NEVER_NONE else None
    if kind.startswith("dict"):
        return json.loads(raw)
    if kind.startswith(("tuple", "BoxPx")):
        return tuple(json.loads(raw))
    if kind == "bool":
        return bool(raw)
    return raw


def from_row(cls: type[T], row: Mapping[str, Any]) -> T:
    """A ``cls`` (a dataclass of :mod:`forcewatch.model`) from a row; fields with no column keep their
    default (an observation's ``members``)."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    return cls(**{f.name: _value(f, row) for f in fields if _column(f.name, row) in row})


# ---- values → rows (column → value; geometries shapely, dicts and tuples as JSON text)
def _json(value: Any, sort: bool = False) -> str:
    return json.dumps(list(value) if isinstance(value, tuple) else value, sort_keys=sort)


def site_row(site: Site, created: str) -> dict[str, Any]:
    return {
        "geom": site.aoi,
        "name": site.name,
        "kind": site.kind,
        "notes": site.notes,
        "lat": site.lat,
        "lon": site.lon,
        "radius_m": site.radius_m,
        "created": created,
        "models": None if site.models is None else _json(site.models),  # NULL: the defaults of its kind
    }


def scene_row(scene: Scene, ingested: str) -> dict[str, Any]:
    fields = ("path", "sha256", "acquired", "sensor", "crs_wkt", "width_px", "height_px", "gsd_m", "georef")
    return {"geom": scene.footprint, **{f: getattr(scene, f) for f in fields}} | {
        "transform": _json(scene.transform),
        "properties": _json(scene.properties or {}),
        "ingested": ingested,
    }


def observation_row(obs: Observation, scanned: str) -> dict[str, Any]:
    fields = ("site_id", "scene_id", "acquired", "share_observed", "model_id", "model_sha256", "software_version")
    return {"geom": obs.observed if obs.observed is not None and not obs.observed.is_empty else None} | {
        **{f: getattr(obs, f) for f in fields},
        "counts": _json(obs.counts, sort=True),
        "total": sum(obs.counts.values()),
        "thresholds": _json(obs.thresholds),
        "scanned": scanned,
        "not_observable": _json(obs.not_observable, sort=True),
        "validated": _json(obs.validated, sort=True),
    }


def detection_row(det: Detection, obs: Observation, observation_id: int) -> dict[str, Any]:
    return {
        "geom": det.polygon,
        "observation_id": observation_id,
        "scene_id": obs.scene_id,
        "site_id": obs.site_id,
        "acquired": obs.acquired,
        "class": det.class_name,
        "score": det.score,
        "box_px": _json([round(v, 2) for v in det.box_px]),
        "length_m": det.length_m,
        "width_m": det.width_m,
        "size_class": det.size_class,
        "model_id": det.model_id,
    }


def comparison_row(c: Comparison, created: str) -> dict[str, Any]:
    fields = ("site_id", "shift_east_m", "shift_north_m", "residual_m", "share_usable")
    return {f: getattr(c, f) for f in fields} | {
        "earlier_observation": c.earlier.id,
        "later_observation": c.later.id,
        "earlier": c.earlier.acquired,
        "later": c.later.acquired,
        "summary": _json(c.summary),
        "created": created,
        "not_observable": _json(c.not_observable, sort=True),
        "notes": _json(c.notes, sort=True),
        "validated": _json(c.validated, sort=True),
    }


def comparison_parts(c: Comparison, comparison_id: int) -> dict[str, list[dict[str, Any]]]:
    """The rows of a comparison's changed objects, new-activity areas and camps, by table."""
    ref = {"comparison_id": comparison_id, "site_id": c.site_id}
    return {
        "change_objects": [
            {
                "geom": o.polygon,
                **ref,
                "status": o.status,
                "class": o.class_name,
                "score": o.score,
                "acquired": o.acquired,
            }
            for o in c.objects
        ],
        "activity": [
            {"geom": a.polygon, **ref, "area_m2": a.area_m2, "confidence": a.confidence}
            | {"earlier": c.earlier.acquired, "later": c.later.acquired}
            for a in c.activity
        ],
        "camps": [
            {"geom": k.polygon, **ref, "status": k.status, "kind": k.kind, "objects": sum(k.counts.values())}
            | {"tents": k.counts.get("tent", 0), "vehicles": k.counts.get("vehicle", 0)}
            | {"objects_before": k.objects_before, "area_m2": k.area_m2, "activity_m2": k.activity_m2}
            | {"acquired": k.acquired}
            for k in c.camps
        ],
    }


def label_row(lab: Label) -> dict[str, Any]:
    return {
        "geom": lab.polygon,
        "scene_id": lab.scene_id,
        "site_id": lab.site_id,
        "class": lab.class_name,
        "status": lab.status,
        "detection_id": lab.detection_id,
        "who": lab.who,
        "at": lab.when,
        "source": lab.source,
    }


def model_row(entry: ModelEntry, added: str) -> dict[str, Any]:
    fields = ("name", "path", "sha256", "model_id", "gsd_m", "sees_to_gsd_m")
    return {f: getattr(entry, f) for f in fields} | {
        "classes": _json(entry.classes),
        "scores": _json(entry.scores),
        "sites": _json(entry.sites),
        "added": entry.added or added,
    }
