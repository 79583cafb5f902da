"""Fine-tune a ForceWatch model on a few labelled chips (``forcewatch train --init MODEL``).

The start is the init model's ONNX file, rebuilt as a trainable net (:mod:`forcewatch.train.rebuild`)
and checked to reproduce the file's outputs. The result keeps everything that makes the init model
run correctly — classes, GSD, normalisation, tile and overlap — and learns with what suits a few
shots: a fifth of the from-scratch learning rate on weights of their from-scratch size (each
channel's scale is held by its batch norm's γ), frozen batch-norm statistics, a share of crops
from chips without objects (hard negatives), and mild augmentation (the 8 flips/rotations, small
scale and colour jitter, no degradation). A wall-clock budget ends it (10 minutes by default: about
10–30 chips on 2 CPU cores).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from forcewatch import __version__
from forcewatch.detect.metadata import ModelMeta
from forcewatch.errors import ModelError
from forcewatch.train.augment import AugmentConfig
from forcewatch.train.loop import TrainConfig

#: Fine-tuning uses this share of the from-scratch learning rate.
LR_FACTOR = 0.2
DEFAULT_MINUTES = 10.0
DEFAULT_ITERATIONS = 1500
#: Share of crops drawn from chips without objects, when there are some.
EMPTY_SHARE = 0.25
WARMUP_STEPS = 30
#: Largest output difference allowed between the rebuilt net and the init model's file.
REBUILD_TOLERANCE = 1e-4
#: Augmentation for a few chips at their own GSD: flips and rotations (always), small scale and
#: colour jitter, a little haze, greyscale and blur; no simulated coarser sensor, no composites.
FEW_SHOT_AUGMENT = AugmentConfig(
    scale_jitter=1.1,
    object_centred=0.6,
    degrade_p=0.0,
    haze_p=0.1,
    grey_p=0.1,
    blur_p=0.1,
    military_p=0.0,
    colour_jitter=0.5,
)


@dataclass(frozen=True)
class InitModel:
    """The model a fine-tune starts from: its file, metadata, hash and network width."""

    path: Path
    meta: ModelMeta
    sha256: str
    width: int

    @property
    def cited(self) -> str:
        """How the fine-tuned model names its start: ``vehicle-0.3m-v2 (sha256 …)``."""
        return f"{self.meta.model_id} (sha256 {self.sha256})"


def load_init(name_or_path: str) -> InitModel:
    """The init model: a bundled model's name (vehicle, tent, aircraft) or a ForceWatch ``.onnx`` file."""
    from forcewatch.detect.onnx_backend import read_meta
    from forcewatch.detect.registry import model_path
    from forcewatch.provenance import file_sha256
    from forcewatch.train.rebuild import infer_width, onnx_convs

    path = model_path(name_or_path)
    if path.suffix.lower() != ".onnx" or not path.is_file():
        raise ModelError(
            f"--init {name_or_path}: not a ForceWatch .onnx file. Fix: give a bundled model's name "
            "(vehicle, tent, aircraft) or the model.onnx that forcewatch train wrote."
        )
    return InitModel(path, read_meta(path), file_sha256(path), infer_width(onnx_convs(path), path))


def finetune_config(
    init: InitModel,
    *,
    iterations: int = DEFAULT_ITERATIONS,
    minutes: float = DEFAULT_MINUTES,
    batch_size: int = 16,
    crop_px: int = 256,
    seed: int = 0,
    has_empty_chips: bool = True,
) -> TrainConfig:
    """The training configuration of a fine-tune from ``init`` (its GSD, width and normalisation)."""
    base = TrainConfig()
    return TrainConfig(
        target_gsd_m=init.meta.gsd_m,
        iterations=iterations,
        batch_size=batch_size,
        crop_px=crop_px,
        learning_rate=base.learning_rate * LR_FACTOR,
        width=init.width,
        seed=seed,
        checkpoint_every=50,
        augment=FEW_SHOT_AUGMENT,
        max_minutes=minutes,
        warmup_steps=min(WARMUP_STEPS, max(1, iterations // 10)),
        freeze_bn=True,
        empty_share=EMPTY_SHARE if has_empty_chips else 0.0,
        mean=init.meta.mean,
        std=init.meta.std,
        init=f"{init.meta.model_id} sha256 {init.sha256}",
    )


def rebuilt_init_net(init: InitModel) -> Any:
    """The init model as a trainable CentreNet, checked to reproduce the file's outputs."""
    from forcewatch.train.rebuild import max_output_diff, rebuild_net

    net, _ = rebuild_net(init.path)
    diff = max_output_diff(net, init.path)
    if diff >= REBUILD_TOLERANCE:
        raise ModelError(
            f"{init.path}: the rebuilt network differs from the file by {diff:.2g} (more than {REBUILD_TOLERANCE:g}). "
            "Fix: fine-tune from a model exported by this version of ForceWatch, or train from scratch."
        )
    return net


def combined_licence(init_licence: str, data_licence: str) -> str:
    """The licence of fine-tuned weights: the init model's and the data's, both binding.

    >>> combined_licence("CC BY-NC-SA 4.0", "CC0")
    'CC BY-NC-SA 4.0 (init model) + CC0 (fine-tuning data)'
    """
    return f"{init_licence} (init model) + {data_licence} (fine-tuning data)"


def finetuned_training_data(data_label: str, images: int, objects: int, init: InitModel) -> str:
    """The ``training_data`` metadata: the dataset and the model it was fine-tuned from."""
    return f"{data_label}: {images} images, {objects} objects; fine-tuned from {init.cited}"


def default_model_id(init: InitModel, data: Path) -> str:
    """``<init id>-ft-<data folder>`` (letters, digits, dots and dashes)."""
    stem = re.sub(r"[^A-Za-z0-9.]+", "-", (data.stem if data.is_file() else data.name)).strip("-")
    return f"{init.meta.model_id}-ft" + (f"-{stem}" if stem else "")


def finetuned_meta(
    init: InitModel,
    *,
    model_id: str,
    training_data: str,
    licence: str,
    overlap_px: int | None = None,
    max_source_gsd_m: float | None = None,
) -> ModelMeta:
    """The init model's metadata with the fine-tune's identity; its threshold kept, its scores dropped
    (they are the init model's, not these weights')."""
    return replace(
        init.meta,
        model_id=model_id,
        training_data=training_data,
        licence=licence,
        version=__version__,
        created=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        scores={},
        overlap_px=init.meta.overlap_px if overlap_px is None else overlap_px,
        max_source_gsd_m=init.meta.max_source_gsd_m if max_source_gsd_m is None else max_source_gsd_m,
    )


def export_finetuned(ckpt: Path, out: Path, meta: ModelMeta) -> Path:
    """Write the fine-tuned checkpoint ``ckpt`` to ``out`` (ONNX) with ``meta``."""
    from forcewatch.train.export import export_net
    from forcewatch.train.loop import load_net

    net, _ = load_net(ckpt)
    return export_net(net, out, meta)
