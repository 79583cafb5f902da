"""The bundled ground-force models, untouched, on real imagery they never saw: what they invent.

    python bench/untouched.py [--images 15]

No open labelled military vehicles or tents exist, so this measures what can be measured honestly
on the real 0.5 m Pléiades airports of the aircraft hold-out (split.json "holdout", never used to
train any bundled model):

- **tent** (trained on synthetic tents): no tent stands on these airports, so every tent detection
  is a false positive. Reported per km² and per 280 m chip (the tent acceptance figure).
- **vehicle** (trained on civilian cars, KIT AIS): service vehicles and cars do stand there, so the
  count cannot be scored; but a "vehicle" on a labelled aircraft is certainly false. Reported: how
  many it finds per km², and the share of them that sit on a labelled aircraft.

One JSON line per image and model, then one summary line per model.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import shapely
from shapely.geometry import box

from forcewatch.detect.registry import load_detector
from forcewatch.detect.run import detect_source
from forcewatch.imagery.array import ArraySource
from forcewatch.train.evaluate import load_rgb
from forcewatch.train.readers import read_annotations

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "airbus-aircraft"
SPLIT = ROOT / "src" / "forcewatch" / "detect" / "models" / "aircraft" / "split.json"
GSD_M = 0.5
CHIP_M = 280.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=15)
    args = ap.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"{DATA}: not found. Fix: place ../shared/data beside the repository.")
    holdout = set(json.loads(SPLIT.read_text())["holdout"])
    data = read_annotations(DATA, "airbus", gsd_m=GSD_M)
    images = [im for im in data.images if im.name in holdout][: args.images]
    models = {name: load_detector(name) for name in ("tent", "vehicle")}
    totals = {name: {"km2": 0.0, "found": 0, "on_aircraft": 0, "s": 0.0} for name in models}
    for im in images:
        rgb = load_rgb(im.image_path)
        km2 = rgb.shape[0] * rgb.shape[1] * GSD_M**2 / 1e6
        planes = shapely.union_all([box(*o.box_px) for o in im.objects]) if im.objects else shapely.Polygon()
        for name, det in models.items():
            t0 = time.perf_counter()
            dets = detect_source(ArraySource(rgb), GSD_M, det)
            took = time.perf_counter() - t0
            on = sum(
                1
                for d in dets
                if planes.intersects(shapely.Point((d.box_px[0] + d.box_px[2]) / 2, (d.box_px[1] + d.box_px[3]) / 2))
            )
            t = totals[name]
            t["km2"] += km2
            t["found"] += len(dets)
            t["on_aircraft"] += on
            t["s"] += took
            print(
                json.dumps(
                    {
                        "image": im.name,
                        "model": det.model_id,
                        "km2": round(km2, 3),
                        "found": len(dets),
                        "on_aircraft": on,
                        "aircraft": len(im.objects),
                        "s": round(took, 1),
                    }
                ),
                flush=True,
            )
    for name, t in totals.items():
        chips = t["km2"] / (CHIP_M / 1000) ** 2
        row: dict[str, object] = {
            "summary": name,
            "model": models[name].model_id,
            "images": len(images),
            "km2": round(t["km2"], 2),
            "found": t["found"],
            "per_km2": round(t["found"] / max(t["km2"], 1e-9), 1),
        }
        if name == "tent":
            row["false_per_280m_chip"] = round(t["found"] / max(chips, 1e-9), 2)
        else:
            row["share_on_aircraft"] = round(t["on_aircraft"] / max(t["found"], 1), 3)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
