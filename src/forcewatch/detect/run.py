"""Detection on one image of any size: resample to the model GSD, tile, detect, merge."""

from __future__ import annotations

import queue
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import shapely
import shapely.affinity
from affine import Affine
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from forcewatch.detect.base import INPUT_MULTIPLE, Detector, TileDetections
from forcewatch.detect.camps import Camp, box_footprint, find_camps
from forcewatch.detect.merge import drop_parts, in_core, nms
from forcewatch.detect.sizes import ground_size_m, size_class
from forcewatch.geo.convert import reprojector
from forcewatch.imagery.raster import RasterReader, resolve_gsd
from forcewatch.imagery.tiles import Tile, tile_grid
from forcewatch.model import Detection


class TileSource(Protocol):
    @property
    def width_px(self) -> int: ...

    @property
    def height_px(self) -> int: ...

    def read(
        self, window_px: tuple[float, float, float, float], out_width: int, out_height: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """(uint8 H×W×3, valid bool H×W) of the window resampled to ``out_width × out_height``."""
        ...

    def read_planes(
        self, window_px: tuple[float, float, float, float], out_width: int, out_height: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The same pixels band by band: (uint8 3×H×W, valid bool H×W)."""
        ...


@dataclass
class Timings:
    """Where the time of a detection run (or of one model's share of a scan) went, in seconds.

    ``read_s`` overlaps detection: the wall time it costs is ``wait_s``. ``detect_s`` is the
    detector's whole call; a detector that reports its stages (``last_stages_s``: pre-process,
    inference, decode) splits it. Where tiles run side by side, ``detect_s`` and its stages are
    summed over the threads, and ``tiles_wall_s`` is the loop's wall time. ``place_s`` (boxes onto
    the ground, in the site, share observed) and ``store_s`` are filled by a scan."""

    read_s: float = 0.0  # reading and resampling tiles (beside the network: see detect_source)
    wait_s: float = 0.0  # time detection waited for a tile to be read (side by side: for a free detector)
    detect_s: float = 0.0
    merge_s: float = 0.0
    tiles: int = 0  # tiles run through the detector
    tiles_outside: int = 0  # tiles whose core lies outside the region asked for: not read
    tiles_empty: int = 0  # tiles read with no valid pixel (no data, fill): not run through the detector
    area_km2: float = 0.0
    preprocess_s: float = 0.0  # normalise and pad (part of detect_s)
    inference_s: float = 0.0  # the network (part of detect_s)
    decode_s: float = 0.0  # heat-map peaks to boxes (part of detect_s)
    place_s: float = 0.0
    store_s: float = 0.0
    tiles_wall_s: float = 0.0  # the tile loop's wall time: reading, waiting and detecting, as the caller saw it

    @property
    def wall_s(self) -> float:
        """The time these stages held the caller. Tiles run side by side (see :func:`detect_source`)
        sum their detector seconds over threads, so the tile loop is counted by its own wall time."""
        tiles = self.tiles_wall_s or self.wait_s + self.detect_s
        return tiles + self.merge_s + self.place_s + self.store_s

    def add(self, other: Timings) -> None:
        """Adds every count and duration of ``other`` (one worker's share) to these."""
        for name, value in other.__dict__.items():
            setattr(self, name, getattr(self, name) + value)

    def to_json(self) -> dict[str, float | int]:
        out: dict[str, float | int] = {k: round(v, 4) for k, v in self.__dict__.items() if isinstance(v, float)}
        out.update(tiles=self.tiles, tiles_outside=self.tiles_outside, tiles_empty=self.tiles_empty)
        out["wall_s"] = round(self.wall_s, 4)
        return out


@dataclass
class DetectionRun:
    """The result of ``forcewatch detect`` on one image."""

    image: str
    gsd_m: float
    gsd_source: str
    model_id: str
    model_sha256: str
    score_threshold: float
    width_px: int
    height_px: int
    detections: list[Detection]
    crs_wkt: str | None = None
    transform: tuple[float, float, float, float, float, float] | None = None
    timings: Timings = field(default_factory=Timings)
    models: list[dict[str, object]] = field(default_factory=list)  # every model run, with its threshold
    not_observable: dict[str, str] = field(default_factory=dict)  # class → why no model could see it
    camps: list[Camp] = field(default_factory=list)  # in the image's metric plane (pixels × GSD)

    def camp_wkt(self, camp: Camp) -> str:
        """A camp's outline in lon/lat (georeferenced image) or in pixels of the image."""
        px = shapely.affinity.scale(camp.polygon, 1 / self.gsd_m, 1 / self.gsd_m, origin=(0, 0))
        if self.transform is None or self.crs_wkt is None:
            return px.wkt
        a = Affine(*self.transform)
        mapped = shapely.affinity.affine_transform(px, [a.a, a.b, a.d, a.e, a.c, a.f])
        return reprojector(CRS.from_wkt(self.crs_wkt), 4326)(mapped).wkt

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for d in self.detections:
            out[d.class_name] = out.get(d.class_name, 0) + 1
        return out

    def to_json(self) -> dict[str, object]:
        return {
            "image": self.image,
            "gsd_m": round(self.gsd_m, 4),
            "gsd_source": self.gsd_source,
            "model": self.model_id,
            "model_sha256": self.model_sha256,
            "score_threshold": round(self.score_threshold, 4),
            "size_px": [self.width_px, self.height_px],
            "counts": self.counts(),
            "not_observable": self.not_observable,
            "models": self.models,
            "detections": [d.to_json() for d in self.detections],
            "camps": [c.to_json(self.camp_wkt(c)) for c in self.camps],
        }


def seam_nms(
    boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, iou: float, tiles: list[Tile], width: int, height: int
) -> np.ndarray:
    """Class-wise NMS among the boxes that cross a seam between tile cores: the only place where
    core ownership can leave a double (an object cut by one tile's edge and whole in the next)."""
    xs = sorted({t.core[0] for t in tiles} | {t.core[2] for t in tiles} - {0.0, float(width)})
    ys = sorted({t.core[1] for t in tiles} | {t.core[3] for t in tiles} - {0.0, float(height)})
    on_seam = np.zeros(len(boxes), bool)
    for x in xs:
        on_seam |= (boxes[:, 0] <= x) & (boxes[:, 2] >= x)
    for y in ys:
        on_seam |= (boxes[:, 1] <= y) & (boxes[:, 3] >= y)
    seam_idx = np.nonzero(on_seam)[0]
    kept = seam_idx[nms(boxes[seam_idx], scores[seam_idx], classes[seam_idx], iou)]
    return np.sort(np.concatenate([np.nonzero(~on_seam)[0], kept]))


def detect_tile(
    detector: Detector, tile: Tile, rgb: np.ndarray, valid: np.ndarray, score_threshold: float | None, t: Timings
) -> TileDetections:
    """The detections of one tile centred in its core and on a valid pixel, in model pixels of the
    whole source; the detector's time (and its stages, where it reports them) added to ``t``."""
    t1 = time.perf_counter()
    found = detector.detect(rgb, score_threshold)
    stages = getattr(detector, "last_stages_s", None)  # optional: a backend that splits its call
    if stages is not None:
        t.preprocess_s += stages[0]
        t.inference_s += stages[1]
        t.decode_s += stages[2]
    boxes = found.boxes + np.array([tile.x0, tile.y0, tile.x0, tile.y0], np.float32)
    keep = in_core(boxes, tile)
    if not valid.all() and keep.any():
        cx = ((found.boxes[:, 0] + found.boxes[:, 2]) / 2).astype(int).clip(0, tile.width - 1)
        cy = ((found.boxes[:, 1] + found.boxes[:, 3]) / 2).astype(int).clip(0, tile.height - 1)
        keep &= valid[cy, cx]
    t.detect_s += time.perf_counter() - t1  # the call and placing its boxes in the tile's core
    t.tiles += 1
    return TileDetections(boxes[keep], found.scores[keep], found.classes[keep])


Reader = Callable[[int], tuple[np.ndarray, np.ndarray, float]]


def _tile_workers(detector: Detector) -> list[Detector]:
    """Single-threaded copies of the detector to run tiles side by side, where its backend makes them."""
    make = getattr(detector, "tile_workers", None)  # optional: a backend that can copy itself
    return list(make()) if make is not None else []


@dataclass(frozen=True)
class TileLoop:
    """What a tile loop needs: the tiles, how to read one, the threshold, where its time goes, and
    the caller's callbacks (``on_tile`` sees every tile as read; ``progress(done, total)``)."""

    tiles: list[Tile]
    read: Reader
    score_threshold: float | None
    t: Timings
    on_tile: Callable[[Tile, np.ndarray, np.ndarray], None] | None
    progress: Callable[[int, int], None] | None


def _tiles_in_turn(loop: TileLoop, detector: Detector, read_ahead: bool) -> list[TileDetections]:
    """One tile at a time through the detector (on all its threads); with ``read_ahead`` the next
    tile is read (decompressed, resampled) in a background thread while the network runs."""
    tiles, read, t, on_tile, progress = loop.tiles, loop.read, loop.t, loop.on_tile, loop.progress
    found: list[TileDetections] = []
    if not tiles:
        return found
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(read, 0) if read_ahead else None
        for i, tile in enumerate(tiles):
            t1 = time.perf_counter()
            rgb, valid, read_s = pending.result() if pending is not None else read(i)
            if pending is not None and i + 1 < len(tiles):
                pending = pool.submit(read, i + 1)
            t.read_s += read_s
            t.wait_s += time.perf_counter() - t1
            if on_tile is not None:
                on_tile(tile, rgb, valid)
            if valid.any():
                found.append(detect_tile(detector, tile, rgb, valid, loop.score_threshold, t))
            else:
                t.tiles_empty += 1
            if progress:
                progress(i + 1, len(tiles))
    return found


def _tiles_side_by_side(loop: TileLoop, detectors: list[Detector]) -> list[TileDetections]:
    """Tiles read in turn by the caller's thread, each handed to the next free single-threaded
    detector: as many tiles in the network at once as there are detectors, and at most one more
    read ahead (memory stays bounded by the tile size). The results come back in tile order, so
    the merge sees what :func:`_tiles_in_turn` gives. ``t``'s detector seconds are summed over
    the detectors (thread-seconds); ``wait_s`` is the time the caller waited for a free one."""
    tiles, read, t, on_tile, progress = loop.tiles, loop.read, loop.t, loop.on_tile, loop.progress
    free: queue.SimpleQueue[Detector] = queue.SimpleQueue()
    for d in detectors:
        free.put(d)

    def work(tile: Tile, rgb: np.ndarray, valid: np.ndarray) -> tuple[TileDetections, Timings]:
        own = Timings()  # each worker's own: summed by the caller, never shared between threads
        det = free.get()
        try:
            return detect_tile(det, tile, rgb, valid, loop.score_threshold, own), own
        finally:
            free.put(det)

    found: list[TileDetections] = []
    in_flight: deque[Future[tuple[TileDetections, Timings]]] = deque()

    def collect() -> None:
        t1 = time.perf_counter()
        tile_found, own = in_flight.popleft().result()
        t.wait_s += time.perf_counter() - t1
        t.add(own)
        found.append(tile_found)

    with ThreadPoolExecutor(max_workers=len(detectors)) as pool:
        for i, tile in enumerate(tiles):
            rgb, valid, read_s = read(i)
            t.read_s += read_s
            if on_tile is not None:
                on_tile(tile, rgb, valid)
            if valid.any():
                in_flight.append(pool.submit(work, tile, rgb, valid))
            else:
                t.tiles_empty += 1
            while len(in_flight) > len(detectors):
                collect()
            if progress:
                progress(i + 1, len(tiles))
        while in_flight:
            collect()
    return found


def tiles_meeting(tiles: Sequence[Tile], region_px: BaseGeometry, sx: float, sy: float) -> list[Tile]:
    """The tiles (in model pixels; ``sx``, ``sy`` source pixels per model pixel) whose core meets
    ``region_px`` (in source pixels)."""
    cores = np.array([t.core for t in tiles], np.float64).reshape(-1, 4) * [sx, sy, sx, sy]
    meets = shapely.intersects(region_px, shapely.box(cores[:, 0], cores[:, 1], cores[:, 2], cores[:, 3]))
    return [tile for tile, m in zip(tiles, meets, strict=True) if m]


def detect_source(
    source: TileSource,
    gsd_m: float,
    detector: Detector,
    *,
    score_threshold: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    timings: Timings | None = None,
    on_tile: Callable[[Tile, np.ndarray, np.ndarray], None] | None = None,
    region_px: BaseGeometry | None = None,
    read_ahead: bool = True,
) -> list[Detection]:
    """Detections in pixels of ``source`` (whose pixels are ``gsd_m`` metres).

    The source is read tile by tile at the model's GSD (memory bounded by the tile size);
    each tile keeps the detections whose centre is in its core, then a class-wise NMS
    removes any remaining double. ``on_tile(tile, rgb, valid)`` sees every tile as read (tile
    coordinates in model pixels), so callers can summarise the pixels without reading them again.
    With ``region_px`` (a geometry in the source's pixels), a tile whose core does not meet it is
    not read: no detection centred in the region can come from it. A tile without one valid pixel
    is not run through the detector. With ``read_ahead``, reading overlaps the network: a detector
    that makes single-threaded copies of itself (``tile_workers``, one per thread it was given) runs
    that many tiles side by side while this thread reads the next; any other detector runs one tile
    at a time while a background thread reads the next. Without ``read_ahead`` each tile is read in
    turn (one thread in all: a Dask worker of one thread, beside others on the same cores).
    """
    meta = detector.meta
    if score_threshold is None:
        score_threshold = meta.threshold_at(gsd_m)  # coarser, softer imagery may have its own
    t = timings or Timings()
    scale = gsd_m / meta.gsd_m  # model pixels per source pixel
    tw = max(1, round(source.width_px * scale))
    th = max(1, round(source.height_px * scale))
    sx, sy = source.width_px / tw, source.height_px / th  # source pixels per model pixel
    grid = tile_grid(tw, th, meta.tile_px, meta.overlap_px, INPUT_MULTIPLE)  # sides a multiple: no padding
    tiles = grid if region_px is None else tiles_meeting(grid, region_px, sx, sy)
    t.tiles_outside += len(grid) - len(tiles)

    def read(k: int) -> tuple[np.ndarray, np.ndarray, float]:
        tile = tiles[k]
        t0 = time.perf_counter()
        planes, valid = source.read_planes(
            (tile.x0 * sx, tile.y0 * sy, tile.x1 * sx, tile.y1 * sy), tile.width, tile.height
        )
        # H×W×3 as a view of the planes: the detector takes each band as one plane, as it was read
        return np.moveaxis(planes, 0, -1), valid, time.perf_counter() - t0

    workers = _tile_workers(detector) if read_ahead and len(tiles) >= 4 else []  # made once, when they may serve
    loop = TileLoop(tiles, read, score_threshold, t, on_tile, progress)
    t_loop = time.perf_counter()
    # side by side pays when every worker gets tiles: 3 tiles on 2 single threads take longer than in turn on both
    if len(workers) > 1 and len(tiles) >= 2 * len(workers):
        found = _tiles_side_by_side(loop, workers)
    else:
        found = _tiles_in_turn(loop, detector, read_ahead)
    t.tiles_wall_s += time.perf_counter() - t_loop
    all_boxes = [f.boxes for f in found]
    all_scores = [f.scores for f in found]
    all_classes = [f.classes for f in found]
    t0 = time.perf_counter()
    boxes = np.concatenate(all_boxes) if all_boxes else np.zeros((0, 4), np.float32)
    scores = np.concatenate(all_scores) if all_scores else np.zeros((0,), np.float32)
    classes = np.concatenate(all_classes) if all_classes else np.zeros((0,), np.int64)
    keep_idx = seam_nms(boxes, scores, classes, meta.nms_iou, grid, tw, th)
    out = []
    for i in keep_idx:
        b = boxes[i] * np.array([sx, sy, sx, sy], np.float32)
        box = (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
        name = meta.classes[int(classes[i])]
        length, width = ground_size_m(box, gsd_m)
        out.append(Detection(name, float(scores[i]), box, length, width, size_class(name, length), meta.model_id))
    t.merge_s += time.perf_counter() - t0
    t.area_km2 += source.width_px * source.height_px * gsd_m**2 / 1e6
    return out


def detect_image(
    path: Path,
    detector: Detector | Sequence[Detector],
    *,
    user_gsd_m: float | None = None,
    score_threshold: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DetectionRun:
    """Detect on an image file with one model or several; its GSD comes from its georeferencing,
    else from the user. A model that cannot see at that GSD is not run: its classes are reported
    as not observable. Parts of a larger object of another class are dropped; tents and vehicles
    are grouped into camps."""
    detectors = [detector] if isinstance(detector, Detector) else list(detector)
    detectors.sort(key=lambda d: -d.meta.sees_to_gsd_m)  # larger objects (seen on coarser imagery) first
    dets: list[Detection] = []
    not_observable: dict[str, str] = {}
    ran: list[Detector] = []
    timings = Timings()
    with RasterReader(path) as reader:
        gsd_m, gsd_source = resolve_gsd(reader.info, user_gsd_m)
        for det in detectors:
            reason = det.meta.not_observable_reason(gsd_m)
            if reason is not None:
                not_observable.update({c: reason for c in det.meta.classes})
                continue
            found = detect_source(
                reader, gsd_m, det, score_threshold=score_threshold, progress=progress, timings=timings
            )
            dets += drop_parts(found, dets)
            ran.append(det)
        info = reader.info
    dets.sort(key=lambda d: -d.score)
    camps = find_camps([box_footprint(d.box_px, gsd_m) for d in dets], [d.class_name for d in dets])
    first = ran[0] if ran else detectors[0]
    return DetectionRun(
        image=str(path),
        gsd_m=gsd_m,
        gsd_source=gsd_source,
        model_id="+".join(d.model_id for d in ran) or "none",
        model_sha256=first.sha256,
        score_threshold=first.meta.threshold_at(gsd_m) if score_threshold is None else score_threshold,
        width_px=info.width_px,
        height_px=info.height_px,
        detections=dets,
        crs_wkt=info.crs_wkt,
        transform=info.transform if info.georeferenced else None,
        timings=timings,
        models=[
            {
                "model": d.model_id,
                "sha256": d.sha256,
                "classes": list(d.meta.classes),
                "gsd_m": d.meta.gsd_m,
                "score_threshold": d.meta.threshold_at(gsd_m) if score_threshold is None else score_threshold,
            }
            for d in ran
        ],
        not_observable=not_observable,
        camps=camps,
    )
