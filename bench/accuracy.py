"""Accuracy of a detector on the Airbus hold-out and beyond: one JSON line per measurement.

    python bench/accuracy.py [--model aircraft] [--gsds 1.0,1.5,2.0,3.0]

- hold-out images (split.json beside the model: whole airports never seen in training) at their
  native 0.5 m and degraded to coarser GSDs; the GSD stated 20 % wrong;
- PlanetScope scenes (3 m, labelled by eye in planetscope_labels.json beside the model): each scene's
  precision, recall and count error at the model's threshold for 3 m;
- GeoTIFF samples without aircraft (SpaceNet Atlanta, NEON forest): false detections.
Needs ../shared/data.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from planetscope import GSD_M, read_scenes  # bench/planetscope.py

from forcewatch.detect.registry import load_detector, model_path
from forcewatch.detect.run import detect_image
from forcewatch.detect.sizes import size_class
from forcewatch.train.annotations import AnnotationSet
from forcewatch.train.audit import apply_audit, load_audit
from forcewatch.train.evaluate import ImagePrediction, evaluate_predictions, predict_set
from forcewatch.train.evaluate import _iou_matrix as _iou
from forcewatch.train.readers import read_annotations

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--gsds", default="1.0,1.5,2.0,3.0,4.0,5.0")
    ap.add_argument("--split", default=None, help="split.json (default: beside the model)")
    ap.add_argument(
        "--audit",
        default=None,
        help="label audit JSON (forcewatch.train.audit; default: label_audit.json beside the model, if there): "
        "every hold-out line is printed against the original labels and again against the audited ones",
    )
    args = ap.parse_args()
    det = load_detector(args.model)
    split_path = Path(args.split) if args.split else model_path(args.model).parent / "split.json"
    split = json.loads(split_path.read_text())
    data = read_annotations(DATA / "airbus-aircraft", "airbus", gsd_m=0.5).subset(set(split["holdout"]))
    audit_path = Path(args.audit) if args.audit else model_path(args.model).parent / "label_audit.json"
    audit = load_audit(audit_path) if args.audit or audit_path.is_file() else None
    label_sets = {"original": data} | ({f"audited: {audit.summary()}": apply_audit(data, audit)} if audit else {})

    def recall_by_size(preds: list[ImagePrediction], labels: AnnotationSet, thr: float) -> dict[str, object]:
        """Share of whole aircraft found (IoU ≥ 0.5 at the threshold), by their size on the ground."""
        found: dict[str, list[bool]] = {}
        by_name = {p.name: p for p in preds}
        for im in labels.images:
            p = by_name[im.name]
            boxes = p.boxes[p.scores >= thr]
            for o in im.objects:
                if o.truncated:
                    continue
                length_m = max(o.box_px[2] - o.box_px[0], o.box_px[3] - o.box_px[1]) * (im.gsd_m or 0.5)
                hit = bool(len(boxes)) and float(_iou(np.array([o.box_px]), boxes).max()) >= 0.5
                found.setdefault(size_class("aircraft", length_m), []).append(hit)
        return {k: {"n": len(v), "recall": round(sum(v) / len(v), 3)} for k, v in sorted(found.items())}

    def report(name: str, **kw: object) -> None:
        told = kw.get("stated_gsd_m") or kw.get("degrade_to_gsd_m") or 0.5  # the GSD the detector is told
        thr = det.meta.threshold_at(float(told) if isinstance(told, float) else 0.5)  # as detect reads it
        t0 = time.perf_counter()
        preds = predict_set(det, data, **kw)  # type: ignore[arg-type]
        seconds = round(time.perf_counter() - t0, 1)
        for labels_name, labels in label_sets.items():
            (r,) = evaluate_predictions(preds, labels, thr)
            print(
                json.dumps(
                    {
                        "bench": name,
                        "model": det.model_id,
                        "labels": labels_name,
                        "images": len(labels.images),
                        "threshold": thr,
                        **{k: v for k, v in kw.items()},
                        **r.to_json(),
                        "recall_by_size": recall_by_size(preds, labels, thr),
                        "seconds": seconds,
                    }
                ),
                flush=True,
            )

    report("holdout_native")
    for g in (float(v) for v in args.gsds.split(",")):
        report("holdout_degraded", degrade_to_gsd_m=g)
    for stated in (0.4, 0.6):
        report("holdout_wrong_gsd", stated_gsd_m=stated)

    planet_labels = model_path(args.model).parent / "planetscope_labels.json"
    if planet_labels.is_file():  # labelled by eye (bench/planetscope.py has the curve and the folds)
        planet = read_scenes(planet_labels)
        planet_thr = det.meta.threshold_at(GSD_M)
        for im in planet.images:
            one = planet.subset({im.name})
            (r,) = evaluate_predictions(predict_set(det, one), one, planet_thr)
            print(
                json.dumps(
                    {
                        "bench": "planetscope_3m",
                        "image": im.name,
                        "labels": planet_labels.name,
                        "threshold": planet_thr,
                        "n_gt": r.n_gt,
                        "detections": r.n_detections,
                        "precision": round(r.precision, 4),
                        "recall": round(r.recall, 4),
                        "count_error_pct": round(100 * (r.n_detections - r.n_gt) / r.n_gt, 1),
                    }
                ),
                flush=True,
            )
    for tif in (
        DATA / "georef" / "spacenet" / "sample_geotiff.tif",
        DATA / "georef" / "neon" / "OSBS_029.tif",
    ):
        run = detect_image(tif, det)
        print(
            json.dumps(
                {
                    "bench": "no_aircraft_geotiff",
                    "image": tif.name,
                    "gsd_m": round(run.gsd_m, 3),
                    "false_detections": len(run.detections),
                }
            ),
            flush=True,
        )
    for extra in sorted((DATA / "airbus-aircraft" / "extras").glob("*.jpg")):
        run = detect_image(extra, det, user_gsd_m=0.5)
        print(
            json.dumps(
                {
                    "bench": "airbus_extras_unlabelled",
                    "image": extra.name,
                    "detections": len(run.detections),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
