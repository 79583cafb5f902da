"""``forcewatch model quantize``: an INT8 copy of a model, calibrated on real imagery, and how much
faster it runs here. The copy is not validated until it is scored (``forcewatch evaluate --record``)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from forcewatch.app.datasets import read_dataset, read_split
from forcewatch.detect.metadata import ModelMeta
from forcewatch.detect.registry import float_model_path, load_detector
from forcewatch.errors import InputError


@dataclass(frozen=True)
class Quantized:
    path: Path
    meta: ModelMeta
    source_model_id: str
    chips: int
    chip_images: int
    ms_per_tile_fp32: float  # median of a few runs on one whole tile, with the same threads
    ms_per_tile_int8: float

    def to_json(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "model": self.meta.model_id,
            "from": self.source_model_id,
            "calibration_chips": self.chips,
            "calibration_images": self.chip_images,
            "ms_per_tile_fp32": round(self.ms_per_tile_fp32, 1),
            "ms_per_tile_int8": round(self.ms_per_tile_int8, 1),
            "speed_up": round(self.ms_per_tile_fp32 / self.ms_per_tile_int8, 2),
        }


def _ms_per_tile(path: Path, chip: np.ndarray, runs: int = 5) -> float:
    from forcewatch.detect.onnx_backend import OnnxDetector

    det = OnnxDetector(path)
    det.detect(chip)  # the first run allocates
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        det.detect(chip)
        times.append(time.perf_counter() - t0)
    return float(np.median(times)) * 1000


def quantize(
    model: str | None,
    data: Path,
    fmt: str,
    out: Path,
    *,
    gsd_m: float | None = None,
    split: Path | None = None,
    split_key: str = "train",
    chips: int = 24,
    seed: int = 0,
) -> Quantized:
    """Quantise ``model`` (bundled name or file) to INT8 at ``out``, calibrated on ``chips`` chips of
    ``data`` (the ``split_key`` images of ``split``: calibrate on images the model trained on, never
    on the hold-out it is scored on)."""
    from forcewatch.train.quantize import calibration_chips, quantize_model

    if out.is_dir():
        raise InputError(f"--out {out}: is a folder. Fix: give a file name ending in .onnx.")
    if out.suffix != ".onnx":
        raise InputError(f"--out {out}: not an .onnx file name. Fix: give a file name ending in .onnx.")
    if chips < 1:
        raise InputError(f"--chips {chips}: must be at least 1. Fix: give --chips 24 (the default).")
    detector = load_detector(str(float_model_path(model)))  # a bundled INT8 model: its float source
    if "quantized_from" in detector.meta.scores:
        raise InputError(
            f"--model {model}: already an INT8 model ({detector.model_id}). Fix: quantise the float model "
            "it was made from."
        )
    data_set = read_dataset(data, fmt, gsd_m=gsd_m)
    if split is not None:
        data_set = data_set.subset(set(read_split(split, split_key)[split_key]))
    named = list(calibration_chips(data_set, detector.meta, chips, seed))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    meta = quantize_model(detector.path, tmp, [c for _, c in named])
    tmp.replace(out)  # never a half-written model at --out
    # a whole tile (the largest chip repeated to tile_px²): the speed of the tiles a scan runs
    big = max((c for _, c in named), key=lambda c: c.shape[0] * c.shape[1])
    side = detector.meta.tile_px
    chip = np.tile(big, (-(-side // big.shape[0]), -(-side // big.shape[1]), 1))[:side, :side]
    return Quantized(
        out,
        meta,
        detector.model_id,
        len(named),
        len({n for n, _ in named}),
        _ms_per_tile(detector.path, chip),
        _ms_per_tile(out, chip),
    )
