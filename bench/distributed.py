"""The same scan on one machine three ways, as a user runs it (``forcewatch scan`` in a fresh
process, on a fresh copy of one workspace): the local scan (one process, ONNX Runtime on every
core, the next tile read beside the network), and on a local Dask cluster of 1 and of 2 worker
processes of one thread each (``--workers 1`` / ``--workers 2``). Interleaved rounds, each way on
two workspaces of few and many scenes: one JSON line per way with its median wall times, the
throughput of the run over many scenes (start-up included), and its start-up estimated from the
two (process start, model loading, cluster start; noisy); then a line of ratios over many scenes,
2 workers over 1 and Dask on every core over the local scan.

    python bench/distributed.py [--scenes 6,18] [--side 2048] [--models aircraft,vehicle,tent] [--rounds 3]

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

import numpy as np
import rasterio
from rasterio.windows import Window
from scan import LAT, LON, write_scene  # bench/ is first on the path of a script here

WAYS = {"local": [], "dask-1-worker": ["--workers", "1"], "dask-2-workers": ["--workers", "2"]}


def write_scenes(folder: Path, scenes: int, side: int) -> tuple[list[Path], str]:
    """``scenes`` GeoTIFFs of one place (each another file, the same work)."""
    paths, source = [], ""
    for k in range(scenes):
        path = folder / f"scene_{k}.tif"
        source = write_scene(path, side, "JPEG")
        with rasterio.open(path, "r+") as ds:  # one corner pixel differs: another file (sha256), the same work
            ds.write(np.full((3, 1, 1), k, np.uint8), window=Window(0, 0, 1, 1))
        paths.append(path)
    return paths, source


def template(folder: Path, paths: list[Path], side: int) -> Path:
    """A workspace with one site covering the scenes ``paths``, each another date."""
    from forcewatch.app.ingest import ingest
    from forcewatch.app.workspace import init
    from forcewatch.sites import make_site

    store, _ = init(folder)
    with store:
        with store.transaction():
            store.add_site(make_site("bench site", LAT, LON, radius_m=side * 0.5 * 0.75))
        for k, path in enumerate(paths):
            ingest(store, [path], acquired=f"2022-02-{1 + k:02d}T09:00:00Z", sensor="benchmark mosaic")
    return folder


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
    ap.add_argument("--scenes", default="6,18", help="two scene counts: the throughput is the difference's")
    ap.add_argument("--side", type=int, default=2048, help="pixels a side (0.5 m)")
    ap.add_argument("--models", default="aircraft,vehicle,tent")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    models = args.models.split(",")
    few, many = (int(x) for x in args.scenes.split(","))
    scene_km2 = (args.side * 0.5 / 1000) ** 2
    with tempfile.TemporaryDirectory() as tmp:
        paths, source = write_scenes(Path(tmp), many, args.side)
        spaces = {n: template(Path(tmp) / f"template-{n}", paths[:n], args.side) for n in (few, many)}
        walls: dict[tuple[str, int], list[float]] = {(way, n): [] for way in WAYS for n in spaces}
        for r in range(args.rounds):
            for way, extra in WAYS.items():  # interleaved
                for n, ws in spaces.items():
                    copy = Path(tmp) / f"{way}-{n}-{r}"
                    shutil.copytree(ws, copy)
                    walls[way, n].append(run_scan(copy, models, extra))
                    shutil.rmtree(copy)
    median = {key: statistics.median(w) for key, w in walls.items()}
    for way in WAYS:
        line = {"bench": "distributed", "way": way, "image": source, "side_px": args.side, "models": models}
        for n in (few, many):
            line[f"wall_s_{n}_scenes"] = round(median[way, n], 2)
            line[f"wall_s_runs_{n}_scenes"] = [round(x, 2) for x in walls[way, n]]
        line |= {"km2_per_s": round(many * scene_km2 / median[way, many], 3), "cpus": os.cpu_count()}
        line |= {"start_up_s": round(median[way, few] - few * (median[way, many] - median[way, few]) / (many - few), 2)}
        print(json.dumps(line), flush=True)
    ratios = {  # of the runs over many scenes, start-up included
        "bench": "distributed",
        "scenes": many,
        "two_workers_over_one": round(median["dask-1-worker", many] / median["dask-2-workers", many], 3),
        "dask_all_cores_over_local": round(median["local", many] / median["dask-2-workers", many], 3),
    }
    print(json.dumps(ratios), flush=True)


if __name__ == "__main__":
    main()
