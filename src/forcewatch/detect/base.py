"""The detector protocol: what a scan, ``detect`` and evaluation need of a model, whatever runs it.

A detector is one pure call on a tile, ``detect(rgb) -> TileDetections`` (boxes in the tile's
pixels), plus what describes it: its classes, the GSD it sees at, its card (metadata with the
measured scores, licence and training data) and the hash of its file for provenance. The ONNX
Runtime backend (:class:`forcewatch.detect.onnx_backend.OnnxDetector`) is one implementation;
fine-tuned and quantised models plug in beside it through :func:`forcewatch.detect.registry.register_backend`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from forcewatch.detect.metadata import ModelMeta

#: A network's input side must be a multiple of its coarsest stride (32): tiles are sized to it, and
#: a backend pads any other size up to it.
INPUT_MULTIPLE = 32


@dataclass(frozen=True)
class TileDetections:
    boxes: np.ndarray  # N×4 float32, tile pixels (minx, miny, maxx, maxy)
    scores: np.ndarray  # N float32
    classes: np.ndarray  # N int64, indexes into the detector's classes


@runtime_checkable
class Detector(Protocol):
    """A model that finds objects on an RGB tile at its own GSD."""

    #: the model's card: classes, GSD, tiles, normalisation, threshold, scores, licence, data
    meta: ModelMeta
    #: sha256 of the model file (provenance of every stored observation)
    sha256: str
    #: where the model was loaded from
    path: Path

    @property
    def model_id(self) -> str: ...

    @property
    def classes(self) -> tuple[str, ...]: ...

    @property
    def gsd_m(self) -> float: ...

    @property
    def card(self) -> Path | None:
        """The model card (``MODEL.md``) beside the file, where there is one."""
        ...

    def detect(self, rgb: np.ndarray, score_threshold: float | None = None) -> TileDetections:
        """Boxes, scores and classes in pixels of ``rgb`` (H×W×3 uint8 at ``gsd_m``), above the threshold."""
        ...
