"""Vehicle detector on SYNTHETIC military vehicles (tanks, APCs, trucks, launchers, light vehicles in
tight rows, olive/tan/grey/camouflage, on scraped ground) composited on the Airbus hold-out
airports at 0.5 m: one JSON line per model.

    python bench/military.py [--models vehicle,runs/vehicle2/model.onnx] [--scenes 60] [--tent-model tent]

Reports recall by vehicle kind (IoU >= 0.3: a tank's gun makes its box long), whether the size
class is right, how many synthetic tents were called vehicles, and the detections on no synthetic
object per km² (real but unlabelled airport vehicles are among them, so it is an upper bound on
false detections). These are scores on synthetic vehicles, not on real military vehicles.
Needs ../shared/data.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from forcewatch.detect.merge import drop_parts
from forcewatch.detect.registry import load_detector
from forcewatch.detect.run import detect_source
from forcewatch.detect.sizes import size_class
from forcewatch.imagery.array import ArraySource
from forcewatch.synth.scenes import SceneSpec, render_scene
from forcewatch.train.evaluate import _iou_matrix
from forcewatch.train.readers import read_annotations

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
AIRCRAFT_SPLIT = Path(__file__).resolve().parents[1] / "src/forcewatch/detect/models/aircraft/split.json"


def scenes(n: int, seed: int):  # type: ignore[no-untyped-def]
    split = json.loads(AIRCRAFT_SPLIT.read_text())
    labels = read_annotations(DATA / "airbus-aircraft", "airbus", gsd_m=0.5).subset(set(split["holdout"]))
    rng = np.random.default_rng(seed)
    spec = SceneSpec(scene_px=640, tent_camp_p=0.4, vehicle_park_p=1.0, max_parks=2, scattered_vehicles=6)
    for _ in range(n):
        im = labels.images[int(rng.integers(len(labels.images)))]
        rgb = cv2.cvtColor(cv2.imread(str(im.image_path)), cv2.COLOR_BGR2RGB)
        x0, y0 = int(rng.integers(0, rgb.shape[1] - 640)), int(rng.integers(0, rgb.shape[0] - 640))
        avoid = [(b[0] - x0, b[1] - y0, b[2] - x0, b[3] - y0) for b in (o.box_px for o in im.objects)]
        yield render_scene(rgb[y0 : y0 + 640, x0 : x0 + 640], 0.5, rng, spec, avoid)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="vehicle")
    ap.add_argument("--scenes", type=int, default=60)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--tent-model", default=None, help="run this tent model first, as a scan does (drop_parts)")
    args = ap.parse_args()
    rendered = list(scenes(args.scenes, args.seed))
    tent_det = load_detector(args.tent_model) if args.tent_model else None
    for name in args.models.split(","):
        det = load_detector(name)
        by_kind: dict[str, list[bool]] = {}
        size_ok: list[bool] = []
        tents_called_vehicles = n_tents = other = 0
        for img, placed in rendered:
            found = detect_source(ArraySource(img), 0.5, det)
            if tent_det is not None:  # as a scan: the tent model first, vehicles on its tents dropped
                found = drop_parts(found, detect_source(ArraySource(img), 0.5, tent_det))
            boxes = np.array([d.box_px for d in found], np.float64).reshape(-1, 4)
            truth = [p for p in placed if p.class_name == "vehicle"]
            tents = [p for p in placed if p.class_name == "tent"]
            used = np.zeros(len(found), bool)

            def box(p):  # type: ignore[no-untyped-def]
                return [
                    p.polygon_px[:, 0].min(),
                    p.polygon_px[:, 1].min(),
                    p.polygon_px[:, 0].max(),
                    p.polygon_px[:, 1].max(),
                ]

            for p in truth:
                ious = _iou_matrix(np.array([box(p)]), boxes)[0] if len(boxes) else np.zeros(0)
                j = int(np.argmax(ious)) if len(ious) else -1
                hit = j >= 0 and ious[j] >= 0.3 and not used[j]
                by_kind.setdefault(p.kind, []).append(hit)
                if hit:
                    used[j] = True
                    size_ok.append(found[j].size_class == size_class("vehicle", p.length_m))
            for p in tents:
                n_tents += 1
                ious = _iou_matrix(np.array([box(p)]), boxes)[0] if len(boxes) else np.zeros(0)
                if len(ious) and ious.max() >= 0.3:
                    tents_called_vehicles += 1
                    used[int(np.argmax(ious))] = True
            other += int((~used).sum())
        area_km2 = args.scenes * (640 * 0.5) ** 2 / 1e6
        n = sum(len(v) for v in by_kind.values())
        print(
            json.dumps(
                {
                    "bench": "military-vehicles",
                    "note": "SYNTHETIC vehicles on real hold-out backgrounds (0.5 m): not a real-imagery score",
                    "model": det.model_id,
                    "model_file": str(det.path),
                    "tent_model_first": None if tent_det is None else tent_det.model_id,
                    "scenes": args.scenes,
                    "vehicles": n,
                    "recall": round(sum(sum(v) for v in by_kind.values()) / max(n, 1), 3),
                    "recall_by_kind": {k: round(sum(v) / len(v), 3) for k, v in sorted(by_kind.items())},
                    "size_class_right": round(sum(size_ok) / max(len(size_ok), 1), 3),
                    "tents_called_vehicles": round(tents_called_vehicles / max(n_tents, 1), 3),
                    "other_detections_per_km2": round(other / area_km2, 1),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
