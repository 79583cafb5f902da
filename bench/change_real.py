"""Change between real dates: airports of the Airbus hold-out that appear on several dates.

    python bench/change_real.py [--pairs 8]

Consecutive dates of one airport (grouped by ORB matching, split.json) are brought into one frame
by a feature homography (ORB + RANSAC), georeferenced identically, ingested, scanned with the
bundled model and compared. The truth comes from the labels of both dates: aircraft whose centres
lie within 15 m across the dates stayed, the others arrived or departed (only where both dates
see the ground). Prints one JSON line per pair and a summary with arrived/departed F1.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import cv2
import numpy as np
from affine import Affine
from scipy.optimize import linear_sum_assignment
from shapely.geometry.base import BaseGeometry

from forcewatch.app.compare import compare_site
from forcewatch.app.ingest import ingest
from forcewatch.app.scan import scan
from forcewatch.app.workspace import init
from forcewatch.detect.registry import load_detector
from forcewatch.geo.convert import lonlat_to_pixels, transformer
from forcewatch.imagery.synthetic import write_geotiff
from forcewatch.sites import make_site
from forcewatch.train.readers import read_annotations

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "airbus-aircraft"
SPLIT = Path(__file__).resolve().parents[1] / "src" / "forcewatch" / "detect" / "models" / "aircraft" / "split.json"
LAT, LON, GSD = 52.25, 26.80, 0.5
NOTE = "Airbus Pleiades extract (CC BY-NC-SA 4.0), registered by a homography for the benchmark"


def homography(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """H mapping b's pixels to a's (ORB on 1/2-resolution images, RANSAC)."""
    orb = cv2.ORB.create(nfeatures=4000)
    ga = cv2.resize(cv2.cvtColor(a, cv2.COLOR_RGB2GRAY), None, fx=0.5, fy=0.5)
    gb = cv2.resize(cv2.cvtColor(b, cv2.COLOR_RGB2GRAY), None, fx=0.5, fy=0.5)
    ka, da = orb.detectAndCompute(ga, None)
    kb, db = orb.detectAndCompute(gb, None)
    if da is None or db is None:
        return None
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(db, da, k=2)
    good = [m for m, *rest in pairs if rest and m.distance < 0.75 * rest[0].distance]
    if len(good) < 30:
        return None
    src = np.array([kb[m.queryIdx].pt for m in good], np.float32) * 2
    dst = np.array([ka[m.trainIdx].pt for m in good], np.float32) * 2
    h, inl = cv2.findHomography(src, dst, cv2.RANSAC, 3.0)
    return None if h is None or inl.sum() < 30 else h


def truth_changes(ca: np.ndarray, cb: np.ndarray, tol_px: float) -> tuple[list[int], list[int]]:
    """(indices of A that departed, indices of B that arrived) by optimal assignment within tol."""
    if not len(ca) or not len(cb):
        return list(range(len(ca))), list(range(len(cb)))
    d = np.linalg.norm(ca[:, None] - cb[None], axis=2)
    r, c = linear_sum_assignment(np.where(d <= tol_px, d, 1e9))
    ma = {i for i, j in zip(r, c, strict=True) if d[i, j] <= tol_px}
    mb = {j for i, j in zip(r, c, strict=True) if d[i, j] <= tol_px}
    return [i for i in range(len(ca)) if i not in ma], [j for j in range(len(cb)) if j not in mb]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=8)
    args = ap.parse_args()
    split = json.loads(SPLIT.read_text())
    held = set(split["holdout"])
    data = read_annotations(DATA, "airbus", gsd_m=GSD)
    by_name = {im.name: im for im in data.images}
    pairs = [(g[i], g[i + 1]) for g in split["groups"] if all(n in held for n in g) for i in range(len(g) - 1)]
    det = load_detector()
    tot = {"arrived": [0, 0, 0], "departed": [0, 0, 0]}
    for na, nb in pairs[: args.pairs]:
        ia, ib = by_name[na], by_name[nb]
        a = cv2.cvtColor(cv2.imread(str(ia.image_path)), cv2.COLOR_BGR2RGB)
        b = cv2.cvtColor(cv2.imread(str(ib.image_path)), cv2.COLOR_BGR2RGB)
        hm = homography(a, b)
        if hm is None:
            print(json.dumps({"bench": "real_pair", "a": na, "b": nb, "skipped": "no homography"}), flush=True)
            continue
        h, w = a.shape[:2]
        bw = cv2.warpPerspective(b, hm, (w, h))
        valid_b = cv2.warpPerspective(np.full(b.shape[:2], 255, np.uint8), hm, (w, h)) > 0
        whole = lambda im: [o for o in im.objects if not o.truncated]  # noqa: E731
        ca = np.array([((o.box_px[0] + o.box_px[2]) / 2, (o.box_px[1] + o.box_px[3]) / 2) for o in whole(ia)]).reshape(
            -1, 2
        )
        cb = np.array([((o.box_px[0] + o.box_px[2]) / 2, (o.box_px[1] + o.box_px[3]) / 2) for o in whole(ib)]).reshape(
            -1, 2
        )
        cb = cv2.perspectiveTransform(cb.reshape(-1, 1, 2).astype(np.float32), hm).reshape(-1, 2) if len(cb) else cb
        inner = (
            cv2.erode(valid_b.astype(np.uint8), np.ones((81, 81), np.uint8)) > 0
        )  # both dates see it, away from edges

        def seen(c: np.ndarray) -> np.ndarray:
            ix = np.clip(c[:, 0].astype(int), 0, w - 1)
            iy = np.clip(c[:, 1].astype(int), 0, h - 1)
            return inner[iy, ix] & (c[:, 0] > 40) & (c[:, 1] > 40) & (c[:, 0] < w - 40) & (c[:, 1] < h - 40)

        ca, cb = ca[seen(ca)], cb[seen(cb)]
        dep_idx, arr_idx = truth_changes(ca, cb, 30.0)
        with tempfile.TemporaryDirectory() as tmp:
            store, _ = init(Path(tmp) / "ws")
            with store.transaction():
                store.add_site(make_site("site", LAT, LON, radius_m=950))
            pa = write_geotiff(a, Path(tmp) / "a.tif", LAT, LON, GSD, "2022-01-20T09:00:00Z", note=NOTE)
            pb = write_geotiff(bw, Path(tmp) / "b.tif", LAT, LON, GSD, "2022-02-10T09:00:00Z", valid=valid_b, note=NOTE)
            ingest(store, [pa, pb])
            scan(store, det)
            try:
                c, _ = compare_site(store, "site")
            except Exception as exc:  # report what the comparison refused
                print(json.dumps({"bench": "real_pair", "a": na, "b": nb, "refused": str(exc)}), flush=True)
                store.close()
                continue
            store.close()
        x0, y0 = transformer(4326, 32635).transform(LON, LAT)
        aff = Affine(GSD, 0, x0 - w / 2 * GSD, 0, -GSD, y0 + h / 2 * GSD)  # as write_geotiff places the image

        def px(polygon: BaseGeometry) -> tuple[float, float]:
            p = polygon.centroid
            cols, rows = lonlat_to_pixels(32635, aff, [p.x], [p.y])
            return float(cols[0]), float(rows[0])

        pred = {
            s: np.array([px(o.polygon) for o in c.objects if o.status == s]).reshape(-1, 2)
            for s in ("arrived", "departed")
        }
        pred = {s: v[seen(v)] if len(v) else v for s, v in pred.items()}
        truth = {
            "arrived": cb[arr_idx] if len(arr_idx) else np.zeros((0, 2)),
            "departed": ca[dep_idx] if len(dep_idx) else np.zeros((0, 2)),
        }
        row: dict[str, object] = {
            "bench": "real_pair",
            "a": na,
            "b": nb,
            "misalignment_m": [c.shift_east_m, c.shift_north_m],
            "new_activity_areas": len(c.activity),
        }
        for s in ("arrived", "departed"):
            p_, t_ = pred[s], truth[s]
            tp = 0
            if len(p_) and len(t_):
                d = np.linalg.norm(p_[:, None] - t_[None], axis=2)
                r, cc = linear_sum_assignment(np.where(d <= 30, d, 1e9))
                tp = int(sum(d[i, j] <= 30 for i, j in zip(r, cc, strict=True)))
            tot[s] = [tot[s][0] + tp, tot[s][1] + len(p_), tot[s][2] + len(t_)]
            row[s] = {"true_positive": tp, "predicted": len(p_), "truth": len(t_)}
        print(json.dumps(row), flush=True)

    def f1(tp: int, p: int, t: int) -> float:
        return round(2 * tp / (p + t), 3) if p + t else 1.0

    print(
        json.dumps(
            {
                "bench": "real_summary",
                "arrived_f1": f1(*tot["arrived"]),
                "departed_f1": f1(*tot["departed"]),
                "arrived": tot["arrived"],
                "departed": tot["departed"],
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
