"""The model card (MODEL.md) of a fine-tuned model: what it is, what it learnt from, how long, its
threshold and how it was chosen, and its scores where they were measured. Pure text; the caller
writes it beside the model file."""

from __future__ import annotations

from dataclasses import dataclass

from forcewatch.detect.metadata import ModelMeta
from forcewatch.train.evaluate import ClassReport
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
    val_label: str | None = None
    val_images: int = 0
    scores: tuple[ClassReport, ...] = ()  # the fine-tuned model on the --val images
    init_scores: tuple[ClassReport, ...] = ()  # the init model on the same images, at its own threshold
    unlabelled_classes: tuple[str, ...] = ()  # init classes the data has no object of


def _scores_table(s: FinetuneSummary) -> list[str]:
    if not s.scores:
        return [
            "Not measured: no `--val` data was given. Measure it on labelled images it never saw before trusting",
            "its counts (its scan results stay *candidates* until then):",
            "",
            "    forcewatch evaluate DATA --format FORMAT --gsd-m G --model model.onnx --record holdout",
        ]
    rows = [
        f"On {s.val_images} `--val` images ({s.val_label}); the threshold was chosen on them, so the fine-tuned",
        "model's scores are optimistic. The init model runs at its own threshold on the same images.",
        "",
        "| model | class | threshold | AP50 | precision | recall | F1 | count MAE | count MAPE |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for who, reports, thr in (
        (s.meta.model_id, s.scores, s.meta.score_threshold),
        (f"{s.init.meta.model_id} (init)", s.init_scores, s.init.meta.score_threshold),
    ):
        for r in reports:
            rows.append(
                f"| {who} | {r.class_name} | {thr:.2f} | {r.ap50:.3f} | {r.precision:.3f} | {r.recall:.3f} | "
                f"{r.f1:.3f} | {r.count_mae:.2f} | {r.count_mape_pct:.1f} % |"
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
        f"| operating threshold | **{m.score_threshold:.2f}** — {s.threshold_how} |",
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
        "## Scores",
        "",
        *_scores_table(s),
        "",
        "## What it can and cannot see",
        "",
        f"- It is `{init.meta.model_id}` adapted to these chips: read that model's card for what it can and",
        "  cannot see; a few chips shift it towards their place, sensor and season, not beyond its classes.",
        f"- Fine-tuned on {s.images} chips: expect it to fit them better than other places; its counts are",
        "  findings only once it has a score on labelled imagery it never saw.",
    ]
    if s.unlabelled_classes:
        lines.append(
            f"- The data labels no {', '.join(s.unlabelled_classes)}: those classes were learnt as absent from "
            "the chips; check them before use."
        )
    return "\n".join(lines) + "\n"
