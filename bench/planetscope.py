"""An aircraft model on real PlanetScope imagery (3 m), against the labels beside the bundled model:
one JSON line per scene and threshold, then the scores at the operating threshold.

    python bench/planetscope.py [--model PATH|aircraft] [--labels planetscope_labels.json]
    python bench/planetscope.py --fold scene_1.png=runs/ps-cv/f1/model.onnx --fold ...   # cross-validation

Needs ../shared/data/planet-scenes (4 PlanesNet airport scenes, CC BY-SA 4.0). The labels
(``planetscope_labels.json`` beside the aircraft model: 371 aircraft and 58 difficult shapes, by eye)
were checked against the detections of aircraft-1m-v4-int8 from 0.2, so the curve is only reported
from 0.2: below it, a detection of something that is not an aircraft was not looked at.

With ``--fold SCENE=MODEL`` (one per scene), each scene is scored by the model that never trained on it
(``scripts/train_aircraft.py --extra ... --extra-leave-out SCENE``): the pooled lines are the
cross-validated scores of the recipe. A model that trained on a scene must not score it.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from forcewatch.detect.base import Detector
from forcewatch.detect.registry import load_detector, model_path
from forcewatch.train.annotations import AnnotationSet
from forcewatch.train.calibrate import ScoredSet, ap50, curve_point, score_set
from forcewatch.train.evaluate import ImagePrediction, predict_set
from forcewatch.train.readers import read_annotations

SCENES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "planet-scenes"
GSD_M = 3.0
#: The labels were checked from this score up (see the module's text).
CHECKED_FROM = 0.2
CURVE = tuple(round(CHECKED_FROM + k * 0.05, 2) for k in range(15))  # 0.2 … 0.9
SCORE_FLOOR = 0.05


def read_scenes(labels: Path, classes: Sequence[str] = ("aircraft",)) -> AnnotationSet:
    """The labelled PlanetScope scenes (3 m), their images read from ../shared/data/planet-scenes."""
    return read_annotations(labels, "coco", gsd_m=GSD_M, classes=list(classes), image_dir=SCENES)


def scene_models(data: AnnotationSet, folds: Mapping[str, str], option: str) -> dict[str, str]:
    """``folds`` (scene name → model), checked to give one model for every scene of ``data``."""
    missing = sorted({im.name for im in data.images} - set(folds))
    if missing:
        raise SystemExit(f"{option}: no model for {missing}. Fix: give one SCENE=MODEL per scene.")
    return dict(folds)


def predict_scenes(data: AnnotationSet, by_scene: Mapping[str, Detector]) -> list[ImagePrediction]:
    """Each scene of ``data`` predicted by its own detector (its fold model, or one model for all)."""
    return [
        p for im in data.images for p in predict_set(by_scene[im.name], data.subset({im.name}), score_floor=SCORE_FLOOR)
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="model file or bundled name (default: aircraft)")
    ap.add_argument("--labels", type=Path, default=None, help="COCO labels (default: beside the aircraft model)")
    ap.add_argument("--fold", action="append", default=[], help="SCENE=MODEL: score SCENE with MODEL (repeatable)")
    ap.add_argument("--threshold", type=float, default=None, help="operating threshold (default: the model's for 3 m)")
    args = ap.parse_args()
    data = read_scenes(args.labels or model_path("aircraft").parent / "planetscope_labels.json")
    if args.fold:
        folds = scene_models(data, dict(f.split("=", 1) for f in args.fold), "--fold")
    else:
        folds = {im.name: args.model or "aircraft" for im in data.images}
    scored: list[ScoredSet] = []
    thresholds: list[float] = []
    for im in data.images:
        det = load_detector(folds[im.name])
        thr = det.meta.threshold_at(GSD_M) if args.threshold is None else args.threshold
        thresholds.append(thr)
        one = data.subset({im.name})
        s = score_set(im.name, "planetscope", predict_scenes(one, {im.name: det}), one, "aircraft")
        scored.append(s)
        for t in (*CURVE, thr):
            p = curve_point(s, t)
            line = {"bench": "planetscope", "scene": im.name, "model": det.model_id, "n_gt": s.n_gt}
            print(json.dumps({**line, **p.to_json(), "operating": t == thr}), flush=True)
    pooled = ScoredSet("pooled", "planetscope", "aircraft", tuple(m for s in scored for m in s.images))
    at_own = [curve_point(s, t) for s, t in zip(scored, thresholds, strict=True)]
    tp = sum(round(p.recall * s.n_gt) for p, s in zip(at_own, scored, strict=True))
    dets = sum(p.detections for p in at_own)
    print(
        json.dumps(
            {
                "bench": "planetscope_pooled",
                "cross_validated": bool(args.fold),
                "models": sorted({str(v) for v in folds.values()}),
                "scenes": len(scored),
                "n_gt": pooled.n_gt,
                "ap50_pooled": round(ap50(pooled), 4),
                "thresholds": thresholds,
                "precision": round(tp / dets, 4) if dets else None,
                "recall": round(tp / pooled.n_gt, 4),
                "count_mape_pct": round(sum(p.count_mape_pct for p in at_own) / len(at_own), 2),
                "count_bias_pct": round(sum(p.count_bias_pct for p in at_own) / len(at_own), 2),
                "per_scene_count_error_pct": [round(p.count_bias_pct, 1) for p in at_own],
            }
        ),
        flush=True,
    )
    if not args.fold:
        for t in CURVE:
            print(json.dumps({"bench": "planetscope_curve", **curve_point(pooled, t).to_json()}), flush=True)


if __name__ == "__main__":
    main()
