"""Train the bundled aircraft detector (from scratch), with or without sensor simulation.

    python scripts/train_aircraft.py --out runs/aircraft-v2 [--sensor-p 0.5] [--gsd-jitter 1.3]
        [--sensor-blur-p 0.5] [--iterations 5000] [--name aircraft-1m-v2]
        [--init runs/aircraft-v2/last.ckpt --iterations 800 --lr 3e-4]   # continue from a run
        [--extra LABELS.json --extra-images DIR --extra-gsd-m 3 --extra-copies 8 --extra-leave-out IMAGE]

Reads ``../shared/data/airbus-aircraft`` (Airbus Aircraft Detection Sample, CC BY-NC-SA 4.0) with
the split beside the bundled model (``split.json``: training images only; validation images choose
the threshold; hold-out never read). ``--extra`` adds another sensor's labelled images (a COCO file,
for example the PlanetScope scenes labelled beside the model), each ``--extra-copies`` times so that
they get a fair share of the crops; their objects marked ``truncated`` (too ambiguous to call) are
left out, and ``--extra-leave-out`` keeps images of it for a cross-validation fold. Writes
``OUT/model.onnx``. The same recipe as
``forcewatch train`` from scratch, plus the augmentation settings of the cross-sensor model
(``forcewatch.train.sensors``): GSD jitter, sensor simulation, soft coarse sensors.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from forcewatch.app.datasets import read_split
from forcewatch.train.annotations import AnnotationSet
from forcewatch.train.augment import AugmentConfig
from forcewatch.train.export import ExportInfo, export_onnx
from forcewatch.train.loop import TrainConfig, load_net, train
from forcewatch.train.readers import read_annotations
from forcewatch.train.sensors import SensorConfig

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "airbus-aircraft"
SPLIT = ROOT / "src" / "forcewatch" / "detect" / "models" / "aircraft" / "split.json"
LICENCE = "CC BY-NC-SA 4.0 (weights derived from the Airbus Aircraft Detection Sample, (c) Airbus DS)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--iterations", type=int, default=5000)
    ap.add_argument("--sensor-p", type=float, default=0.5, help="share of crops given another sensor's look")
    ap.add_argument("--gsd-jitter", type=float, default=1.3, help="GSD jitter factor (1.3: ±30 %%)")
    ap.add_argument("--sensor-blur-p", type=float, default=0.5, help="share of degraded crops also blurred")
    ap.add_argument(
        "--planetscope-p", type=float, default=0.15, help="share of the simulated crops given the PlanetScope look"
    )
    ap.add_argument(
        "--small-aircraft-p", type=float, default=0.0, help="share of crops given SYNTHETIC fighters/attack/helicopters"
    )
    ap.add_argument(
        "--camp-negatives-p", type=float, default=0.0, help="share of crops given unlabelled SYNTHETIC camps and parks"
    )
    ap.add_argument(
        "--runway-negatives-p",
        type=float,
        default=0.0,
        help="share of crops given unlabelled SYNTHETIC runway dashes with vehicles beside them",
    )
    ap.add_argument("--init", type=Path, default=None, help="continue from this checkpoint's weights (a fine-tune)")
    ap.add_argument("--lr", type=float, default=3e-3, help="peak learning rate (cosine after a short warm-up)")
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--name", default="aircraft-1m-v2")
    ap.add_argument("--extra", type=Path, default=None, help="COCO labels of another sensor's images to train on too")
    ap.add_argument("--extra-images", type=Path, default=None, help="the folder of --extra's images")
    ap.add_argument("--extra-gsd-m", type=float, default=3.0, help="metres per pixel of --extra's images")
    ap.add_argument("--extra-copies", type=int, default=8, help="how many times each --extra image is drawn from")
    ap.add_argument("--extra-leave-out", action="append", default=[], help="an --extra image kept out (repeatable)")
    args = ap.parse_args()
    data = read_annotations(DATA, "airbus", gsd_m=0.5, classes=["aircraft"])
    split = read_split(SPLIT, "train")
    train_set, val_set = data.subset(set(split["train"])), data.subset(set(split["val"]))
    extra_note = ""
    if args.extra:
        extra = read_annotations(
            args.extra, "coco", gsd_m=args.extra_gsd_m, classes=["aircraft"], image_dir=args.extra_images
        )
        train_set, extra_note = with_extra(train_set, extra, set(args.extra_leave_out), args.extra_copies)
    augment = AugmentConfig(
        scale_jitter=args.gsd_jitter,
        sensor_blur_p=args.sensor_blur_p,
        sensor=SensorConfig(p=args.sensor_p, planetscope_p=args.planetscope_p),
        small_aircraft_p=args.small_aircraft_p,
        camp_negatives_p=args.camp_negatives_p,
        runway_negatives_p=args.runway_negatives_p,
    )
    cfg = TrainConfig(
        target_gsd_m=1.0,
        iterations=args.iterations,
        width=args.width,
        seed=args.seed,
        augment=augment,
        learning_rate=args.lr,
    )
    print(f"training on {len(train_set.images)} images, {train_set.object_count} aircraft; {augment}", flush=True)
    init = load_net(args.init)[0] if args.init else None
    ckpt = train(train_set, args.out, cfg, classes=("aircraft",), init_net=init)
    data_note = (
        "Airbus Aircraft Detection Sample (Pleiades ~0.5 m): the training images of split.json, with sensor "
        f"simulation (p={args.sensor_p}, PlanetScope look {args.planetscope_p}), GSD jitter x{args.gsd_jitter}"
        + (
            f", SYNTHETIC small military aircraft in {args.small_aircraft_p:.0%} of crops"
            if args.small_aircraft_p
            else ""
        )
        + (f", SYNTHETIC camps as hard negatives in {args.camp_negatives_p:.0%}" if args.camp_negatives_p else "")
        + (
            f", SYNTHETIC runway dashes with vehicles as hard negatives in {args.runway_negatives_p:.0%}"
            if args.runway_negatives_p
            else ""
        )
        + extra_note
        + (f"; fine-tuned from {args.init.parent.name} for {args.iterations} steps" if args.init else "")
        + "; val images chose the threshold"
    )
    path = export_onnx(
        ckpt,
        args.out / "model.onnx",
        ExportInfo(model_id=args.name, training_data=data_note, licence=LICENCE, max_source_gsd_m=3.0),
        threshold_data=val_set,
    )
    print(f"wrote {path}", flush=True)


def with_extra(
    train_set: AnnotationSet, extra: AnnotationSet, leave_out: set[str], copies: int
) -> tuple[AnnotationSet, str]:
    """``train_set`` with ``extra``'s images (less ``leave_out``) added ``copies`` times each, their
    ambiguous (``truncated``) objects left out; and the sentence the model's training data gets."""
    unknown = leave_out - {im.name for im in extra.images}
    if unknown:
        raise SystemExit(f"--extra-leave-out {sorted(unknown)}: not images of {extra.source}")
    kept = [
        replace(im, objects=tuple(o for o in im.objects if not o.truncated))
        for im in extra.images
        if im.name not in leave_out
    ]
    n_obj = sum(len(im.objects) for im in kept)
    note = (
        f"; plus {len(kept)} images of {extra.source.name} ({n_obj} objects, ambiguous ones left out) at "
        f"{kept[0].gsd_m if kept else 0:g} m, each drawn from {copies} times as often as an Airbus image"
        + (f", {', '.join(sorted(leave_out))} kept out" if leave_out else "")
    )
    print(f"adding {len(kept)} images x{copies} of {extra.source} ({n_obj} objects)", flush=True)
    return replace(train_set, images=train_set.images + tuple(kept) * copies), note


if __name__ == "__main__":
    main()
