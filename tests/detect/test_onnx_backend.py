"""The ONNX backend's pre-processing and its stage timings."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forcewatch.detect.onnx_backend import INPUT_MULTIPLE, OnnxDetector
from forcewatch.detect.registry import float_model_path, model_path


def reference_input(rgb: np.ndarray, mean: tuple[float, ...], std: tuple[float, ...]) -> np.ndarray:
    """The network input by its definition: zero-padded to the stride multiple, (x - mean) / std, NCHW."""
    h, w = rgb.shape[:2]
    padded = np.pad(rgb, ((0, -h % INPUT_MULTIPLE), (0, -w % INPUT_MULTIPLE), (0, 0)))
    m = np.array(mean, np.float32).reshape(1, 3, 1, 1)
    inv = (1.0 / np.array(std, np.float32)).reshape(1, 3, 1, 1)
    return (padded.transpose(2, 0, 1)[None].astype(np.float32) - m) * inv


@pytest.mark.parametrize("name", ["aircraft", "vehicle", "tent"])
@settings(max_examples=15, deadline=None)
@given(h=st.integers(1, 97), w=st.integers(1, 97), seed=st.integers(0, 2**16))
def test_preprocess_equals_the_definition_for_any_tile_size(name: str, h: int, w: int, seed: int) -> None:
    det = OnnxDetector(float_model_path(name))  # a float graph takes normalised planes
    rgb = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    got = det.preprocess(rgb)
    want = reference_input(rgb, det.meta.mean, det.meta.std)
    assert got.shape == want.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)


def test_preprocess_reads_a_non_contiguous_view() -> None:
    det = OnnxDetector(float_model_path("aircraft"))
    rgb = np.random.default_rng(1).integers(0, 256, (64, 80, 3), dtype=np.uint8)
    view = rgb[::-1, 5:69]  # what a flipped or cropped tile is
    np.testing.assert_allclose(det.preprocess(view), reference_input(view, det.meta.mean, det.meta.std), atol=1e-5)
    planes = np.moveaxis(np.ascontiguousarray(np.moveaxis(view, -1, 0)), 0, -1)  # as a tile read band by band
    np.testing.assert_array_equal(det.preprocess(planes), det.preprocess(view))


@pytest.mark.parametrize("name", ["aircraft", "vehicle", "tent"])
@settings(max_examples=15, deadline=None)
@given(h=st.integers(1, 97), w=st.integers(1, 97), seed=st.integers(0, 2**16))
def test_the_bundled_models_take_the_pixels_in_blocks_of_two_by_two(name: str, h: int, w: int, seed: int) -> None:
    """The bundled INT8 models take the uint8 pixels, padded black, each 2×2 block in 12 channels."""
    det = OnnxDetector(model_path(name))
    assert det.pixels_in
    rgb = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    padded = np.pad(rgb, ((0, -h % INPUT_MULTIPLE), (0, -w % INPUT_MULTIPLE), (0, 0)))
    got = det.preprocess(rgb)
    assert got.dtype == np.uint8 and got.shape == (1, 12, padded.shape[0] // 2, padded.shape[1] // 2)
    for c in range(3):
        for p in range(2):
            for q in range(2):
                np.testing.assert_array_equal(got[0, 4 * c + 2 * p + q], padded[p::2, q::2, c])


def test_detect_leaves_the_seconds_of_its_stages() -> None:
    det = OnnxDetector(model_path("aircraft"))
    det.detect(np.zeros((64, 64, 3), np.uint8))
    pre, infer, decode = det.last_stages_s
    assert pre > 0 and infer > 0 and decode > 0
