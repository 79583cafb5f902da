"""``forcewatch train --from-workspace``: fine-tune on the workspace's labels, end to end, with the
held-out score recorded so that the model validates its counts; and the option errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from forcewatch.cli import _register, app
from tests.app.test_label_chips import GSD_M, make_workspace


def _invoke(*args: str):  # type: ignore[no-untyped-def]
    _register()
    return CliRunner().invoke(app, ["train", *args])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--from-workspace", "--out", "o"],
            "--from-workspace fine-tunes a model on the workspace's labels. Fix: give --init",
        ),
        (["data", "--from-workspace", "--init", "vehicle", "--out", "o"], "data: --from-workspace builds the chips"),
        (["--from-workspace", "--init", "vehicle", "--format", "yolo", "--out", "o"], "--format is the format of DATA"),
        (["data", "--format", "yolo", "--site", "X", "--out", "o"], "--site and --date choose the workspace's labels"),
        (["--out", "o"], "no training data. Fix: give DATA with --format, or --from-workspace"),
        (["data", "--out", "o"], "data: --format is missing"),
    ],
)
def test_train_sources_are_checked(args: list[str], message: str) -> None:
    result = _invoke(*args)
    assert result.exit_code != 0 and message in str(result.exception), (result.output, result.exception)


@pytest.mark.train
@pytest.mark.slow
def test_train_from_workspace_records_a_validating_holdout(tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="fine-tuning needs the forcewatch[train] extra (torch)")
    from forcewatch.detect.onnx_backend import read_meta

    with make_workspace(tmp_path, cls="vehicle"):
        pass
    out = tmp_path / "ft"
    ws = str(tmp_path / "ws")
    small = ("--iterations", "3", "--batch-size", "2", "--crop-px", "96")
    result = _invoke("--from-workspace", "--site", "Field", "--init", "vehicle", "--out", str(out), "-w", ws, *small)
    assert result.exit_code == 0, (result.output, result.exception)
    assert "1 detections nobody reviewed were blanked" in result.output
    meta = read_meta(out / "model.onnx")
    assert meta.model_id == "vehicle-0.3m-v2-ft-field"
    assert meta.training_data.startswith("workspace labels of site Field (1 scene, by ana, bo): 3 images, 3 objects")
    assert str(tmp_path) not in meta.training_data  # never a local path
    held = meta.scores["holdout"]
    assert held["validates"] is True and held["gsd_m"] == GSD_M and held["images"] == 3
    assert held["method"].startswith("2-fold cross-validation, grouped by chip (3 chips)")
    assert held["classes"]["vehicle"]["n_gt"] == 3
    why = meta.validation("vehicle", GSD_M)
    assert why is not None and "holdout" in why
    card = (out / "MODEL.md").read_text()
    assert "workspace labels of site Field (1 scene, by ana, bo): 3 chips (1 without objects), 3 objects" in card
    assert "2-fold cross-validation, grouped by chip (3 chips)" in card and "conservative" in card
    assert len(list((out / "chips").glob("*.png"))) == 3
