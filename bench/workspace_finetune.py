"""The analyst's loop on real imagery: label in the workspace, fine-tune from it, measure on airports
it never saw. One JSON line per step and measurement.

    python bench/workspace_finetune.py [--images 5bb8ab95,b7ab0316,a9cc0c57] [--minutes 10] [--work DIR]

Protocol (needs ../shared/data):

- Imagery: Airbus Pléiades airports (0.5 m JPEGs without georeferencing) that ``aircraft-1m-v1`` never
  trained on (``split.json`` beside the model: hold-out and validation images). The chosen images
  (default: three airports, about 10 chips of 512 m with aircraft) form the workspace; every image of
  another airport among the hold-out and validation ones is the independent evaluation set.
- The workspace is built with the README's commands: ``init``; one ``site add`` of kind airfield per
  image (a 950 m circle: the whole image); ``ingest IMG --center LAT,LON --gsd-m 0.5 --acquired T``
  (the images are placed at made-up coordinates, for illustration); ``scan``; ``label export``.
- The analyst is simulated from the ground truth: a detection that matches a labelled aircraft
  (IoU ≥ 0.5) is ``accepted``, any other ``rejected``; each aircraft no detection matched is drawn
  (``added``). Then ``label import --who bench``.
- ``train --from-workspace --init aircraft --out RUN`` with the default budget (or ``--minutes``),
  timed (wall and CPU minutes: on this shared 2-core machine, wall ≈ CPU / 2 when idle).
- Reported: the held-out score the model file records (``holdout``: cross-validated, conservative),
  the init model on the same chips, and both models on the independent airports at native 0.5 m.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyogrio
import shapely

from forcewatch.app.label_chips import workspace_chips
from forcewatch.app.workspace import open_workspace
from forcewatch.detect.base import Detector
from forcewatch.detect.onnx_backend import read_meta
from forcewatch.detect.registry import load_detector, model_path
from forcewatch.geo.convert import box_to_lonlat, geometry_pixel_bounds
from forcewatch.train.annotations import AnnotationSet, ImageLabels, box_iou
from forcewatch.train.evaluate import evaluate_predictions, predict_set
from forcewatch.train.export import fresh_detector
from forcewatch.train.readers import read_annotations

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FORCEWATCH = str(Path(sys.executable).with_name("forcewatch"))
DEFAULT_IMAGES = "5bb8ab95,b7ab0316,a9cc0c57"  # three hold-out airports: 10 chips with 27 aircraft
MATCH_IOU = 0.5


def emit(doc: dict[str, object], log: Path) -> None:
    line = json.dumps(doc)
    print(line, flush=True)
    with log.open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def cli(*args: str) -> tuple[str, float, float]:
    """Run ``forcewatch ARGS``; (its output, wall minutes, CPU minutes of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    res = subprocess.run([FORCEWATCH, *args], capture_output=True, text=True, check=False)
    wall = (time.perf_counter() - t0) / 60
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) / 60
    if res.returncode != 0:
        raise SystemExit(f"forcewatch {' '.join(args)} failed:\n{res.stdout}\n{res.stderr}")
    return res.stdout, wall, cpu


def review(export: Path, edited: Path, truth: dict[int, ImageLabels], ws: Path) -> dict[str, int]:
    """The simulated analyst: accept detections that match an aircraft, reject the others, draw the missed."""
    meta, _fids, geoms, fields = pyogrio.raw.read(export, layer="labels")
    names = list(meta["fields"])
    col = {k: np.asarray(v, dtype=object) for k, v in zip(names, fields, strict=True)}
    with open_workspace(ws) as store:
        scenes = {s.id: s for s in store.scenes()}
    matched: dict[int, set[int]] = {sid: set() for sid in truth}
    order = np.argsort(-col["score"].astype(float))
    for i in order:
        sid = int(col["scene_id"][i])
        scene = scenes[sid]
        box = geometry_pixel_bounds(scene.crs_wkt, scene.transform, shapely.from_wkb(geoms[i]))
        ious = [(box_iou(box, o.box_px), j) for j, o in enumerate(truth[sid].objects) if j not in matched[sid]]
        best = max(ious, default=(0.0, -1))
        if best[0] >= MATCH_IOU:
            matched[sid].add(best[1])
            col["status"][i] = "accepted"
        else:
            col["status"][i] = "rejected"
    rows_geom = list(geoms)
    added = 0
    for sid, im in truth.items():
        scene = scenes[sid]
        for j, o in enumerate(im.objects):
            if j in matched[sid]:
                continue
            rows_geom.append(shapely.to_wkb(box_to_lonlat(scene.crs_wkt, scene.transform, o.box_px)))
            drawn = {
                "status": "added",
                "class": "aircraft",
                "scene_id": sid,
                "detection_id": -1,
                "site": col["site"][0],
            }
            for k in names:
                col[k] = np.append(col[k], np.array([drawn.get(k)], dtype=object))
            added += 1
    out_cols = []
    for k in names:
        values = col[k]
        if k in ("scene_id", "detection_id"):
            out_cols.append(values.astype(np.int64))
        elif k == "score":
            out_cols.append(np.array([np.nan if v is None else float(v) for v in values]))
        else:
            out_cols.append(np.array(["" if v is None else str(v) for v in values], dtype=object))
    pyogrio.raw.write(edited, np.array(rows_geom, dtype=object), out_cols, names, driver="GPKG", layer="labels",
                      crs="EPSG:4326", geometry_type="Polygon")  # fmt: skip
    _m, _f, _g, (exported,) = pyogrio.raw.read(export, layer="exported")
    pyogrio.raw.write(edited, None, [exported], ["detection_id"], driver="GPKG", layer="exported",
                      geometry_type=None, append=True)  # fmt: skip
    statuses = [str(s) for s in col["status"]]
    return {s: statuses.count(s) for s in ("accepted", "rejected", "added")}


def scores(det: Detector, data: AnnotationSet, threshold: float | None = None) -> dict[str, object]:
    thr = det.meta.score_threshold if threshold is None else threshold
    (r,) = evaluate_predictions(predict_set(det, data, score_floor=0.05), data, thr)
    return {"model": det.model_id, "threshold": thr, "images": len(data.images), **r.to_json()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", default=DEFAULT_IMAGES, help="prefixes of the workspace's Airbus images")
    ap.add_argument("--minutes", type=float, default=None, help="train --minutes (default: the default budget)")
    ap.add_argument("--work", type=Path, default=Path("runs/bench-workspace-finetune"))
    args = ap.parse_args()
    work: Path = args.work
    shutil.rmtree(work, ignore_errors=True)
    (work / "imagery").mkdir(parents=True)
    log = work / "results.jsonl"
    split = json.loads((model_path("aircraft").parent / "split.json").read_text())
    airbus = read_annotations(DATA / "airbus-aircraft", "airbus", gsd_m=0.5)
    by_name = {im.name: im for im in airbus.images}
    unseen = sorted(set(split["holdout"]) | set(split["val"]))
    chosen = [next(n for n in unseen if n.startswith(p)) for p in args.images.split(",")]
    group = {n: i for i, g in enumerate(split["groups"]) for n in g}
    used_groups = {group[n] for n in chosen if n in group}
    eval_names = [n for n in unseen if n not in chosen and group.get(n, -1) not in used_groups]
    ws = work / "ws"
    steps: list[tuple[str, float, float]] = []

    def run(*a: str) -> str:
        out, wall, cpu = cli(*a, "-w", str(ws)) if a[0] != "init" else cli(*a)
        steps.append((a[0] if a[0] != "label" else f"label {a[1]}", wall, cpu))
        return out

    run("init", str(ws))
    truth: dict[int, ImageLabels] = {}
    for i, name in enumerate(chosen):
        lat, lon = 50.0 + 0.2 * i, 30.0
        img = Path(shutil.copy(DATA / "airbus-aircraft" / "train" / name, work / "imagery" / name))
        run("site", "add", f"Airport {i + 1}", "--lat", str(lat), "--lon", str(lon), "--radius-m", "950",
            "--kind", "airfield")  # fmt: skip
        run("ingest", str(img), "--center", f"{lat},{lon}", "--gsd-m", "0.5", "--acquired", f"2023-0{i + 1}-15T10:00Z")
        truth[i + 1] = by_name[name]
    with open_workspace(ws) as store:
        scene_ids = {Path(s.path).name: s.id for s in store.scenes()}
    truth = {int(scene_ids[im.name] or 0): im for im in truth.values()}
    run("scan")
    counts = {"accepted": 0, "rejected": 0, "added": 0}
    for i in range(len(chosen)):
        export = work / f"review-{i + 1}.gpkg"
        run("label", "export", f"Airport {i + 1}", "--out", str(export))
        sid = next(sid for sid, im in truth.items() if im.name == chosen[i])
        done = review(export, work / f"edited-{i + 1}.gpkg", {sid: truth[sid]}, ws)
        counts = {k: counts[k] + done[k] for k in counts}
        run("label", "import", str(work / f"edited-{i + 1}.gpkg"), "--who", "bench")
    aircraft = sum(len(im.objects) for im in truth.values())
    emit({"step": "workspace", "images": [n[:8] for n in chosen], "aircraft": aircraft, "labels": counts,
          "eval_images": len(eval_names),
          "commands": [{"command": c, "wall_s": round(w * 60, 1)} for c, w, _ in steps]}, log)  # fmt: skip
    out_dir = work / "run"
    train_args = ["train", "--from-workspace", "--init", "aircraft", "--out", str(out_dir)]
    if args.minutes is not None:
        train_args += ["--minutes", str(args.minutes)]
    output, wall, cpu = cli(*train_args, "-w", str(ws))
    meta = read_meta(out_dir / "model.onnx")
    held = meta.scores.get("holdout", {})
    emit({"step": "train --from-workspace", "wall_minutes": round(wall, 2), "cpu_minutes": round(cpu, 2),
          "budget_minutes": args.minutes or 10.0, "output": output.strip().splitlines()[-4:]}, log)  # fmt: skip
    emit({"step": "recorded holdout", "method": held.get("method"), "validates": held.get("validates"),
          "gsd_m": held.get("gsd_m"), "threshold": held.get("threshold"), "images": held.get("images"),
          "scores": held.get("classes", {}).get("aircraft"),
          "validation": meta.validation("aircraft", 0.5)}, log)  # fmt: skip
    init = load_detector("aircraft")
    with open_workspace(ws) as store:  # the same chips again (deterministic), for the init model's score
        chips = workspace_chips(store, work / "chips-again", classes=("aircraft",), model_gsd_m=init.meta.gsd_m,
                                model_id=init.model_id)  # fmt: skip
    emit({"step": "init on the workspace chips", "chips": len(chips.data.images), **scores(init, chips.data)}, log)
    eval_set = airbus.subset(set(eval_names))
    tuned = fresh_detector(out_dir / "model.onnx")
    for det in (init, tuned):
        emit({"step": "independent airports, native 0.5 m", **scores(det, eval_set)}, log)


if __name__ == "__main__":
    main()
