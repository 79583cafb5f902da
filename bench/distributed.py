"""The same scan on one machine three ways, as a user runs it (``forcewatch scan`` in a fresh
process, on a fresh copy of one workspace): the local scan (one process, ONNX Runtime on every
core), and on a local Dask cluster of 1 and of 2 worker processes of one thread each
(``--workers 1`` / ``--workers 2``). Interleaved rounds; one JSON line per way with its median wall
time and throughput, then a line of ratios: 2 workers over 1, and Dask on every core over the local scan.

    python bench/distributed.py [--scenes 8] [--side 2048] [--models aircraft,vehicle,tent] [--rounds 3]

The imagery is bench/scan.py's: a mosaic of Airbus Pléiades extracts from ../shared/data at 0.5 m
(a synthetic airfield when ../shared/data is absent, said in the output), one date per scene.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scan import LAT, LON, write_scene  # bench/ is first on the path of a script here

WAYS = {"local": [], "dask-1-worker": ["--workers", "1"], "dask-2-workers": ["--workers", "2"]}


def template(folder: Path, scenes: int, side: int) -> tuple[Path, str]:
    """A workspace with one site covering ``scenes`` scenes of one place, each another date."""
    from forcewatch.app.ingest import ingest
    from forcewatch.app.workspace import init
    from forcewatch.sites import make_site

    paths, source = [], ""
    for k in range(scenes):
        path = folder / f"scene_{k}.tif"
        source = write_scene(path, side, "JPEG")
        paths.append(path)
    ws = folder / "template"
    store, _ = init(ws)
    with store:
        with store.transaction():
            store.add_site(make_site("bench site", LAT, LON, radius_m=side * 0.5 * 0.75))
        for k, path in enumerate(paths):
            ingest(store, [path], acquired=f"2022-02-{10 + k:02d}T09:00:00Z", sensor="benchmark mosaic")
    return ws, source


def run_scan(ws: Path, models: list[str], extra: list[str]) -> float:
    """``forcewatch scan`` on ``ws`` in a fresh process; its wall time."""
    args = [a for m in models for a in ("--model", m)]
    code = "from forcewatch.cli import main; main()"
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code, "scan", *args, *extra, "-w", str(ws)],
        check=True,
        capture_output=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenes", type=int, default=8)
    ap.add_argument("--side", type=int, default=2048, help="pixels a side (0.5 m)")
    ap.add_argument("--models", default="aircraft,vehicle,tent")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    models = args.models.split(",")
    area_km2 = args.scenes * (args.side * 0.5 / 1000) ** 2
    with tempfile.TemporaryDirectory() as tmp:
        ws, source = template(Path(tmp), args.scenes, args.side)
        walls: dict[str, list[float]] = {way: [] for way in WAYS}
        for r in range(args.rounds):
            for way, extra in WAYS.items():  # interleaved
                copy = Path(tmp) / f"{way}-{r}"
                shutil.copytree(ws, copy)
                walls[way].append(run_scan(copy, models, extra))
                shutil.rmtree(copy)
    median = {way: statistics.median(w) for way, w in walls.items()}
    for way, w in walls.items():
        line = {"bench": "distributed", "way": way, "image": source, "scenes": args.scenes, "side_px": args.side}
        line |= {"models": models, "pairs": args.scenes * len(models), "area_km2": round(area_km2, 2)}
        line |= {"wall_s": round(median[way], 2), "wall_s_runs": [round(x, 2) for x in w]}
        line |= {"km2_per_s": round(area_km2 / median[way], 3), "cpus": os.cpu_count()}
        print(json.dumps(line), flush=True)
    ratios = {
        "bench": "distributed",
        "two_workers_over_one": round(median["dask-1-worker"] / median["dask-2-workers"], 3),
        "dask_all_cores_over_local": round(median["local"] / median["dask-2-workers"], 3),
    }
    print(json.dumps(ratios), flush=True)


if __name__ == "__main__":
    main()
