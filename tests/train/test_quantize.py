"""INT8 quantisation: the body of the network in INT8, its output stage in float (a quantised
heat-map has plateaus where the peak test finds several peaks per object), the metadata carried
over with ``-int8`` and no validation until the copy is scored."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from typer.testing import CliRunner

from forcewatch.cli import _register, app
from forcewatch.detect.onnx_backend import OnnxDetector
from forcewatch.detect.registry import bundled_models, float_model_path
from forcewatch.errors import InputError, ModelError
from forcewatch.imagery.synthetic import render_airfield
from forcewatch.provenance import file_sha256
from forcewatch.train.quantize import input_stage, output_stage, quantize_model
from tests.cli.test_train_evaluate_record import yolo_chips


def test_the_output_stage_is_each_outputs_layers_back_to_its_convolution() -> None:
    graph = onnx.load(str(float_model_path("aircraft"))).graph
    by_name = {n.name: n for n in graph.node}
    stage = output_stage(graph)
    assert sorted(by_name[n].op_type for n in stage) == ["Conv", "Conv", "Conv", "MaxPool", "Sigmoid"]
    producers = {o: n.name for n in graph.node for o in n.output}
    assert {producers[o.name] for o in graph.output} <= set(stage)  # every output is made in float


@pytest.fixture(scope="module")
def quantized(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    src = float_model_path("aircraft")  # the float file the bundled INT8 model was quantised from
    chips = [render_airfield(320, 320, 1.0, [(160, 160, 40.0, 30.0 * k)], seed=k)[0] for k in range(4)]
    out = tmp_path_factory.mktemp("q") / "aircraft-int8.onnx"
    quantize_model(src, out, chips)
    return src, out


def test_the_quantised_model_carries_the_metadata_and_is_not_validated(quantized: tuple[Path, Path]) -> None:
    src, out = quantized
    fp32, int8 = OnnxDetector(src), OnnxDetector(out)
    assert int8.meta.model_id == fp32.meta.model_id + "-int8"
    assert (int8.meta.gsd_m, int8.meta.classes, int8.meta.tile_px) == (fp32.meta.gsd_m, fp32.meta.classes, 1024)
    origin = int8.meta.scores["quantized_from"]
    assert origin["sha256"] == file_sha256(src) and origin["calibration_chips"] == 4
    assert set(int8.meta.scores) == {"quantized_from"}  # the float model's scores do not carry over
    assert fp32.meta.validation("aircraft", 1.0) is not None and int8.meta.validation("aircraft", 1.0) is None
    ops = {n.op_type for n in onnx.load(str(out)).graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops


def test_the_first_convolution_runs_in_int8_from_the_pixels_and_the_graph_runs_without_nchwc(
    quantized: tuple[Path, Path],
) -> None:
    import onnxruntime as ort

    from forcewatch.detect.onnx_backend import is_quantized
    from forcewatch.train.integer_input import INPUT_NAME

    src, out = quantized
    first = input_stage(onnx.load(str(src)).graph)
    assert first == ["/net/stem/stem.0/stem.0.0/Conv"]  # 3 channels in: left out of the calibration
    assert OnnxDetector(out).meta.scores["quantized_from"]["integer_input_stage"] == first
    graph = onnx.load(str(out)).graph
    (reader,) = [n for n in graph.node if INPUT_NAME in n.input]
    assert reader.op_type == "QLinearConv"  # rewritten: INT8 straight from the uint8 pixels
    assert is_quantized(out) and not is_quantized(src)
    levels = {p: OnnxDetector(p).session.get_session_options().graph_optimization_level for p in (src, out)}
    assert levels == {
        src: ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
        out: ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
    }


def test_the_quantised_model_finds_the_same_aircraft(quantized: tuple[Path, Path]) -> None:
    src, out = quantized
    planes = [(150 + 110 * k, 260.0, 40.0, 20.0 * k) for k in range(5)]
    rgb, _ = render_airfield(800, 520, 1.0, planes, seed=11)
    a, b = OnnxDetector(src).detect(rgb), OnnxDetector(out).detect(rgb)
    assert len(a.boxes) == 5 and len(b.boxes) == len(a.boxes)  # one peak per aircraft: no plateau doubles
    centres = lambda d: np.sort((d.boxes[:, :2] + d.boxes[:, 2:]) / 2, axis=0)  # noqa: E731
    np.testing.assert_allclose(centres(a), centres(b), atol=3.0)


def test_the_bundled_aircraft_model_is_int8_scored_with_its_float_source_beside_it() -> None:
    run, source = bundled_models()["aircraft"], float_model_path("aircraft")
    assert run.name == "model.onnx" and source.name == "float.onnx"
    int8, fp32 = OnnxDetector(run), OnnxDetector(source)
    assert int8.meta.model_id == fp32.meta.model_id + "-int8" and int8.meta.tile_px == 2048
    assert int8.meta.scores["quantized_from"]["sha256"] == file_sha256(source)
    assert int8.meta.validation("aircraft", 1.0) is not None  # scored on the hold-out: its counts validate
    assert fp32.meta.score_threshold == int8.meta.score_threshold  # quantising the float file gives the INT8 file
    assert fp32.meta.coarse_thresholds == int8.meta.coarse_thresholds


@pytest.mark.parametrize("name", ["vehicle", "tent"])
def test_the_bundled_ground_models_are_int8_with_their_float_source_beside_them(name: str) -> None:
    from forcewatch.train.finetune import load_init

    run, source = bundled_models()[name], float_model_path(name)
    assert run.name == "model.onnx" and source.name == "float.onnx"
    int8, fp32 = OnnxDetector(run), OnnxDetector(source)
    assert int8.meta.model_id == fp32.meta.model_id + "-int8"
    assert int8.meta.scores["quantized_from"]["sha256"] == file_sha256(source)
    held_out, float_held_out = int8.meta.scores["holdout"], fp32.meta.scores["holdout"]
    assert held_out["data"] == float_held_out["data"] and held_out["validates"] is False  # stand-in objects
    ap50 = held_out["classes"][name]["ap50"]
    assert abs(ap50 - float_held_out["classes"][name]["ap50"]) <= 0.005  # the switch rule of the speed issue
    assert (int8.meta.gsd_m, int8.meta.tile_px, int8.meta.overlap_px) == (
        fp32.meta.gsd_m,
        fp32.meta.tile_px,
        fp32.meta.overlap_px,
    )
    assert fp32.meta.score_threshold == int8.meta.score_threshold
    assert load_init(name).path == source  # fine-tuning starts from the float weights


def test_an_int8_model_is_neither_fine_tuned_nor_quantised_again(quantized: tuple[Path, Path], tmp_path: Path) -> None:
    from forcewatch.app.quantize import quantize
    from forcewatch.train.finetune import load_init

    source, out = quantized
    float_id = OnnxDetector(source).meta.model_id
    with pytest.raises(ModelError, match=rf"an INT8 copy of {float_id} .*Fix: fine-tune the float model"):
        load_init(str(out))
    data = yolo_chips(tmp_path / "chips")
    with pytest.raises(InputError, match=r"already an INT8 model .*Fix: quantise the float model"):
        quantize(str(out), data, "yolo", tmp_path / "again.onnx", gsd_m=1.0)
    assert load_init("aircraft").path == float_model_path("aircraft")  # the bundled name fine-tunes the float file


def test_model_quantize_cli_writes_the_copy_and_its_speed(tmp_path: Path) -> None:
    _register()
    data = yolo_chips(tmp_path / "parks", n=3, empty=0)
    out = tmp_path / "models" / "vehicle-int8.onnx"
    args = ["model", "quantize", str(data), "--format", "yolo", "--gsd-m", "0.3", "--model", "vehicle"]
    res = CliRunner().invoke(app, [*args, "--out", str(out), "--chips", "3", "--json"])
    assert res.exit_code == 0, (res.output, res.exception)
    doc = json.loads(res.output)
    assert doc["model"] == "vehicle-0.3m-v2-int8" and doc["calibration_chips"] == 3
    assert doc["calibration_images"] == 3 and doc["ms_per_tile_int8"] > 0 and doc["speed_up"] > 0
    assert out.is_file() and not out.with_name(out.name + ".part").exists()


@pytest.mark.parametrize(
    ("out", "chips", "message"),
    [("model.txt", 3, "not an .onnx file name"), ("m.onnx", 0, "--chips 0: must be at least 1")],
)
def test_model_quantize_refuses_bad_arguments(tmp_path: Path, out: str, chips: int, message: str) -> None:
    from forcewatch.app.quantize import quantize

    data = yolo_chips(tmp_path / "parks", n=1, empty=0)
    with pytest.raises(InputError, match=message):
        quantize("vehicle", data, "yolo", tmp_path / out, gsd_m=0.3, chips=chips)
    assert not (tmp_path / out).exists()
