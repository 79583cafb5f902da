"""Fine-tuning from a bundled model: the rebuilt start reproduces each bundled ONNX file, and
``forcewatch train --init`` keeps the init model's classes, GSD and normalisation, cites it, and
stops on its time budget."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

pytest.importorskip("torch", reason="fine-tuning needs the forcewatch[train] extra (torch)")

from forcewatch.cli import _register, app
from forcewatch.detect.onnx_backend import read_meta
from forcewatch.detect.registry import bundled_models, float_model_path
from forcewatch.errors import InputError, ModelError
from tests.cli.test_train_evaluate_record import yolo_chips

pytestmark = pytest.mark.train


@pytest.mark.parametrize("name", ["vehicle", "tent", "aircraft"])
def test_rebuilt_net_reproduces_the_bundled_model(name: str) -> None:
    from forcewatch.train.rebuild import max_output_diff, rebuild_net

    path = float_model_path(name)  # the bundled aircraft model is INT8: its float source
    net, meta = rebuild_net(path)
    assert meta.model_id == read_meta(path).model_id
    assert net.heat.out_channels == len(meta.classes)
    assert max_output_diff(net, path, tile_px=96) < 1e-4


def test_rebuild_without_rescaling_keeps_the_fused_weights() -> None:
    from forcewatch.train.rebuild import max_output_diff, onnx_convs, rebuild_net

    path = float_model_path("vehicle")  # float.onnx: the bundled model.onnx is its INT8 copy
    net, _ = rebuild_net(path, rescale=False)
    assert np.all(net.stem[1][1].weight.detach().numpy() == 1.0)  # γ = 1
    np.testing.assert_array_equal(net.stem[1][0].weight.detach().numpy(), onnx_convs(path)[1].weight)
    assert max_output_diff(net, path, tile_px=64) < 1e-4
    scaled, _ = rebuild_net(path)  # the default: each channel's scale in γ, weights of init size
    rms = float(scaled.smooth[0].weight.detach().pow(2).mean().sqrt())
    assert abs(rms - (2 / (24 * 9)) ** 0.5) < 1e-3


def test_rebuild_refuses_a_model_of_another_shape(tmp_path: Path) -> None:
    from forcewatch.train.net import CentreNet
    from forcewatch.train.rebuild import load_fused, onnx_convs

    convs = onnx_convs(float_model_path("vehicle"))  # width 24
    with pytest.raises(ModelError, match=r"stem.1.0 has \(32, 24, 3, 3\).*Fix: give a model exported"):
        load_fused(CentreNet(1, 32), convs, tmp_path / "x.onnx")


def _train(data: Path, out: Path, *extra: str) -> object:
    _register()
    args = ["train", str(data), "--format", "yolo", "--gsd-m", "0.3", "--init", "vehicle", "--out", str(out)]
    args += ["--class-map", "car=vehicle", "--batch-size", "2", "--crop-px", "96", *extra]
    return CliRunner().invoke(app, args)


def test_finetune_keeps_the_init_model_and_cites_it(tmp_path: Path) -> None:
    data = yolo_chips(tmp_path / "chips")
    out = tmp_path / "ft"
    result = _train(data, out, "--iterations", "6", "--licence", "CC0", "--cv-folds", "0")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    init = read_meta(bundled_models()["vehicle"])
    meta = read_meta(out / "model.onnx")
    assert meta.classes == init.classes and meta.gsd_m == init.gsd_m
    assert (meta.mean, meta.std, meta.tile_px, meta.overlap_px) == (init.mean, init.std, init.tile_px, init.overlap_px)
    assert meta.score_threshold == init.score_threshold  # nothing held out: kept
    assert meta.model_id == "vehicle-0.3m-v2-ft-chips" and meta.scores == {}
    assert "fine-tuned from vehicle-0.3m-v2 (sha256 " in meta.training_data
    assert "chips (yolo): 6 images, 16 objects" in meta.training_data
    assert meta.licence == f"{init.licence} (init model) + CC0 (fine-tuning data)"
    card = (out / "MODEL.md").read_text()
    assert "fine-tuned from vehicle-0.3m-v2" in card and "6 chips (2 without objects), 16 objects" in card
    assert "6 steps of 2 crops" in card and "kept from vehicle-0.3m-v2: nothing was held out" in card
    assert "Not measured: --cv-folds 0 turned it off" in card and "no held-out score" in result.output  # type: ignore[attr-defined]
    log = [json.loads(ln) for ln in (out / "train_log.jsonl").read_text().splitlines()]
    assert log == []  # fewer than 10 steps: nothing logged yet


def test_finetune_with_val_chooses_the_threshold_and_stops_on_time(tmp_path: Path) -> None:
    data = yolo_chips(tmp_path / "chips")
    val = yolo_chips(tmp_path / "val", n=3, empty=1, seed=4)
    out = tmp_path / "ft"
    result = _train(data, out, "--minutes", "0.05", "--val", str(val), "--name", "my-vehicles")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    from forcewatch.train.loop import run_state

    state = run_state(out / "last.ckpt")
    assert state.stopped_on_time and 1 <= state.iterations_done < 1500
    assert state.elapsed_s < 3 + 30  # 0.05 min, plus at most the step that crossed it
    meta = read_meta(out / "model.onnx")
    assert meta.model_id == "my-vehicles" and 0.05 <= meta.score_threshold <= 0.95
    assert meta.scores["val"]["images"] == 3
    # the --val images are held out from training: they are the model's held-out score
    held = meta.scores["holdout"]
    assert held["validates"] is True and held["gsd_m"] == 0.3 and held["data"] == "val (yolo)"
    assert held["threshold"] == meta.score_threshold and held["classes"]["vehicle"]["n_gt"] == 8
    card = (out / "MODEL.md").read_text()
    assert "maximum F1 on 3 --val images" in card and "ended by the time budget" in card
    assert "vehicle-0.3m-v2 (init)" in card and "*validates* the model's counts" in card
    assert not (out / "cv").exists()  # no cross-validation with --val


@pytest.mark.slow
def test_finetune_without_val_cross_validates_and_records_the_holdout(tmp_path: Path) -> None:
    data = yolo_chips(tmp_path / "chips", n=7, empty=2)
    out = tmp_path / "ft"
    result = _train(data, out, "--iterations", "4")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    output = result.output  # type: ignore[attr-defined]
    assert "shared by 4 runs of the same recipe: 3 fold models" in output and "fold 3/3: fine-tuning on" in output
    assert "held out: 3-fold cross-validation" in output and "validates its counts" in output
    meta = read_meta(out / "model.onnx")
    held = meta.scores["holdout"]
    assert held["validates"] is True and held["gsd_m"] == 0.3 and held["images"] == 7
    assert held["method"].startswith("3-fold cross-validation, grouped by image (7 images)")
    assert "fine-tuned like the shipped model (4 steps)" in held["method"] and "conservative" in held["method"]
    assert held["threshold"] == meta.score_threshold
    assert held["classes"]["vehicle"]["n_gt"] == 20  # every chip held out once: all 5 × 4 vehicles
    assert meta.validation("vehicle", 0.3) is not None
    assert sorted(p.name for p in (out / "cv").iterdir()) == ["fold-1", "fold-2", "fold-3"]
    assert not list((out / "cv").rglob("*.onnx"))  # the fold models are not left where one could ship them
    card = (out / "MODEL.md").read_text()
    assert "**3-fold cross-validation, grouped by image (7 images)**" in card and "conservative estimate" in card
    assert "the first one's 2.4 minutes setting the step count of all, then the shipped model" in card
    assert "with the shipped model's recipe (4 steps)" in card
    assert "vehicle-0.3m-v2-ft-chips (fold models)" in card


def test_cv_folds_is_checked(tmp_path: Path) -> None:
    data = yolo_chips(tmp_path / "chips", n=2, empty=0)
    result = _train(data, tmp_path / "a", "--cv-folds", "1")
    assert "--cv-folds 1: use 0 (no held-out score) or 2 to 10" in str(result.exception)  # type: ignore[attr-defined]
    result = _train(data, tmp_path / "b", "--cv-folds", "3", "--val", str(data))
    assert "--cv-folds with --val" in str(result.exception)  # type: ignore[attr-defined]


def test_finetune_refuses_a_changed_gsd_and_unknown_classes(tmp_path: Path) -> None:
    data = yolo_chips(tmp_path / "chips", n=2, empty=0)
    result = _train(data, tmp_path / "a", "--target-gsd-m", "0.5")
    assert isinstance(result.exception, InputError)  # type: ignore[attr-defined]
    assert "keeps its GSD (0.3 m)" in str(result.exception)  # type: ignore[attr-defined]
    _register()
    args = ["train", str(data), "--format", "yolo", "--gsd-m", "0.3", "--init", "vehicle", "--out", str(tmp_path / "b")]
    result = CliRunner().invoke(app, args)
    assert "unknown class 'car'" in str(result.exception) and "--class-map car=NAME" in str(result.exception)


def test_sampler_draws_empty_chips_at_their_share() -> None:
    from forcewatch.train.augment import SourceImage
    from forcewatch.train.loop import source_sampler

    px = np.zeros((8, 8, 3), np.uint8)
    empty = SourceImage(px, np.zeros((0, 4), np.float32), np.zeros(0, np.int64), 0.3)
    full = SourceImage(px, np.ones((1, 4), np.float32), np.zeros(1, np.int64), 0.3)
    draw = source_sampler([full, full, full, full, empty], 0.25, np.random.default_rng(0))
    share = np.mean([not len(draw().boxes) for _ in range(4000)])
    assert 0.22 < share < 0.28
