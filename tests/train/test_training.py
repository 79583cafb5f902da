"""A small training run end to end: CLI → checkpoints → resume → ONNX with metadata → evaluate."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

pytest.importorskip("torch", reason="training needs the forcewatch[train] extra (torch)")

from forcewatch.cli import _register, app
from forcewatch.detect.onnx_backend import OnnxDetector, read_meta

pytestmark = [pytest.mark.train, pytest.mark.slow]


def _toy_dataset(folder: Path, n_images: int = 3) -> Path:
    """Bright 'aircraft' crosses on a textured grey background, YOLO labels."""
    rng = np.random.default_rng(1)
    folder.mkdir()
    (folder / "classes.names").write_text("aircraft\n")
    for i in range(n_images):
        img = rng.normal(90, 12, (400, 400, 3)).clip(0, 255).astype(np.uint8)
        lines = []
        for _ in range(6):
            cx, cy = rng.integers(40, 360, 2)
            s = int(rng.integers(14, 30))
            cv2.rectangle(img, (int(cx - s), int(cy - 3)), (int(cx + s), int(cy + 3)), (235, 235, 235), -1)
            cv2.rectangle(img, (int(cx - 3), int(cy - s)), (int(cx + 3), int(cy + s)), (235, 235, 235), -1)
            lines.append(f"0 {cx / 400} {cy / 400} {2 * s / 400} {2 * s / 400}")
        cv2.imwrite(str(folder / f"toy{i}.png"), img)
        (folder / f"toy{i}.txt").write_text("\n".join(lines) + "\n")
    return folder


def test_train_resume_export_and_evaluate(tmp_path: Path) -> None:
    data = _toy_dataset(tmp_path / "toy")
    out = tmp_path / "run"
    _register()
    runner = CliRunner()
    args = [
        "train",
        str(data),
        "--format",
        "yolo",
        "--gsd-m",
        "0.5",
        "--out",
        str(out),
        "--batch-size",
        "4",
        "--crop-px",
        "128",
        "--name",
        "toy-test",
        "--licence",
        "CC0",
    ]
    first = runner.invoke(app, [*args, "--iterations", "20"])
    assert first.exit_code == 0, first.output
    assert (out / "last.ckpt").exists() and (out / "model.onnx").exists()
    # a checkpoint made with other options is refused, never silently mixed
    second = runner.invoke(app, [*args, "--iterations", "40"])
    assert second.exit_code != 0
    assert "another configuration" in str(second.exception)
    log = [json.loads(ln) for ln in (out / "train_log.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in log] == [10, 20]
    assert log[-1]["loss"] < log[0]["loss"]

    meta = read_meta(out / "model.onnx")
    assert meta.model_id == "toy-test"
    assert meta.classes == ("aircraft",)
    assert meta.gsd_m == 1.0 and meta.licence == "CC0"
    assert 0.05 <= meta.score_threshold <= 0.95
    det = OnnxDetector(out / "model.onnx")
    heat, _peaks, size, _offset = det.run(np.zeros((100, 130, 3), np.uint8))
    assert heat.shape == (1, 1, 32, 40) and size.shape == (1, 2, 32, 40)

    result = runner.invoke(
        app,
        [
            "evaluate",
            str(data),
            "--format",
            "yolo",
            "--gsd-m",
            "0.5",
            "--model",
            str(out / "model.onnx"),
            "--format-out",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output[result.output.index("{") :])
    assert doc["classes"][0]["class_name"] == "aircraft"
    assert 0.0 <= doc["classes"][0]["ap50"] <= 1.0


def test_resume_continues_from_the_checkpoint(tmp_path: Path) -> None:
    from forcewatch.train.loop import TrainConfig, train
    from forcewatch.train.readers import read_annotations

    data = read_annotations(_toy_dataset(tmp_path / "toy", 2), "yolo", gsd_m=0.5)
    cfg = TrainConfig(iterations=20, batch_size=2, crop_px=64, checkpoint_every=10)
    seen: list[int] = []
    train(data, tmp_path / "r", cfg, progress=lambda i, n, s: seen.append(i))
    assert seen == list(range(1, 21))
    import torch

    state = torch.load(tmp_path / "r" / "last.ckpt", weights_only=False)
    state["iteration"] = 10  # as if stopped after the first checkpoint
    torch.save(state, tmp_path / "r" / "last.ckpt")
    seen.clear()
    train(data, tmp_path / "r", cfg, progress=lambda i, n, s: seen.append(i))
    assert seen == list(range(11, 21))
