"""ONNX metadata round trip (no torch needed): what export writes, the backend reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from onnx import TensorProto, helper

from forcewatch.detect.metadata import ModelMeta, at_least_as_coarse
from forcewatch.detect.onnx_backend import OnnxDetector, decode, read_meta
from forcewatch.errors import ModelError
from forcewatch.train.export import update_metadata, write_metadata

META = ModelMeta(
    model_id="toy",
    classes=("aircraft", "vehicle"),
    gsd_m=0.8,
    stride=4,
    tile_px=512,
    overlap_px=96,
    mean=(1.0, 2.0, 3.0),
    std=(4.0, 5.0, 6.0),
    score_threshold=0.4,
    nms_iou=0.5,
    version="0.1.0",
    licence="CC0",
    training_data="none",
    scores={"ap50": 0.9},
)


def _toy_model(path: Path) -> Path:
    """A graph with the detector's inputs and outputs (heat = peaks = a constant field)."""
    x = helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, None, None])
    outs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in ("heat", "peaks", "size", "offset")]
    pool = helper.make_node("AveragePool", ["image"], ["pooled"], kernel_shape=[4, 4], strides=[4, 4])
    nodes = [
        pool,
        helper.make_node("Slice", ["pooled", "s0", "s2", "ax"], ["heat"]),
        helper.make_node("Identity", ["heat"], ["peaks"]),
        helper.make_node("Slice", ["pooled", "s0", "s2", "ax"], ["size"]),
        helper.make_node("Slice", ["pooled", "s0", "s2", "ax"], ["offset"]),
    ]
    inits = [
        helper.make_tensor("s0", TensorProto.INT64, [1], [0]),
        helper.make_tensor("s2", TensorProto.INT64, [1], [2]),
        helper.make_tensor("ax", TensorProto.INT64, [1], [1]),
    ]
    model = helper.make_model(
        helper.make_graph(nodes, "toy", [x], outs, inits), opset_imports=[helper.make_opsetid("", 17)]
    )
    write_metadata(model, META)
    onnx.save(model, path)
    return path


def test_metadata_round_trip(tmp_path: Path) -> None:
    path = _toy_model(tmp_path / "toy.onnx")
    assert read_meta(path) == META
    det = OnnxDetector(path)
    assert det.model_id == "toy" and len(det.sha256) == 64
    heat, peaks, size, offset = det.run(np.zeros((30, 50, 3), np.uint8))  # padded to 32 × 64
    assert peaks.shape == heat.shape and size.shape == offset.shape == (1, 2, 8, 16)
    assert heat.shape == (1, 2, 8, 16)


def test_rewriting_metadata_replaces_it(tmp_path: Path) -> None:
    path = _toy_model(tmp_path / "toy.onnx")
    model = onnx.load(path)
    write_metadata(model, ModelMeta(**{**META.__dict__, "score_threshold": 0.7}))
    keys = [p.key for p in model.metadata_props]
    assert len(keys) == len(set(keys))
    onnx.save(model, path)
    assert read_meta(path).score_threshold == 0.7


def test_coarse_thresholds_round_trip_and_apply_from_their_gsd(tmp_path: Path) -> None:
    path = _toy_model(tmp_path / "toy.onnx")
    assert read_meta(path).coarse_thresholds == () and read_meta(path).threshold_at(3.0) == 0.4  # older files
    meta = update_metadata(path, coarse_thresholds=((2.5, 0.3), (4.0, 0.25)))
    assert read_meta(path) == meta and meta.coarse_thresholds == ((2.5, 0.3), (4.0, 0.25))
    assert [meta.threshold_at(g) for g in (None, 0.5, 2.4, 2.45, 2.5, 3.0, 3.99, 4.0, 10.0)] == [
        0.4,
        0.4,
        0.4,
        0.3,
        0.3,
        0.3,
        0.25,
        0.25,
        0.25,
    ]  # 2.45 is within 2 % of 2.5: a stated GSD is rounded


@given(st.floats(0.05, 100.0), st.floats(0.0, 0.5))
def test_a_gsd_is_as_coarse_as_itself_and_a_stated_rounding_but_not_as_a_finer_one(gsd_m: float, off: float) -> None:
    assert at_least_as_coarse(gsd_m, gsd_m) and at_least_as_coarse(gsd_m * (1 + off), gsd_m)
    assert at_least_as_coarse(gsd_m * 0.985, gsd_m)  # a stated 3 m may be 2.96 m
    assert not at_least_as_coarse(gsd_m * 0.97, gsd_m)


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("[[3.0, 0.4], [2.0, 0.3]]", "coarser than the one before"),
        ("[[3.0, 1.5]]", "between 0 and 1"),
        ("[[-1, 0.3]]", "must be positive"),
        ("[3.0, 0.4]", "not a list of [from_gsd_m, threshold]"),
    ],
)
def test_malformed_coarse_thresholds_name_the_file_and_the_fix(tmp_path: Path, value: str, says: str) -> None:
    path = _toy_model(tmp_path / "toy.onnx")
    model = onnx.load(path)
    entry = model.metadata_props.add()
    entry.key, entry.value = "forcewatch.coarse_thresholds", value
    onnx.save(model, path)
    with pytest.raises(ModelError, match="coarse_thresholds") as err:
        read_meta(path)
    assert says in str(err.value) and str(path) in str(err.value) and "Fix:" in str(err.value)


def test_a_model_without_forcewatch_metadata_is_refused(tmp_path: Path) -> None:
    path = _toy_model(tmp_path / "toy.onnx")
    model = onnx.load(path)
    del model.metadata_props[:]
    onnx.save(model, path)
    with pytest.raises(ModelError, match="no 'forcewatch.model_id' metadata.*forcewatch train"):
        read_meta(path)
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="not a readable ONNX model"):
        read_meta(bad)


def test_decode_peaks_to_boxes() -> None:
    heat = np.zeros((1, 8, 8), np.float32)
    heat[0, 2, 3] = 0.9
    size = np.zeros((2, 8, 8), np.float32)
    size[:, 2, 3] = np.log(5.0)  # 5 cells = 20 px
    offset = np.full((2, 8, 8), 0.5, np.float32)
    out = decode(heat, heat.copy(), size, offset, 4, 0.5, 32, 32)
    np.testing.assert_allclose(out.boxes, [[4.0, 0.0, 24.0, 20.0]], atol=1e-4)  # centre (14, 10), clipped at the top
    assert out.classes.tolist() == [0] and out.scores.tolist() == pytest.approx([0.9])


def test_each_bundled_model_states_the_coarsest_imagery_it_sees_in() -> None:
    from forcewatch.detect.registry import bundled_models, load_detector

    sees = {name: load_detector(name).meta for name in bundled_models()}
    assert {n: m.sees_to_gsd_m for n, m in sees.items()} == {"aircraft": 3.0, "tent": 1.0, "vehicle": 0.75}
    assert sees["vehicle"].not_observable_reason(0.5) is None
    reason = sees["vehicle"].not_observable_reason(1.0)
    assert reason is not None and "1.00 m GSD is coarser than the 0.75 m" in reason
    assert sees["aircraft"].not_observable_reason(3.0) is None and sees["aircraft"].not_observable_reason(5.0)


def test_bundled_models_name_their_data_never_a_machine_path() -> None:
    """A model's card travels into every brief's provenance: no path of the machine that built it."""
    import onnx

    from forcewatch.detect.registry import bundled_models

    for name, path in bundled_models().items():
        model = onnx.load(str(path), load_external_data=False)
        for prop in model.metadata_props:
            for marker in ("/work/", "/home/", "/tmp/", "../", "C:\\"):
                assert marker not in prop.value, f"{name}: {prop.key} holds a local path: {prop.value[:120]}"


def test_dataset_label_is_a_name_not_a_path(tmp_path: Path) -> None:
    from forcewatch.app.datasets import dataset_label

    folder = tmp_path / "deep" / "vehicles-kit-ais"
    folder.mkdir(parents=True)
    assert dataset_label(folder, "yolo") == "vehicles-kit-ais (yolo)"
    assert dataset_label(folder / "annotations.csv") == "vehicles-kit-ais/annotations.csv"
