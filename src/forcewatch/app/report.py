"""Publishing a workspace: the brief (HTML or PDF) and the vector exports.

Each use case reads the store into values (``gather_*``), hands them to the pure steps and
renderers of :mod:`forcewatch.report`, and writes the file(s)::

    with open_workspace(path) as store:
        result = write_brief(store, Path("brief.html"))
        files = export_workspace(store, "gpkg", Path("out.gpkg"))

The brief is gathered, drawn and written one site at a time (:func:`gather_site` reads only that
site's rows), so its memory and a one-site brief's time do not grow with the watchlist. Neither
ever writes over the workspace's store; an export writes over no file it did not write unless
``force``. Scene paths are written relative to the workspace folder. The brief's findings are
validated counts only, its unvalidated candidates set apart (``include_unvalidated`` counts them,
and the brief says so); detections an analyst rejected are never drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from forcewatch.app.assess import RULES_NAME
from forcewatch.app.validation import reviewed_observations, without_rejected
from forcewatch.assess.alerts import SiteEvidence, alerts_to_raise
from forcewatch.assess.estimate import UnitRule, load_doctrine, site_estimate
from forcewatch.assess.rules import Rule, load_rules
from forcewatch.errors import InputError
from forcewatch.geo.borders import ReferenceLine
from forcewatch.geo.distance import distance_to, reference_line
from forcewatch.imagery.raster import RasterReader
from forcewatch.model import (
    BoxPx,
    Scene,
    Site,
    StoredActivity,
    StoredCamp,
    StoredComparison,
    merge_by_scene,
)
from forcewatch.report.brief import FORMATS as BRIEF_FORMATS
from forcewatch.report.brief import BriefSettings
from forcewatch.report.brief import write_brief as write_brief_files
from forcewatch.report.brief_plan import SiteData, measured_on
from forcewatch.report.dates import date_range, observations_between
from forcewatch.report.export import ExportData, check_format, write_export
from forcewatch.report.files import check_folder_for, refuse_store
from forcewatch.store.base import Store
from forcewatch.store.gpkg import STORE_NAME


@dataclass(frozen=True)
class BriefResult:
    """The brief written: where, in which format, how large, and its per-site pages (if any)."""

    path: Path
    fmt: str
    size_bytes: int
    pages: Path | None = None  # the folder of the per-site pages
    page_count: int = 0
    pages_bytes: int = 0


@dataclass(frozen=True)
class BriefQuery:
    """What to gather of each site: its observations between two dates (YYYY-MM-DD, or None), the
    model whose latest observation is estimated (with its recorded scores; None: no estimate),
    whether unvalidated candidates count as findings, and the workspace's alert rules (None: none)
    with the lines they measure to."""

    date_from: str | None = None
    date_to: str | None = None
    model_id: str = ""
    model_sha256: str = ""
    model_scores: dict[str, object] | None = None
    include_unvalidated: bool = False
    rules: tuple[Rule, ...] | None = None
    lines: dict[str, ReferenceLine] = field(default_factory=dict)
    doctrine: list[UnitRule] = field(default_factory=list)


def read_scene_window(scene: Scene, window_px: BoxPx, out_width: int, out_height: int) -> np.ndarray:
    """The pixels of a window of a scene's file, resampled to ``out_width`` × ``out_height`` (RGB uint8)."""
    with RasterReader(scene.path) as reader:
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


def alert_rules(store: Store) -> tuple[tuple[Rule, ...] | None, dict[str, ReferenceLine]]:
    """The workspace's alert rules (``alerts.yaml`` in its folder; None when there is none) and the
    lines they measure distances to, by code."""
    path = store.folder / RULES_NAME
    if not path.is_file():
        return None, {}
    rules = tuple(load_rules(path).rules)
    return rules, {
        code: reference_line(code) for code in dict.fromkeys(r.within_km_of for r in rules if r.within_km_of)
    }


def _between(when: str, date_from: str | None, date_to: str | None) -> bool:
    return (not date_from or when >= date_from) and (not date_to or when[:10] <= date_to[:10])


def site_alerts(
    site: Site,
    comparisons: list[StoredComparison],
    activity: list[StoredActivity],
    camps: list[StoredCamp],
    query: BriefQuery,
) -> list[str] | None:
    """The messages of the alerts the workspace's rules raise on the site's comparisons whose later
    date lies within the brief's dates (on validated classes, unless the query includes
    candidates); None without rules."""
    q = query
    if q.rules is None:
        return None
    distances = {code: distance_to(site.aoi, line).distance_km for code, line in q.lines.items()}
    shown = [c for c in comparisons if _between(c.later, q.date_from, q.date_to)]
    evidence = SiteEvidence(site, shown, activity, camps, distances)
    return [a.message for a in alerts_to_raise([evidence], q.rules, q.include_unvalidated)]


def gather_site(store: Store, site: Site, query: BriefQuery) -> tuple[SiteData, dict[int, Scene]]:
    """Read what the brief shows of one site, and only of it: its observations (merged by scene,
    within the dates, with the analysts' reviews), their detections (less those an analyst
    rejected), its stored comparisons with their changed objects, new-activity areas and camps,
    with ``query.model_scores`` the estimate of its latest observation by that model, and the
    alerts the workspace's rules raise on it; and its scenes by id."""
    assert site.id is not None  # sites from the store have ids
    q = query
    stored = reviewed_observations(store, site.id)
    obs = observations_between(merge_by_scene(stored), q.date_from, q.date_to)
    scenes = {sc.id: sc for sc in store.scenes_of_site(site.id) if sc.id is not None}
    scenes |= {o.scene_id: store.scene_by_id(o.scene_id) for o in obs if o.scene_id not in scenes}
    estimate = (
        site_estimate(
            site.name,
            stored,
            q.model_id,
            q.model_sha256,
            q.model_scores,
            q.doctrine,
            {i: sc.gsd_m for i, sc in scenes.items()},  # the recall of each date's own GSD
            include_unvalidated=q.include_unvalidated,
        )
        if obs and q.model_scores is not None
        else None
    )
    detections = [d for sid in dict.fromkeys(o.scene_id for o in obs) for d in store.detections(site.id, sid)]
    comparisons = store.comparisons(site.id)
    activity, camps = store.activity({site.id}), store.camps({site.id})
    data = SiteData(
        site,
        obs,
        without_rejected(store, detections),
        activity,
        camps,
        estimate,
        comparisons,
        store.changed_objects({site.id}),
        site_alerts(site, comparisons, activity, camps, q),
    )
    return data, scenes


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
    pdf) to ``out`` (a file, or a folder); ``model`` (a bundled name or a file; default: aircraft)
    corrects the estimates. Its findings are validated counts only, unless ``include_unvalidated``
    (and then it says so). A watchlist brief details the sites with change or alerts and gives the
    others their own pages beside the main file; a brief of one site (``site_name``, or a
    workspace of one) is one file. Sites are read, drawn and written one at a time."""
    from forcewatch.detect.registry import load_detector

    if fmt not in BRIEF_FORMATS:
        raise InputError(f"--format {fmt!r}: use html or pdf.")
    date_range(date_from, date_to)
    check_folder_for(out)
    refuse_store(out, _kept(store))
    ref = reference_line(line)
    detector = load_detector(model)
    rules, lines = alert_rules(store)
    query = BriefQuery(
        date_from,
        date_to,
        detector.model_id,
        detector.sha256,
        detector.meta.scores,
        include_unvalidated,
        rules,
        lines,
        load_doctrine(),
    )
    settings = BriefSettings(
        ref, detector.model_id, detector.sha256, store.folder, include_unvalidated, model_notes(store)
    )
    sites = _sites(store, site_name)
    files = write_brief_files(
        (gather_site(store, s, query) for s in sites),
        settings,
        read_scene_window,
        out,
        fmt,
        detail_all=len(sites) == 1,
        keep=_kept(store),
    )
    return BriefResult(files.main, fmt, files.main_bytes, files.pages, files.page_count, files.pages_bytes)


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
