"""bench/sahi.py's SAHI wrapper of a ForceWatch ONNX model finds what ForceWatch's own detector
finds, in the same pixels (skipped when SAHI, the ``bench`` extra, is not installed)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from forcewatch.detect.onnx_backend import OnnxDetector
from forcewatch.detect.registry import model_path
from forcewatch.imagery.synthetic import render_airfield

pytest.importorskip("sahi", reason="needs SAHI: pip install -e '.[bench]'")

BENCH = Path(__file__).resolve().parents[2] / "bench" / "sahi.py"


def bench_sahi() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_sahi", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tile() -> np.ndarray:
    """Synthetic airfield at the aircraft model's 1 m GSD, 300 × 230 px (not a multiple of 32)."""
    planes = [(60.0, 90.0, 40.0, 30.0), (150.0, 95.0, 36.0, 300.0), (230.0, 100.0, 50.0, 90.0)]
    rgb, _ = render_airfield(300, 230, 1.0, planes, seed=3)
    return rgb


def test_wrapper_returns_the_detectors_boxes(tile: np.ndarray) -> None:
    from sahi.predict import get_prediction

    path = model_path("aircraft")
    det = OnnxDetector(path, threads=1)
    ref = det.detect(tile)
    assert len(ref.scores) >= 2  # the planes are found: the comparison below is not of two empty lists
    model = bench_sahi().sahi_model(path, threads=1)
    assert model.confidence_threshold == det.meta.score_threshold
    preds = sorted(get_prediction(tile, model).object_prediction_list, key=lambda p: p.score.value)
    order = np.argsort(ref.scores, kind="stable")
    assert [p.category.name for p in preds] == [det.meta.classes[int(c)] for c in ref.classes[order]]
    np.testing.assert_allclose([p.score.value for p in preds], ref.scores[order], rtol=1e-5)
    np.testing.assert_allclose([p.bbox.to_xyxy() for p in preds], ref.boxes[order], atol=1e-3)


def test_wrapper_shifts_boxes_into_the_full_image(tile: np.ndarray) -> None:
    from sahi.predict import get_prediction

    model = bench_sahi().sahi_model(model_path("aircraft"), threads=1)
    here = get_prediction(tile, model).object_prediction_list
    shifted = get_prediction(tile, model, shift_amount=[1000, 500], full_shape=[4000, 4000]).object_prediction_list
    assert len(here) == len(shifted) > 0
    moved = sorted(p.get_shifted_object_prediction().bbox.to_xyxy() for p in shifted)
    want = sorted([b[0] + 1000, b[1] + 500, b[2] + 1000, b[3] + 500] for b in (p.bbox.to_xyxy() for p in here))
    np.testing.assert_allclose(moved, want, atol=1e-3)
