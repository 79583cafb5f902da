"""The brief of a large watchlist: peak memory, file sizes and time of ``forcewatch report`` for
workspaces of N sites × 3 dates, and the time of ``report --site ONE`` beside 10 or 1,000 other sites.

    python bench/brief_scale.py [--sites 150] [--imagery auto|airbus|random] [--changed-every 5]
    python bench/brief_scale.py --compare-sizes 10,1000 [--rounds 3]
    python bench/brief_scale.py --against REF   # also the code of git commit REF, on the same workspaces

Each workspace is built in code in a temporary folder:

- Imagery: tiles of 2,560² pixels at 0.5 m written as JPEG-compressed GeoTIFFs (UTM 35N, a grid
  over Belarus), each holding four sites (its quadrants, about 600 m across). ``airbus``: the
  Pléiades extracts of ../shared/data/airbus-aircraft (cycled when there are more tiles than
  images), with their labelled aircraft as detections; ``random``: smoothed random texture (the
  worst case for chip size) with random boxes; ``auto``: airbus when ../shared/data is there.
- One tile file stands for all three dates: it is described once, then stored as three Scene
  records (its sha256 combined with the date: the store keeps one scene per hash). The sites are
  linked to the scenes as ingest links them (the tile's quadrants: the whole site).
- Observations and detections are inserted through the Store API (no detector runs): the bundled
  aircraft model's id and hash, aircraft validated. A site is *changed* every ``--changed-every``
  sites: a third of its aircraft are missing from the first two dates (they arrive on the last).
  Every site has a stored comparison of its last two dates (with the arrivals as changed objects),
  and the workspace an ``alerts.yaml`` whose rule fires on an aircraft increase.

``report`` runs in a fresh process (the ``forcewatch`` CLI's ``main``), which prints its own peak
resident memory (VmHWM, bench/peak_memory.py). One JSON line per measurement: sites, sites with
change or alerts, peak RSS MB, main HTML MB, per-site pages (count, total MB), wall seconds; and,
where Debian's chromium is installed, whether it opens the main file headless (images loaded of
images, seconds).

``--compare-sizes 10,1000``: one target site with real (or random) imagery and N other sites whose
scenes, observations, detections and comparisons are inserted as records (their pixels are never
read by ``report --site``); ``report --site`` of the target, in fresh processes, the sizes
interleaved over ``--rounds``, each process running the command four times: the median time of the
first run (imports included), of the three others (``warm_s``: the command's own cost) and of the
whole process.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
import rasterio
from affine import Affine
from pyproj import Transformer
from rasterio.profiles import DefaultGTiffProfile

from forcewatch.app.workspace import init
from forcewatch.geo.convert import box_to_lonlat
from forcewatch.imagery.georef import transform_tuple
from forcewatch.imagery.scene import describe
from forcewatch.model import BoxPx, ChangedObject, Comparison, Detection, Geometry, Observation, Scene, Site
from forcewatch.store.base import Store

ROOT = Path(__file__).resolve().parents[1]
AIRBUS = ROOT.parent / "shared" / "data" / "airbus-aircraft"
DATES = ("2022-01-20T09:00:00Z", "2022-02-01T09:00:00Z", "2022-02-10T09:00:00Z")
TILE_PX = 2560
GSD_M = 0.5
CRS = "EPSG:32635"
#: The tiles' grid: 20 a row, this far apart (degrees of latitude and longitude).
GRID_COLS, STEP_LAT, STEP_LON = 20, 0.03, 0.05
LAT0, LON0 = 51.5, 25.0
#: A site is a tile's quadrant less this margin (pixels).
MARGIN_PX = 40
RULES = """rules:
  - name: aircraft build-up
    when: count_increase
    class: aircraft
    min_increase: 1
"""
#: The child: ``forcewatch`` with these arguments, ``repeat`` times in one process (the first
#: imports what the command needs; the others show what the command itself costs).
CHILD = """
import json, sys, time
sys.path.insert(0, {bench!r})
from peak_memory import peak_rss_mb
from forcewatch.cli import main
args, times = sys.argv[1:], []
for _ in range({repeat}):
    sys.argv = ["forcewatch", *args]
    t0 = time.perf_counter()
    main()
    times.append(time.perf_counter() - t0)
warm = sorted(times[1:])[len(times[1:]) // 2] if len(times) > 1 else None
print("BENCH " + json.dumps({{"command_s": times[0], "warm_s": warm, "peak_rss_mb": peak_rss_mb()}}))
"""


@dataclass(frozen=True)
class Tile:
    """A tile's pixels (RGB) and the aircraft boxes in them (pixels)."""

    rgb: np.ndarray
    boxes: list[BoxPx]
    source: str


def tiles(kind: str) -> Iterator[Tile]:
    """Tiles without end: the Airbus extracts with their labelled aircraft (cycled), or random texture."""
    if kind == "airbus":
        from forcewatch.train.readers import read_annotations

        labels = read_annotations(AIRBUS, "airbus", gsd_m=GSD_M)
        images = sorted(labels.images, key=lambda im: im.name)
        while True:
            for im in images:
                bgr = cv2.imread(str(im.image_path))
                if bgr is None:
                    raise SystemExit(f"cannot read {im.image_path}")
                rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                boxes = [o.box_px for o in im.objects if not o.truncated]
                yield Tile(rgb[:TILE_PX, :TILE_PX], boxes, f"airbus {im.name}")
    rng = np.random.default_rng(0)
    while True:
        noise = rng.integers(0, 256, (TILE_PX // 2, TILE_PX // 2, 3), dtype=np.uint8)
        rgb = cv2.resize(cv2.GaussianBlur(noise, (0, 0), 0.8), (TILE_PX, TILE_PX), interpolation=cv2.INTER_LINEAR)
        xy = rng.uniform(60, TILE_PX - 100, (32, 2))
        yield Tile(rgb, [(x, y, x + 40.0, y + 40.0) for x, y in xy], "random texture")


def tile_transform(t: int) -> Affine:
    """The transform of tile ``t`` (UTM 35N, 0.5 m), on the grid."""
    lat = LAT0 + (t // GRID_COLS) * STEP_LAT
    lon = LON0 + (t % GRID_COLS) * STEP_LON
    x, y = Transformer.from_crs(4326, CRS, always_xy=True).transform(lon, lat)
    return Affine(GSD_M, 0, x - TILE_PX * GSD_M / 2, 0, -GSD_M, y + TILE_PX * GSD_M / 2)


def write_tile(path: Path, tile: Tile, transform: Affine) -> Path:
    """A tile as a GeoTIFF of 512² JPEG blocks (quality 90), as imagery is often delivered."""
    size = {"width": TILE_PX, "height": TILE_PX, "blockxsize": 512, "blockysize": 512, "count": 3}
    jpeg = {"compress": "JPEG", "photometric": "YCBCR", "interleave": "pixel", "jpeg_quality": 90, "nodata": None}
    with rasterio.open(path, "w", **DefaultGTiffProfile(crs=CRS, transform=transform, **size, **jpeg)) as ds:
        ds.write(np.moveaxis(tile.rgb, -1, 0))
        ds.update_tags(SENSOR="Pleiades (bench)" if tile.source.startswith("airbus") else "random texture (bench)")
    return path


def quadrants() -> list[BoxPx]:
    half = TILE_PX / 2
    return [
        (c * half + MARGIN_PX, r * half + MARGIN_PX, (c + 1) * half - MARGIN_PX, (r + 1) * half - MARGIN_PX)
        for r in range(2)
        for c in range(2)
    ]


def _inside(box: BoxPx, area: BoxPx) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return area[0] <= cx < area[2] and area[1] <= cy < area[3]


class Builder:
    """Adds sites, scenes, observations, detections and comparisons to a store, through its API."""

    def __init__(self, store: Store) -> None:
        from forcewatch import __version__
        from forcewatch.detect.registry import load_detector

        self.store = store
        aircraft = load_detector("aircraft")
        self.model_id, self.model_sha = aircraft.model_id, aircraft.sha256
        self.version = __version__

    def site(self, name: str, aoi: Geometry, kind: str = "airfield") -> Site:
        c = aoi.centroid
        return self.store.add_site(Site(name, aoi, kind=kind, lat=c.y, lon=c.x))

    def scenes(self, base: Scene, sites: list[Site]) -> list[Scene]:
        """The tile's scene once a date (its hash combined with the date), linked to ``sites``."""
        out = []
        for when in DATES:
            sha = hashlib.sha256((base.sha256 + when).encode()).hexdigest()
            scene = self.store.add_scene(replace(base, acquired=when, sha256=sha))
            for s in sites:
                assert scene.id is not None and s.id is not None
                self.store.link(scene.id, s.id, 1.0)
            out.append(scene)
        return out

    def detections(self, scene: Scene, boxes: list[BoxPx]) -> list[Detection]:
        return [
            Detection(
                "aircraft",
                0.9,
                b,
                (b[2] - b[0]) * GSD_M,
                (b[3] - b[1]) * GSD_M,
                "medium",
                self.model_id,
                scene.id,
                box_to_lonlat(scene.crs_wkt, scene.transform, b),
            )
            for b in boxes
        ]

    def dates(self, site: Site, scenes: list[Scene], boxes: list[BoxPx], changed: bool) -> None:
        """Three observations of ``site`` (aircraft, validated; with ``changed``, a third of them
        arrive on the last date) and a stored comparison of the last two."""
        assert site.id is not None
        arriving = set(range(0, len(boxes), 3)) if changed else set()
        observed = []
        for d, scene in enumerate(scenes):
            assert scene.id is not None
            dets = self.detections(scene, [b for i, b in enumerate(boxes) if d == len(scenes) - 1 or i not in arriving])
            obs = Observation(
                site.id,
                scene.id,
                scene.acquired,
                {"aircraft": len(dets)},
                1.0,
                site.aoi,
                self.model_id,
                self.model_sha,
                {"aircraft": 0.5},
                self.version,
                validated={"aircraft": "bench: the bundled aircraft model, scored on real 0.5 m Pleiades imagery"},
            )
            observed.append((self.store.add_observation(obs, dets), dets))
        (earlier, _), (later, dets) = observed[-2], observed[-1]
        arrived = [d for i, d in enumerate(dets) if i in arriving]
        before, after = earlier.counts["aircraft"], later.counts["aircraft"]
        summary = {"before": before, "after": after, "arrived": len(arrived), "departed": 0, "stayed": before}
        summary |= {"not_observed": 0, "not_observed_before": 0}
        objects = tuple(
            ChangedObject("arrived", "aircraft", 0.9, d.polygon, later.acquired) for d in arrived if d.polygon
        )
        comparison = Comparison(
            site.id,
            earlier,
            later,
            0.0,
            0.0,
            0.5,
            1.0,
            {"aircraft": summary},
            objects,
            validated={"aircraft": "bench: validated on both dates"},
        )
        self.store.add_comparison(comparison)


def build_watchlist(folder: Path, n_sites: int, imagery: str, changed_every: int) -> str:
    """A workspace of ``n_sites`` sites × 3 dates on tiles of ``imagery``; returns what the imagery is."""
    store, _ = init(folder)
    (folder / "alerts.yaml").write_text(RULES)
    (folder / "tiles").mkdir()
    source = ""
    with store:
        b = Builder(store)
        made = 0
        for t, tile in enumerate(tiles(imagery)):
            if made >= n_sites:
                break
            transform = tile_transform(t)
            path = write_tile(folder / "tiles" / f"tile_{t:04d}.tif", tile, transform)
            base = describe(path, acquired=DATES[0])
            source = tile.source.split(" ")[0] if imagery == "airbus" else tile.source
            with store.transaction():
                sites = []
                for q, area in enumerate(quadrants()[: n_sites - made]):
                    aoi = box_to_lonlat(base.crs_wkt, base.transform, area)
                    sites.append((b.site(f"Site {made + q:04d}", aoi), area))
                scenes = b.scenes(base, [s for s, _ in sites])
                for q, (site, area) in enumerate(sites):
                    boxes = [box for box in tile.boxes if _inside(box, area)]
                    b.dates(site, scenes, boxes, (made + q) % changed_every == 0)
            made += len(sites)
    return source


def build_compare(folder: Path, others: int, imagery: str) -> None:
    """One target site with imagery (a tile's first quadrant) and ``others`` sites as records only
    (four a tile of the grid; their scenes name the target's file, whose pixels are never read)."""
    store, _ = init(folder)
    (folder / "alerts.yaml").write_text(RULES)
    (folder / "tiles").mkdir()
    tile = next(tiles(imagery))
    path = write_tile(folder / "tiles" / "target.tif", tile, tile_transform(0))
    base = describe(path, acquired=DATES[0])
    area = quadrants()[0]
    rng = np.random.default_rng(1)
    with store:
        b = Builder(store)
        with store.transaction():
            target = b.site("Target", box_to_lonlat(base.crs_wkt, base.transform, area))
            b.dates(target, b.scenes(base, [target]), [x for x in tile.boxes if _inside(x, area)], True)
        for first in range(0, others, 100):
            with store.transaction():
                for i in range(first, min(others, first + 100)):
                    transform = transform_tuple(tile_transform(1 + i // 4))
                    footprint = box_to_lonlat(base.crs_wkt, transform, (0, 0, TILE_PX, TILE_PX))
                    sha = hashlib.sha256(f"other {i}".encode()).hexdigest()
                    moved = replace(base, transform=transform, footprint=footprint, sha256=sha)
                    quad = quadrants()[i % 4]
                    site = b.site(f"Other {i:04d}", box_to_lonlat(base.crs_wkt, transform, quad))
                    xy = rng.uniform(quad[0], quad[2] - 40, (10, 2))
                    boxes: list[BoxPx] = [(x, y, x + 40.0, y + 40.0) for x, y in xy]
                    b.dates(site, b.scenes(moved, [site]), boxes, i % 2 == 0)


def run_report(ws: Path, out: Path, src: Path | None, *args: str, repeat: int = 1) -> dict[str, float]:
    """``forcewatch report`` in a fresh process (the code of ``src`` first on the path, if given):
    its peak RSS, the command's first time in the process (imports included) and, run ``repeat``
    times, the median of the others, and the whole process's wall time."""
    env = {**os.environ, "PYTHONPATH": str(src)} if src is not None else None
    t0 = time.perf_counter()
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD.format(bench=str(ROOT / "bench"), repeat=repeat),
            "report",
            "--out",
            str(out),
            "-w",
            str(ws),
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ws,  # where an older store's relative scene paths resolve
    )
    wall = time.perf_counter() - t0
    if run.returncode != 0:
        raise SystemExit(f"report failed ({run.returncode}): {run.stderr[-2000:]}")
    line = next(x for x in reversed(run.stdout.splitlines()) if x.startswith("BENCH "))
    doc: dict[str, float] = json.loads(line[len("BENCH ") :])
    return {**doc, "wall_s": wall}


def open_in_chromium(page: Path, profile: Path) -> dict[str, object]:
    """Whether Debian's headless Chromium opens ``page``: how many of its images loaded, and how
    long the load took (None where no Chromium is installed)."""
    from forcewatch.report.pdf import FLAGS, find_chromium

    browser = find_chromium()
    if browser is None:
        return {"browser_images_loaded": None}
    t0 = time.perf_counter()
    run = subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=600,
    )
    loaded = re.search(r'data-images-loaded="(\d+/\d+)"', run.stdout)
    return {
        "browser_images_loaded": loaded.group(1) if loaded else None,
        "browser_s": round(time.perf_counter() - t0, 1),
    }


def _mb(n: float) -> float:
    return round(n / 1e6, 2)


def measure_watchlist(tmp: Path, n: int, imagery: str, changed_every: int, codes: dict[str, Path | None]) -> None:
    ws = tmp / f"ws_{n}"
    t0 = time.perf_counter()
    source = build_watchlist(ws, n, imagery, changed_every)
    built_s = time.perf_counter() - t0
    for code, src in codes.items():
        out = tmp / f"brief_{n}_{len(code)}" / "brief.html"
        run = run_report(ws, out, src)
        pages = out.with_name("brief-sites")
        files = list(pages.glob("*.html")) if pages.is_dir() else []
        with out.open(encoding="utf-8", errors="replace") as f:
            found = next(
                (m for line in f if (m := re.search(r"Watchlist: (\d+) sites, (\d+) with change", line))), None
            )
        line = {
            "bench": "brief_scale",
            "code": code,
            "sites": n,
            "dates": len(DATES),
            "imagery": source,
            "changed_every": changed_every,
            "flagged_sites": int(found.group(2)) if found else None,
            "peak_rss_mb": round(run["peak_rss_mb"], 1),
            "main_html_mb": _mb(out.stat().st_size),
            "site_pages": len(files),
            "site_pages_mb": _mb(sum(f.stat().st_size for f in files)),
            "wall_s": round(run["wall_s"], 1),
            "report_s": round(run["command_s"], 1),
            "build_s": round(built_s, 1),
        }
        line |= open_in_chromium(out, tmp / "chromium")
        print(json.dumps(line), flush=True)


def compare_sizes(tmp: Path, sizes: list[int], imagery: str, rounds: int, codes: dict[str, Path | None]) -> None:
    spaces = {}
    for n in sizes:
        ws = tmp / f"cmp_{n}"
        build_compare(ws, n, imagery)
        spaces[n] = ws
    for code, src in codes.items():
        runs: dict[int, list[dict[str, float]]] = {n: [] for n in sizes}
        for _ in range(rounds):  # interleaved: 10, 1000, 10, 1000, ...
            for n, ws in spaces.items():
                runs[n].append(run_report(ws, tmp / f"one_{n}.html", src, "--site", "Target", repeat=4))
        for n in sizes:
            line = {"bench": "brief_scale --site", "code": code, "other_sites": n, "rounds": rounds}
            line |= {"warm_s": round(statistics.median(r["warm_s"] for r in runs[n]), 3)}
            line |= {"command_s": round(statistics.median(r["command_s"] for r in runs[n]), 3)}
            line |= {"wall_s": round(statistics.median(r["wall_s"] for r in runs[n]), 3)}
            line |= {"warm_s_runs": [round(r["warm_s"], 3) for r in runs[n]]}
            line |= {"peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs[n]), 1)}
            print(json.dumps(line), flush=True)


def _against(ref: str, folder: Path) -> Path:
    """The ``src`` tree of git commit ``ref``, extracted with ``git archive`` (git's state is untouched)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"], capture_output=True, check=True)
    tar = folder / "src.tar"
    tar.write_bytes(archive.stdout)
    with tarfile.open(tar) as t:
        t.extractall(folder / "code", filter="data")
    return folder / "code" / "src"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sites", default="150", help="comma-separated watchlist sizes")
    ap.add_argument("--imagery", default="auto", choices=["auto", "airbus", "random"])
    ap.add_argument("--changed-every", type=int, default=5, help="every Nth site changes (1: all of them)")
    ap.add_argument("--compare-sizes", help="report --site of one site beside these many others, e.g. 10,1000")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--against", help="also run the code of this git commit (extracted with git archive)")
    args = ap.parse_args()
    imagery = args.imagery
    if imagery == "auto":
        imagery = "airbus" if AIRBUS.is_dir() else "random"
    with tempfile.TemporaryDirectory(prefix="brief_scale_") as name:
        tmp = Path(name)
        codes: dict[str, Path | None] = {"this tree": None}
        if args.against:
            codes[args.against] = _against(args.against, tmp)
        if args.compare_sizes:
            compare_sizes(tmp, [int(s) for s in args.compare_sizes.split(",")], imagery, args.rounds, codes)
            return
        for n in (int(s) for s in args.sites.split(",")):
            measure_watchlist(tmp, n, imagery, args.changed_every, codes)


if __name__ == "__main__":
    main()
