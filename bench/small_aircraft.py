"""Small aircraft (fighters, attack aircraft, helicopters: 10–22 m): how the aircraft model sees them.
One JSON line per measurement.

    python bench/small_aircraft.py [--model PATH] [--windows 5] [--per-window 6] [--gsds 0.5,1.0,2.0] [--seed 0]

1. SYNTHETIC small aircraft (forcewatch.synth.aircraft) on 640 px windows (320 m) of the 15 real
   hold-out airports at 0.5 m, kept clear of their labelled aircraft: fighters, attack aircraft,
   helicopters, and two civil controls drawn by the same code in white (a business jet, the kind
   of small aircraft the model was trained on, and an airliner), each in the open, in a revetment,
   half inside a shelter, or under a camouflage net; and a paint control: the military shapes in the
   open painted white. Kinds and covers are dealt evenly, in a seeded order. The windows are
   degraded (area average) to each coarser GSD. Recall by type, by cover, by type × cover, by
   paint, by box size class, at the model's threshold and at a low one (--low-threshold), and
   detections on no aircraft with and without the synthetic ones. Every line of this part says
   SYNTHETIC. (The model reads everything at 1 m, so 0.5 m and 1 m give nearly the same numbers.)
2. REAL hold-out aircraft (the 15 images it never saw) by size class: small < 20 m, medium 20–40 m,
   large > 40 m (forcewatch.detect.sizes): the hold-out holds no small one.
3. REAL small aircraft in the Airbus labels (box long side < 20 m): each in a 640 px window centred
   on it, reported by the split of its image (a "train" image was seen in training).

A truth counts as found at IoU ≥ 0.5 with a detection above the model's threshold (the project's
measure), and as *seen* when a detection's centre lies in its box (what a count needs: the model
learnt the loose Airbus boxes, so on a tight box IoU may fall short while the aircraft is counted).
Needs ../shared/data.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from forcewatch.detect.base import Detector
from forcewatch.detect.registry import load_detector, model_path
from forcewatch.detect.run import detect_source
from forcewatch.detect.sizes import SIZE_CLASSES, size_class
from forcewatch.imagery.array import ArraySource
from forcewatch.synth.aircraft import SYNTHETIC_AIRCRAFT_NOTE, AircraftRequest, Look, paint_aircraft, plan_aircraft
from forcewatch.train.annotations import ImageLabels
from forcewatch.train.evaluate import _iou_matrix, degrade, load_rgb
from forcewatch.train.readers import read_annotations

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
WINDOW_PX = 640
SOURCE_GSD_M = 0.5
KINDS = ("fighter", "attack", "helicopter", "bizjet")
CONDITIONS = ("open", "revetment", "shelter", "netted")
MILITARY = ("fighter", "attack", "helicopter")
WHITE = "open, painted white"  # a control: military shapes in the paint of the aircraft it learnt
SYNTH = "SYNTHETIC small aircraft on real Pléiades hold-out windows: not a real-imagery score"


@dataclass
class Truth:
    """One aircraft to find at one GSD, and what the model did with it."""

    kind: str
    condition: str
    paint: str
    size: str  # size class of its box, as a detection of it would be classed
    hidden: float
    net: float
    iou: float = 0.0  # best IoU with a detection above the threshold
    seen: bool = False  # a detection above the threshold has its centre in the box
    seen_low: bool = False  # the same at the low threshold (--low-threshold)
    score: float = 0.0  # best score of a detection overlapping it (IoU ≥ 0.3), any score


def match(
    truth_px: np.ndarray, boxes: np.ndarray, scores: np.ndarray, thr: float, low: float
) -> list[tuple[float, bool, bool, float]]:
    """For each truth box: best IoU above ``thr``, whether a detection centre above ``thr`` (and above
    ``low``) falls in it, and the best score of any detection overlapping it at IoU ≥ 0.3."""
    out = []
    ious = _iou_matrix(truth_px, boxes) if len(boxes) and len(truth_px) else np.zeros((len(truth_px), 0))
    cx, cy = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
    above = scores >= thr
    for i, b in enumerate(truth_px):
        inside = (cx >= b[0]) & (cx <= b[2]) & (cy >= b[1]) & (cy <= b[3])
        best_iou = float(ious[i][above].max()) if above.any() else 0.0
        near = ious[i] >= 0.3
        best = float(scores[near].max()) if near.any() else 0.0
        out.append((best_iou, bool((inside & above).any()), bool((inside & (scores >= low)).any()), best))
    return out


def off_target(boxes: np.ndarray, scores: np.ndarray, thr: float, known_px: np.ndarray) -> int:
    """Detections above ``thr`` whose centre lies in none of the ``known_px`` boxes."""
    keep = scores >= thr
    cx, cy = (boxes[keep, 0] + boxes[keep, 2]) / 2, (boxes[keep, 1] + boxes[keep, 3]) / 2
    if not len(known_px):
        return int(keep.sum())
    k = known_px
    inside = (cx[:, None] >= k[:, 0]) & (cx[:, None] <= k[:, 2]) & (cy[:, None] >= k[:, 1]) & (cy[:, None] <= k[:, 3])
    return int((~inside.any(axis=1)).sum())


def detect(det: Detector, rgb: np.ndarray, gsd_m: float) -> tuple[np.ndarray, np.ndarray]:
    seen = degrade(rgb, SOURCE_GSD_M, gsd_m)
    found = detect_source(ArraySource(np.ascontiguousarray(seen)), max(gsd_m, SOURCE_GSD_M), det, score_threshold=0.05)
    scale = SOURCE_GSD_M / max(gsd_m, SOURCE_GSD_M) if gsd_m > SOURCE_GSD_M else 1.0
    boxes = np.array([d.box_px for d in found], np.float64).reshape(-1, 4) / scale  # back in 0.5 m pixels
    return boxes, np.array([d.score for d in found], np.float64)


def window_around(im: ImageLabels, rng: np.random.Generator) -> tuple[int, int]:
    """A window near a labelled aircraft (so that it holds aprons and taxiways), inside the image."""
    o = im.objects[int(rng.integers(len(im.objects)))].box_px
    cx, cy = (o[0] + o[2]) / 2 + rng.uniform(-200, 200), (o[1] + o[3]) / 2 + rng.uniform(-200, 200)
    x0 = int(np.clip(cx - WINDOW_PX / 2, 0, im.width_px - WINDOW_PX))
    y0 = int(np.clip(cy - WINDOW_PX / 2, 0, im.height_px - WINDOW_PX))
    return x0, y0


def labels_in(im: ImageLabels, x0: int, y0: int) -> np.ndarray:
    boxes = np.array([o.box_px for o in im.objects], np.float64).reshape(-1, 4) - [x0, y0, x0, y0]
    keep = (boxes[:, 2] > 0) & (boxes[:, 0] < WINDOW_PX) & (boxes[:, 3] > 0) & (boxes[:, 1] < WINDOW_PX)
    return boxes[keep]


def summary(rows: Sequence[Truth]) -> dict[str, object]:
    n = len(rows)
    if not n:
        return {"n": 0}
    return {
        "n": n,
        "recall_iou50": round(sum(r.iou >= 0.5 for r in rows) / n, 3),
        "recall_seen": round(sum(r.seen for r in rows) / n, 3),
        "recall_seen_low_threshold": round(sum(r.seen_low for r in rows) / n, 3),
        "median_score": round(float(np.median([r.score for r in rows])), 2),
        "mean_hidden_share": round(float(np.mean([r.hidden for r in rows])), 2),
        "mean_net_share": round(float(np.mean([r.net for r in rows])), 2),
    }


def synthetic(det: Detector, holdout: Sequence[ImageLabels], args: argparse.Namespace, gsds: list[float]) -> None:
    thr = det.meta.score_threshold
    combos = [(k, c) for k in KINDS for c in CONDITIONS] + [("airliner", "open")] + [(k, WHITE) for k in MILITARY]
    n_total = len(holdout) * args.windows * args.per_window
    deal_rng = np.random.default_rng([args.seed, 0])
    dealt = [combos[i % len(combos)] for i in deal_rng.permutation(n_total)]
    truths: dict[float, list[Truth]] = {g: [] for g in gsds}
    other: dict[float, list[int]] = {g: [0, 0, 0, 0] for g in gsds}  # on no aircraft: with, bare; at thr, low
    t0, k = time.perf_counter(), 0
    for i, im in enumerate(holdout):
        rgb = load_rgb(im.image_path)
        for w in range(args.windows):
            rng = np.random.default_rng([args.seed, 1, i, w])
            x0, y0 = window_around(im, rng)
            bare = np.ascontiguousarray(rgb[y0 : y0 + WINDOW_PX, x0 : x0 + WINDOW_PX])
            real = labels_in(im, x0, y0)
            wanted = []
            for kind, cond in dealt[k : k + args.per_window]:
                net = float(rng.uniform(0.3, 0.7)) if cond == "netted" else 0.0
                cover = "open" if cond in ("netted", WHITE) else cond
                wanted.append(
                    AircraftRequest(kind, cover=cover, net_share=net, paint="white" if cond == WHITE else None)
                )
            k += args.per_window
            requests = plan_aircraft(bare, SOURCE_GSD_M, wanted, rng, [tuple(b) for b in real])
            img, placed = paint_aircraft(bare, SOURCE_GSD_M, requests, rng, Look.random(rng))
            truth_px = np.array([p.box_px for p in placed], np.float64).reshape(-1, 4)
            for g in gsds:
                boxes, scores = detect(det, img, g)
                matched = match(truth_px, boxes, scores, thr, args.low_threshold)
                for p, (iou, seen, seen_low, score) in zip(placed, matched, strict=True):
                    cond = "netted" if p.netted else WHITE if p.kind in MILITARY and p.paint == "white" else p.cover
                    b = p.box_px
                    length = max(b[2] - b[0], b[3] - b[1]) * SOURCE_GSD_M
                    truths[g].append(
                        Truth(
                            p.kind,
                            cond,
                            p.paint,
                            size_class("aircraft", length),
                            p.hidden_share,
                            p.net_share,
                            iou,
                            seen,
                            seen_low,
                            score,
                        )
                    )
                bb, bs = detect(det, bare, g)
                for j, t in enumerate((thr, args.low_threshold)):
                    other[g][2 * j] += off_target(boxes, scores, t, np.concatenate([truth_px, real]))
                    other[g][2 * j + 1] += off_target(bb, bs, t, real)
    area_km2 = len(holdout) * args.windows * (WINDOW_PX * SOURCE_GSD_M) ** 2 / 1e6
    for g in gsds:
        rows = truths[g]
        military = [r for r in rows if r.kind in MILITARY and r.condition != WHITE]
        head = {"bench": "small_aircraft_synthetic", "data": SYNTH, "model": det.model_id, "threshold": thr, "gsd_m": g}

        def emit(group: str, key: str, sel: Sequence[Truth], head: dict[str, object] = head) -> None:
            print(json.dumps({**head, "group": group, "key": key, **summary(sel)}), flush=True)

        for kind in (*KINDS, "airliner"):  # in their own paints, all covers
            emit("type", kind, [r for r in rows if r.kind == kind and r.condition != WHITE])
        emit("type", "military (fighter+attack+helicopter)", military)
        for cond in CONDITIONS:
            emit("cover (military)", cond, [r for r in military if r.condition == cond])
            emit("cover (bizjet control)", cond, [r for r in rows if r.kind == "bizjet" and r.condition == cond])
        for kind in MILITARY:
            emit("paint control", f"{kind}/{WHITE}", [r for r in rows if r.kind == kind and r.condition == WHITE])
        for kind in MILITARY:
            for cond in CONDITIONS:
                emit("type x cover", f"{kind}/{cond}", [r for r in rows if r.kind == kind and r.condition == cond])
        for paint in sorted({r.paint for r in military}):
            emit("paint (military, open)", paint, [r for r in military if r.paint == paint and r.condition == "open"])
        for _, cls in SIZE_CLASSES["aircraft"]:
            emit(
                "box size class (military, open)", cls, [r for r in military if r.size == cls and r.condition == "open"]
            )
        for lo, hi, key in ((0.0, 0.5, "under half"), (0.5, 1.01, "half or more")):
            emit("net share (military)", key, [r for r in military if r.condition == "netted" and lo <= r.net < hi])
            sel = [r for r in military if r.condition == "shelter" and lo <= r.hidden < hi]
            emit("shelter hidden share (military)", key, sel)
        extra = {"windows": len(holdout) * args.windows, "area_km2": round(area_km2, 2)}
        extra |= {"off_target_with_synthetic": other[g][0], "off_target_bare_windows": other[g][1]}
        extra |= {"low_threshold": args.low_threshold, "off_target_with_synthetic_low": other[g][2]}
        extra |= {"off_target_bare_windows_low": other[g][3]}
        print(json.dumps({**head, "group": "detections on no aircraft", **extra}), flush=True)
    print(
        json.dumps(
            {
                "bench": "small_aircraft_synthetic",
                "data": SYNTH,
                "note": SYNTHETIC_AIRCRAFT_NOTE,
                "aircraft": len(truths[gsds[0]]),
                "seconds": round(time.perf_counter() - t0, 1),
            }
        )
    )


def real_holdout(det: Detector, holdout: Sequence[ImageLabels], gsds: list[float]) -> None:
    thr = det.meta.score_threshold
    for g in gsds:
        by_size: dict[str, list[bool]] = {cls: [] for _, cls in SIZE_CLASSES["aircraft"]}
        for im in holdout:
            boxes, scores = detect(det, load_rgb(im.image_path), g)
            whole = [o for o in im.objects if not o.truncated]
            gt = np.array([o.box_px for o in whole], np.float64).reshape(-1, 4)
            for o, (iou, *_) in zip(whole, match(gt, boxes, scores, thr, thr), strict=True):
                b = o.box_px
                by_size[size_class("aircraft", max(b[2] - b[0], b[3] - b[1]) * SOURCE_GSD_M)].append(iou >= 0.5)
        out = {
            cls: {"n": len(v), "recall_iou50": round(sum(v) / len(v), 3) if v else None} for cls, v in by_size.items()
        }
        note = "REAL Pléiades hold-out (15 images never trained on); recall by box long side on the ground"
        if not by_size["small"]:
            note += "; no aircraft under 20 m in the hold-out: small is not measured here"
        print(
            json.dumps(
                {
                    "bench": "small_aircraft_real_holdout",
                    "data": note,
                    "model": det.model_id,
                    "gsd_m": g,
                    "recall_by_size": out,
                }
            ),
            flush=True,
        )


def real_small(
    det: Detector, images: Sequence[ImageLabels], split: dict[str, list[str]], gsds: list[float], low: float
) -> None:
    thr = det.meta.score_threshold
    where = {n: part for part in ("train", "val", "holdout") for n in split[part]}
    meaning = {
        "train": "seen in training",
        "val": "never trained on (its image chose the threshold)",
        "holdout": "never seen",
    }
    found: dict[tuple[str, float], list[tuple[str, tuple[float, float], float, bool, bool, float]]] = {}
    for im in images:
        small = [o for o in im.objects if max(o.box_px[2] - o.box_px[0], o.box_px[3] - o.box_px[1]) * SOURCE_GSD_M < 20]
        if not small:
            continue
        rgb = load_rgb(im.image_path)
        for o in small:
            b = o.box_px
            x0 = int(np.clip((b[0] + b[2]) / 2 - WINDOW_PX / 2, 0, im.width_px - WINDOW_PX))
            y0 = int(np.clip((b[1] + b[3]) / 2 - WINDOW_PX / 2, 0, im.height_px - WINDOW_PX))
            win = np.ascontiguousarray(rgb[y0 : y0 + WINDOW_PX, x0 : x0 + WINDOW_PX])
            gt = np.array([[b[0] - x0, b[1] - y0, b[2] - x0, b[3] - y0]])
            size_m = ((b[2] - b[0]) * SOURCE_GSD_M, (b[3] - b[1]) * SOURCE_GSD_M)
            for g in gsds:
                iou, seen, seen_low, score = match(gt, *detect(det, win, g), thr, low)[0]
                found.setdefault((where.get(im.name, "unsplit"), g), []).append(
                    (im.name[:8], size_m, iou, seen, seen_low, score)
                )
    for part in ("holdout", "val", "train"):
        for g in gsds:
            rows = found.get((part, g), [])
            n = max(len(rows), 1)
            print(
                json.dumps(
                    {
                        "bench": "small_aircraft_real_labels",
                        "data": f"REAL Airbus labels < 20 m in {part} images: {meaning[part]}",
                        "model": det.model_id,
                        "gsd_m": g,
                        "split": part,
                        "n": len(rows),
                        "recall_iou50": round(sum(r[2] >= 0.5 for r in rows) / n, 3) if rows else None,
                        "recall_seen": round(sum(r[3] for r in rows) / n, 3) if rows else None,
                        "recall_seen_low_threshold": round(sum(r[4] for r in rows) / n, 3) if rows else None,
                        "aircraft": [
                            {"image": r[0], "box_m": r[1], "iou": round(r[2], 2), "seen": r[3], "score": round(r[5], 2)}
                            for r in rows
                        ],
                    }
                ),
                flush=True,
            )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None, help="model name or .onnx path (default: the bundled aircraft model)")
    ap.add_argument("--windows", type=int, default=5, help="windows per hold-out image")
    ap.add_argument("--per-window", type=int, default=6, help="synthetic aircraft per window")
    ap.add_argument("--gsds", default="0.5,1.0,2.0", help="GSDs to measure at (coarser ones degrade the 0.5 m windows)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--low-threshold", type=float, default=0.3, help="a second, lower threshold to report recall at")
    ap.add_argument("--split", default=None, help="split.json (default: beside the model, else the bundled one)")
    ap.add_argument("--skip-real", action="store_true", help="only the synthetic part")
    args = ap.parse_args()
    det = load_detector(args.model)
    split_path = Path(args.split) if args.split else model_path(args.model).parent / "split.json"
    if not split_path.exists():  # a model trained elsewhere: the bundled model's split names the hold-out
        split_path = model_path("aircraft").parent / "split.json"
    split = json.loads(split_path.read_text())
    labels = read_annotations(DATA / "airbus-aircraft", "airbus", gsd_m=SOURCE_GSD_M)
    holdout = labels.subset(set(split["holdout"])).images
    gsds = [float(g) for g in args.gsds.split(",")]
    synthetic(det, holdout, args, gsds)
    if not args.skip_real:
        real_holdout(det, holdout, gsds)
        real_small(det, labels.images, split, gsds, args.low_threshold)


if __name__ == "__main__":
    main()
