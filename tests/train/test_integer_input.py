"""The first convolution in INT8 from the uint8 pixels: the space-to-depth rearrangement is the same
convolution, the rewritten graph gives the calibrated INT8 graph's heat-map, and what cannot be
rewritten is refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from forcewatch.detect.onnx_backend import OnnxDetector, space_to_depth
from forcewatch.detect.registry import float_model_path
from forcewatch.errors import ModelError
from forcewatch.imagery.synthetic import render_airfield
from forcewatch.train.integer_input import INPUT_NAME, integer_input_stage, space_to_depth_kernel
from forcewatch.train.quantize import quantize_model


def _conv(x: np.ndarray, w: np.ndarray, stride: int, pads: tuple[int, int, int, int]) -> np.ndarray:
    """A plain convolution (C × H × W input, O × C × k × k kernel), zero padding (top, left, bottom, right)."""
    top, left, bottom, right = pads
    x = np.pad(x, ((0, 0), (top, bottom), (left, right)))
    k = w.shape[2]
    rows = (x.shape[1] - k) // stride + 1
    cols = (x.shape[2] - k) // stride + 1
    out = np.zeros((w.shape[0], rows, cols))
    for a in range(k):
        for b in range(k):
            patch = x[:, a : a + stride * rows : stride, b : b + stride * cols : stride]
            out += np.einsum("oc,chw->ohw", w[:, :, a, b], patch)
    return out


@settings(max_examples=60, deadline=None)
@given(
    w=arrays(
        np.float64, st.tuples(st.integers(1, 4), st.integers(1, 3), st.just(3), st.just(3)), elements=st.floats(-2, 2)
    ),
    half_h=st.integers(1, 6),
    half_w=st.integers(1, 6),
    seed=st.integers(0, 2**16),
)
def test_the_space_to_depth_kernel_is_the_same_convolution(w: np.ndarray, half_h: int, half_w: int, seed: int) -> None:
    x = np.random.default_rng(seed).normal(size=(w.shape[1], 2 * half_h, 2 * half_w))
    want = _conv(x, w, 2, (1, 1, 1, 1))
    blocks = space_to_depth(x)[0]
    got = _conv(blocks, space_to_depth_kernel(w), 1, (1, 1, 0, 0))
    assert got.shape == want.shape == (w.shape[0], half_h, half_w)
    np.testing.assert_allclose(got, want, atol=1e-9)


def test_space_to_depth_puts_each_blocks_pixels_in_channels_and_pads_black() -> None:
    planes = np.arange(3 * 4 * 6, dtype=np.uint8).reshape(3, 4, 6)
    blocks = space_to_depth(planes)
    assert blocks.shape == (1, 12, 2, 3) and blocks.dtype == np.uint8
    for c in range(3):
        for p in range(2):
            for q in range(2):
                np.testing.assert_array_equal(blocks[0, 4 * c + 2 * p + q], planes[c, p::2, q::2])
    padded = space_to_depth(planes[:, :3, :5], 1, 1)
    assert padded.shape == (1, 12, 2, 3)
    assert padded[0, 4 * 0 + 2 * 1 + 1, 1, 2] == 0  # the pixel below and right of the tile: black


@pytest.fixture(scope="module")
def stages(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The float aircraft model quantised, and its INT8 graph before the first stage was rewritten."""
    folder = tmp_path_factory.mktemp("int8")
    chips = [render_airfield(320, 320, 1.0, [(160, 160, 40.0, 30.0 * k)], seed=k)[0] for k in range(4)]
    out = folder / "aircraft-int8.onnx"
    quantize_model(float_model_path("aircraft"), out, chips)
    return float_model_path("aircraft"), out


def test_the_rewritten_model_takes_uint8_blocks_and_gives_the_float_heat_map(stages: tuple[Path, Path]) -> None:
    src, out = stages
    graph = onnx.load(str(out)).graph
    (inp,) = graph.input
    assert inp.name == INPUT_NAME and inp.type.tensor_type.elem_type == onnx.TensorProto.UINT8
    (first,) = [n for n in graph.node if INPUT_NAME in n.input]
    assert first.op_type == "QLinearConv"
    assert not any(n.op_type == "Conv" and n.input[0] == INPUT_NAME for n in graph.node)
    fp32, int8 = OnnxDetector(src), OnnxDetector(out)
    assert int8.pixels_in and not fp32.pixels_in
    rgb, _ = render_airfield(640, 480, 1.0, [(120 + 130 * k, 240.0, 40.0, 25.0 * k) for k in range(4)], seed=3)
    heat_float, heat_int8 = fp32.run(rgb)[0], int8.run(rgb)[0]
    assert heat_float.shape == heat_int8.shape
    assert np.abs(heat_float - heat_int8).max() < 0.1  # INT8 weights and activations: near, not equal
    a, b = fp32.detect(rgb), int8.detect(rgb)
    assert len(a.boxes) == len(b.boxes) == 4


def test_a_tile_of_any_size_runs_through_the_uint8_input(stages: tuple[Path, Path]) -> None:
    _, out = stages
    det = OnnxDetector(out)
    for h, w in ((33, 70), (64, 64), (97, 1)):
        rgb = np.random.default_rng(h).integers(0, 256, (h, w, 3), dtype=np.uint8)
        x = det.preprocess(rgb)
        assert x.dtype == np.uint8 and x.shape == (1, 12, (h + -h % 32) // 2, (w + -w % 32) // 2)
        assert det.detect(rgb).boxes.shape[1] == 4


def test_a_model_without_a_float_first_stage_is_refused(stages: tuple[Path, Path], tmp_path: Path) -> None:
    src, out = stages
    with pytest.raises(ModelError, match=r"first convolution is not a float Conv → Relu → QuantizeLinear.*Fix"):
        integer_input_stage(src, tmp_path / "x.onnx", (127.5,) * 3, (63.75,) * 3)  # float: no QuantizeLinear
    with pytest.raises(ModelError, match="Fix: give a model quantised by"):
        integer_input_stage(out, tmp_path / "y.onnx", (127.5,) * 3, (63.75,) * 3)  # rewritten already
    assert not (tmp_path / "x.onnx").exists() and not (tmp_path / "y.onnx").exists()
