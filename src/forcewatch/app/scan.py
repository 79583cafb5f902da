"""Scan a workspace: for each scene × site pair not yet scanned with a model, read the window of the
scene that covers the site (at the model's GSD, tile by tile), detect, keep what lies in the site,
and record an observation (counts by class and the share of the site seen, valid and cloud-free).

The steps are named functions over values — :func:`site_window`, :func:`detect_window`,
:func:`place_detections`, :func:`in_site`, :func:`observable`, :func:`count_by_class` — and only
:func:`scan_pair` opens the scene's raster (through :class:`~forcewatch.imagery.raster.RasterReader`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from functools import partial

import cv2
import numpy as np
import shapely
from affine import Affine
from shapely.geometry import Polygon

from forcewatch import __version__
from forcewatch.app.scan_queue import Claimed, PairQueue
from forcewatch.app.scan_queue import pair_key as pair_key  # re-exported: a pair's claim name
from forcewatch.detect.base import Detector
from forcewatch.detect.merge import drop_parts
from forcewatch.detect.run import TileSource, Timings, detect_source
from forcewatch.errors import InputError
from forcewatch.geo.convert import (
    boxes_to_lonlat,
    lonlat_to_pixel_rings,
    lonlat_to_pixels,
    mask_to_polygon,
    pixel_bounds,
)
from forcewatch.imagery.clouds import cloud_mask
from forcewatch.imagery.raster import KeptOpen, RasterReader
from forcewatch.imagery.tiles import Tile
from forcewatch.model import BoxPx, Detection, Geometry, Observation, Scene, Site
from forcewatch.store.base import Store

#: Points per side of the grid that measures the share of a site observed.
SHARE_GRID = 48
#: Side of the coarse read that measures validity and cloud over a site window.
OBSERVABLE_SIDE_PX = 256

#: A window of a scene in its pixels: (x0, y0, x1, y1), x1 and y1 exclusive.
WindowPx = tuple[int, int, int, int]


@dataclass(frozen=True)
class ScanResult:
    """One scene × site pair scanned with one model: the observation and the detections in the site."""

    scene: Scene
    site: Site
    observation: Observation
    detections: list[Detection]


class WindowSource:
    """A window of a tile source, read like a whole image (the window's offset added on read)."""

    def __init__(self, source: TileSource, x0: int, y0: int, x1: int, y1: int) -> None:
        self.source, self.x0, self.y0 = source, x0, y0
        self._w, self._h = x1 - x0, y1 - y0

    @property
    def width_px(self) -> int:
        return self._w

    @property
    def height_px(self) -> int:
        return self._h

    def _in_source(self, window_px: BoxPx) -> BoxPx:
        a, b, c, d = window_px
        return (a + self.x0, b + self.y0, c + self.x0, d + self.y0)

    def read(self, window_px: BoxPx, out_width: int, out_height: int) -> tuple[np.ndarray, np.ndarray]:
        return self.source.read(self._in_source(window_px), out_width, out_height)

    def read_planes(self, window_px: BoxPx, out_width: int, out_height: int) -> tuple[np.ndarray, np.ndarray]:
        return self.source.read_planes(self._in_source(window_px), out_width, out_height)


def site_window(scene: Scene, aoi: Geometry, margin_px: float) -> WindowPx | None:
    """The scene's pixels that cover a site's area plus ``margin_px`` on each side, clamped to the
    scene; None when the site lies outside it. A polygon's outline is densified (every 0.001°) so
    that its curved image in the scene's CRS is covered."""
    ring = shapely.segmentize(aoi, 0.001) if isinstance(aoi, Polygon) else aoi.envelope
    c0, r0, c1, r1 = pixel_bounds(scene.crs_wkt, scene.transform, *np.asarray(ring.exterior.coords.xy))
    x0 = max(0, int(np.floor(c0 - margin_px)))
    y0 = max(0, int(np.floor(r0 - margin_px)))
    x1 = min(scene.width_px, int(np.ceil(c1 + margin_px)))
    y1 = min(scene.height_px, int(np.ceil(r1 + margin_px)))
    return None if x1 <= x0 or y1 <= y0 else (x0, y0, x1, y1)


class CoarseMosaic:
    """A small copy of a window (at most OBSERVABLE_SIDE_PX a side) assembled from the tiles as the
    detector reads them: validity and cloud are measured on it without reading the scene again."""

    def __init__(self, width_model_px: int, height_model_px: int) -> None:
        self.f = max(1.0, max(width_model_px, height_model_px) / OBSERVABLE_SIDE_PX)
        self.w = max(1, round(width_model_px / self.f))
        self.h = max(1, round(height_model_px / self.f))
        self.rgb = np.zeros((self.h, self.w, 3), np.uint8)
        self.valid = np.zeros((self.h, self.w), bool)

    def add(self, tile: Tile, rgb: np.ndarray, valid: np.ndarray) -> None:
        """Paste a tile (its RGB and validity, in model pixels of the window), shrunk to the mosaic."""
        x0, y0 = round(tile.x0 / self.f), round(tile.y0 / self.f)
        x1, y1 = min(self.w, round(tile.x1 / self.f)), min(self.h, round(tile.y1 / self.f))
        if x1 <= x0 or y1 <= y0:
            return
        for c in range(3):  # band by band: a tile's band is one plane in memory (see ``read_planes``)
            self.rgb[y0:y1, x0:x1, c] = cv2.resize(rgb[:, :, c], (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)
        self.valid[y0:y1, x0:x1] = (
            cv2.resize(valid.astype(np.uint8), (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST) > 0
        )


def share_grid(aoi: Geometry, side: int = SHARE_GRID) -> tuple[np.ndarray, np.ndarray]:
    """Lon and lat of the points of a ``side`` × ``side`` grid over the site's bounds that lie in it:
    the sample on which the share of the site observed is measured."""
    minx, miny, maxx, maxy = aoi.bounds
    gx, gy = np.meshgrid(np.linspace(minx, maxx, side), np.linspace(miny, maxy, side))
    inside = shapely.contains_xy(aoi, gx.ravel(), gy.ravel())
    return gx.ravel()[inside], gy.ravel()[inside]


def observable(
    mosaic: CoarseMosaic | None, scene: Scene, aoi: Geometry, window: WindowPx | None
) -> tuple[float, Geometry]:
    """The share of the site's area that the scene shows with valid, cloud-free pixels (on the
    :func:`share_grid`), and the clouds over the window as a lon/lat geometry (empty if none)."""
    lons, lats = share_grid(aoi)
    if not len(lons) or window is None or mosaic is None:
        return 0.0, shapely.Polygon()
    x0, y0, x1, y1 = window
    mw, mh = mosaic.w, mosaic.h
    clouds = cloud_mask(mosaic.rgb.astype(np.float32), mosaic.valid, scene.gsd_m * (x1 - x0) / mw)
    valid = mosaic.valid & ~clouds
    cols, rows = lonlat_to_pixels(scene.crs_wkt, scene.transform, lons, lats)
    mc = ((cols - x0) / (x1 - x0) * mw).astype(int)
    mr = ((rows - y0) / (y1 - y0) * mh).astype(int)
    ok = (mc >= 0) & (mc < mw) & (mr >= 0) & (mr < mh)
    seen = np.zeros(len(mc), bool)
    seen[ok] = valid[mr[ok], mc[ok]]
    cloud_ll: Geometry = shapely.Polygon()
    if clouds.any():
        mosaic_to_map = (
            Affine(*scene.transform) @ Affine.translation(x0, y0) @ Affine.scale((x1 - x0) / mw, (y1 - y0) / mh)
        )
        cloud_ll = mask_to_polygon(clouds, mosaic_to_map, scene.crs_wkt)
    return float(seen.mean()), cloud_ll


def site_region_px(scene: Scene, aoi: Geometry, window: WindowPx, margin_px: float = 2.0) -> Geometry | None:
    """A polygon site's area in pixels of a window of the scene (grown by ``margin_px``): the tiles
    that do not meet it hold no detection centred in the site and need not be read. None for a site
    that is not a polygon (every tile is read)."""
    if not isinstance(aoi, Polygon | shapely.MultiPolygon):
        return None
    rings = lonlat_to_pixel_rings(scene.crs_wkt, scene.transform, shapely.segmentize(aoi, 0.001))
    shifted = [shapely.Polygon(r - np.array([window[0], window[1]])) for r in rings if len(r) >= 4]
    return shapely.union_all([p.buffer(0) for p in shifted]).buffer(margin_px) if shifted else None


def detect_window(
    source: TileSource,
    window: WindowPx,
    gsd_m: float,
    detector: Detector,
    *,
    score_threshold: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    timings: Timings | None = None,
    region_px: Geometry | None = None,
    read_ahead: bool = True,
) -> tuple[list[Detection], CoarseMosaic]:
    """Detections in a window of ``source`` (pixels of ``gsd_m`` metres; boxes in the window's
    pixels), and the coarse mosaic of the window assembled from the tiles the detector read.
    With ``region_px`` (in the window's pixels), only the tiles that meet it are read."""
    x0, y0, x1, y1 = window
    scale = gsd_m / detector.meta.gsd_m
    mosaic = CoarseMosaic(round((x1 - x0) * scale), round((y1 - y0) * scale))
    found = detect_source(
        WindowSource(source, *window),
        gsd_m,
        detector,
        score_threshold=score_threshold,
        progress=progress,
        timings=timings,
        on_tile=mosaic.add,
        region_px=region_px,
        read_ahead=read_ahead,
    )
    return found, mosaic


def place_detections(found: Sequence[Detection], scene: Scene, window: WindowPx) -> list[Detection]:
    """Detections of a window moved into the scene: boxes in scene pixels, the scene's id, and each
    box on the ground as a lon/lat polygon (all converted in one call)."""
    x0, y0 = window[0], window[1]
    boxes: list[BoxPx] = [(d.box_px[0] + x0, d.box_px[1] + y0, d.box_px[2] + x0, d.box_px[3] + y0) for d in found]
    polygons = boxes_to_lonlat(scene.crs_wkt, scene.transform, boxes)
    return [
        replace(d, box_px=box, scene_id=scene.id, polygon=poly)
        for d, box, poly in zip(found, boxes, polygons, strict=True)
    ]


def in_site(detections: Sequence[Detection], aoi: Geometry) -> list[Detection]:
    """The detections whose ground polygon has its centre in the site's area."""
    if not detections:
        return []
    centres = shapely.centroid(np.array([d.polygon for d in detections], dtype=object))
    inside = shapely.contains(aoi, centres)
    return [d for d, keep in zip(detections, inside, strict=True) if keep]


def count_by_class(classes: Iterable[str], detections: Iterable[Detection]) -> dict[str, int]:
    """Detections per class, with a zero for each of ``classes`` (a model's classes) not found."""
    counts = dict.fromkeys(classes, 0)
    for d in detections:
        counts[d.class_name] = counts.get(d.class_name, 0) + 1
    return counts


def _observation(
    scene: Scene,
    site: Site,
    detector: Detector,
    *,
    counts: dict[str, int],
    share_observed: float,
    observed: Geometry | None,
    score_threshold: float | None = None,
    not_observable: dict[str, str] | None = None,
) -> Observation:
    """The record of one scan with its provenance (model, its file's hash, thresholds, version)."""
    assert scene.id is not None and site.id is not None
    meta = detector.meta
    its_threshold = meta.threshold_at(scene.gsd_m)  # the one its scores were measured at, for this imagery
    at_its_threshold = score_threshold is None or abs(score_threshold - its_threshold) < 1e-9
    validated = {
        cls: why for cls in counts if at_its_threshold and (why := meta.validation(cls, scene.gsd_m)) is not None
    }
    return Observation(
        site_id=site.id,
        scene_id=scene.id,
        acquired=scene.acquired,
        counts=counts,
        share_observed=share_observed,
        observed=observed,
        model_id=meta.model_id,
        model_sha256=detector.sha256,
        thresholds={
            "score": its_threshold if score_threshold is None else score_threshold,
            "nms_iou": meta.nms_iou,
        },
        software_version=__version__,
        not_observable=not_observable or {},
        validated=validated,
    )


def scan_pair(
    scene: Scene,
    site: Site,
    detector: Detector,
    *,
    score_threshold: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    timings: Timings | None = None,
    others: Sequence[Detection] = (),
    read_ahead: bool = True,
    open_files: KeptOpen | None = None,
) -> ScanResult:
    """Detect in the window of ``scene`` that covers ``site`` (plus a margin), keep what lies in the
    site. ``others`` (other models' detections in this scene, scene pixels) can contain a detection
    of a smaller class, which is then dropped as a part of it (a "vehicle" on an aircraft's wing).
    ``read_ahead``: see :func:`~forcewatch.detect.run.detect_source`. ``open_files``: the scene's file is
    read through it, and left open for the next model (else it is opened and closed here)."""
    meta = detector.meta
    aoi = site.aoi
    window = site_window(scene, aoi, margin_px=meta.overlap_px / 2 * meta.gsd_m / scene.gsd_m)
    found: list[Detection] = []
    mosaic: CoarseMosaic | None = None
    if window is not None:
        reading: AbstractContextManager[RasterReader]
        if open_files is not None:
            reading = nullcontext(open_files.open(scene.path))
        else:  # a scan that reads in turn (a Dask worker of one thread) decodes on that one thread too
            reading = RasterReader(scene.path, decode_threads=None if read_ahead else 1)
        with reading as reader:
            found, mosaic = detect_window(
                reader,
                window,
                scene.gsd_m,
                detector,
                score_threshold=score_threshold,
                progress=progress,
                timings=timings,
                region_px=site_region_px(scene, aoi, window),
                read_ahead=read_ahead,
            )
    t0 = time.perf_counter()
    kept = in_site(place_detections(found, scene, window), aoi) if window is not None else []
    kept = drop_parts(kept, others)
    share, clouds = observable(mosaic, scene, aoi, window)
    if timings is not None:
        timings.place_s += time.perf_counter() - t0
    if share == 0.0:  # no valid, cloud-free pixel over the site: nothing was seen, which is not zero
        return ScanResult(scene, site, unseen_observation(scene, site, detector, NOTHING_SEEN, score_threshold), [])
    observed = aoi.intersection(scene.footprint).difference(clouds)
    obs = _observation(
        scene,
        site,
        detector,
        counts=count_by_class(meta.classes, kept),
        share_observed=round(share, 4),
        observed=observed if not observed.is_empty else None,
        score_threshold=score_threshold,
    )
    return ScanResult(scene, site, obs, kept)


#: Why a scene that shows no valid pixel of a site records its classes as not observable.
NOTHING_SEEN = "the scene shows no valid, cloud-free pixel of the site (no data, black fill or cloud)"


def unseen_observation(
    scene: Scene, site: Site, detector: Detector, reason: str, score_threshold: float | None = None
) -> Observation:
    """The record of a scene in which ``detector`` could see nothing of the site (too coarse, no data
    or cloud): every class not observable, with why; never a count of zero."""
    return _observation(
        scene,
        site,
        detector,
        counts={},
        share_observed=0.0,
        observed=None,
        score_threshold=score_threshold,
        not_observable=dict.fromkeys(detector.meta.classes, reason),
    )


def not_observable_result(scene: Scene, site: Site, detector: Detector, reason: str) -> ScanResult:
    """The record of a scene too coarse for ``detector``: its classes are not observable (not zero)."""
    return ScanResult(scene, site, unseen_observation(scene, site, detector, reason), [])


def pending_work(
    store: Store, detectors: Detector | Sequence[Detector] | None, site_name: str | None
) -> list[tuple[Detector, Scene, Site]]:
    """What is left to scan: (model, scene, site) for each pair no run of that model has recorded.
    With ``detectors`` given, every site is scanned with them; without, each site with its own
    models (its list, else its kind's defaults: :func:`forcewatch.app.models.site_model_names`)."""
    from forcewatch.app.models import resolve_detector, site_model_names

    sites = [store.site(site_name)] if site_name is not None else store.sites()  # a clear error for a bad name
    if detectors is not None:
        chosen = [detectors] if isinstance(detectors, Detector) else list(detectors)
        per_site = {s.name: chosen for s in sites}
    else:
        cache: dict[str, Detector] = {}
        per_site = {
            s.name: [cache.setdefault(n, resolve_detector(store, n)) for n in site_model_names(s)] for s in sites
        }
    work = []
    for site in sites:
        unique = {d.sha256: d for d in per_site[site.name]}  # one file under two names runs once
        for det in unique.values():
            work += [(det, scene, s) for scene, s in store.pending_pairs(det.sha256, site.name)]
    # larger objects (seen on coarser imagery) first in each scene: they hold parts of smaller ones
    return sorted(work, key=lambda w: (w[1].acquired, w[2].name, -w[0].meta.sees_to_gsd_m))


def scan_models(
    store: Store,
    names: Sequence[str] | None = None,
    *,
    site_name: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    profile: dict[str, Timings] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
) -> list[ScanResult]:
    """``forcewatch scan``: with model ``names`` (bundled, workspace or files), every site with those;
    without, each site with its own models. With ``workers`` (local worker processes) or
    ``scheduler`` (an existing Dask cluster), the pairs run on Dask (:mod:`forcewatch.app.scan_dask`)."""
    from forcewatch.app.models import resolve_detector

    if workers is not None or scheduler is not None:
        from forcewatch.app.scan_dask import check_workers, scan_distributed

        check_workers(workers, scheduler)
        if profile is not None:
            raise InputError(
                "--profile with --workers/--scheduler: the profile times one process's stages. "
                "Fix: profile a scan without --workers (or time the distributed one with bench/distributed.py)."
            )
    detectors = [resolve_detector(store, n) for n in names] if names else None
    if workers is not None or scheduler is not None:
        return scan_distributed(
            store, detectors, site_name=site_name, workers=workers, scheduler=scheduler, progress=progress
        )
    return scan(store, detectors, site_name=site_name, progress=progress, profile=profile)


def scan_one(
    store: Store,
    detector: Detector,
    scene: Scene,
    site: Site,
    *,
    progress: Callable[[int, int], None] | None = None,
    timings: Timings | None = None,
    open_files: KeptOpen | None = None,
) -> ScanResult:
    """Scan one pending pair (nothing is written): its classes not observable when the scene is too
    coarse for the model, else detections in the site, with other models' stored detections of the
    same scene and site as the objects a smaller detection may be part of. ``open_files``: see
    :func:`scan_pair`."""
    reason = detector.meta.not_observable_reason(scene.gsd_m)
    if reason is not None:
        return not_observable_result(scene, site, detector, reason)
    assert site.id is not None and scene.id is not None
    others = other_models_detections(store, detector, scene, site)
    return scan_pair(scene, site, detector, progress=progress, timings=timings, others=others, open_files=open_files)


def other_models_detections(store: Store, detector: Detector, scene: Scene, site: Site) -> list[Detection]:
    """The detections other models stored for this scene and site: those a smaller detection of
    ``detector`` may be part of (:func:`scan_pair`'s ``others``)."""
    assert site.id is not None and scene.id is not None
    return [d.detection for d in store.detections(site.id, scene.id) if d.detection.model_id != detector.model_id]


def record(store: Store, res: ScanResult, timings: Timings | None = None) -> ScanResult | None:
    """Write one scanned pair in its own transaction: its observation, its detections and a log
    line land together or not at all. None (nothing written) when another process recorded the pair
    first: a pair is never recorded twice."""
    obs, site, scene = res.observation, res.site, res.scene
    t0 = time.perf_counter()
    with store.transaction():
        if store.has_observation(obs.site_id, obs.scene_id, obs.model_sha256):
            return None
        res = replace(res, observation=store.add_observation(obs, res.detections))
        store.log(
            "scan",
            f"site {site.name!r} in scene {scene.id} with {obs.model_id}: "
            f"{res.observation.count_text()}, {res.observation.share_observed:.0%} observed",
        )
    if timings is not None:
        timings.store_s += time.perf_counter() - t0
    return res


def record_claimed(
    store: Store,
    queue: PairQueue,
    claimed: Claimed,
    result: Callable[[], ScanResult],
    timings: Timings | None = None,
) -> ScanResult | None:
    """Record a claimed pair's result (``result()`` scans it, or fetches it from a worker, and may
    raise), then release the pair and count it done, whatever happened."""
    try:
        return record(store, result(), timings)
    finally:
        queue.finish(claimed)


#: How long a scan waits before looking again when every pair left waits for another process.
WAIT_S = 0.25


def scan(
    store: Store,
    detectors: Detector | Sequence[Detector] | None = None,
    *,
    site_name: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    profile: dict[str, Timings] | None = None,
) -> list[ScanResult]:
    """Scan every scene × site pair not yet scanned with each model (``detectors``, else each site's
    own models). Each pair is claimed while it is scanned and committed on its own: a scan killed at
    any moment keeps every finished pair, and running it again scans only what is left. Several
    scans may run on one store at once: a pair claimed by another process is left to it, and the
    models of one scene × site run larger objects first whichever process runs them
    (:class:`~forcewatch.app.scan_queue.PairQueue`). A scene coarser than a model can see in is not
    read for it: its classes are recorded as not observable.

    ``progress(label, done, total)`` is called with label "scenes" after each pair and with the
    pair's label (site @ date (class)) after each tile. ``profile`` (model id → :class:`Timings`)
    collects where each model's time went: read, pre-process, inference, decode, merge, place, store."""
    queue = PairQueue(store, pending_work(store, detectors, site_name))
    results: list[ScanResult] = []
    with KeptOpen() as open_files:  # the pairs of one scene come one after another: its file stays open
        while queue:
            _scan_next(store, queue, open_files, results, progress, profile)
    return results


def _scan_next(
    store: Store,
    queue: PairQueue,
    open_files: KeptOpen,
    results: list[ScanResult],
    progress: Callable[[str, int, int], None] | None,
    profile: dict[str, Timings] | None,
) -> None:
    """Claim, scan and record the next ready pair (appended to ``results``), or wait a moment when
    every pair left waits for one that another process holds."""
    claimed = queue.take()
    if claimed is None:  # what is left waits for pairs other processes hold
        time.sleep(WAIT_S)
        return
    detector, scene, site = claimed.pair
    label = f"{site.name} @ {scene.acquired[:10]} ({detector.meta.classes[0]})"
    timings = None if profile is None else profile.setdefault(detector.model_id, Timings())
    tile_progress = (lambda k, n, label=label: progress(label, k, n)) if progress else None
    scan_it = partial(
        scan_one, store, detector, scene, site, progress=tile_progress, timings=timings, open_files=open_files
    )
    done = record_claimed(store, queue, claimed, scan_it, timings)
    if done is not None:
        results.append(done)
    if progress:
        progress("scenes", queue.left, queue.total)
