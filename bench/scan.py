"""Scan throughput and memory: tiled, compressed GeoTIFFs of about 4,000² and 16,000² pixels
(0.5 m) scanned for a site that covers the whole scene. One JSON line per scene size:
megapixels per second (source pixels), whole-scan time over detector-only time on the same tiles,
and the peak resident memory of the process (each size runs in a fresh subprocess).

    python bench/scan.py [--sizes 4096,16384] [--compress JPEG|DEFLATE] [--models aircraft|all]

``--against REF --rounds 3`` also scans the same scenes with the code of git commit REF (a temporary
worktree), interleaved, and prints each code's median run and the speed-up over REF.
``--models all`` runs the three bundled models (aircraft, vehicle, tent), as the default scan of a
site of kind "other" does; each line then carries a per-model profile (``scan --profile``'s stages).

The imagery is a mosaic of Airbus Pléiades extracts from ../shared/data (repeated as needed),
or a synthetic airfield when ../shared/data is absent (said in the output).
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import rasterio
from affine import Affine
from peak_memory import peak_rss_mb  # bench/ is first on the path of a script here
from pyproj import Transformer

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "airbus-aircraft" / "train"
LAT, LON = 52.25, 26.80


def write_scene(path: Path, side: int, compress: str) -> str:
    """A side² tiled GeoTIFF at 0.5 m centred on (LAT, LON), written block by block."""
    images = sorted(SHARED.glob("*.jpg")) if SHARED.is_dir() else []
    source = "airbus-aircraft mosaic" if images else "synthetic airfield"
    tile = 2560 if images else 2000
    x0, y0 = Transformer.from_crs(4326, 32635, always_xy=True).transform(LON, LAT)
    profile = dict(
        driver="GTiff",
        width=side,
        height=side,
        count=3,
        dtype="uint8",
        crs="EPSG:32635",
        transform=Affine(0.5, 0, x0 - side / 4, 0, -0.5, y0 + side / 4),
        tiled=True,
        blockxsize=512,
        blockysize=512,
        compress=compress,
        photometric="YCBCR" if compress == "JPEG" else "RGB",
    )
    if images:
        cache: dict[int, np.ndarray] = {}

        def block(k: int) -> np.ndarray:
            if k not in cache:
                cache.clear()
                cache[k] = cv2.cvtColor(cv2.imread(str(images[k % len(images)])), cv2.COLOR_BGR2RGB)
            return cache[k]
    else:
        from forcewatch.imagery.synthetic import render_airfield

        art, _ = render_airfield(tile, tile, 0.5, [(100 + 60 * i, 300, 34.0, 20.0 * i) for i in range(12)], seed=0)

        def block(k: int) -> np.ndarray:
            return art

    n = -(-side // tile)
    with rasterio.open(path, "w", **profile) as ds:
        for r in range(n):
            for c in range(n):
                w, h = min(tile, side - c * tile), min(tile, side - r * tile)
                data = block(r * n + c)[:h, :w]
                ds.write(
                    np.moveaxis(data, -1, 0),
                    window=rasterio.windows.Window(c * tile, r * tile, w, h),
                )
    return source


def measure(path: Path, models: str) -> dict[str, object]:
    """Runs in a fresh process: ingest + scan of a site covering the whole scene."""
    from forcewatch.app.ingest import ingest
    from forcewatch.app.scan import scan
    from forcewatch.app.workspace import init
    from forcewatch.detect.registry import load_detector
    from forcewatch.detect.run import Timings
    from forcewatch.sites import make_site

    with rasterio.open(path) as ds:
        side = ds.width
    names = ["aircraft", "vehicle", "tent"] if models == "all" else models.split(",")
    dets = [load_detector(n) for n in names]
    with tempfile.TemporaryDirectory() as tmp:
        store, _ = init(Path(tmp) / "ws")
        with store.transaction():
            store.add_site(make_site("scene", LAT, LON, radius_m=side * 0.5 * 0.75))
        t0 = time.perf_counter()
        ingest(store, [path], acquired="2022-02-10T09:00:00Z", sensor="benchmark mosaic")
        t_ingest = time.perf_counter() - t0
        profile: dict[str, Timings] = {}
        profiled = "profile" in inspect.signature(scan).parameters  # an older commit's scan has no profile
        t0 = time.perf_counter()
        results = scan(store, dets, profile=profile) if profiled else scan(store, dets)
        t_scan = time.perf_counter() - t0
        detect_s = sum(t.detect_s for t in profile.values())
        store.close()
    peak_mb = peak_rss_mb()
    mpx = side * side / 1e6
    return {
        "size_px": side,
        "megapixels": round(mpx, 1),
        "area_km2": round(mpx * 0.25, 2),
        "ingest_s": round(t_ingest, 2),
        "scan_s": round(t_scan, 2),
        "mpx_per_s": round(mpx / t_scan, 2),
        "km2_per_s": round(mpx * 0.25 / t_scan, 3),
        "models": [d.model_id for d in dets],
        "tiles": sum(t.tiles for t in profile.values()),
        "detector_s": round(detect_s, 2) if profiled else None,
        "read_s": round(sum(t.read_s for t in profile.values()), 2),
        "read_wait_s": round(sum(t.wait_s for t in profile.values()), 2),
        "scan_over_detector": round(t_scan / detect_s, 3) if detect_s else None,
        "profile": {m: t.to_json() for m, t in profile.items()},
        "detections": sum(len(r.detections) for r in results),
        "peak_rss_mb": round(peak_mb, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="4096,16384")
    ap.add_argument("--compress", default="JPEG")
    ap.add_argument("--models", default="aircraft", help="comma-separated bundled models, or 'all'")
    ap.add_argument("--against", help="also scan with the code of this git commit (e.g. a13332d), interleaved")
    ap.add_argument("--rounds", type=int, default=1, help="runs of each code per size (the median is printed)")
    ap.add_argument("--measure", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure), args.models)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        codes = {"this tree": ROOT / "src"}
        if args.against:
            old = Path(tmp) / "against"
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(old), args.against], check=True
            )
            codes[args.against] = old / "src"
        try:
            for side in (int(s) for s in args.sizes.split(",")):
                path = Path(tmp) / f"scene_{side}.tif"
                source = write_scene(path, side, args.compress)
                runs: dict[str, list[dict[str, object]]] = {code: [] for code in codes}
                for _ in range(args.rounds):  # interleaved: this tree, the other commit, this tree, ...
                    for code, src in codes.items():
                        runs[code].append(_run_measure(path, args.models, src))
                medians = {
                    code: statistics.median(float(str(d["scan_s"])) for d in docs) for code, docs in runs.items()
                }
                for code, docs in runs.items():
                    doc = min(docs, key=lambda d: abs(float(str(d["scan_s"])) - medians[code]))  # the median run
                    line = {"bench": "scan", "code": code, "image": source, "compress": args.compress}
                    line |= {"file_mb": round(path.stat().st_size / 1e6, 1), **doc}
                    line |= {"scan_s_runs": [d["scan_s"] for d in docs]}
                    if len(codes) > 1:
                        line["speed_over_" + args.against] = round(medians[args.against] / medians[code], 3)
                    print(json.dumps(line), flush=True)
                path.unlink()
        finally:
            if args.against:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False)


def _run_measure(path: Path, models: str, src: Path) -> dict[str, object]:
    """One ingest + scan in a fresh process, with the ForceWatch code of ``src`` first on the path."""
    out = subprocess.run(
        [sys.executable, __file__, "--measure", str(path), "--models", models],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(src)},
    )
    doc: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return doc


if __name__ == "__main__":
    main()
