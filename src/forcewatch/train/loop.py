"""Training loop (torch): seeded, resumable from checkpoints, with a progress bar.

It trains from scratch or, for fine-tuning, from a given network (``init_net``): then batch norms
can stay frozen (``freeze_bn``), a share of crops comes from images without objects (hard
negatives, ``empty_share``) and a wall-clock budget (``max_minutes``) ends the run and anneals the
learning rate, whichever of the budget and the step count comes first.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from forcewatch.errors import InputError, MissingExtraError
from forcewatch.train.annotations import AnnotationSet
from forcewatch.train.augment import AugmentConfig, SourceImage, sample_crop
from forcewatch.train.targets import make_targets

#: Input normalisation (0–255 units), stored in the ONNX metadata.
MEAN = (127.5, 127.5, 127.5)
STD = (63.75, 63.75, 63.75)


@dataclass(frozen=True)
class TrainConfig:
    target_gsd_m: float = 1.0
    iterations: int = 3000
    batch_size: int = 16
    crop_px: int = 256
    learning_rate: float = 3e-3
    weight_decay: float = 1e-4
    width: int = 32
    seed: int = 0
    checkpoint_every: int = 100
    threads: int = 2
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    max_minutes: float | None = None  # wall-clock budget: stop at it or at ``iterations``, whichever first
    warmup_steps: int | None = None  # None: min(100, iterations // 10)
    freeze_bn: bool = False  # batch norms stay in eval mode (a few chips give poor batch statistics)
    empty_share: float = 0.0  # share of crops drawn from images without objects; 0: every image alike
    mean: tuple[float, float, float] = MEAN
    std: tuple[float, float, float] = STD
    init: str = ""  # the weights it starts from, e.g. "vehicle-0.3m-v2 sha256 …" ("": random)
    teacher: str = ""  # an ONNX model whose heat-maps the net also learns (distillation; "": none)
    teacher_weight: float = 1.0  # the weight of that term beside the labels' losses


@dataclass(frozen=True)
class RunState:
    """Where a run stands, as its checkpoint records it."""

    iterations_done: int
    elapsed_s: float
    stopped_on_time: bool


def _torch():  # type: ignore[no-untyped-def]
    try:
        import torch
    except ImportError:
        raise MissingExtraError("torch", "train", "Training a detector") from None
    return torch


def load_sources(data: AnnotationSet, classes: tuple[str, ...]) -> list[SourceImage]:
    """Decode every image of ``data`` once (RGB uint8) with its boxes as arrays."""
    index = {c: i for i, c in enumerate(classes)}
    out = []
    for im in data.images:
        if im.gsd_m is None:
            raise InputError(
                f"{im.image_path}: ground sample distance unknown. Fix: give --gsd-m METRES "
                "(the imagery's metres per pixel)."
            )
        bgr = cv2.imread(str(im.image_path), cv2.IMREAD_COLOR)
        if bgr is None:
            raise InputError(f"{im.image_path}: cannot be decoded. Fix: replace the file.")
        boxes = np.array([o.box_px for o in im.objects], np.float32).reshape(-1, 4)
        cls = np.array([index[o.class_name] for o in im.objects], np.int64)
        out.append(SourceImage(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), boxes, cls, im.gsd_m))
    return out


def source_sampler(
    sources: list[SourceImage], empty_share: float, rng: np.random.Generator
) -> Callable[[], SourceImage]:
    """Draw a source image for the next crop: uniformly, or with ``empty_share`` of the draws from the
    images without objects (their crops have no positives: hard negatives) when there are both kinds."""
    empty = [s for s in sources if not len(s.boxes)]
    labelled = [s for s in sources if len(s.boxes)]
    if empty_share <= 0 or not empty or not labelled:
        return lambda: sources[int(rng.integers(len(sources)))]

    def draw() -> SourceImage:
        pool = empty if rng.random() < empty_share else labelled
        return pool[int(rng.integers(len(pool)))]

    return draw


def lr_factor(it: int, config: TrainConfig, elapsed_s: float) -> float:
    """Learning-rate multiplier at step ``it``: linear warm-up, then a cosine to 2 % over the run, whose
    progress is the larger of the steps done and the time used of ``max_minutes``."""
    warmup = config.warmup_steps if config.warmup_steps is not None else min(100, config.iterations // 10)
    if it < warmup:
        return (it + 1) / warmup
    t = (it - warmup) / max(1, config.iterations - warmup)
    if config.max_minutes:
        t = max(t, elapsed_s / (config.max_minutes * 60))
    return 0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(t, 1.0)))


def focal_loss(pred_logits, target):  # type: ignore[no-untyped-def]
    """CenterNet's penalty-reduced pixel-wise focal loss (α = 2, β = 4)."""
    torch = _torch()
    p = torch.sigmoid(pred_logits).clamp(1e-4, 1 - 1e-4)
    pos = target.eq(1).float()
    neg = 1 - pos
    pos_loss = torch.log(p) * (1 - p) ** 2 * pos
    neg_loss = torch.log(1 - p) * p**2 * (1 - target) ** 4 * neg
    n = pos.sum().clamp(min=1.0)
    return -(pos_loss.sum() + neg_loss.sum()) / n


def distill_loss(pred_logits, teacher_heat):  # type: ignore[no-untyped-def]
    """How far a student's heat-map is from a teacher's (probabilities): binary cross-entropy with the
    teacher's soft targets, each cell weighted by the square of their difference (the easy background
    both agree on counts for nothing, as in the focal loss), summed; the caller divides by the objects."""
    torch = _torch()
    p = torch.sigmoid(pred_logits)
    bce = torch.nn.functional.binary_cross_entropy_with_logits(pred_logits, teacher_heat, reduction="none")
    return ((p - teacher_heat).detach() ** 2 * bce).sum()


def teacher_session(config: TrainConfig, num_classes: int) -> Any:
    """An ONNX Runtime session of ``config.teacher``, checked to see what the net will learn: the
    same classes, GSD and input normalisation (None when there is no teacher)."""
    if not config.teacher:
        return None
    import onnxruntime as ort

    from forcewatch.detect.onnx_backend import read_meta, takes_pixels

    meta = read_meta(Path(config.teacher))
    differs = [
        f"{what} {theirs} (the run: {ours})"
        for what, theirs, ours in (
            ("classes", len(meta.classes), num_classes),
            ("GSD", meta.gsd_m, config.target_gsd_m),
            ("mean", tuple(meta.mean), tuple(config.mean)),
            ("std", tuple(meta.std), tuple(config.std)),
        )
        if theirs != ours
    ]
    if differs:
        raise InputError(
            f"{config.teacher}: the teacher model has {'; '.join(differs)}. Fix: distil from a model of the "
            "same classes and GSD (--target-gsd-m), or train without --teacher."
        )
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = config.threads
    session = ort.InferenceSession(config.teacher, opts, providers=["CPUExecutionProvider"])
    if takes_pixels(session):
        raise InputError(
            f"{config.teacher}: an INT8 model that takes the image's pixels, not the normalised image the "
            "net learns from. Fix: distil from the float model it was quantised from (float.onnx beside it)."
        )
    return session


def _set_train_mode(net: Any, freeze_bn: bool) -> None:
    torch = _torch()
    net.train()
    if freeze_bn:
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.eval()


def train(
    data: AnnotationSet,
    out_dir: Path,
    config: TrainConfig,
    *,
    classes: tuple[str, ...] | None = None,
    resume: bool = True,
    progress: Callable[[int, int, dict[str, float]], None] | None = None,
    init_net: Any | None = None,
) -> Path:
    """Train on ``data`` and return the path of the final checkpoint (``out_dir/last.ckpt``).

    Starts from ``init_net`` (a :class:`~forcewatch.train.net.CentreNet` with one output per class)
    or from random weights. Resumes from ``out_dir/last.ckpt`` when it exists and ``resume`` is true
    (same config). ``progress(done, total, stats)`` gets the loss terms and ``eta_min``; with a time
    budget ``total`` is the step count the budget is expected to allow.
    """
    torch = _torch()
    from forcewatch.train.net import STRIDE, CentreNet

    classes = classes or data.classes
    if not classes:
        raise InputError(f"{data.source}: no labelled objects. Fix: check the annotation files.")
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    sources = load_sources(data, classes)
    draw_source = source_sampler(sources, config.empty_share, rng)
    net = init_net if init_net is not None else CentreNet(len(classes), config.width)
    teacher = teacher_session(config, len(classes))
    opt = torch.optim.AdamW(net.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    start, elapsed_before = 0, 0.0
    ckpt_path = out_dir / "last.ckpt"
    config_doc = {**asdict(config), "classes": list(classes)}
    if resume and ckpt_path.exists():
        state = torch.load(ckpt_path, weights_only=False)
        if state["config"] != config_doc:
            raise InputError(
                f"{ckpt_path}: checkpoint was made with another configuration. Fix: use a new "
                "--out folder, or the same options as before to resume."
            )
        net.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        rng.bit_generator.state = state["numpy_rng"]
        torch.set_rng_state(state["torch_rng"])
        start = int(state["iteration"])
        elapsed_before = float(state.get("elapsed_s", 0.0))

    def save(it: int, elapsed_s: float, stopped_on_time: bool = False) -> None:
        tmp = ckpt_path.with_suffix(".tmp")
        torch.save(
            {
                "model": net.state_dict(),
                "optimizer": opt.state_dict(),
                "numpy_rng": rng.bit_generator.state,
                "torch_rng": torch.get_rng_state(),
                "iteration": it,
                "elapsed_s": elapsed_s,
                "stopped_on_time": stopped_on_time,
                "config": config_doc,
            },
            tmp,
        )
        tmp.replace(ckpt_path)

    budget_s = config.max_minutes * 60 if config.max_minutes else None
    _set_train_mode(net, config.freeze_bn)
    mean = torch.tensor(config.mean).view(1, 3, 1, 1)
    std = torch.tensor(config.std).view(1, 3, 1, 1)
    log = (out_dir / "train_log.jsonl").open("a", encoding="utf-8")
    t_session = time.perf_counter()
    elapsed = elapsed_before
    if budget_s is not None and start and elapsed >= budget_s:  # a finished run, resumed: nothing to do
        log.close()
        return ckpt_path
    for it in range(start, config.iterations):
        for g in opt.param_groups:
            g["lr"] = config.learning_rate * lr_factor(it, config, elapsed)
        imgs, heats, sizes, offs, masks = [], [], [], [], []
        for _ in range(config.batch_size):
            src = draw_source()
            crop, boxes, cls = sample_crop(src, config.target_gsd_m, config.crop_px, rng, config.augment)
            t = make_targets(boxes, cls, len(classes), config.crop_px, config.crop_px, STRIDE)
            imgs.append(crop)
            heats.append(t.heat)
            sizes.append(t.size)
            offs.append(t.offset)
            masks.append(t.mask)
        x = (torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).float() - mean) / std
        heat_t = torch.from_numpy(np.stack(heats))
        size_t = torch.from_numpy(np.stack(sizes))
        off_t = torch.from_numpy(np.stack(offs))
        mask_t = torch.from_numpy(np.stack(masks)).unsqueeze(1)
        heat_p, size_p, off_p = net(x)
        n = mask_t.sum().clamp(min=1.0)
        l_heat = focal_loss(heat_p, heat_t)
        l_size = (torch.abs(size_p - size_t) * mask_t).sum() / n
        l_off = (torch.abs(off_p - off_t) * mask_t).sum() / n
        loss = l_heat + l_size + l_off
        terms = [("loss", loss), ("heat", l_heat), ("size", l_size), ("offset", l_off)]
        if teacher is not None:
            heat_teacher = torch.from_numpy(teacher.run(["heat"], {"image": x.numpy()})[0])
            l_kd = config.teacher_weight * distill_loss(heat_p, heat_teacher) / n
            loss = loss + l_kd
            terms = [("loss", loss), *terms[1:], ("distil", l_kd)]
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 10.0)
        opt.step()
        session_s = time.perf_counter() - t_session
        elapsed = elapsed_before + session_s
        step_s = session_s / (it + 1 - start)
        total = config.iterations
        left_s = (total - it - 1) * step_s
        if budget_s is not None:
            left_s = max(0.0, min(left_s, budget_s - elapsed))
            total = min(total, it + 1 + int(left_s / step_s))
        stats = {k: float(v.detach()) for k, v in terms}
        stats["eta_min"] = left_s / 60
        if (it + 1) % 10 == 0:
            log.write(json.dumps({"iteration": it + 1, "elapsed_s": round(elapsed, 1), **stats}) + "\n")
            log.flush()
        if progress:
            progress(it + 1, total, stats)
        out_of_time = budget_s is not None and elapsed >= budget_s
        if out_of_time or (it + 1) % config.checkpoint_every == 0 or it + 1 == config.iterations:
            save(it + 1, elapsed, out_of_time)
        if out_of_time:
            break
    log.close()
    return ckpt_path


def run_state(ckpt_path: Path) -> RunState:
    """How far the run of a checkpoint went: steps, seconds, and whether its time budget ended it."""
    torch = _torch()
    state = torch.load(ckpt_path, weights_only=False)
    return RunState(int(state["iteration"]), float(state.get("elapsed_s", 0.0)), bool(state.get("stopped_on_time")))


def load_net(ckpt_path: Path):  # type: ignore[no-untyped-def]
    """The trained network and its config document from a checkpoint."""
    torch = _torch()
    from forcewatch.train.net import CentreNet

    state = torch.load(ckpt_path, weights_only=False)
    cfg = state["config"]
    net = CentreNet(len(cfg["classes"]), cfg["width"])
    net.load_state_dict(state["model"])
    net.eval()
    return net, cfg
