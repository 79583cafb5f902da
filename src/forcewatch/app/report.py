"""Publishing a workspace: the brief (HTML or PDF) and the vector exports.

Each use case reads the store once into values (``gather_*``), hands them to the pure steps and
renderers of :mod:`forcewatch.report`, and writes the file(s)::

    with open_workspace(path) as store:
        result = write_brief(store, Path("brief.html"))
        files = export_workspace(store, "gpkg", Path("out.gpkg"))

Neither ever writes over the workspace's store; an export writes over no file it did not write
unless ``force``. Scene paths are written relative to the workspace folder. The brief's findings
are validated counts only, its unvalidated candidates set apart (``include_unvalidated`` counts
them, and the brief says so); detections an analyst rejected are never drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from forcewatch.app.validation import reviewed_observations, without_rejected
from forcewatch.assess.estimate import load_doctrine, site_estimate
from forcewatch.errors import InputError
from forcewatch.geo.distance import reference_line
from forcewatch.imagery.raster import RasterReader
from forcewatch.model import BoxPx, Scene, Site, merge_by_scene
from forcewatch.report.brief import FORMATS as BRIEF_FORMATS
from forcewatch.report.brief import build_brief, write_brief_file
from forcewatch.report.brief_plan import BriefData, SiteData, measured_on
from forcewatch.report.dates import date_range, observations_between
from forcewatch.report.export import ExportData, check_format, write_export
from forcewatch.report.files import check_folder_for, refuse_store
from forcewatch.store.base import Store
from forcewatch.store.gpkg import STORE_NAME


@dataclass(frozen=True)
class BriefResult:
    """The brief written: where, in which format, how large."""

    path: Path
    fmt: str
    size_bytes: int


def read_scene_window(scene: Scene, window_px: BoxPx, out_width: int, out_height: int) -> np.ndarray:
    """The pixels of a window of a scene's file, resampled to ``out_width`` × ``out_height`` (RGB uint8)."""
    with RasterReader(Path(scene.path)) as reader:
        rgb, _ = reader.read(window_px, out_width, out_height)
    return rgb


def _sites(store: Store, site_name: str | None) -> list[Site]:
    return [store.site(site_name)] if site_name else store.sites()


def _kept(store: Store) -> tuple[Path, ...]:
    """The files a publication must never write over: the workspace's store (any other ForceWatch
    store is refused as well, by its content)."""
    return (store.folder / STORE_NAME,)


def model_notes(store: Store) -> dict[str, str]:
    """Per model id (the bundled models and the workspace's), what its scores were measured on
    where they do not validate it (civilian cars, synthetic tents): why its counts are candidates."""
    from forcewatch.detect.onnx_backend import read_meta
    from forcewatch.detect.registry import bundled_models

    scores: dict[str, dict[str, object]] = {}
    for path in bundled_models().values():
        meta = read_meta(path)
        scores[meta.model_id] = meta.scores
    scores |= {e.model_id: e.scores for e in store.models()}
    return {model_id: text for model_id, s in scores.items() if (text := measured_on(s))}


def gather_brief(
    store: Store,
    *,
    site_name: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    line: str = "UKR",
    model_id: str = "",
    model_sha256: str = "",
    model_scores: dict[str, object] | None = None,
    include_unvalidated: bool = False,
) -> BriefData:
    """Read what the brief shows: per site its observations (merged by scene, within the dates,
    with the analysts' reviews), detections (less those an analyst rejected), stored comparisons
    with their changed objects, new-activity areas, camps and, with ``model_scores``, the estimate
    of its latest observation by that model. ``date_from`` and ``date_to`` must be dates
    (YYYY-MM-DD). ``include_unvalidated``: unvalidated candidates count as findings."""
    date_from, date_to = date_range(date_from, date_to)
    ref = reference_line(line)
    sites = _sites(store, site_name)
    site_ids = {s.id for s in sites if s.id is not None}
    activity = store.activity(site_ids)
    camps = store.camps(site_ids)
    changed = store.changed_objects(site_ids)
    doctrine = load_doctrine() if model_scores is not None else []
    data = []
    gsd = {sc.id: sc.gsd_m for sc in store.scenes() if sc.id is not None}  # the recall of each date's own GSD
    for site in sites:
        assert site.id is not None  # sites from the store have ids
        stored = reviewed_observations(store, site.id)
        obs = observations_between(merge_by_scene(stored), date_from, date_to)
        estimate = (
            site_estimate(
                site.name,
                stored,
                model_id,
                model_sha256,
                model_scores,
                doctrine,
                gsd,
                include_unvalidated=include_unvalidated,
            )
            if obs and model_scores is not None
            else None
        )
        data.append(
            SiteData(
                site,
                obs,
                without_rejected(store, list(store.detections(site.id))),
                [a for a in activity if a.site_id == site.id],
                [k for k in camps if k.site_id == site.id],
                estimate,
                store.comparisons(site.id),
                [k for k in changed if k.site_id == site.id],
            )
        )
    scenes = {s.id: s for s in store.scenes() if s.id is not None}
    candidates = any(o.candidate_counts for s in data for o in s.observations)
    notes = model_notes(store) if candidates else {}
    return BriefData(data, scenes, ref, model_id, model_sha256, store.folder, include_unvalidated, notes)


def write_brief(
    store: Store,
    out: Path,
    *,
    fmt: str = "html",
    site_name: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    line: str = "UKR",
    model: str | None = None,
    include_unvalidated: bool = False,
) -> BriefResult:
    """Write the brief of the workspace (or of one site, between two dates) as ``fmt`` (html |
    pdf); ``model`` (a bundled name or a file; default: aircraft) corrects the estimates. Its
    findings are validated counts only, unless ``include_unvalidated`` (and then it says so)."""
    from forcewatch.detect.registry import load_detector

    if fmt not in BRIEF_FORMATS:
        raise InputError(f"--format {fmt!r}: use html or pdf.")
    date_range(date_from, date_to)
    check_folder_for(out)
    refuse_store(out, _kept(store))
    detector = load_detector(model)
    data = gather_brief(
        store,
        site_name=site_name,
        date_from=date_from,
        date_to=date_to,
        line=line,
        model_id=detector.model_id,
        model_sha256=detector.sha256,
        model_scores=detector.meta.scores,
        include_unvalidated=include_unvalidated,
    )
    html = build_brief(data, read_scene_window)
    write_brief_file(html, out, fmt, keep=_kept(store))
    return BriefResult(out, fmt, out.stat().st_size)


def gather_export(store: Store, site_name: str | None = None) -> ExportData:
    """Read what an export holds: the sites (all, or one), their scenes (with every scene of the
    workspace when all sites are exported), observations, detections, changed objects, new-activity
    areas and camps."""
    sites = _sites(store, site_name)
    site_ids = {s.id for s in sites if s.id is not None}
    scenes = {sc.id: sc for sid in site_ids for sc in store.scenes_of_site(sid)}
    if not site_name:
        scenes |= {sc.id: sc for sc in store.scenes()}
    return ExportData(
        sites,
        list(scenes.values()),
        [o for sid in site_ids for o in reviewed_observations(store, sid)],
        [d for sid in site_ids for d in store.detections(sid)],
        store.changed_objects(site_ids),
        store.activity(site_ids),
        store.camps(site_ids),
        store.folder,
    )


def export_workspace(
    store: Store, fmt: str, out: Path, site_name: str | None = None, *, force: bool = False
) -> list[Path]:
    """Export the workspace (or one site) as ``fmt`` (gpkg | kml | geojson | csv) to ``out``: a
    file (gpkg, kml) or a folder with a file a layer (geojson, csv). Returns the files written.
    Never over the store; over a file ForceWatch did not write only with ``force``."""
    check_format(fmt)
    return write_export(gather_export(store, site_name), fmt, out, force=force, keep=_kept(store))
