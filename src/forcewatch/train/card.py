"""The model card (MODEL.md) of a fine-tuned model: what it is, what it learnt from, how long, its
threshold and how it was chosen, and its score on labels held out from its training (how they were
held out, and whether that score validates its counts). Pure text; the caller writes it beside the
model file."""

from __future__ import annotations

from dataclasses import dataclass

from forcewatch.detect.metadata import ModelMeta
from forcewatch.train.crossval import HeldOut, init_does_better
from forcewatch.train.finetune import InitModel
from forcewatch.train.loop import TrainConfig


@dataclass(frozen=True)
class FinetuneSummary:
    """Everything the card of a fine-tuned model states."""

    meta: ModelMeta  # the fine-tuned model's metadata, as written into its file
    init: InitModel
    data_label: str
    images: int
    empty_images: int
    objects: int
    config: TrainConfig
    steps: int
    minutes: float
    stopped_on_time: bool
    threshold_how: str
    held_out: HeldOut | None = None
    not_measured: str = ""  # why there is no held-out score
    budget: str = ""  # how the time budget was shared
    unlabelled_classes: tuple[str, ...] = ()  # init classes the data has no object of


def _how_held_out(h: HeldOut, m: ModelMeta) -> list[str]:
    where = f"{h.images} chips, {h.objects} objects" + (f", source imagery at {h.gsd_m:g} m" if h.gsd_m else "")
    thr = f"{m.score_threshold:.2f}"
    if h.kind == "cross-validation":
        how = (
            f"**{h.method}** ({h.data_label}; {where}): every chip was scored by a fold model fine-tuned with the "
            f"shipped model's recipe ({h.fold_steps} steps) on the other folds' chips only. The fold models had "
            "less data than the shipped model, so these scores are a conservative estimate of its own. The "
            f"threshold ({thr}) is where the pooled out-of-fold predictions reach their maximum F1."
        )
    elif h.kind == "hold-out":
        how = (
            f"**{h.method}** ({h.data_label}; {where}). The threshold ({thr}) was chosen on them (maximum F1), so "
            "precision and recall at it are slightly optimistic."
        )
    else:
        how = (
            f"**On the `--val` images** ({h.data_label}; {where}), held out from training. The threshold ({thr}) "
            "was chosen on them (maximum F1), so precision and recall at it are slightly optimistic."
        )
    if h.validates:
        verdict = (
            "It is recorded in the model file as `holdout`, and it *validates* the model's counts of imagery of "
            "about that GSD: estimates correct counts with its precision and recall."
        )
    else:
        verdict = (
            "It is recorded in the model file as `holdout`, but it does **not** validate the model's counts: "
            f"{h.not_validating}. Its scan results stay unvalidated candidates."
        )
    return [how, "", verdict]


def _scores_table(s: FinetuneSummary) -> list[str]:
    h = s.held_out
    if h is None:
        return [
            f"Not measured: {s.not_measured or 'no labels were held out'}. Measure it on labelled images it never",
            "saw before trusting its counts (its scan results stay unvalidated *candidates* until then):",
            "",
            "    forcewatch evaluate DATA --format FORMAT --gsd-m G --model model.onnx --record holdout",
        ]
    rows = [
        *_how_held_out(h, s.meta),
        "",
        "The init model runs at its own threshold on the same chips (it never trained on any of them).",
        *(
            [
                f"On them the init model scores higher (AP50): these labels did not improve on {s.init.meta.model_id}"
                + (" (though the fold models had less data)" if h.kind == "cross-validation" else "")
                + "; keep using it, or label more chips."
            ]
            if init_does_better(h)
            else []
        ),
        "",
        "| model | class | threshold | AP50 | precision | recall | F1 | count MAE | count MAPE | objects |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for who, reports, thr in (
        (s.meta.model_id + (" (fold models)" if h.kind == "cross-validation" else ""), h.scores, h.threshold),
        (f"{s.init.meta.model_id} (init)", h.init_scores, s.init.meta.threshold_at(h.gsd_m)),
    ):
        for r in reports:
            rows.append(
                f"| {who} | {r.class_name} | {thr:.2f} | {r.ap50:.3f} | {r.precision:.3f} | {r.recall:.3f} | "
                f"{r.f1:.3f} | {r.count_mae:.2f} | {r.count_mape_pct:.1f} % | {r.n_gt} |"
            )
    return rows


def finetune_card(s: FinetuneSummary) -> str:
    """MODEL.md of a fine-tuned model."""
    m, c, init = s.meta, s.config, s.init
    classes = ", ".join(f"`{k}`" for k in m.classes)
    stop = "the time budget" if s.stopped_on_time else "the step count"
    norm = f"(x − {m.mean[0]:g}) / {m.std[0]:g}" if len(set(m.mean)) == len(set(m.std)) == 1 else f"{m.mean} / {m.std}"
    lines = [
        f"# {m.model_id} — {', '.join(m.classes)}, fine-tuned from {init.meta.model_id}",
        "",
        "| | |",
        "|---|---|",
        f"| file | `model.onnx` (ONNX opset 17, width {c.width}), ONNX Runtime on the CPU |",
        f"| classes | {classes} (kept from the init model) |",
        f"| canonical GSD | **{m.gsd_m:g} m** (kept from the init model): images are resampled to it |",
        f"| coarsest imagery | {m.sees_to_gsd_m:g} m |",
        f"| tiles | {m.tile_px} px with {m.overlap_px} px overlap; input {norm} (kept from the init model) |",
        f"| init model | {init.meta.model_id}, sha256 `{init.sha256}` |",
        f"| data | {s.data_label}: {s.images} chips ({s.empty_images} without objects), {s.objects} objects |",
        f"| training | {s.steps} steps of {c.batch_size} crops of {c.crop_px} px, learning rate {c.learning_rate:g}, "
        f"batch norms frozen; **{s.minutes:.1f} minutes** ({c.threads} CPU threads); ended by {stop} |",
        *([f"| time budget | {s.budget} |"] if s.budget else []),
        f"| operating threshold | **{m.score_threshold:.2f}** — {s.threshold_how} |",
        *(
            [
                "| threshold for coarse imagery | "
                + "; ".join(f"**{thr:.2f}** from {g:g} m" for g, thr in m.coarse_thresholds)
                + f" — kept from {init.meta.model_id}: chosen for its weights, not measured for this model |"
            ]
            if m.coarse_thresholds
            else []
        ),
        f"| licence | **{m.licence}** |",
        f"| created | {m.created}, ForceWatch {m.version} |",
        "",
        "## How it was fine-tuned",
        "",
        f"From the weights of `{init.meta.model_id}`: its ONNX file rebuilt as a trainable network (each channel's",
        "scale in its batch norm, so that the learning rate acts as in training) and checked to reproduce the",
        "file's outputs. Crops: the 8 flips and rotations, scale jitter "
        f"×[{1 / c.augment.scale_jitter:.2f}, {c.augment.scale_jitter:.2f}], mild colour jitter, some haze, "
        f"greyscale and blur; {c.augment.object_centred:.0%} centred near an object"
        + (f"; {c.empty_share:.0%} from chips without objects (hard negatives)." if c.empty_share else "."),
        f"Batch-norm statistics stay the init model's; warm-up {c.warmup_steps} steps, then a cosine decay over "
        f"the budget ({c.max_minutes:g} minutes or {c.iterations} steps, whichever first).",
        "",
        "## Held-out scores",
        "",
        *_scores_table(s),
        "",
        "## What it can and cannot see",
        "",
        f"- It is `{init.meta.model_id}` adapted to these chips: read that model's card for what it can and",
        "  cannot see; a few chips shift it towards their place, sensor and season, not beyond its classes.",
        f"- Fine-tuned on {s.images} chips: expect it to fit them better than other places"
        + (
            "; its held-out score above is what its counts are corrected with."
            if s.held_out is not None and s.held_out.validates
            else "; its counts are findings only once it has a score on real labelled imagery it never saw."
        ),
    ]
    if s.unlabelled_classes:
        lines.append(
            f"- The data labels no {', '.join(s.unlabelled_classes)}: those classes were learnt as absent from "
            "the chips; check them before use."
        )
    return "\n".join(lines) + "\n"
