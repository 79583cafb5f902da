"""Distillation (``forcewatch train --teacher``): a new net also learns a teacher model's heat-maps."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch", reason="training needs the forcewatch[train] extra (torch)")
import torch

from forcewatch.detect.registry import float_model_path, model_path
from forcewatch.errors import InputError
from forcewatch.train.loop import TrainConfig, distill_loss, teacher_session, train
from forcewatch.train.readers import read_annotations

from .test_training import _toy_dataset

pytestmark = [pytest.mark.train]


def test_the_loss_is_nothing_where_student_and_teacher_agree() -> None:
    teacher = torch.tensor([[[[0.01, 0.9], [0.5, 0.2]]]])
    agree = torch.logit(teacher)
    assert float(distill_loss(agree, teacher)) == pytest.approx(0.0, abs=1e-9)
    assert float(distill_loss(agree + 1.0, teacher)) > 0.0


def test_the_loss_pulls_the_student_towards_the_teacher() -> None:
    teacher = torch.tensor([[[[0.05, 0.95], [0.6, 0.1]]]])
    logits = torch.zeros_like(teacher, requires_grad=True)  # p = 0.5 everywhere
    distill_loss(logits, teacher).backward()
    assert logits.grad is not None
    # a lower teacher probability pushes the logit down, a higher one up
    assert torch.equal(torch.sign(logits.grad), torch.sign(0.5 - teacher))


def test_a_teacher_of_another_gsd_is_refused_naming_both() -> None:
    cfg = TrainConfig(target_gsd_m=0.5, teacher=str(model_path("aircraft")))
    with pytest.raises(InputError, match=r"GSD 1\.0 \(the run: 0\.5\).*Fix"):
        teacher_session(cfg, 1)
    assert teacher_session(TrainConfig(), 1) is None  # no teacher, no session


def test_an_int8_teacher_that_takes_the_pixels_is_refused_for_its_float_file() -> None:
    cfg = TrainConfig(target_gsd_m=1.0, teacher=str(model_path("aircraft")))  # the bundled INT8 file
    with pytest.raises(InputError, match=r"takes the image's pixels.*Fix: distil from the float model"):
        teacher_session(cfg, 1)
    assert teacher_session(TrainConfig(target_gsd_m=1.0, teacher=str(float_model_path("aircraft"))), 1) is not None


@pytest.mark.slow
def test_a_run_with_a_teacher_logs_the_distillation_term(tmp_path: Path) -> None:
    data = read_annotations(_toy_dataset(tmp_path / "toy", 2), "yolo", gsd_m=0.5)
    cfg = TrainConfig(iterations=6, batch_size=2, crop_px=64, width=8, teacher=str(float_model_path("aircraft")))
    stats: list[dict[str, float]] = []
    train(data, tmp_path / "r", cfg, progress=lambda i, n, s: stats.append(s))
    assert len(stats) == 6 and all(s["distil"] >= 0.0 for s in stats)
    assert all(s["loss"] >= s["heat"] + s["size"] + s["offset"] + s["distil"] - 1e-4 for s in stats)
