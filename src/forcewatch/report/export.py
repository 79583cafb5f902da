"""Vector exports with pyogrio: sites, scene footprints, observations, detections, changed objects,
new-activity areas and camps as GeoPackage (one file, a layer each), KML (one file, a folder a
layer, a placemark a feature), GeoJSON or CSV (a file a layer, in the folder OUT)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import shapely

from forcewatch.errors import InputError
from forcewatch.store.base import Store

FORMATS = {"gpkg": "GPKG", "kml": "KML", "geojson": "GeoJSON", "csv": "CSV"}


def _layers(store: Store, site_name: str | None) -> dict[str, tuple[list[bytes | None], dict[str, list[object]]]]:
    sites = [store.site(site_name)] if site_name else store.sites()
    site_ids = {s.id for s in sites}
    names = {s.id: s.name for s in store.sites()}
    layers: dict[str, tuple[list[bytes | None], dict[str, list[object]]]] = {}
    layers["sites"] = (
        [shapely.to_wkb(s.aoi) for s in sites],
        {
            "Name": [s.name for s in sites],
            "Description": [s.notes for s in sites],
            "kind": [s.kind for s in sites],
            "lat": [s.lat for s in sites],
            "lon": [s.lon for s in sites],
        },
    )
    scenes = {sc.id: sc for sid in site_ids if sid is not None for sc in store.scenes_of_site(sid)}
    if not site_name:
        scenes |= {sc.id: sc for sc in store.scenes()}
    sc_list = sorted(scenes.values(), key=lambda s: (s.acquired, s.id or 0))
    layers["scenes"] = (
        [shapely.to_wkb(s.footprint) for s in sc_list],
        {
            "Name": [Path(s.path).name for s in sc_list],
            "Description": [
                f"{s.acquired}, {s.sensor}, {s.gsd_m:.2f} m GSD, georeferencing: {s.georef}" for s in sc_list
            ],
            "acquired": [s.acquired for s in sc_list],
            "sensor": [s.sensor for s in sc_list],
            "gsd_m": [s.gsd_m for s in sc_list],
            "sha256": [s.sha256 for s in sc_list],
            "path": [s.path for s in sc_list],
        },
    )
    obs = [o for sid in site_ids for o in store.observations(sid)]
    layers["observations"] = (
        [shapely.to_wkb(o.observed) if o.observed is not None else None for o in obs],
        {
            "Name": [f"{names[o.site_id]} {o.acquired[:10]}" for o in obs],
            "Description": [f"{o.count_text()}; {o.share_observed:.0%} observed" for o in obs],
            "site": [names[o.site_id] for o in obs],
            "acquired": [o.acquired for o in obs],
            "counts": [json.dumps(o.counts, sort_keys=True) for o in obs],
            "not_observable": [json.dumps(o.not_observable, sort_keys=True) for o in obs],
            "total": [sum(o.counts.values()) for o in obs],
            "share_observed": [o.share_observed for o in obs],
            "model": [o.model_id for o in obs],
            "model_sha256": [o.model_sha256 for o in obs],
            "scene_id": [o.scene_id for o in obs],
        },
    )
    dets = [d for sid in site_ids for d in store.detections(sid)]
    layers["detections"] = (
        [shapely.to_wkb(d.detection.polygon) if d.detection.polygon is not None else None for d in dets],
        {
            "Name": [f"{d.detection.class_name} {d.detection.score:.2f}" for d in dets],
            "Description": [
                f"{names[d.site_id]}, {d.acquired[:10]}, {d.detection.size_class}, "
                f"{d.detection.length_m:.0f} × {d.detection.width_m:.0f} m"
                for d in dets
            ],
            "site": [names[d.site_id] for d in dets],
            "acquired": [d.acquired for d in dets],
            "class": [d.detection.class_name for d in dets],
            "score": [d.detection.score for d in dets],
            "size_class": [d.detection.size_class for d in dets],
            "length_m": [d.detection.length_m for d in dets],
            "width_m": [d.detection.width_m for d in dets],
            "scene_id": [d.scene_id for d in dets],
            "model": [d.detection.model_id for d in dets],
        },
    )
    names_of = {s.id: s.name for s in sites}
    ids = {i for i in site_ids if i is not None}
    objs = store.changed_objects(ids)
    layers["change_objects"] = (
        [shapely.to_wkb(o.polygon) if o.polygon is not None else None for o in objs],
        {
            "Name": [f"{o.status} {o.class_name}" for o in objs],
            "Description": [f"{names_of.get(o.site_id, '')}: {o.status} (seen {o.acquired[:10]})" for o in objs],
            "site": [names_of.get(o.site_id, "") for o in objs],
            "status": [o.status for o in objs],
            "class": [o.class_name for o in objs],
            "score": [o.score for o in objs],
            "comparison_id": [o.comparison_id for o in objs],
        },
    )
    acts = store.activity(ids)
    layers["activity"] = (
        [shapely.to_wkb(a.polygon) if a.polygon is not None else None for a in acts],
        {
            "Name": [f"new activity {a.area_m2 / 1e4:.2f} ha" for a in acts],
            "Description": [
                f"{names_of.get(a.site_id, '')}: between {a.earlier[:10]} and {a.later[:10]}, "
                f"confidence {a.confidence:.2f}"
                for a in acts
            ],
            "site": [names_of.get(a.site_id, "") for a in acts],
            "area_m2": [a.area_m2 for a in acts],
            "confidence": [a.confidence for a in acts],
            "comparison_id": [a.comparison_id for a in acts],
        },
    )
    camps = store.camps(ids)
    layers["camps"] = (
        [shapely.to_wkb(k.polygon) if k.polygon is not None else None for k in camps],
        {
            "Name": [f"{k.status} {k.kind}: {k.objects} objects" for k in camps],
            "Description": [
                f"{names_of.get(k.site_id, '')}: {k.tents} tents, {k.vehicles} vehicles on "
                f"{k.area_m2 / 1e4:.2f} ha ({k.acquired[:10]}); {k.objects_before} objects before"
                for k in camps
            ],
            "site": [names_of.get(k.site_id, "") for k in camps],
            "status": [k.status for k in camps],
            "kind": [k.kind for k in camps],
            "tents": [k.tents for k in camps],
            "vehicles": [k.vehicles for k in camps],
            "area_m2": [k.area_m2 for k in camps],
            "activity_m2": [k.activity_m2 for k in camps],
            "comparison_id": [k.comparison_id for k in camps],
        },
    )
    return layers


def _column(values: list[object]) -> np.ndarray:
    if (
        values
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values if v is not None)
        and any(v is not None for v in values)
    ):
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    return np.array(["" if v is None else str(v) for v in values], dtype=object)


def export(store: Store, fmt: str, out: Path, site_name: str | None = None) -> list[Path]:
    """Write the layers; returns the files written."""
    import pyogrio

    if fmt not in FORMATS:
        raise InputError(f"--format {fmt!r}: use one of {', '.join(FORMATS)}.")
    layers = _layers(store, site_name)
    driver = FORMATS[fmt]
    written: list[Path] = []
    single_file = fmt in ("gpkg", "kml")
    if single_file:
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.exists():
            out.unlink()
    else:
        out.mkdir(parents=True, exist_ok=True)
    for name, (geoms, fields) in layers.items():
        target = out if single_file else out / f"{name}.{fmt}"
        if not single_file and target.exists():
            target.unlink()
        geom_arr = np.array(geoms, dtype=object)
        kwargs: dict[str, object] = {"crs": "EPSG:4326", "geometry_type": "Unknown"}
        if fmt == "csv":
            kwargs = {
                "layer_options": {"GEOMETRY": "AS_WKT"},
                "crs": "EPSG:4326",
                "geometry_type": "Unknown",
            }
        if single_file and written:
            kwargs["append"] = True
        pyogrio.raw.write(
            target,
            geom_arr,
            [_column(v) for v in fields.values()],
            list(fields),
            driver=driver,
            layer=name,
            **kwargs,
        )
        if target not in written:
            written.append(target)
    return written
