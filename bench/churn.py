"""Churn between two dates that show the same ground: what a comparison invents when nothing moved.

    python bench/churn.py [--images 3] [--shift-px 3] [--side-px 0] [--models aircraft vehicle tent]
    python bench/churn.py --crop-offset-m 125   # two crops of one image, registered at one centre

For each held-out Airbus image (0.5 m, never used in training; split.json "holdout"), date A is the
image and date B the same image shifted by ``--shift-px`` pixels (or, with ``--crop-offset-m``, two
crops of it that far apart, both placed at the same centre: a press image georeferenced by its
centre). Both are placed with ``write_geotiff``, ingested, scanned with the bundled models and
compared. Nothing changed on the ground, so every arrival and departure is churn:
churn = (arrived + departed) / max(before, after). One JSON line per image and class, then one
summary line per class.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from forcewatch.app.compare import compare_site
from forcewatch.app.ingest import ingest
from forcewatch.app.scan import scan
from forcewatch.app.workspace import init
from forcewatch.detect.registry import load_detectors
from forcewatch.imagery.synthetic import write_geotiff
from forcewatch.model import Comparison
from forcewatch.sites import make_site

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "airbus-aircraft"
SPLIT = Path(__file__).resolve().parents[1] / "src" / "forcewatch" / "detect" / "models" / "aircraft" / "split.json"
LAT, LON, GSD = 52.25, 26.80, 0.5
NOTE = "Airbus Pleiades extract (CC BY-NC-SA 4.0), shifted or cropped for the churn benchmark"


def churn_pct(row: dict[str, int]) -> float:
    """(arrived + departed) / max(before, after), in per cent (0 when both dates count nothing)."""
    return round(100.0 * (row["arrived"] + row["departed"]) / max(row["before"], row["after"], 1), 2)


def make_pair(img: np.ndarray, shift_px: float, crop_offset_m: float, side_px: int) -> tuple[np.ndarray, np.ndarray]:
    """Dates A and B of one image: B shifted by ``shift_px`` (reflected edges), or two crops
    ``crop_offset_m`` apart (east); both cut to ``side_px`` (0: as large as they can be)."""
    if crop_offset_m:
        off = round(crop_offset_m / GSD)
        side = side_px or min(img.shape[0], img.shape[1] - off)
        return img[:side, :side].copy(), img[:side, off : off + side].copy()
    m = np.array([[1, 0, shift_px], [0, 1, 0]], np.float32)
    b = cv2.warpAffine(img, m, (img.shape[1], img.shape[0]), borderMode=cv2.BORDER_REFLECT)
    if side_px:
        return img[:side_px, :side_px].copy(), b[:side_px, :side_px].copy()
    return img, b


def compare_pair(a: np.ndarray, b: np.ndarray, models: list[str] | None) -> tuple[Comparison, float]:
    """Ingest, scan and compare dates A and B in a fresh workspace; the comparison and its seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        store, _ = init(Path(tmp) / "ws")
        radius_m = 0.5 * min(a.shape[:2]) * GSD * 1.5  # the site covers the whole image
        with store.transaction():
            store.add_site(make_site("site", LAT, LON, radius_m=radius_m))
        pa = write_geotiff(a, Path(tmp) / "a.tif", LAT, LON, GSD, "2022-01-20T09:00:00Z", note=NOTE)
        pb = write_geotiff(b, Path(tmp) / "b.tif", LAT, LON, GSD, "2022-01-21T09:00:00Z", note=NOTE)
        ingest(store, [pa, pb])
        scan(store, load_detectors(models))
        t0 = time.perf_counter()
        c, _ = compare_site(store, "site")
        seconds = time.perf_counter() - t0
        store.close()
    return c, seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=3)
    ap.add_argument("--shift-px", type=float, default=3.0)
    ap.add_argument("--crop-offset-m", type=float, default=0.0)
    ap.add_argument("--side-px", type=int, default=0, help="cut each date to this side (0: the whole image)")
    ap.add_argument("--models", nargs="*", default=None, help="bundled model names (default: all)")
    args = ap.parse_args()
    split = json.loads(SPLIT.read_text())
    totals: dict[str, dict[str, int]] = {}
    for name in split["holdout"][: args.images]:
        img = cv2.cvtColor(cv2.imread(str(DATA / "train" / name)), cv2.COLOR_BGR2RGB)
        a, b = make_pair(img, args.shift_px, args.crop_offset_m, args.side_px)
        c, seconds = compare_pair(a, b, args.models)
        for cls, s in c.summary.items():
            keys = ("before", "after", "arrived", "departed", "stayed", "not_observed", "not_observed_before")
            row = {k: int(s.get(k, 0)) for k in keys}
            tot = totals.setdefault(cls, dict.fromkeys(keys, 0))
            for k in keys:
                tot[k] += row[k]
            line = {"bench": "churn_pair", "image": name, "class": cls, **row, "churn_pct": churn_pct(row)}
            print(json.dumps(line | {"compare_s": round(seconds, 1)}), flush=True)
        print(
            json.dumps(
                {
                    "bench": "churn_pair_areas",
                    "image": name,
                    "new_activity_areas": len(c.activity),
                    "camp_events": [k.status for k in c.camps if k.status != "unchanged"],
                    "misalignment_m": [c.shift_east_m, c.shift_north_m],
                }
            ),
            flush=True,
        )
    for cls, tot in sorted(totals.items()):
        print(json.dumps({"bench": "churn_summary", "class": cls, **tot, "churn_pct": churn_pct(tot)}), flush=True)


if __name__ == "__main__":
    main()
