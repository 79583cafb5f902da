"""ingest → scan over a store: the monitoring pipeline (compare and assess come later)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
import shapely
from affine import Affine
from pyproj import CRS, Geod, Transformer
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from forcewatch import __version__
from forcewatch.detect.base import Detector
from forcewatch.detect.merge import drop_parts
from forcewatch.detect.run import Timings, detect_source
from forcewatch.geo.convert import pixel_bounds, reprojector
from forcewatch.imagery.clouds import cloud_mask
from forcewatch.imagery.raster import RasterReader
from forcewatch.imagery.scene import Registration, describe
from forcewatch.imagery.tiles import Tile
from forcewatch.model import Detection, Observation, Scene, Site
from forcewatch.provenance import file_sha256
from forcewatch.store.base import Store

_GEOD = Geod(ellps="WGS84")
#: Points per side of the grid that measures the share of a site observed.
SHARE_GRID = 48
#: Side of the coarse read that measures validity and cloud over a site window.
OBSERVABLE_SIDE_PX = 256


def _area_m2(geom: BaseGeometry) -> float:
    return abs(_GEOD.geometry_area_perimeter(geom)[0]) if not geom.is_empty else 0.0


@dataclass(frozen=True)
class IngestResult:
    path: Path
    scene: Scene | None
    status: str  # ingested | skipped (already ingested) | failed
    sites: tuple[str, ...] = ()
    message: str = ""


def ingest(
    store: Store,
    paths: list[Path],
    *,
    acquired: str | None = None,
    sensor: str | None = None,
    registration: Registration | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[IngestResult]:
    """Ingest every path in one transaction: all land, or (on any bad file) none do."""
    results = []
    with store.transaction():
        for i, path in enumerate(paths):
            digest = None
            if path.suffix.lower() != ".json" and path.is_file():
                digest = file_sha256(path)
                known = store.scene_by_sha(digest)
                if known is not None:
                    results.append(
                        IngestResult(path, known, "skipped", message=f"already ingested as scene {known.id}")
                    )
                    continue
            scene = describe(path, acquired=acquired, sensor=sensor, registration=registration, sha256=digest)
            known = store.scene_by_sha(scene.sha256)
            if known is not None:
                results.append(IngestResult(path, known, "skipped", message=f"already ingested as scene {known.id}"))
                continue
            scene = store.add_scene(scene)
            assert scene.id is not None
            footprint = scene.footprint
            linked = []
            for site in store.sites():
                aoi = site.aoi
                if footprint.intersects(aoi):
                    assert site.id is not None
                    share = _area_m2(footprint.intersection(aoi)) / max(_area_m2(aoi), 1e-9)
                    store.link(scene.id, site.id, round(share, 4))
                    linked.append(site.name)
            msg = f"covers {', '.join(linked)}" if linked else "overlaps no site: stored, nothing to scan"
            store.log(
                "ingest",
                f"scene {scene.id} {scene.path} ({scene.acquired}, {scene.gsd_m:.2f} m, {scene.georef}): {msg}",
            )
            results.append(IngestResult(path, scene, "ingested", tuple(linked), msg))
            if progress:
                progress(i + 1, len(paths))
    return results


class WindowSource:
    """A window of a raster, read like a whole image (offsets added on read)."""

    def __init__(self, reader: RasterReader, x0: int, y0: int, x1: int, y1: int) -> None:
        self.reader, self.x0, self.y0 = reader, x0, y0
        self._w, self._h = x1 - x0, y1 - y0

    @property
    def width_px(self) -> int:
        return self._w

    @property
    def height_px(self) -> int:
        return self._h

    def read(
        self, window_px: tuple[float, float, float, float], out_width: int, out_height: int
    ) -> tuple[np.ndarray, np.ndarray]:
        a, b, c, d = window_px
        return self.reader.read((a + self.x0, b + self.y0, c + self.x0, d + self.y0), out_width, out_height)


@dataclass(frozen=True)
class ScanResult:
    scene: Scene
    site: Site
    observation: Observation
    detections: list[Detection]


def _site_window(scene: Scene, aoi: BaseGeometry, margin_px: float) -> tuple[int, int, int, int] | None:
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
        x0, y0 = round(tile.x0 / self.f), round(tile.y0 / self.f)
        x1, y1 = min(self.w, round(tile.x1 / self.f)), min(self.h, round(tile.y1 / self.f))
        if x1 <= x0 or y1 <= y0:
            return
        self.rgb[y0:y1, x0:x1] = cv2.resize(rgb, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)
        self.valid[y0:y1, x0:x1] = (
            cv2.resize(valid.astype(np.uint8), (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST) > 0
        )


def _observable(
    mosaic: CoarseMosaic | None, scene: Scene, aoi: BaseGeometry, window: tuple[int, int, int, int] | None
) -> tuple[float, BaseGeometry]:
    """Share of the site's area that the scene shows with valid, cloud-free pixels (a point grid),
    and the clouds over the window as lon/lat polygons."""
    minx, miny, maxx, maxy = aoi.bounds
    gx, gy = np.meshgrid(np.linspace(minx, maxx, SHARE_GRID), np.linspace(miny, maxy, SHARE_GRID))
    inside = shapely.contains_xy(aoi, gx.ravel(), gy.ravel())
    if not inside.any() or window is None or mosaic is None:
        return 0.0, shapely.Polygon()
    x0, y0, x1, y1 = window
    mw, mh = mosaic.w, mosaic.h
    clouds = cloud_mask(mosaic.rgb.astype(np.float32), mosaic.valid, scene.gsd_m * (x1 - x0) / mw)
    valid = mosaic.valid & ~clouds
    to_scene = Transformer.from_crs(4326, CRS.from_wkt(scene.crs_wkt), always_xy=True)
    sx, sy = to_scene.transform(gx.ravel()[inside], gy.ravel()[inside])
    inv = ~Affine(*scene.transform)
    cols = inv.a * np.asarray(sx) + inv.b * np.asarray(sy) + inv.c
    rows = inv.d * np.asarray(sx) + inv.e * np.asarray(sy) + inv.f
    mc = ((cols - x0) / (x1 - x0) * mw).astype(int)
    mr = ((rows - y0) / (y1 - y0) * mh).astype(int)
    ok = (mc >= 0) & (mc < mw) & (mr >= 0) & (mr < mh)
    seen = np.zeros(len(mc), bool)
    seen[ok] = valid[mr[ok], mc[ok]]
    cloud_ll: BaseGeometry = shapely.Polygon()
    if clouds.any():
        from rasterio import features
        from shapely.geometry import shape

        px_to_map = Affine(*scene.transform) @ Affine.translation(x0, y0) @ Affine.scale((x1 - x0) / mw, (y1 - y0) / mh)
        polys = [shape(g) for g, v in features.shapes(clouds.astype(np.uint8), mask=clouds, transform=px_to_map) if v]
        cloud_ll = reprojector(CRS.from_wkt(scene.crs_wkt), 4326)(shapely.union_all(polys))
    return float(seen.mean()), cloud_ll


def scan_pair(
    scene: Scene,
    site: Site,
    detector: Detector,
    *,
    score_threshold: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    timings: Timings | None = None,
    others: Sequence[Detection] = (),
) -> ScanResult:
    """Detect in the window of ``scene`` that covers ``site`` (plus a margin), keep what lies in the
    site. ``others`` (other models' detections in this scene, scene pixels) can contain a detection
    of a smaller class, which is then dropped as a part of it (a "vehicle" on an aircraft's wing)."""
    assert scene.id is not None and site.id is not None
    meta = detector.meta
    aoi = site.aoi
    margin_px = meta.overlap_px / 2 * meta.gsd_m / scene.gsd_m
    window = _site_window(scene, aoi, margin_px)
    kept: list[Detection] = []
    mosaic: CoarseMosaic | None = None
    with RasterReader(Path(scene.path)) as reader:
        if window is not None:
            x0, y0 = window[0], window[1]
            scale = scene.gsd_m / meta.gsd_m
            mosaic = CoarseMosaic(round((window[2] - x0) * scale), round((window[3] - y0) * scale))
            found = detect_source(
                WindowSource(reader, *window),
                scene.gsd_m,
                detector,
                score_threshold=score_threshold,
                progress=progress,
                timings=timings,
                on_tile=mosaic.add,
            )
            aff = Affine(*scene.transform)
            to_ll = Transformer.from_crs(CRS.from_wkt(scene.crs_wkt), 4326, always_xy=True)
            for d in found:
                bx0, by0, bx1, by1 = (
                    d.box_px[0] + x0,
                    d.box_px[1] + y0,
                    d.box_px[2] + x0,
                    d.box_px[3] + y0,
                )
                corners = [aff @ p for p in ((bx0, by0), (bx1, by0), (bx1, by1), (bx0, by1))]
                lons, lats = to_ll.transform([c[0] for c in corners], [c[1] for c in corners])
                poly = Polygon(zip(lons, lats, strict=True))
                if aoi.contains(poly.centroid):
                    kept.append(replace(d, box_px=(bx0, by0, bx1, by1), scene_id=scene.id, polygon=poly))
    kept = drop_parts(kept, others)
    share, clouds = _observable(mosaic, scene, aoi, window)
    observed = aoi.intersection(scene.footprint).difference(clouds)
    counts = {c: 0 for c in meta.classes}
    for d in kept:
        counts[d.class_name] = counts.get(d.class_name, 0) + 1
    obs = Observation(
        site_id=site.id,
        scene_id=scene.id,
        acquired=scene.acquired,
        counts=counts,
        share_observed=round(share, 4),
        observed=observed if not observed.is_empty else None,
        model_id=meta.model_id,
        model_sha256=detector.sha256,
        thresholds={
            "score": meta.score_threshold if score_threshold is None else score_threshold,
            "nms_iou": meta.nms_iou,
        },
        software_version=__version__,
    )
    return ScanResult(scene, site, obs, kept)


def not_observable_result(scene: Scene, site: Site, detector: Detector, reason: str) -> ScanResult:
    """The record of a scene too coarse for ``detector``: its classes are not observable (not zero)."""
    assert scene.id is not None and site.id is not None
    meta = detector.meta
    obs = Observation(
        site_id=site.id,
        scene_id=scene.id,
        acquired=scene.acquired,
        counts={},
        share_observed=0.0,
        observed=None,
        model_id=meta.model_id,
        model_sha256=detector.sha256,
        thresholds={"score": meta.score_threshold, "nms_iou": meta.nms_iou},
        software_version=__version__,
        not_observable={c: reason for c in meta.classes},
    )
    return ScanResult(scene, site, obs, [])


def scan(
    store: Store,
    detectors: Detector | Sequence[Detector],
    *,
    site_name: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    timings: Timings | None = None,
) -> list[ScanResult]:
    """Scan every scene × site pair not yet scanned with each model, in one transaction: an
    interrupted or failed scan leaves the store as it was, and re-running it is harmless. A scene
    coarser than a model can see in is not read for it: its classes are recorded as not observable."""
    if site_name is not None:
        store.site(site_name)  # a clear error for an unknown site
    models = [detectors] if isinstance(detectors, Detector) else list(detectors)
    models.sort(key=lambda d: -d.meta.sees_to_gsd_m)  # larger objects (seen on coarser imagery) first: they hold parts
    work = [(det, scene, site) for det in models for scene, site in store.pending_pairs(det.sha256, site_name)]
    results = []
    with store.transaction():
        for i, (detector, scene, site) in enumerate(work):
            label = f"{site.name} @ {scene.acquired[:10]} ({detector.meta.classes[0]})"
            reason = detector.meta.not_observable_reason(scene.gsd_m)
            if reason is not None:
                res = not_observable_result(scene, site, detector, reason)
            else:
                tile_progress = (lambda k, n, label=label: progress(label, k, n)) if progress else None
                others = [
                    d.detection
                    for d in store.detections(site.id, scene.id)
                    if d.detection.model_id != detector.model_id
                ]
                res = scan_pair(scene, site, detector, progress=tile_progress, timings=timings, others=others)
            res = replace(res, observation=store.add_observation(res.observation, res.detections))
            store.log(
                "scan",
                f"site {site.name!r} in scene {scene.id} with {detector.model_id}: "
                f"{res.observation.count_text()}, {res.observation.share_observed:.0%} observed",
            )
            results.append(res)
            if progress:
                progress("scenes", i + 1, len(work))
    return results
