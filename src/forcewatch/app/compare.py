"""Compare two dates of a site, and its timeline: the I/O around :mod:`forcewatch.change.compare`.

:func:`compare_site` reads the site, its observations, scenes and detections from the store and
both scenes' pixels on a common grid, runs the pure comparison (looking at a date again where an
object arrived or departed through :class:`LookAgainInScenes`) and stores it;
:func:`timeline` gathers a site's observations, stored comparisons and object tracks.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shapely.geometry.base import BaseGeometry

from forcewatch.app.status import observation_json
from forcewatch.app.validation import reviewed_observations
from forcewatch.assess.validation import INCLUDED_NOTE
from forcewatch.change.compare import (
    DatePair,
    DateView,
    compare_dates,
    detections_of,
    overlap,
    pick_observations,
)
from forcewatch.change.hysteresis import EARLIER, LATER, LOW_SCORE_SHARE, Candidate, Look, LookedAgain
from forcewatch.change.tracks import Track, build_tracks
from forcewatch.detect.base import Detector
from forcewatch.detect.metadata import ModelMeta
from forcewatch.detect.registry import bundled_models, load_detector, model_file_sha256
from forcewatch.geo.convert import geometry_pixel_bounds, pixels_to_lonlat
from forcewatch.imagery.coreg import common_grid, read_on_grid
from forcewatch.imagery.raster import RasterReader
from forcewatch.model import (
    CampChange,
    Comparison,
    Observation,
    Scene,
    Site,
    StoredComparison,
    camp_validated,
    member_ids,
    merge_by_scene,
)
from forcewatch.sites import read_polygons
from forcewatch.store.base import Store

#: The window looked at again around an object: this many times its length, plus the model's overlap …
LOOK_LENGTHS = 3.0
#: … and at least this many model pixels: the networks see objects in context (tiles of 1024), and
#: a small window's edges change their scores.
MIN_LOOK_PX = 256
#: Objects to look for again are grouped in cells of this many model pixels, one read and one
#: detector run per cell (clustered objects, such as vehicles in a park, share their windows).
GROUP_PX = 512


def detector_for(store: Store, model_sha256: str) -> Detector | None:
    """The detector whose model file has this SHA-256: a bundled model or one of the workspace's;
    None when neither is (a model file since removed or replaced)."""
    for name in bundled_models():
        if model_file_sha256(name) == model_sha256:
            return load_detector(name)
    for entry in store.models():
        path = store.folder / entry.path
        if entry.sha256 == model_sha256 and path.is_file():
            return load_detector(str(path))
    return None


@dataclass(frozen=True)
class LookWindow:
    """A window of a scene (its pixels: x0, y0, x1, y1) to look at again, its size at the model's
    GSD, and the looks (indices) it serves."""

    window_px: tuple[float, float, float, float]
    width_px: int
    height_px: int
    looks: tuple[int, ...]


def look_windows(scene: Scene, meta: ModelMeta, looks: Sequence[Look], indices: Iterable[int]) -> list[LookWindow]:
    """The windows of ``scene`` to look again in for the looks of ``indices``: around each object
    :data:`LOOK_LENGTHS` times its length plus the model's overlap (at least :data:`MIN_LOOK_PX`
    model pixels), those in one cell of :data:`GROUP_PX` model pixels joined; clamped to the scene."""
    scale = scene.gsd_m / meta.gsd_m  # model pixels per scene pixel
    cells: dict[tuple[int, int], list[tuple[int, float, float, float, float]]] = {}
    for i in indices:
        side_px = max(MIN_LOOK_PX, LOOK_LENGTHS * looks[i].stored.detection.length_m / meta.gsd_m + meta.overlap_px)
        half = side_px / scale / 2
        c0, r0, c1, r1 = geometry_pixel_bounds(scene.crs_wkt, scene.transform, looks[i].polygon)
        cx, cy = (c0 + c1) / 2, (r0 + r1) / 2
        key = (math.floor(cx * scale / GROUP_PX), math.floor(cy * scale / GROUP_PX))
        cells.setdefault(key, []).append((i, cx - half, cy - half, cx + half, cy + half))
    out = []
    for items in cells.values():
        x0 = max(0.0, min(it[1] for it in items))
        y0 = max(0.0, min(it[2] for it in items))
        x1 = min(float(scene.width_px), max(it[3] for it in items))
        y1 = min(float(scene.height_px), max(it[4] for it in items))
        width, height = round((x1 - x0) * scale), round((y1 - y0) * scale)
        if width >= 8 and height >= 8:  # else the objects' places are off the scene: nothing to see
            out.append(LookWindow((x0, y0, x1, y1), width, height, tuple(it[0] for it in items)))
    return out


def candidates_in(
    reader: RasterReader, scene: Scene, detector: Detector, window: LookWindow, threshold: float
) -> tuple[Candidate, ...]:
    """What ``detector`` finds above ``threshold`` in a window of ``scene`` read at its GSD: each
    box's class, score and centre (lon/lat), where the scene has valid pixels."""
    rgb, valid = reader.read(window.window_px, window.width_px, window.height_px)
    found = detector.detect(rgb, score_threshold=threshold)
    if not len(found.scores):
        return ()
    cols = (found.boxes[:, 0] + found.boxes[:, 2]) / 2
    rows = (found.boxes[:, 1] + found.boxes[:, 3]) / 2
    inside = valid[rows.astype(int).clip(0, window.height_px - 1), cols.astype(int).clip(0, window.width_px - 1)]
    x0, y0, x1, y1 = window.window_px
    lons, lats = pixels_to_lonlat(
        scene.crs_wkt,
        scene.transform,
        x0 + cols * (x1 - x0) / window.width_px,
        y0 + rows * (y1 - y0) / window.height_px,
    )
    return tuple(
        Candidate(detector.meta.classes[int(c)], float(s), float(lo), float(la))
        for c, s, lo, la, ok in zip(found.classes, found.scores, lons, lats, inside, strict=True)
        if ok
    )


@dataclass
class LookAgainInScenes:
    """Looks at a date's scene again where an object of the other date arrived or departed
    (:mod:`forcewatch.change.hysteresis`): windows around the objects, read at the model's GSD, run
    through the model that found each object with ``LOW_SCORE_SHARE`` of the threshold it was
    scanned with. An object whose model cannot be found (by its file's hash: bundled or in the
    workspace) is not looked at again, and the note says so."""

    store: Store
    scenes: Mapping[str, Scene]  # EARLIER and LATER
    observations: Mapping[int, Observation]  # by id: the stored (unmerged) observations of the site
    _detectors: dict[str, Detector | None] = field(default_factory=dict)

    def _detector(self, sha256: str) -> Detector | None:
        if sha256 not in self._detectors:
            self._detectors[sha256] = detector_for(self.store, sha256)
        return self._detectors[sha256]

    def __call__(self, looks: Sequence[Look]) -> LookedAgain:
        found: list[tuple[Candidate, ...]] = [() for _ in looks]
        groups: dict[tuple[str, str, float], list[int]] = {}  # (date, model hash, threshold) → looks
        missing: set[str] = set()
        for i, lk in enumerate(looks):
            obs = self.observations.get(lk.stored.observation_id)
            if obs is None or self._detector(obs.model_sha256) is None:
                missing.add(lk.stored.detection.model_id or "an unknown model")
                continue
            groups.setdefault((lk.date, obs.model_sha256, float(obs.thresholds.get("score", 0.0))), []).append(i)
        for date in (EARLIER, LATER):
            todo = {key: idx for key, idx in groups.items() if key[0] == date}
            if not todo:
                continue
            scene = self.scenes[date]
            with RasterReader(scene.path) as reader:
                for (_, sha256, scanned_with), idx in todo.items():
                    detector = self._detector(sha256)
                    assert detector is not None
                    threshold = LOW_SCORE_SHARE * (scanned_with or detector.meta.threshold_at(scene.gsd_m))
                    for window in look_windows(scene, detector.meta, looks, idx):
                        seen = candidates_in(reader, scene, detector, window, threshold)
                        for i in window.looks:
                            found[i] = seen
        note = (
            f"objects found by {', '.join(sorted(missing))} were not looked at again (the model file is "
            "neither bundled nor in the workspace): their arrivals and departures are not confirmed"
            if missing
            else ""
        )
        return LookedAgain(tuple(found), note)


def read_masks(masks: Iterable[Path | BaseGeometry]) -> tuple[BaseGeometry, ...]:
    """Mask polygons (lon/lat): files (GeoJSON, GPKG, KML) are read, geometries kept as they are."""
    out: list[BaseGeometry] = []
    for m in masks:
        out += read_polygons(m) if isinstance(m, Path) else [m]
    return tuple(out)


def compare_site(
    store: Store,
    site_name: str,
    date_from: str | None = None,
    date_to: str | None = None,
    masks: Iterable[Path | BaseGeometry] | None = None,
) -> tuple[Comparison, int]:
    """Compare two observations of a site (by default its last two) and store the comparison.

    ``date_from``/``date_to`` (YYYY-MM-DD) choose the dates (see
    :func:`~forcewatch.change.compare.pick_observations`); ``masks`` are areas not to be read:
    vector files or lon/lat polygons. Returns the comparison and its id in the store (comparing
    the same dates again replaces the stored one)."""
    from forcewatch.report.dates import date_range

    date_from, date_to = date_range(date_from, date_to)  # "--from notadate" is an error, not ignored
    mask_polygons = read_masks(masks or [])
    site = store.site(site_name)
    assert site.id is not None
    observations = reviewed_observations(store, site.id)
    earlier, later = pick_observations(merge_by_scene(observations), site_name, date_from, date_to)
    scenes = store.scene_by_id(earlier.scene_id), store.scene_by_id(later.scene_id)
    grid = common_grid(overlap(site, earlier, later, scenes), max(s.gsd_m for s in scenes))
    detections = list(store.detections(site.id))
    dates = [
        DateView(obs, scene, *read_on_grid(scene, grid), detections_of(obs, detections))
        for obs, scene in zip((earlier, later), scenes, strict=True)
    ]
    by_id = {o.id: o for o in observations if o.id is not None}
    look_again = LookAgainInScenes(store, {EARLIER: scenes[0], LATER: scenes[1]}, by_id)
    comparison = compare_dates(DatePair(site, grid, dates[0], dates[1], mask_polygons, look_again))
    with store.transaction():
        comparison_id = store.add_comparison(comparison)
        store.log(
            "compare", f"{site_name}: {comparison.earlier.acquired} → {comparison.later.acquired}: {comparison.summary}"
        )
    return comparison, comparison_id


def camp_findings(
    comparison: Comparison, include_unvalidated: bool = False
) -> tuple[list[CampChange], list[CampChange]]:
    """A comparison's camps split in two: the findings (every class in the camp validated on both
    dates, see :func:`~forcewatch.model.camp_validated`) and those made of unvalidated candidates,
    never printed as events. With ``include_unvalidated`` every camp is a finding."""
    if include_unvalidated:
        return list(comparison.camps), []
    found: list[CampChange] = []
    candidates: list[CampChange] = []
    for k in comparison.camps:
        (found if camp_validated(k.counts, comparison.validated) else candidates).append(k)
    return found, candidates


def comparison_json(
    site_name: str, comparison: Comparison, comparison_id: int, include_unvalidated: bool = False
) -> dict[str, Any]:
    """The document ``forcewatch compare --json`` prints: ``validated`` (class → why) and
    ``unvalidated`` classes; ``camps`` holds the camp events that are findings and ``candidate_camps``
    those made of unvalidated candidates (every camp is in ``camps`` with ``include_unvalidated``,
    which the document then says)."""
    c = comparison
    found, candidates = camp_findings(c, include_unvalidated)
    doc: dict[str, Any] = {
        "site": site_name,
        "comparison_id": comparison_id,
        "earlier": c.earlier.acquired,
        "later": c.later.acquired,
        "misalignment": {"shift_east_m": c.shift_east_m, "shift_north_m": c.shift_north_m, "residual_m": c.residual_m},
        "share_usable": c.share_usable,
        "classes": c.summary,
        "not_observable": c.not_observable,
        "notes": c.notes,
        "validated": c.validated,
        "unvalidated": [k for k in c.summary if k not in c.validated],
        "unvalidated_included": include_unvalidated,
        "camps": [_camp_json(k, c.validated) for k in found],
        "candidate_camps": [_camp_json(k, c.validated) for k in candidates],
        "new_activity": [
            {
                "area_m2": round(a.area_m2),
                "area_ha": round(a.area_m2 / 1e4, 3),
                "confidence": round(a.confidence, 2),
                "polygon_wkt": a.polygon.wkt,
            }
            for a in c.activity
        ],
    }
    if include_unvalidated:
        doc["note"] = INCLUDED_NOTE
    return doc


def _camp_json(camp: CampChange, validated: Mapping[str, str]) -> dict[str, object]:
    return {**camp.to_json(), "validated": camp_validated(camp.counts, validated)}


@dataclass(frozen=True)
class Timeline:
    """A site's observations (merged by scene, in date order), its stored comparisons and the
    object tracks across its dates."""

    site: Site
    observations: tuple[Observation, ...]
    comparisons: tuple[StoredComparison, ...]
    tracks: tuple[Track, ...]

    def comparison_ending(self, observation: Observation) -> StoredComparison | None:
        """The stored comparison whose later date is ``observation``'s (the last stored, if several)."""
        by_later = {c.later: c for c in self.comparisons}
        return by_later.get(observation.acquired)

    def to_json(self, include_unvalidated: bool = False) -> dict[str, Any]:
        """The document ``forcewatch timeline --json`` prints: each observation's ``counts`` the
        findings only, unless ``include_unvalidated`` (see :func:`~forcewatch.app.status.observation_json`);
        each comparison with its ``validated`` and ``unvalidated`` classes."""
        doc: dict[str, Any] = {
            "site": self.site.name,
            "observations": [observation_json(o, include_unvalidated) for o in self.observations],
            "comparisons": [c.to_json() for c in self.comparisons],
            "tracks": [t.to_json() for t in self.tracks],
            "unvalidated_included": include_unvalidated,
        }
        if include_unvalidated:
            doc["note"] = INCLUDED_NOTE
        return doc


def timeline(store: Store, site_name: str) -> Timeline:
    """A site's observations, comparisons and object tracks."""
    site = store.site(site_name)
    assert site.id is not None
    observations = merge_by_scene(reviewed_observations(store, site.id))
    ids = {i for o in observations for i in member_ids(o)}
    tracks = build_tracks(observations, [d for d in store.detections(site.id) if d.observation_id in ids])
    return Timeline(site, tuple(observations), tuple(store.comparisons(site.id)), tuple(tracks))
