"""ONNX Runtime backend of the :class:`~forcewatch.detect.base.Detector` protocol: one network call
per tile, decoded to boxes in tile pixels."""

from __future__ import annotations

import copy
import os
import threading
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from forcewatch.detect.base import INPUT_MULTIPLE, TileDetections
from forcewatch.detect.metadata import ModelMeta
from forcewatch.errors import ModelError
from forcewatch.provenance import file_sha256


def _load_model(path: Path) -> Any:
    """The ONNX model in ``path`` (weights included, no external data), or a clear error."""
    import onnx

    try:
        return onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # onnx raises several unrelated types for a bad file
        raise ModelError(f"{path}: not a readable ONNX model ({exc}). Fix: give a .onnx file.") from None


def _meta_of(model: Any, path: Path) -> ModelMeta:
    return ModelMeta.from_props({p.key: p.value for p in model.metadata_props}, str(path))


def read_meta(path: Path) -> ModelMeta:
    """The ForceWatch metadata stored inside an ONNX file."""
    return _meta_of(_load_model(path), path)


#: Operators of a quantised (QDQ or QOperator) ONNX graph.
QUANTIZED_OPS = frozenset({"QuantizeLinear", "DequantizeLinear", "QLinearConv", "ConvInteger", "MatMulInteger"})


def _graph_is_quantized(graph: Any) -> bool:
    return any(n.op_type in QUANTIZED_OPS for n in graph.node)


def is_quantized(path: Path) -> bool:
    """Whether the ONNX file at ``path`` holds an INT8 (quantised) graph."""
    return _graph_is_quantized(_load_model(path).graph)


class OnnxDetector:
    """A ForceWatch ONNX model on ONNX Runtime (CPU)."""

    def __init__(self, path: Path, threads: int | None = None) -> None:
        if not path.is_file():
            raise ModelError(f"{path}: no such model file. Fix: check --model, or omit it for the bundled model.")
        self.path = path
        model = _load_model(path)  # read once: its metadata and whether its graph is INT8
        self.meta = _meta_of(model, path)
        self.quantized = _graph_is_quantized(model.graph)
        self.sha256 = file_sha256(path)
        self.threads = threads or os.cpu_count() or 1
        self._copies: list[OnnxDetector] = []
        self._copies_lock = threading.Lock()
        self.session = self._session(self.threads)
        self._input_lut = input_lookup(self.meta.mean, self.meta.std)
        self._input_name: str = self.session.get_inputs()[0].name
        #: the graph takes uint8 pixels rearranged space to depth, not normalised float planes
        self.pixels_in: bool = takes_pixels(self.session)
        #: seconds of pre-process, inference and decode in the latest ``detect`` call
        self.last_stages_s: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def _session(self, threads: int) -> Any:
        """An onnxruntime CPU session of this model's file on ``threads`` intra-op threads."""
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        # an INT8 (QDQ) graph runs faster without the NCHWc layout of the full level, which reorders
        # between its float and INT8 layers (1.1-1.2x a 960² tile); a float graph is much faster with it
        level = "ORT_ENABLE_EXTENDED" if self.quantized else "ORT_ENABLE_ALL"
        opts.graph_optimization_level = getattr(ort.GraphOptimizationLevel, level)
        return ort.InferenceSession(str(self.path), opts, providers=["CPUExecutionProvider"])

    def _single_threaded_copy(self) -> OnnxDetector:
        """This model (its metadata and hash as read) on a session of its own, of one thread."""
        twin = copy.copy(self)
        twin.threads = 1
        twin.session = self._session(1)
        twin._copies = []
        twin._copies_lock = threading.Lock()
        twin.last_stages_s = (0.0, 0.0, 0.0)
        return twin

    @property
    def model_id(self) -> str:
        return self.meta.model_id

    def tile_workers(self) -> list[OnnxDetector]:
        """One single-threaded copy of this model per thread it was given (none for one thread):
        tiles run side by side, one per core, do more work than one tile at a time on every core,
        whose threads wait for each other at each layer (1.2× on 2 cores with the INT8 vehicle
        model). Made once, on first use; each copy keeps its own ``last_stages_s``."""
        if self.threads < 2:
            return []
        with self._copies_lock:
            if not self._copies:
                self._copies = [self._single_threaded_copy() for _ in range(self.threads)]
            return list(self._copies)

    @property
    def classes(self) -> tuple[str, ...]:
        return self.meta.classes

    @property
    def gsd_m(self) -> float:
        return self.meta.gsd_m

    @property
    def card(self) -> Path | None:
        card = self.path.with_name("MODEL.md")
        return card if card.is_file() else None

    def preprocess(self, rgb: np.ndarray) -> np.ndarray:
        """The network's input for one H×W×3 uint8 tile, padded (black) to a multiple of its stride:
        the pixels rearranged space to depth for a graph that takes them (:attr:`pixels_in`), else
        normalised float planes. Each channel is looked up in its 256-value table of
        (level − mean) / std: one pass from uint8 to float32, 2.6× faster than a subtract and a
        multiply (the same values). A tile read band by band (a view of 3×H×W planes) is taken as
        it lies, without splitting its channels."""
        h, w = rgb.shape[:2]
        ph, pw = -h % INPUT_MULTIPLE, -w % INPUT_MULTIPLE
        if self.pixels_in:
            return space_to_depth(np.moveaxis(rgb, -1, 0), ph, pw)
        x = np.empty((1, 3, h + ph, w + pw), np.float32)
        for c in range(3):
            plane = rgb[:, :, c]  # contiguous when the tile was read band by band, else OpenCV copies it
            if ph or pw:
                plane = cv2.copyMakeBorder(plane, 0, ph, 0, pw, cv2.BORDER_CONSTANT, value=0)
            cv2.LUT(plane, self._input_lut[c], dst=x[0, c])
        return x

    def run(self, rgb: np.ndarray) -> list[np.ndarray]:
        """Raw outputs (heat, peaks, size, offset) for one H×W×3 uint8 tile (padded here)."""
        return list(self.session.run(None, {self._input_name: self.preprocess(rgb)}))

    def detect(self, rgb: np.ndarray, score_threshold: float | None = None) -> TileDetections:
        """Boxes, scores and classes in pixels of ``rgb``, above the threshold. The seconds of its
        stages (pre-process, inference, decode) are left in ``last_stages_s`` for a profile."""
        thr = self.meta.score_threshold if score_threshold is None else score_threshold
        t0 = time.perf_counter()
        x = self.preprocess(rgb)
        t1 = time.perf_counter()
        heat, peaks, size, offset = self.session.run(None, {self._input_name: x})
        t2 = time.perf_counter()
        found = decode(heat[0], peaks[0], size[0], offset[0], self.meta.stride, thr, rgb.shape[1], rgb.shape[0])
        self.last_stages_s = (t1 - t0, t2 - t1, time.perf_counter() - t2)
        return found


def takes_pixels(session: Any) -> bool:
    """Whether an onnxruntime session's graph takes the image's uint8 pixels rearranged space to
    depth (its first convolution in INT8, :mod:`forcewatch.train.integer_input`), not the
    normalised float image."""
    return bool(session.get_inputs()[0].type == "tensor(uint8)")


def space_to_depth(planes: np.ndarray, pad_bottom: int = 0, pad_right: int = 0) -> np.ndarray:
    """3 × H × W uint8 planes, padded black below and to the right, as 1 × 12 × H/2 × W/2: channel
    ``4c + 2p + q`` holds band ``c`` at row ``p``, column ``q`` of each 2×2 block of pixels (the
    input of :func:`forcewatch.train.integer_input.integer_input_stage`). H and W (padded) are even."""
    if pad_bottom or pad_right:
        planes = np.pad(planes, ((0, 0), (0, pad_bottom), (0, pad_right)))
    bands, h, w = planes.shape
    blocks = planes.reshape(bands, h // 2, 2, w // 2, 2).transpose(0, 2, 4, 1, 3)
    return np.ascontiguousarray(blocks).reshape(1, 4 * bands, h // 2, w // 2)


def input_lookup(mean: tuple[float, ...], std: tuple[float, ...]) -> list[np.ndarray]:
    """Per channel, the network input of each uint8 level: ``(level - mean) * (1 / std)`` in float32,
    as the training pipeline computes it."""
    levels = np.arange(256, dtype=np.float32)
    return [(levels - np.float32(m)) * (np.float32(1.0) / np.float32(s)) for m, s in zip(mean, std, strict=True)]


def decode(
    heat: np.ndarray,
    peaks: np.ndarray,
    size: np.ndarray,
    offset: np.ndarray,
    stride: int,
    threshold: float,
    width: int,
    height: int,
) -> TileDetections:
    """Local maxima of the heat-map above ``threshold`` → boxes clipped to ``width × height``."""
    c, ys, xs = np.nonzero((heat == peaks) & (heat >= threshold))
    scores = heat[c, ys, xs]
    cx = (xs + offset[0, ys, xs]) * stride
    cy = (ys + offset[1, ys, xs]) * stride
    bw = np.exp(np.clip(size[0, ys, xs], -5, 8)) * stride
    bh = np.exp(np.clip(size[1, ys, xs], -5, 8)) * stride
    boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], axis=1).astype(np.float32)
    boxes = np.clip(boxes, 0, [width, height, width, height]).astype(np.float32)
    keep = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1]) & (cx < width) & (cy < height)
    return TileDetections(boxes[keep], scores[keep].astype(np.float32), c[keep].astype(np.int64))
