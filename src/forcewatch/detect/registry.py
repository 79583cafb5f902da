"""Model registry: the bundled models by name, any model file by path, and the backends that load
them (ONNX Runtime now; others register themselves with :func:`register_backend`)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from forcewatch.detect.base import Detector
from forcewatch.errors import ModelError
from forcewatch.provenance import FileStamp, file_stamp

MODELS_DIR = Path(__file__).parent / "models"
DEFAULT_MODEL = "aircraft"
#: Beside an INT8 ``model.onnx``: the float model it was quantised from, for what needs float
#: weights (fine-tuning rebuilds the net from them; quantising starts from them).
FLOAT_FILE = "float.onnx"

#: A backend: loads a detector from a model file, running on this many threads (None: every core).
Backend = Callable[[Path, int | None], Detector]
#: file suffix → the backend that loads such files
_BACKENDS: dict[str, Backend] = {}

#: (resolved path, threads) → (the file's stamp when loaded, the backend that loaded it, the detector)
_LOADED: dict[tuple[Path, int | None], tuple[FileStamp, Backend, Detector]] = {}
#: resolved path → (the file's stamp when hashed, its SHA-256)
_HASHED: dict[Path, tuple[FileStamp, str]] = {}
_LOADED_LOCK = threading.Lock()


def register_backend(suffix: str, load: Backend) -> None:
    """Make model files ending in ``suffix`` (e.g. ``.onnx``) loadable by ``load(path, threads)``."""
    _BACKENDS[suffix.lower()] = load


def _onnx(path: Path, threads: int | None) -> Detector:
    from forcewatch.detect.onnx_backend import OnnxDetector

    return OnnxDetector(path, threads=threads)


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


def float_model_path(name_or_path: str | Path | None) -> Path:
    """The file of a model that holds its float weights: ``float.onnx`` beside an INT8 model that
    ships one (the bundled aircraft model), else the model's own file."""
    path = model_path(name_or_path)
    companion = path.with_name(FLOAT_FILE)
    return companion if path.name != FLOAT_FILE and companion.is_file() else path


def model_file_sha256(name_or_path: str | Path | None) -> str:
    """The SHA-256 of a model's file (what observations record), without loading the model. Cached
    per process and file as it is now: a file replaced since it was hashed is hashed again."""
    from forcewatch.provenance import file_sha256

    path = model_path(name_or_path)
    stamp = file_stamp(path)  # a model file written again (train --out, model add over one) has another
    if stamp is None:
        raise ModelError(f"{path}: no such model file. Fix: check --model, or omit it for the bundled model.")
    key = path.resolve()
    with _LOADED_LOCK:
        cached = _HASHED.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    digest = file_sha256(path)
    with _LOADED_LOCK:
        _HASHED[key] = (stamp, digest)
    return digest


def load_detector(name_or_path: str | None = None, threads: int | None = None) -> Detector:
    """A ready detector, loaded by the backend of its file's suffix, running on ``threads`` threads
    (None: every core). Cached per process, per file (its resolved path) as it is now and thread
    count: a model file replaced since it was loaded is loaded again."""
    path = model_path(name_or_path)
    load = _BACKENDS.get(path.suffix.lower())
    if load is None:
        raise ModelError(
            f"{path}: no backend reads {path.suffix or 'files without a suffix'!r}. "
            f"Fix: give a model file ending in one of {', '.join(backends())}."
        )
    stamp = file_stamp(path)
    if stamp is None:
        return load(path, threads)  # no file: the backend says so, and how to fix it
    key = (path.resolve(), threads)
    with _LOADED_LOCK:
        cached = _LOADED.get(key)
        if cached is not None and cached[0] == stamp and cached[1] is load:
            return cached[2]
        detector = load(path, threads)
        _LOADED[key] = (stamp, load, detector)  # replaces what an older file of this path loaded
        return detector


def clear_detector_cache() -> None:
    """Forget every loaded detector (the next :func:`load_detector` loads its file again)."""
    with _LOADED_LOCK:
        _LOADED.clear()
        _HASHED.clear()


def load_detectors(names: list[str] | None) -> list[Detector]:
    """The models named (bundled names or files), or every bundled model when none is named."""
    return [load_detector(m) for m in (names or list(bundled_models()))]
