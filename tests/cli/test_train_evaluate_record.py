"""``forcewatch evaluate --record KEY``: the recorded score says whether it validates the model's counts
(real imagery of the class's objects) and the GSD it was measured at; synthetic data and stand-in
objects (``--stand-in-objects``) never validate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from forcewatch.cli import _register, app
from forcewatch.detect.onnx_backend import read_meta
from forcewatch.detect.registry import bundled_models


def yolo_chips(folder: Path, n: int = 6, empty: int = 2, seed: int = 3) -> Path:
    """``n`` small 0.3 m chips of grey ground with dark 'cars' (YOLO labels); ``empty`` of them without cars."""
    rng = np.random.default_rng(seed)
    folder.mkdir()
    (folder / "classes.txt").write_text("car\n")
    for i in range(n):
        img = rng.normal(150, 10, (160, 160, 3)).clip(0, 255).astype(np.uint8)
        lines = []
        for _ in range(0 if i < empty else 4):
            cx, cy = (int(v) for v in rng.integers(20, 140, 2))
            cv2.rectangle(img, (cx - 8, cy - 4), (cx + 8, cy + 4), (40, 40, 50), -1)
            lines.append(f"0 {cx / 160} {cy / 160} {17 / 160} {9 / 160}")
        cv2.imwrite(str(folder / f"chip{i}.png"), img)
        (folder / f"chip{i}.txt").write_text("".join(f"{ln}\n" for ln in lines))
    return folder


def _evaluate(data: Path, model: Path, *extra: str) -> str:
    _register()
    args = ["evaluate", str(data), "--format", "yolo", "--gsd-m", "0.3", "--model", str(model)]
    res = CliRunner().invoke(app, [*args, "--class-map", "car=vehicle", "--record", "holdout", *extra])
    assert res.exit_code == 0, (res.output, res.exception)
    return res.output


@pytest.fixture
def model(tmp_path: Path) -> Path:
    return Path(shutil.copy(bundled_models()["vehicle"], tmp_path / "mine.onnx"))


def test_record_on_real_imagery_validates_at_its_gsd(tmp_path: Path, model: Path) -> None:
    out = _evaluate(yolo_chips(tmp_path / "parks", n=3, empty=0), model)
    entry = read_meta(model).scores["holdout"]
    assert (
        entry["validates"] is True
        and entry["gsd_m"] == 0.3
        and entry["images"] == 3
        and entry["classes"]["vehicle"]["n_gt"] == 12
    )
    assert entry["data"] == "parks (yolo)" and "not_validating" not in entry
    assert set(entry["classes"]["vehicle"]) >= {"ap50", "precision", "recall", "f1", "n_gt", "n_detections"}
    assert "recorded in the model file as 'holdout' (at 0.3 m GSD; validates its counts)" in " ".join(out.split())
    assert read_meta(model).validation("vehicle", 0.3) is not None


def test_stand_in_objects_and_synthetic_data_never_validate(tmp_path: Path, model: Path) -> None:
    out = _evaluate(yolo_chips(tmp_path / "cars", n=3, empty=0), model, "--stand-in-objects")
    entry = read_meta(model).scores["holdout"]
    assert entry["validates"] is False and "stand in for the class" in entry["not_validating"]
    assert "does not validate its counts" in " ".join(out.split())
    assert read_meta(model).validation("vehicle", 0.3) is None
    synth = yolo_chips(tmp_path / "synth", n=3, empty=0)
    (synth / "manifest.json").write_text(json.dumps({"note": "SYNTHETIC objects rendered by ForceWatch"}))
    _evaluate(synth, model)
    entry = read_meta(model).scores["holdout"]
    assert entry["validates"] is False and "the data is SYNTHETIC (synth/manifest.json" in entry["not_validating"]
