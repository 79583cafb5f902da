"""Calibrate a detector's operating threshold for count accuracy across sensors: one JSON line per
set and threshold, then the choice and each set's scores at the current and the chosen threshold.

    python bench/calibrate.py [--model PATH|aircraft] [--split split.json] [--seed 0]
                              [--coarse-from-gsd-m 2.5] [--record --out COPY.onnx]

Sets (needs ../shared/data/airbus-aircraft, Pléiades 0.5 m): the ``val`` images of the split (beside
the model unless ``--split``) choose the threshold; the ``holdout`` images only report it. Each split
is seen five ways, one prediction pass each (score floor 0.05, reused for every threshold):

- as delivered (0.5 m) and area-averaged to 2 m and 3 m: real imagery;
- a Google Earth look at 1.2 m and a PlanetScope look at 3 m (``forcewatch.train.sensors``):
  SYNTHETIC variants of the real images (degraded to that GSD, then the simulated look), said so in
  every line that names them.

The threshold minimises the per-image count MAPE averaged over the val sets, ties broken by F1
(``forcewatch.train.calibrate``).

``--coarse-from-gsd-m G`` also chooses a threshold for imagery of G m and coarser (``coarse_thresholds``
in the model file; the first is then chosen on the finer looks alone), by the same rule on the val
looks that coarse and the real PlanetScope scenes
(3 m, ``planetscope_labels.json`` beside the model, ../shared/data/planet-scenes), from 0.2 (the
labels' checked range). Each scene is held out in turn and scored at the threshold chosen without it:
those fold lines are the unseen PlanetScope scores; the final choice uses all four.

``--record`` writes the choice into a COPY of the model (``--out``; the model file itself is never
changed), with the hold-out score entries (``holdout``, ``holdout@2``, ``holdout@3``) measured again
at it (``holdout@3`` at the coarse one, with ``--coarse-from-gsd-m``); entries it cannot measure
again are listed as stale.
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
from planetscope import CHECKED_FROM, GSD_M, predict_scenes, read_scenes, scene_models  # bench/planetscope.py

from forcewatch.app.datasets import read_split
from forcewatch.detect.base import Detector
from forcewatch.detect.metadata import at_least_as_coarse
from forcewatch.detect.registry import bundled_models, load_detector, model_path
from forcewatch.train.annotations import AnnotationSet
from forcewatch.train.audit import apply_audit, load_audit
from forcewatch.train.calibrate import (
    THRESHOLDS,
    ScoredSet,
    ap50,
    choose_on_val,
    cross_validated_report,
    curve_point,
    leave_one_image_out,
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
#: The score entry of the real PlanetScope scenes: the estimate corrects 3 m counts with it.
PLANET_KEY = "holdout@3-planetscope"
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
    ap.add_argument(
        "--coarse-from-gsd-m",
        type=float,
        default=None,
        help="also choose the threshold of imagery this coarse and coarser (coarse val looks, real PlanetScope)",
    )
    ap.add_argument(
        "--planetscope", default=None, help="PlanetScope labels (default: planetscope_labels.json beside it)"
    )
    ap.add_argument("--record", action="store_true", help="write the chosen threshold into the copy --out")
    ap.add_argument(
        "--keep-threshold",
        action="store_true",
        help="with --record: keep the model's own threshold for finer imagery (chosen by a rule the curves do not "
        "see, e.g. above known false alarms); only the coarse one is recorded",
    )
    ap.add_argument(
        "--planetscope-fold",
        action="append",
        default=[],
        help="SCENE=MODEL: score that scene with the fold model that never trained on it (repeatable; a model "
        "trained on the PlanetScope scenes must not score them)",
    )
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

    # with a threshold of its own for coarse imagery, the other one is chosen on the finer looks alone
    g_coarse = args.coarse_from_gsd_m
    choice = choose_on_val(
        [s for part in sets.values() for look, s, _ in part if not (g_coarse and _coarse(look, g_coarse))]
    )
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

    fine = current if args.keep_threshold else choice.threshold  # the threshold of finer imagery
    coarse_thresholds: tuple[tuple[float, float], ...] = ()
    planet_entry: dict[str, object] = {}
    if args.coarse_from_gsd_m:
        g = args.coarse_from_gsd_m
        labels = Path(args.planetscope) if args.planetscope else src.parent / "planetscope_labels.json"
        folds = dict(f.split("=", 1) for f in args.planetscope_fold)
        coarse_val = [s for look, s, _ in sets["val"] if _coarse(look, g)]
        coarse, planet_entry = choose_coarse(det, g, coarse_val, labels, folds, common)
        coarse_thresholds = ((g, coarse),)
        for look, s, _ in (x for part in ("val", "holdout") for x in sets[part]):
            if _coarse(look, g):
                at = {"fine": curve_point(s, fine).to_json(), "coarse": curve_point(s, coarse).to_json()}
                emit(**common, line="coarse_summary", set=s.name, imagery=look.imagery, split=s.split, **at)

    if args.record and out is not None:
        holdout = all_data.subset(set(split["holdout"]))

        def threshold_at(gsd_m: float | None) -> float:
            return replace(det.meta, score_threshold=fine, coarse_thresholds=coarse_thresholds).threshold_at(gsd_m)

        fresh = {
            look.score_key: score_entry(
                evaluate_predictions(preds, holdout, threshold_at(look.gsd_m)),
                data="",  # the old entry's data, GSD and validation status are kept
                images=len(holdout.images),
                threshold=threshold_at(look.gsd_m),
                gsd_m=None,
                validates=True,
            )
            for look, _, preds in sets["holdout"]
            if look.score_key
        }
        scores, rescored, stale = rethresholded_scores(det.meta.scores, fresh, threshold_at)
        if planet_entry:
            scores[PLANET_KEY] = planet_entry  # measured now, at the thresholds the folds chose
        shutil.copyfile(src, out)
        update_metadata(out, score_threshold=fine, coarse_thresholds=coarse_thresholds, scores=scores)
        emit(
            **common,
            line="record",
            out=str(out),
            threshold=fine,
            coarse_thresholds=[list(c) for c in coarse_thresholds],
            rescored=list(rescored),
            stale=list(stale),
            note="the model's card (MODEL.md) still states the old threshold: update it",
        )


def _coarse(look: Look, from_gsd_m: float) -> bool:
    return look.gsd_m is not None and at_least_as_coarse(look.gsd_m, from_gsd_m)


def choose_coarse(
    det: Detector,
    from_gsd_m: float,
    coarse_val: list[ScoredSet],
    labels: Path,
    fold_models: dict[str, str],
    common: dict[str, object],
) -> tuple[float, dict[str, object]]:
    """The threshold of imagery of ``from_gsd_m`` and coarser: chosen on ``coarse_val`` and the real
    PlanetScope scenes of ``labels``, after each scene was held out in turn (the fold lines). With
    ``fold_models`` (scene name → model file), each scene is predicted by the model that never trained on it.
    Returns the threshold and the score entry of the scenes, each at the threshold chosen without it."""
    data = read_scenes(labels, det.meta.classes)
    by_scene = (
        {k: load_detector(v) for k, v in scene_models(data, fold_models, "--planetscope-fold").items()}
        if fold_models
        else {im.name: det for im in data.images}
    )
    preds = predict_scenes(data, by_scene)
    cls = "aircraft"
    name = "PlanetScope 3 m, real scenes" + (", each by its fold model" if fold_models else "")
    real = score_set(name, "planetscope", preds, data, cls)
    checked = tuple(t for t in THRESHOLDS if t >= CHECKED_FROM - 1e-9)
    emit(
        **common,
        line="set",
        set=real.name,
        imagery="real",
        images=len(data.images),
        n_gt=real.n_gt,
        labels_file=str(labels),
    )
    for p in pr_curve(real, checked):
        emit(**common, line="curve", set=real.name, imagery="real", **p.to_json())
    folds, final = leave_one_image_out(coarse_val, real, [im.name for im in data.images], checked)
    for f in folds:
        emit(
            **common,
            line="coarse_fold",
            set=real.name,
            chosen_on=[s.name for s in coarse_val] + ["the other scenes"],
            **f.to_json(),
        )
    emit(
        **common,
        line="coarse_cross_validated",
        set=real.name,
        count_mape_pct=round(float(np.mean([f.point.count_mape_pct for f in folds])), 2),
        count_bias_pct=round(float(np.mean([f.point.count_bias_pct for f in folds])), 2),
        thresholds=[f.threshold for f in folds],
    )
    emit(
        **common,
        line="coarse_choice",
        from_gsd_m=from_gsd_m,
        at_fine_threshold=curve_point(real, det.meta.score_threshold).to_json(),
        at_coarse_threshold=curve_point(real, final.threshold).to_json(),
        **final.to_json(),
    )
    report = cross_validated_report(real, folds)
    entry = score_entry(
        [report],
        data=f"{len(data.images)} real PlanetScope airport scenes (PlanesNet, {labels.name}: "
        f"{real.n_gt} aircraft labelled by eye), each at the threshold chosen without it",
        images=len(data.images),
        threshold=final.threshold,
        gsd_m=GSD_M,
        validates=True,
        method="leave-one-scene-out cross-validation of the coarse threshold"
        + ("; each scene scored by a model that never trained on it" if fold_models else ""),
    )
    emit(**common, line="coarse_entry", key=PLANET_KEY, entry=entry)
    return final.threshold, entry


if __name__ == "__main__":
    main()
