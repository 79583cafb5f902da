"""Vector exports with pyogrio: sites, scene footprints, observations, detections, changed objects,
new-activity areas and camps as GeoPackage (one file, a layer each), KML (one file, a folder a
layer, a placemark a feature), GeoJSON or CSV (a file a layer, in the folder OUT).

The layers are built from values (:class:`ExportData`, read from the store by the application)
by :func:`export_layers`, then written by :func:`write_layers`: GeoPackage and GeoJSON through
GDAL, KML (:mod:`forcewatch.report.kml`) and CSV (:mod:`forcewatch.report.csv_table`) by
ForceWatch itself. An export never writes over a store, nor over a file it did not write unless
forced, and always beside the target first (:mod:`forcewatch.report.export_files`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from forcewatch.errors import InputError
from forcewatch.model import (
    Observation,
    Scene,
    Site,
    StoredActivity,
    StoredCamp,
    StoredChangedObject,
    StoredDetection,
)
from forcewatch.report.csv_table import csv_text
from forcewatch.report.export_files import (
    GPKG_METADATA_KEY,
    MANIFEST,
    SINGLE_FILE,
    ExportTag,
    check_export_target,
    export_tag,
    manifest_text,
    staged_file,
    staged_folder,
)
from forcewatch.report.files import shown_path
from forcewatch.report.kml import kml_document
from forcewatch.report.layer import Layer

__all__ = ["FORMATS", "ExportData", "Layer", "check_format", "export_layers", "write_export", "write_layers"]

FORMATS = {"gpkg": "GPKG", "kml": "KML", "geojson": "GeoJSON", "csv": "CSV"}
# GeoPackage 1.3, as the store (store/gpkg_format.py): GDAL >= 3.10 writes 1.4 by default, whose R-tree
# triggers (update6, update7) GDAL's validate_gpkg.py before 3.10 rejects (Req 75: update1 missing).
GPKG_DATASET_OPTIONS = {"VERSION": "1.3"}


@dataclass(frozen=True)
class ExportData:
    """What an export holds, read from the store: the sites, the scenes of those sites, and their
    observations, detections, changed objects, new-activity areas and camps."""

    sites: list[Site]
    scenes: list[Scene] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    detections: list[StoredDetection] = field(default_factory=list)
    changed_objects: list[StoredChangedObject] = field(default_factory=list)
    activity: list[StoredActivity] = field(default_factory=list)
    camps: list[StoredCamp] = field(default_factory=list)
    workspace: Path | None = None  # the workspace folder: scene paths are written relative to it


def check_format(fmt: str) -> str:
    """The GDAL driver of an export format; an error naming the formats for any other."""
    if fmt not in FORMATS:
        raise InputError(f"--format {fmt!r}: use one of {', '.join(FORMATS)}.")
    return FORMATS[fmt]


Names = dict[int | None, str]


def sites_layer(sites: list[Site]) -> Layer:
    """The sites' areas, with their kind, notes and centre."""
    return Layer(
        [s.aoi for s in sites],
        {
            "Name": [s.name for s in sites],
            "Description": [s.notes for s in sites],
            "kind": [s.kind for s in sites],
            "lat": [s.lat for s in sites],
            "lon": [s.lon for s in sites],
        },
    )


def scenes_layer(scenes: list[Scene], workspace: Path | None = None) -> Layer:
    """The scenes' footprints in date order, with sensor, GSD, georeferencing, file hash and the
    file's path (relative to the workspace folder, else its name: no machine paths)."""
    sc_list = sorted(scenes, key=lambda s: (s.acquired, s.id or 0))
    return Layer(
        [s.footprint for s in sc_list],
        {
            "Name": [Path(s.path).name for s in sc_list],
            "Description": [
                f"{s.acquired}, {s.sensor}, {s.gsd_m:.2f} m GSD, georeferencing: {s.georef}" for s in sc_list
            ],
            "acquired": [s.acquired for s in sc_list],
            "sensor": [s.sensor for s in sc_list],
            "gsd_m": [s.gsd_m for s in sc_list],
            "sha256": [s.sha256 for s in sc_list],
            "path": [shown_path(s.path, workspace) for s in sc_list],
        },
        [s.acquired for s in sc_list],
    )


def count_column(class_name: str) -> str:
    """The column of a class's counts: ``count_aircraft``."""
    return "count_" + re.sub(r"\W+", "_", class_name).strip("_")


def observations_layer(obs: list[Observation], names: Names) -> Layer:
    """The observed part of each site per scan, with the counts (as JSON, and a column a class
    seen in any observation: empty where that date did not count it), which of them are validated
    (the others are unvalidated candidates) and what was not observable."""
    classes = sorted({c for o in obs for c in o.counts})
    per_class: dict[str, list[object]] = {count_column(c): [o.counts.get(c) for o in obs] for c in classes}
    return Layer(
        [o.observed for o in obs],
        {
            "Name": [f"{names.get(o.site_id, '')} {o.acquired[:10]}" for o in obs],
            "Description": [f"{o.count_text()}; {o.share_observed:.0%} observed" for o in obs],
            "site": [names.get(o.site_id, "") for o in obs],
            "acquired": [o.acquired for o in obs],
            "counts": [json.dumps(o.counts, sort_keys=True) for o in obs],
            **per_class,
            "not_observable": [json.dumps(o.not_observable, sort_keys=True) for o in obs],
            # which counts are findings (validated, with why) and which are unvalidated candidates
            "validated": [json.dumps(o.validated, sort_keys=True) for o in obs],
            "unvalidated": [",".join(sorted(o.candidate_counts)) for o in obs],
            "total": [sum(o.counts.values()) for o in obs],
            "share_observed": [o.share_observed for o in obs],
            "model": [o.model_id for o in obs],
            "model_sha256": [o.model_sha256 for o in obs],
            "scene_id": [o.scene_id for o in obs],
        },
        [o.acquired for o in obs],
    )


def detections_layer(dets: list[StoredDetection], names: Names) -> Layer:
    """Each detection's box on the ground, with its class, score and size."""
    return Layer(
        [d.detection.polygon for d in dets],
        {
            "Name": [f"{d.detection.class_name} {d.detection.score:.2f}" for d in dets],
            "Description": [
                f"{names.get(d.site_id, '')}, {d.acquired[:10]}, {d.detection.size_class}, "
                f"{d.detection.length_m:.0f} × {d.detection.width_m:.0f} m"
                for d in dets
            ],
            "site": [names.get(d.site_id, "") for d in dets],
            "acquired": [d.acquired for d in dets],
            "class": [d.detection.class_name for d in dets],
            "score": [d.detection.score for d in dets],
            "size_class": [d.detection.size_class for d in dets],
            "length_m": [d.detection.length_m for d in dets],
            "width_m": [d.detection.width_m for d in dets],
            "scene_id": [d.scene_id for d in dets],
            "model": [d.detection.model_id for d in dets],
        },
        [d.acquired for d in dets],
    )


def changed_objects_layer(objs: list[StoredChangedObject], names: Names) -> Layer:
    """The objects that arrived, departed or were not observed, per comparison."""
    return Layer(
        [o.polygon for o in objs],
        {
            "Name": [f"{o.status} {o.class_name}" for o in objs],
            "Description": [f"{names.get(o.site_id, '')}: {o.status} (seen {o.acquired[:10]})" for o in objs],
            "site": [names.get(o.site_id, "") for o in objs],
            "status": [o.status for o in objs],
            "class": [o.class_name for o in objs],
            "score": [o.score for o in objs],
            "comparison_id": [o.comparison_id for o in objs],
        },
        [o.acquired for o in objs],
    )


def activity_layer(acts: list[StoredActivity], names: Names) -> Layer:
    """The new-activity areas of the comparisons."""
    return Layer(
        [a.polygon for a in acts],
        {
            "Name": [f"new activity {a.area_m2 / 1e4:.2f} ha" for a in acts],
            "Description": [
                f"{names.get(a.site_id, '')}: between {a.earlier[:10]} and {a.later[:10]}, "
                f"confidence {a.confidence:.2f}"
                for a in acts
            ],
            "site": [names.get(a.site_id, "") for a in acts],
            "area_m2": [a.area_m2 for a in acts],
            "confidence": [a.confidence for a in acts],
            "comparison_id": [a.comparison_id for a in acts],
        },
        [(a.earlier, a.later) for a in acts],
    )


def camps_layer(camps: list[StoredCamp], names: Names) -> Layer:
    """The camps (tents and vehicles) of the comparisons: new, grown, shrunk, unchanged or gone."""
    return Layer(
        [k.polygon for k in camps],
        {
            "Name": [f"{k.status} {k.kind}: {k.objects} objects" for k in camps],
            "Description": [
                f"{names.get(k.site_id, '')}: {k.tents} tents, {k.vehicles} vehicles on "
                f"{k.area_m2 / 1e4:.2f} ha ({k.acquired[:10]}); {k.objects_before} objects before"
                for k in camps
            ],
            "site": [names.get(k.site_id, "") for k in camps],
            "status": [k.status for k in camps],
            "kind": [k.kind for k in camps],
            "tents": [k.tents for k in camps],
            "vehicles": [k.vehicles for k in camps],
            "area_m2": [k.area_m2 for k in camps],
            "activity_m2": [k.activity_m2 for k in camps],
            "comparison_id": [k.comparison_id for k in camps],
        },
        [k.acquired for k in camps],
    )


def export_layers(data: ExportData) -> dict[str, Layer]:
    """The layers, in the order they are written."""
    names: Names = {s.id: s.name for s in data.sites}
    return {
        "sites": sites_layer(data.sites),
        "scenes": scenes_layer(data.scenes, data.workspace),
        "observations": observations_layer(data.observations, names),
        "detections": detections_layer(data.detections, names),
        "change_objects": changed_objects_layer(data.changed_objects, names),
        "activity": activity_layer(data.activity, names),
        "camps": camps_layer(data.camps, names),
    }


def _column(values: list[object]) -> np.ndarray:
    if (
        values
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values if v is not None)
        and any(v is not None for v in values)
    ):
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    return np.array(["" if v is None else str(v) for v in values], dtype=object)


def _write_gdal(layers: dict[str, Layer], fmt: str, out: Path, tag: ExportTag | None = None) -> None:
    """Write the layers with pyogrio: into the file ``out`` (gpkg, version 1.3; the tag as dataset
    metadata) or a file a layer in the folder ``out`` (geojson)."""
    import pyogrio

    driver = check_format(fmt)
    for i, (name, layer) in enumerate(layers.items()):
        target = out if fmt == "gpkg" else out / f"{name}.{fmt}"
        geom_arr = np.array([None if g is None else shapely.to_wkb(g) for g in layer.geometries], dtype=object)
        kwargs: dict[str, object] = {"crs": "EPSG:4326", "geometry_type": "Unknown"}
        if fmt == "gpkg" and i:
            kwargs["append"] = True
        elif fmt == "gpkg":
            kwargs["dataset_options"] = GPKG_DATASET_OPTIONS
            if tag is not None:
                kwargs["dataset_metadata"] = {GPKG_METADATA_KEY: json.dumps(tag.as_dict(), sort_keys=True)}
        pyogrio.raw.write(
            target,
            geom_arr,
            [_column(v) for v in layer.fields.values()],
            list(layer.fields),
            driver=driver,
            layer=name,
            **kwargs,
        )


def layer_files(layers: dict[str, Layer], fmt: str) -> list[str]:
    """The files a folder export (geojson, csv) writes: one a layer."""
    return [f"{name}.{fmt}" for name in layers]


def write_layers(
    layers: dict[str, Layer],
    fmt: str,
    out: Path,
    *,
    tag: ExportTag | None = None,
    force: bool = False,
    keep: Sequence[Path] = (),
) -> list[Path]:
    """Write the layers as ``fmt``: into the file ``out`` (gpkg, kml) or a file a layer in the
    folder ``out`` (geojson, csv, with the manifest ``forcewatch-export.json``). Returns the files
    written. Refuses (:class:`InputError`, before writing anything) to write over a store (``keep``,
    or any) or over a file ForceWatch did not write, unless ``force``; writes beside the target,
    then renames, so that a failure leaves the old export as it was."""
    check_format(fmt)
    tag = tag or export_tag(None)
    names = layer_files(layers, fmt)
    check_export_target(out, fmt, names, keep=keep, force=force)
    if fmt in SINGLE_FILE:
        with staged_file(out) as tmp:
            if fmt == "kml":
                tmp.write_bytes(kml_document(layers, tag))
            else:
                _write_gdal(layers, fmt, tmp, tag)
        return [out]
    with staged_folder(out) as tmp:
        if fmt == "csv":
            for name, (_, layer) in zip(names, layers.items(), strict=True):
                (tmp / name).write_text(csv_text(layer), encoding="utf-8")
        else:
            _write_gdal(layers, fmt, tmp)
        (tmp / MANIFEST).write_text(manifest_text(names, tag), encoding="utf-8")
    return [out / name for name in names]


def write_export(
    data: ExportData, fmt: str, out: Path, *, force: bool = False, keep: Sequence[Path] = ()
) -> list[Path]:
    """Build the layers of ``data`` and write them as ``fmt`` to ``out`` (see :func:`write_layers`;
    the tag names the workspace of ``data``); returns the files written."""
    check_format(fmt)
    return write_layers(export_layers(data), fmt, out, tag=export_tag(data.workspace), force=force, keep=keep)
