"""Model registry: the bundled models by name, or any ForceWatch ONNX file by path."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from forcewatch.detect.onnx_backend import OnnxDetector
from forcewatch.errors import ModelError

MODELS_DIR = Path(__file__).parent / "models"
DEFAULT_MODEL = "aircraft"


def bundled_models() -> dict[str, Path]:
    """Name → ONNX path of every model shipped inside the package."""
    return {p.parent.name: p for p in sorted(MODELS_DIR.glob("*/model.onnx"))}


def model_path(name_or_path: str | Path | None) -> Path:
    """Resolve ``--model``: a bundled model's name, a path to an .onnx file, or the default."""
    if name_or_path is None:
        name_or_path = DEFAULT_MODEL
    models = bundled_models()
    if str(name_or_path) in models:
        return models[str(name_or_path)]
    path = Path(name_or_path)
    if path.suffix == ".onnx" or path.exists():
        return path
    raise ModelError(
        f"unknown model {str(name_or_path)!r}. Fix: use one of the bundled models "
        f"({', '.join(models) or 'none installed'}) or the path of a .onnx file."
    )


@cache
def load_detector(name_or_path: str | None = None) -> OnnxDetector:
    """A ready detector (cached per process)."""
    return OnnxDetector(model_path(name_or_path))
