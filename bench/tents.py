"""Tent detector on SYNTHETIC camps it never saw: one JSON line per measurement.

    python bench/tents.py [--model tent] [--scenes 120] [--gsds 0.5,0.75,1.0,1.5]

Renders camps and vehicle parks (forcewatch.synth) on the Airbus hold-out airports (never used to
train the tent model: its backgrounds come from the aircraft split's "train" list), then measures
AP50, precision, recall, the count error per image and in total, and the count error per camp
(truth camps are the labelled tents clustered the way detections are). Vehicles in the scenes are
distractors, not labels. These are scores on synthetic tents, not on real imagery.
Needs ../shared/data.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
import shapely

from forcewatch.detect.camps import box_footprint, find_camps
from forcewatch.detect.registry import load_detector, model_path
from forcewatch.synth.scenes import Background, write_dataset
from forcewatch.train.evaluate import evaluate_predictions, predict_set
from forcewatch.train.readers import read_annotations

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
AIRCRAFT_SPLIT = Path(__file__).resolve().parents[1] / "src/forcewatch/detect/models/aircraft/split.json"


def camp_errors(data, preds, thr: float) -> list[dict[str, float]]:  # type: ignore[no-untyped-def]
    """For each true camp: tents labelled, tents detected inside its outline, relative error."""
    rows = []
    by_name = {p.name: p for p in preds}
    for im in data.images:
        gsd = im.gsd_m or 0.5
        truth = find_camps([box_footprint(o.box_px, gsd) for o in im.objects], ["tent"] * len(im.objects))
        p = by_name[im.name]
        boxes = p.boxes[p.scores >= thr]
        centres = shapely.points((boxes[:, 0] + boxes[:, 2]) / 2 * gsd, (boxes[:, 1] + boxes[:, 3]) / 2 * gsd)
        for camp in truth:
            n_true = camp.counts["tent"]
            n_found = int(shapely.contains(camp.polygon, centres).sum()) if len(boxes) else 0
            rows.append({"true": n_true, "detected": n_found, "error": (n_found - n_true) / n_true})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="tent")
    ap.add_argument("--scenes", type=int, default=120)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--gsds", default="0.5,0.75,1.0,1.5")
    args = ap.parse_args()
    det = load_detector(args.model)
    split = json.loads(AIRCRAFT_SPLIT.read_text())
    labels = read_annotations(DATA / "airbus-aircraft", "airbus", gsd_m=0.5).subset(set(split["holdout"]))
    backgrounds = [Background(im.image_path, 0.5, tuple(o.box_px for o in im.objects)) for im in labels.images]
    # real imagery with no tents: every tent found there is false (airports: hangars, containers …)
    real = predict_set(det, labels)
    real_km2 = sum(im.width_px * im.height_px * 0.25 for im in labels.images) / 1e6
    false = sum(int((p.scores >= det.meta.score_threshold).sum()) for p in real)
    print(
        json.dumps(
            {
                "bench": "tents-on-real-airports",
                "model": det.model_id,
                "images": len(labels.images),
                "area_km2": round(real_km2, 2),
                "tents_found": false,
                "false_tents_per_km2": round(false / real_km2, 1),
                "note": "the 15 real hold-out airports (0.5 m) hold no tents: every detection is false",
            }
        ),
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        manifest = write_dataset(backgrounds, Path(tmp), args.scenes, args.seed)
        data = read_annotations(Path(tmp), "dota", class_map={"vehicle": "-"})
        for gsd in [float(g) for g in args.gsds.split(",")]:
            preds = predict_set(det, data, degrade_to_gsd_m=None if gsd <= 0.5 else gsd)
            thr = det.meta.score_threshold
            rep = evaluate_predictions(preds, data, thr)[0]
            n_det = sum(int((p.scores >= thr).sum()) for p in preds)
            camps = camp_errors(data, preds, thr)
            errs = np.array([abs(c["error"]) for c in camps])
            print(
                json.dumps(
                    {
                        "bench": "tents",
                        "note": "SYNTHETIC tents on real hold-out backgrounds: not a real-imagery score",
                        "model": det.model_id,
                        "model_file": str(model_path(args.model)),
                        "scenes": args.scenes,
                        "tents": manifest["objects"].get("tent", 0),  # type: ignore[union-attr]
                        "distractor_vehicles": manifest["objects"].get("vehicle", 0),  # type: ignore[union-attr]
                        "gsd_m": gsd,
                        "ap50": round(rep.ap50, 3),
                        "precision": round(rep.precision, 3),
                        "recall": round(rep.recall, 3),
                        "image_count_mape_pct": round(rep.count_mape_pct, 1),
                        "total_count_error_pct": round(100 * (n_det - rep.n_gt) / max(rep.n_gt, 1), 1),
                        "camps": len(camps),
                        "camp_count_error_median_pct": round(100 * float(np.median(errs)), 1) if len(errs) else None,
                        "camp_count_error_mean_pct": round(100 * float(errs.mean()), 1) if len(errs) else None,
                        "camps_within_15pct": round(float((errs <= 0.15).mean()), 3) if len(errs) else None,
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
