"""Model registry: the bundled models by name, any model file by path, and the backends that load
them (ONNX Runtime now; others register themselves with :func:`register_backend`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from forcewatch.detect.base import Detector
from forcewatch.errors import ModelError

MODELS_DIR = Path(__file__).parent / "models"
DEFAULT_MODEL = "aircraft"

#: file suffix → a function that loads a detector from such a file
_BACKENDS: dict[str, Callable[[Path], Detector]] = {}


def register_backend(suffix: str, load: Callable[[Path], Detector]) -> None:
    """Make model files ending in ``suffix`` (e.g. ``.onnx``) loadable by ``load``."""
    _BACKENDS[suffix.lower()] = load


def _onnx(path: Path) -> Detector:
    from forcewatch.detect.onnx_backend import OnnxDetector

    return OnnxDetector(path)


register_backend(".onnx", _onnx)


def backends() -> tuple[str, ...]:
    """The model-file suffixes a backend is registered for."""
    return tuple(sorted(_BACKENDS))


def bundled_models() -> dict[str, Path]:
    """Name → ONNX path of every model shipped inside the package."""
    return {p.parent.name: p for p in sorted(MODELS_DIR.glob("*/model.onnx"))}


def model_path(name_or_path: str | Path | None) -> Path:
    """Resolve ``--model``: a bundled model's name, a path to a model file, or the default."""
    if name_or_path is None:
        name_or_path = DEFAULT_MODEL
    models = bundled_models()
    if str(name_or_path) in models:
        return models[str(name_or_path)]
    path = Path(name_or_path)
    if path.suffix.lower() in _BACKENDS or path.exists():
        return path
    raise ModelError(
        f"unknown model {str(name_or_path)!r}. Fix: use one of the bundled models "
        f"({', '.join(models) or 'none installed'}) or the path of a model file ({', '.join(backends())})."
    )


@cache
def load_detector(name_or_path: str | None = None) -> Detector:
    """A ready detector (cached per process), loaded by the backend of its file's suffix."""
    path = model_path(name_or_path)
    load = _BACKENDS.get(path.suffix.lower())
    if load is None:
        raise ModelError(
            f"{path}: no backend reads {path.suffix or 'files without a suffix'!r}. "
            f"Fix: give a model file ending in one of {', '.join(backends())}."
        )
    return load(path)


def load_detectors(names: list[str] | None) -> list[Detector]:
    """The models named (bundled names or files), or every bundled model when none is named."""
    return [load_detector(m) for m in (names or list(bundled_models()))]
