"""Change detection on real imagery with known truth, and its speed. One JSON line per pair, then a
summary line.

    python bench/change.py [--images 6] [--seed 0]

For each hold-out Airbus image (date A), date B is made from it: shifted (≤ 3 px) and slightly
rotated (≤ 0.5°), brighter or darker, hazier; three aircraft removed (filled from the surrounding
apron), three real aircraft cut from other images pasted on open ground, and a synthetic tent camp
painted. Both dates are ingested, scanned with the bundled model and compared. Scores: F1 of
arrived and of departed aircraft (centres within 15 m), F1 by area of new activity against the camp,
and false new-activity polygons per km² on pairs that differ only by illumination, haze and ≤ 3 px.
Speed: megapixels per second (on the comparison grid) of co-registration and of area change.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import shapely
from affine import Affine

from forcewatch.app.compare import compare_site
from forcewatch.app.ingest import ingest
from forcewatch.app.scan import scan
from forcewatch.app.workspace import init
from forcewatch.change.area import new_activity
from forcewatch.detect.registry import load_detector
from forcewatch.geo.convert import GEOD, area_m2, pixels_to_lonlat, transformer
from forcewatch.imagery.clouds import cloud_mask
from forcewatch.imagery.coreg import common_grid, estimate_shift, grey, read_on_grid, shift_image
from forcewatch.imagery.synthetic import write_geotiff
from forcewatch.sites import area_km2, make_site
from forcewatch.train.readers import read_annotations

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "airbus-aircraft"
SPLIT = Path(__file__).resolve().parents[1] / "src" / "forcewatch" / "detect" / "models" / "aircraft" / "split.json"
LAT, LON, GSD = 52.25, 26.80, 0.5
RADIUS_M = 950.0  # the site covers the whole 1280 m image


def _open_spot(img: np.ndarray, busy: np.ndarray, w: int, h: int, rng: np.random.Generator) -> tuple[int, int] | None:
    """A place of size w×h away from aircraft and image edges, on low-texture ground."""
    g = cv2.GaussianBlur(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32), (0, 0), 2)
    grad = np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1))
    for _ in range(400):
        x = int(rng.integers(80, img.shape[1] - w - 80))
        y = int(rng.integers(80, img.shape[0] - h - 80))
        if busy[y - 40 : y + h + 40, x - 40 : x + w + 40].any():
            continue
        if grad[y : y + h, x : x + w].mean() < 6:
            return x, y
    return None


def make_second_date(
    img: np.ndarray, boxes: np.ndarray, donors: list[tuple[np.ndarray, np.ndarray]], rng: np.random.Generator
) -> tuple[np.ndarray, dict[str, object]]:
    """Date B and its truth (in date A's pixel frame)."""
    b = img.copy()
    busy = np.zeros(img.shape[:2], bool)
    for x0, y0, x1, y1 in boxes.astype(int):
        busy[max(0, y0) : y1, max(0, x0) : x1] = True
    inside = [
        i
        for i, (x0, y0, x1, y1) in enumerate(boxes)
        if x0 > 20 and y0 > 20 and x1 < img.shape[1] - 20 and y1 < img.shape[0] - 20
    ]
    order = rng.permutation(inside)
    removed = [boxes[i] for i in order[:3]]
    mask = np.zeros(img.shape[:2], np.uint8)
    for x0, y0, x1, y1 in np.array(removed).astype(int):  # the aircraft and its shadow
        mask[max(0, y0 - 12) : y1 + 12, max(0, x0 - 12) : x1 + 12] = 255
    b = cv2.inpaint(b, mask, 9, cv2.INPAINT_TELEA)
    pasted = []
    for crop, _ in donors[:3]:
        h, w = crop.shape[:2]
        spot = _open_spot(b, busy | (mask > 0), w, h, rng)
        if spot is None:
            continue
        x, y = spot
        b[y : y + h, x : x + w] = crop
        busy[y : y + h, x : x + w] = True
        pasted.append(np.array([x, y, x + w, y + h], float))
    camp = None
    cw, ch = 120, 80  # 60 m × 40 m
    spot = _open_spot(b, busy, cw, ch, rng)
    if spot is not None:
        x, y = spot
        for ty in range(y, y + ch - 8, 16):
            for tx in range(x, x + cw - 10, 14):
                cv2.rectangle(b, (tx + 2, ty + 2), (tx + 11, ty + 9), (55, 55, 50), -1)
                cv2.rectangle(b, (tx, ty), (tx + 9, ty + 7), (205, 200, 185), -1)
        camp = (x, y, x + cw, y + ch)
    return b, {"removed": removed, "pasted": pasted, "camp": camp}


def global_change(
    img: np.ndarray, rng: np.random.Generator, max_shift_px: float = 3.0, max_rotation_deg: float = 0.5
) -> np.ndarray:
    """Shift, rotate slightly, change brightness and haze (the whole scene)."""
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), float(rng.uniform(-max_rotation_deg, max_rotation_deg)), 1.0)
    m[:, 2] += rng.uniform(-max_shift_px, max_shift_px, 2)
    out = cv2.warpAffine(img.astype(np.float32), m, (w, h), borderMode=cv2.BORDER_REFLECT)
    haze = float(rng.uniform(0.0, 0.2))
    out = out * float(rng.uniform(0.88, 1.15)) * (1 - haze) + 235 * haze
    return np.clip(out, 0, 255).astype(np.uint8)


def _px_to_lonlat(px: np.ndarray, h: int, w: int) -> tuple[float, float]:
    """Centre of a pixel box → lon/lat under the benchmark's georeferencing (as write_geotiff does)."""
    cx, cy = transformer(4326, 32635).transform(LON, LAT)
    aff = Affine(GSD, 0, cx - w / 2 * GSD, 0, -GSD, cy + h / 2 * GSD)
    lons, lats = pixels_to_lonlat(32635, aff, [(px[0] + px[2]) / 2], [(px[1] + px[3]) / 2])
    return float(lons[0]), float(lats[0])


def _f1(pred: list[tuple[float, float]], truth: list[tuple[float, float]], tol_m: float = 15.0) -> tuple[int, int, int]:
    """(true positives, predicted, truth) with each truth matched at most once."""
    used: set[int] = set()
    tp = 0
    for p in pred:
        for j, t in enumerate(truth):
            if j not in used and GEOD.inv(p[0], p[1], t[0], t[1])[2] <= tol_m:
                used.add(j)
                tp += 1
                break
    return tp, len(pred), len(truth)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=6)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    split = json.loads(SPLIT.read_text())
    data = read_annotations(DATA, "airbus", gsd_m=GSD)
    held = data.subset(set(split["holdout"])).images[: args.images]
    donor_imgs = data.subset(set(split["train"])).images[:10]
    donors = []
    for im in donor_imgs:
        rgb = cv2.cvtColor(cv2.imread(str(im.image_path)), cv2.COLOR_BGR2RGB)
        for o in im.objects[:2]:
            if o.truncated:
                continue
            x0, y0, x1, y1 = (int(v) for v in o.box_px)
            donors.append((rgb[y0:y1, x0:x1].copy(), np.array(o.box_px)))
    det = load_detector()
    totals = {"arrived": [0, 0, 0], "departed": [0, 0, 0]}
    area_tp = area_pred = area_truth = 0.0
    false_polys = 0
    false_km2 = 0.0
    coreg_mpx = coreg_s = area_mpx = area_s = 0.0
    for im in held:
        a = cv2.cvtColor(cv2.imread(str(im.image_path)), cv2.COLOR_BGR2RGB)
        boxes = np.array([o.box_px for o in im.objects], float).reshape(-1, 4)
        rng.shuffle(donors)
        b, truth = make_second_date(a, boxes, donors, rng)
        b = global_change(b, rng)
        quiet = global_change(a, rng, max_rotation_deg=0.0)  # illumination, haze and ≤ 3 px only
        h, w = a.shape[:2]
        with tempfile.TemporaryDirectory() as tmp:
            store, _ = init(Path(tmp) / "ws")
            with store.transaction():
                store.add_site(make_site("site", LAT, LON, radius_m=RADIUS_M))
            pa = write_geotiff(a, Path(tmp) / "a.tif", LAT, LON, GSD, "2022-01-20T09:00:00Z")
            pb = write_geotiff(b, Path(tmp) / "b.tif", LAT, LON, GSD, "2022-02-10T09:00:00Z")
            ingest(store, [pa, pb])
            scan(store, det)
            c, _ = compare_site(store, "site")
            # speed of the two image steps on this pair's grid
            sa, sb = store.scenes()[0], store.scenes()[1]
            area = sa.footprint.intersection(store.site("site").aoi)
            grid = common_grid(area, GSD)
            t0 = time.perf_counter()
            ra, va = read_on_grid(sa, grid)
            rb, vb = read_on_grid(sb, grid)
            al = estimate_shift(grey(ra), grey(rb), va & vb, GSD)
            coreg_s += time.perf_counter() - t0
            coreg_mpx += grid.width * grid.height / 1e6
            rb2 = np.stack([shift_image(rb[..., i], al.dx_m, al.dy_m, GSD) for i in range(3)], axis=2)
            t0 = time.perf_counter()
            usable = va & vb & ~cloud_mask(ra, va, GSD) & ~cloud_mask(rb2, vb, GSD)
            new_activity(ra, rb2, usable, grid)
            area_s += time.perf_counter() - t0
            area_mpx += grid.width * grid.height / 1e6
            # illumination-only pair
            store2, _ = init(Path(tmp) / "ws2")
            with store2.transaction():
                store2.add_site(make_site("site", LAT, LON, radius_m=RADIUS_M))
            pq = write_geotiff(quiet, Path(tmp) / "q.tif", LAT, LON, GSD, "2022-02-11T09:00:00Z")
            ingest(store2, [pa, pq])
            scan(store2, det)
            cq, _ = compare_site(store2, "site")
            store.close()
            store2.close()
        km2 = area_km2(make_site("s", LAT, LON, radius_m=RADIUS_M).aoi)
        false_polys += len(cq.activity)
        false_km2 += km2 * cq.share_usable
        pred = {s: [o.polygon.centroid for o in c.objects if o.status == s] for s in ("arrived", "departed")}
        true = {
            "arrived": [_px_to_lonlat(p, h, w) for p in truth["pasted"]],  # type: ignore[union-attr]
            "departed": [_px_to_lonlat(p, h, w) for p in truth["removed"]],
        }  # type: ignore[union-attr]
        row: dict[str, object] = {"bench": "change_pair", "image": im.name}
        for s in ("arrived", "departed"):
            tp, np_, nt = _f1([(p.x, p.y) for p in pred[s]], true[s])
            totals[s] = [totals[s][0] + tp, totals[s][1] + np_, totals[s][2] + nt]
            row[s] = {"true_positive": tp, "predicted": np_, "truth": nt}
        if truth["camp"] is not None:
            x0, y0, x1, y1 = truth["camp"]  # type: ignore[misc]
            corners = [
                _px_to_lonlat(np.array([x, y, x, y], float), h, w) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
            ]
            camp = shapely.Polygon(corners)
            acts = shapely.union_all([a.polygon for a in c.activity]) if c.activity else shapely.Polygon()
            area_tp += area_m2(acts.intersection(camp))
            area_pred += area_m2(acts)
            area_truth += area_m2(camp)
            row["camp_m2"] = round(area_m2(camp))
            row["activity_m2"] = round(area_m2(acts))
        row["misalignment_m"] = [c.shift_east_m, c.shift_north_m]
        row["quiet_pair_false_polygons"] = len(cq.activity)
        print(json.dumps(row), flush=True)

    def f1(tp: float, p: float, t: float) -> float:
        return 2 * tp / (p + t) if p + t else 1.0

    print(
        json.dumps(
            {
                "bench": "change_summary",
                "pairs": len(held),
                "arrived_f1": round(f1(*totals["arrived"]), 3),
                "departed_f1": round(f1(*totals["departed"]), 3),
                "new_activity_f1_by_area": round(f1(area_tp, area_pred, area_truth), 3),
                "false_new_activity_per_km2": round(false_polys / max(false_km2, 1e-9), 3),
                "coregistration_mpx_per_s": round(coreg_mpx / coreg_s, 2),
                "area_change_mpx_per_s": round(area_mpx / area_s, 2),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
