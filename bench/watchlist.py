"""A watchlist of many sites: what one scene's ingest costs with 15, 150 and 1,500 sites, and what
the per-site commands cost with 10 and with 1,000 other sites of 10 dates each. JSON lines.

    python bench/watchlist.py [--ingest-sites 15,150,1500] [--other-sites 10,1000] [--repeat 5]

Ingest: N sites (circles of 1–5 km) spread over Ukraine and its neighbours, then 20 small GeoTIFFs
(512² at 0.5 m) each over a random site, ingested one by one: the median milliseconds per scene.

Per site: one site with two SYNTHETIC airfield dates, scanned with the aircraft model for real,
among N other sites whose 10 dates each are records inserted through the Store API (a scene, its
link, an aircraft observation and 20 detections: never read as imagery). Timed, median of
``--repeat`` calls in-process: ``status --site``, ``observations``, ``compare``, the site's
timeline, ``estimate --site``, and, for scale, ``status`` of the whole watchlist.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS

from forcewatch.model import Detection, Observation, Scene, Site
from forcewatch.store.base import Store

SITE = "Luninets airfield"
LAT, LON = 52.25, 26.80
WGS84 = CRS.from_epsg(4326).to_wkt()


def random_sites(n: int, rng: np.random.Generator) -> list[Site]:
    from forcewatch.sites import make_site

    return [
        make_site(f"site {k:05d}", rng.uniform(44, 56), rng.uniform(22, 40), radius_m=float(rng.uniform(1000, 5000)))
        for k in range(n)
    ]


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times) * 1000, 2)


def bench_ingest(n_sites: int, tmp: Path, rng: np.random.Generator) -> dict[str, object]:
    from forcewatch.app.ingest import ingest
    from forcewatch.app.workspace import init
    from forcewatch.imagery.synthetic import write_geotiff

    store, _ = init(tmp / f"ingest-{n_sites}")
    sites = random_sites(n_sites, rng)
    per_scene = []
    linked = 0
    with store:
        with store.transaction():
            for s in sites:
                store.add_site(s)
        for k in range(20):
            s = sites[int(rng.integers(len(sites)))]
            assert s.lat is not None and s.lon is not None
            rgb = rng.integers(60, 200, (512, 512, 3), dtype=np.uint8)
            path = write_geotiff(rgb, tmp / f"scene-{n_sites}-{k}.tif", s.lat, s.lon, 0.5, f"2022-02-{1 + k:02d}")
            t0 = time.perf_counter()
            res = ingest(store, [path])
            per_scene.append(time.perf_counter() - t0)
            linked += len(res[0].sites)
    return {
        "bench": "watchlist-ingest",
        "sites": n_sites,
        "scenes": len(per_scene),
        "ms_per_scene": round(statistics.median(per_scene) * 1000, 2),
        "links_made": linked,
    }


def fill_other_sites(store: Store, n: int, dates: int, rng: np.random.Generator) -> None:
    """``n`` sites with ``dates`` inserted scenes, links, observations and 20 detections each."""
    from forcewatch.detect.registry import load_detector

    det = load_detector("aircraft")
    with store.transaction():
        for site in random_sites(n, rng):
            site = store.add_site(site)
            assert site.id is not None and site.lat is not None and site.lon is not None
            fp = site.aoi.buffer(0.01)
            for d in range(dates):
                acquired = f"2022-01-{1 + d:02d}T09:00:00Z"
                scene = store.add_scene(
                    Scene(
                        f"/not/read/{site.id}-{d}.tif",
                        f"{site.id:032x}{d:032x}",
                        acquired,
                        "inserted record",
                        WGS84,
                        (1e-5, 0.0, fp.bounds[0], 0.0, -1e-5, fp.bounds[3]),
                        1000,
                        1000,
                        0.5,
                        fp,
                        "embedded",
                    )
                )
                assert scene.id is not None
                store.link(scene.id, site.id, 1.0)
                dets = [
                    Detection(
                        "aircraft",
                        0.9,
                        (10.0 * i, 10.0, 10.0 * i + 8, 18.0),
                        30.0,
                        30.0,
                        "large",
                        det.model_id,
                        scene.id,
                        shapely.Point(site.lon + 0.0005 * i, site.lat).buffer(0.0002),
                    )
                    for i in range(20)
                ]
                obs = Observation(
                    site.id,
                    scene.id,
                    acquired,
                    {"aircraft": 20},
                    1.0,
                    site.aoi,
                    det.model_id,
                    det.sha256,
                    {"score": det.meta.score_threshold, "nms_iou": det.meta.nms_iou},
                    "bench",
                )
                store.add_observation(obs, dets)


def bench_per_site(n_other: int, tmp: Path, repeat: int, rng: np.random.Generator) -> dict[str, object]:
    from forcewatch.app.assess import estimate
    from forcewatch.app.compare import compare_site, timeline
    from forcewatch.app.ingest import ingest
    from forcewatch.app.scan import scan_models
    from forcewatch.app.status import site_observations, status
    from forcewatch.app.workspace import init
    from forcewatch.imagery.synthetic import render_airfield, write_geotiff

    ws = tmp / f"per-site-{n_other}"
    store, _ = init(ws, "ukraine-2022")
    with store:
        t0 = time.perf_counter()
        fill_other_sites(store, n_other, 10, rng)
        fill_s = time.perf_counter() - t0
        paths = []
        for day in range(2):
            rgb, _ = render_airfield(800, 800, 0.5, [(150.0 + 50 * day, 160.0, 30.0, 10.0)], seed=day)
            paths.append(write_geotiff(rgb, tmp / f"site-{n_other}-{day}.tif", LAT, LON, 0.5, f"2022-03-0{1 + day}"))
        ingest(store, paths)
        scan_models(store, ["aircraft"], site_name=SITE)
        line: dict[str, object] = {"bench": "watchlist-per-site", "other_sites": n_other, "dates_each": 10}
        line["fill_s"] = round(fill_s, 1)
        line["status_site_ms"] = _median_ms(lambda: status(store, site_name=SITE), repeat)
        line["observations_ms"] = _median_ms(lambda: site_observations(store, SITE), repeat)
        line["compare_ms"] = _median_ms(lambda: compare_site(store, SITE), repeat)
        line["timeline_ms"] = _median_ms(lambda: timeline(store, SITE), repeat)
        line["estimate_site_ms"] = _median_ms(lambda: estimate(store, site_name=SITE), repeat)
        line["status_all_ms"] = _median_ms(lambda: status(store), 1)
    return line


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ingest-sites", default="15,150,1500")
    ap.add_argument("--other-sites", default="10,1000")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        ingest_lines = []
        for n in (int(x) for x in args.ingest_sites.split(",") if x):
            ingest_lines.append(bench_ingest(n, Path(tmp), rng))
            print(json.dumps(ingest_lines[-1]), flush=True)
        if len(ingest_lines) > 1:
            growth = float(str(ingest_lines[-1]["ms_per_scene"])) / float(str(ingest_lines[0]["ms_per_scene"]))
            first, last = ingest_lines[0]["sites"], ingest_lines[-1]["sites"]
            print(json.dumps({"bench": "watchlist-ingest", f"growth_{first}_to_{last}_sites": round(growth, 3)}))
        per_site = []
        for n in (int(x) for x in args.other_sites.split(",") if x):
            per_site.append(bench_per_site(n, Path(tmp), args.repeat, rng))
            print(json.dumps(per_site[-1]), flush=True)
        if len(per_site) > 1:
            a, b = per_site[0], per_site[-1]
            keys = [k for k in a if k.endswith("_ms") and k != "status_all_ms"]
            ratios = {k: round(float(str(b[k])) / float(str(a[k])), 3) for k in keys}
            print(json.dumps({"bench": "watchlist-per-site", "ratio_most_over_fewest_other_sites": ratios}))


if __name__ == "__main__":
    main()
