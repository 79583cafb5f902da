"""Calibrate a detector's operating threshold for count accuracy across sensors: one JSON line per
set and threshold, then the choice and each set's scores at the current and the chosen threshold.

    python bench/calibrate.py [--model PATH|aircraft] [--split split.json] [--seed 0]
                              [--record --out COPY.onnx]

Sets (needs ../shared/data/airbus-aircraft, Pléiades 0.5 m): the ``val`` images of the split (beside
the model unless ``--split``) choose the threshold; the ``holdout`` images only report it. Each split
is seen five ways, one prediction pass each (score floor 0.05, reused for every threshold):

- as delivered (0.5 m) and area-averaged to 2 m and 3 m: real imagery;
- a Google Earth look at 1.2 m and a PlanetScope look at 3 m (``forcewatch.train.sensors``):
  SYNTHETIC variants of the real images (degraded to that GSD, then the simulated look), said so in
  every line that names them.

The threshold minimises the per-image count MAPE averaged over the val sets, ties broken by F1
(``forcewatch.train.calibrate``). ``--record`` writes it into a COPY of the model (``--out``; the
model file itself is never changed), with the hold-out score entries (``holdout``, ``holdout@2``,
``holdout@3``) measured again at it; entries it cannot measure again are listed as stale.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from forcewatch.app.datasets import read_split
from forcewatch.detect.base import Detector
from forcewatch.detect.registry import bundled_models, load_detector, model_path
from forcewatch.train.annotations import AnnotationSet
from forcewatch.train.audit import apply_audit, load_audit
from forcewatch.train.calibrate import (
    ScoredSet,
    ap50,
    choose_on_val,
    curve_point,
    pr_curve,
    rethresholded_scores,
    score_set,
)
from forcewatch.train.evaluate import ImagePrediction, degrade, evaluate_predictions, load_rgb, predict_set
from forcewatch.train.export import score_entry, update_metadata
from forcewatch.train.readers import read_annotations
from forcewatch.train.sensors import google_earth_look, planetscope_look

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SCORE_FLOOR = 0.05
RULE = (
    "lowest per-image count MAPE averaged over the val sets (each weighs the same), ties by mean F1; never the hold-out"
)
Simulate = Callable[[np.ndarray, float, np.random.Generator], np.ndarray]


@dataclass(frozen=True)
class Look:
    """One way of seeing a split's images: as delivered, degraded to ``gsd_m``, or a simulated sensor."""

    label: str
    imagery: str  # "real", "real, degraded" or "SYNTHETIC (simulated look on real images)"
    gsd_m: float | None = None
    simulate: Simulate | None = None
    score_key: str = ""  # the hold-out entry of a model file it measures again ("" for none)


LOOKS = (
    Look("Pléiades 0.5 m as delivered", "real", score_key="holdout"),
    Look("degraded to 2 m", "real, degraded (area average)", 2.0, score_key="holdout@2"),
    Look("degraded to 3 m", "real, degraded (area average)", 3.0, score_key="holdout@3"),
    Look("Google Earth look at 1.2 m (simulated)", "SYNTHETIC (simulated look on real images)", 1.2, google_earth_look),
    Look("PlanetScope look at 3 m (simulated)", "SYNTHETIC (simulated look on real images)", 3.0, planetscope_look),
)


def simulated(data: AnnotationSet, look: Look, folder: Path, seed: int) -> AnnotationSet:
    """``data``'s images degraded to ``look.gsd_m`` then given the look, written to ``folder`` (PNG, under
    the original names); the labels stay in the original pixels (``predict_set`` scales boxes back)."""
    assert look.simulate is not None and look.gsd_m is not None
    images = []
    for i, im in enumerate(data.images):
        rgb = degrade(load_rgb(im.image_path), im.gsd_m or 0.5, look.gsd_m)
        rng = np.random.default_rng([seed, LOOKS.index(look), i])
        ok, buf = cv2.imencode(".png", look.simulate(rgb, look.gsd_m, rng)[:, :, ::-1])
        if not ok:
            raise RuntimeError(f"{im.name}: PNG encoding failed")
        path = folder / im.name
        path.write_bytes(buf.tobytes())
        images.append(replace(im, image_path=path, gsd_m=look.gsd_m))
    return replace(data, images=tuple(images))


def predict_look(det: Detector, data: AnnotationSet, look: Look, seed: int) -> list[ImagePrediction]:
    if look.simulate is None:
        return predict_set(det, data, score_floor=SCORE_FLOOR, degrade_to_gsd_m=look.gsd_m)
    with tempfile.TemporaryDirectory(prefix="calibrate-") as tmp:
        return predict_set(det, simulated(data, look, Path(tmp), seed), score_floor=SCORE_FLOOR)


def emit(**fields: object) -> None:
    print(json.dumps(fields, ensure_ascii=False), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="aircraft", help="a bundled model's name or a model file")
    ap.add_argument("--split", default=None, help="split.json (default: beside the model)")
    ap.add_argument("--data", default=str(DATA / "airbus-aircraft"), help="the Airbus aircraft dataset")
    ap.add_argument("--seed", type=int, default=0, help="seed of the simulated looks")
    ap.add_argument(
        "--audit", default=None, help="a label audit JSON (forcewatch.train.audit) to add to the labels of every look"
    )
    ap.add_argument("--record", action="store_true", help="write the chosen threshold into the copy --out")
    ap.add_argument("--out", default=None, help="with --record: the model copy to write (never the model itself)")
    args = ap.parse_args()
    src = model_path(args.model)
    out = Path(args.out) if args.out else None
    if args.record:
        bundled_dirs = {p.resolve().parent for p in bundled_models().values()}
        if out is None or out.resolve() == src.resolve() or out.resolve().parent in bundled_dirs:
            sys.exit(f"--record writes a COPY of {src}. Fix: give --out PATH, outside the bundled models' folders.")
    det = load_detector(str(src))
    split_path = Path(args.split) if args.split else src.parent / "split.json"
    split = read_split(split_path, "val")
    if "holdout" not in split:
        sys.exit(f"{split_path}: no 'holdout' list. Fix: give a split with val and holdout image names.")
    all_data = read_annotations(Path(args.data), "airbus", gsd_m=0.5)
    current = det.meta.score_threshold
    common = {"bench": "calibrate", "model": det.model_id}
    if args.audit:
        audit = load_audit(Path(args.audit))
        all_data = apply_audit(all_data, audit)
        common["labels"] = f"audited: {audit.summary()}"

    sets: dict[str, list[tuple[Look, ScoredSet, list[ImagePrediction]]]] = {"val": [], "holdout": []}
    for part in ("val", "holdout"):
        data = all_data.subset(set(split[part]))
        emit(**common, line="split", split=part, split_file=str(split_path), images=len(data.images))
        for look in LOOKS:
            t0 = time.perf_counter()
            preds = predict_look(det, data, look, args.seed)
            for cls in (c for c in data.classes if c in det.meta.classes):
                name = f"{part}, {look.label}" + (f", {cls}" if len(det.meta.classes) > 1 else "")
                scored = score_set(name, part, preds, data, cls, synthetic=look.simulate is not None)
                sets[part].append((look, scored, preds))
                emit(
                    **common,
                    line="set",
                    set=name,
                    imagery=look.imagery,
                    images=len(data.images),
                    n_gt=scored.n_gt,
                    seconds=round(time.perf_counter() - t0, 1),
                )
                for p in pr_curve(scored):
                    emit(**common, line="curve", set=name, imagery=look.imagery, **p.to_json())

    choice = choose_on_val([s for part in sets.values() for _, s, _ in part])
    emit(**common, line="choice", current_threshold=current, rule=RULE, **choice.to_json())
    for part in ("val", "holdout"):
        for look, s, _ in sets[part]:
            at = {"current": curve_point(s, current).to_json(), "chosen": curve_point(s, choice.threshold).to_json()}
            emit(
                **common,
                line="summary",
                set=s.name,
                imagery=look.imagery,
                split=part,
                images=len(s.images),
                n_gt=s.n_gt,
                ap50=round(ap50(s), 4),
                **at,
            )

    for part in ("val", "holdout"):
        with_objects = [s for _, s, _ in sets[part] if s.n_gt]
        mean = {
            f"mean_count_mape_pct_at_{which}": round(
                float(np.mean([curve_point(s, t).count_mape_pct for s in with_objects])), 4
            )
            for which, t in (("current", current), ("chosen", choice.threshold))
        }
        emit(**common, line="objective", split=part, sets=[s.name for s in with_objects], **mean)

    if args.record and out is not None:
        holdout = all_data.subset(set(split["holdout"]))
        fresh = {
            look.score_key: score_entry(
                evaluate_predictions(preds, holdout, choice.threshold),
                data="",  # the old entry's data, GSD and validation status are kept
                images=len(holdout.images),
                threshold=choice.threshold,
                gsd_m=None,
                validates=True,
            )
            for look, _, preds in sets["holdout"]
            if look.score_key
        }
        scores, rescored, stale = rethresholded_scores(det.meta.scores, fresh, choice.threshold)
        shutil.copyfile(src, out)
        update_metadata(out, score_threshold=choice.threshold, scores=scores)
        emit(
            **common,
            line="record",
            out=str(out),
            threshold=choice.threshold,
            rescored=list(rescored),
            stale=list(stale),
            note="the model's card (MODEL.md) still states the old threshold: update it",
        )


if __name__ == "__main__":
    main()
