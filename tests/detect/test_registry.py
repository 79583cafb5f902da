"""The detector cache: one load per model file as it is; a file written again or replaced in place
(``train --out DIR`` again, ``model add`` over one) is loaded again, never served from the cache."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from forcewatch.detect import registry
from forcewatch.detect.base import Detector
from forcewatch.detect.registry import (
    bundled_models,
    clear_detector_cache,
    file_stamp,
    float_model_path,
    load_detector,
    model_file_sha256,
)
from forcewatch.errors import ModelError

SUFFIX = ".fwtest"


@dataclass
class FakeLoader:
    """A backend for ``.fwtest`` files: the 'detector' is the file's text, and every load is counted."""

    loads: list[Path] = field(default_factory=list)

    def __call__(self, path: Path, threads: int | None) -> Detector:
        self.loads.append(path)
        return _Loaded(path.read_text(), threads)  # type: ignore[return-value]


@dataclass(eq=False)
class _Loaded:
    text: str
    threads: int | None = None


@pytest.fixture
def loader(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLoader]:
    fake = FakeLoader()
    monkeypatch.setitem(registry._BACKENDS, SUFFIX, fake)
    clear_detector_cache()
    yield fake
    clear_detector_cache()


def _text(det: object) -> str:
    assert isinstance(det, _Loaded)
    return det.text


def test_one_file_is_loaded_once(tmp_path: Path, loader: FakeLoader) -> None:
    model = tmp_path / f"m{SUFFIX}"
    model.write_text("first")
    first = load_detector(str(model))
    assert load_detector(str(model)) is first and len(loader.loads) == 1
    other = tmp_path / "sub" / ".." / model.name  # another spelling of the same file
    (tmp_path / "sub").mkdir()
    assert load_detector(str(other)) is first and len(loader.loads) == 1


def test_a_file_written_again_is_loaded_again(tmp_path: Path, loader: FakeLoader) -> None:
    model = tmp_path / f"m{SUFFIX}"
    model.write_text("first")
    assert _text(load_detector(str(model))) == "first"
    model.write_text("second, longer")  # another size
    assert _text(load_detector(str(model))) == "second, longer" and len(loader.loads) == 2


def test_same_size_another_time_is_loaded_again(tmp_path: Path, loader: FakeLoader) -> None:
    model = tmp_path / f"m{SUFFIX}"
    model.write_text("aaaa")
    os.utime(model, ns=(1_000_000_000, 1_000_000_000))
    assert _text(load_detector(str(model))) == "aaaa"
    model.write_text("bbbb")  # same size, same inode
    os.utime(model, ns=(1_000_000_000, 1_000_000_001))  # one nanosecond later
    assert _text(load_detector(str(model))) == "bbbb"


def test_a_file_replaced_by_a_rename_is_loaded_again(tmp_path: Path, loader: FakeLoader) -> None:
    model, new = tmp_path / f"m{SUFFIX}", tmp_path / f"new{SUFFIX}"
    model.write_text("aaaa")
    os.utime(model, ns=(1_000_000_000, 1_000_000_000))
    assert _text(load_detector(str(model))) == "aaaa"
    new.write_text("bbbb")
    os.utime(new, ns=(1_000_000_000, 1_000_000_000))  # same time, same size: only the file differs
    os.replace(new, model)
    assert file_stamp(model) is not None and _text(load_detector(str(model))) == "bbbb"
    assert len(loader.loads) == 2 and len(registry._LOADED) == 1  # the old one is not kept


def test_each_thread_count_is_its_own_detector(tmp_path: Path, loader: FakeLoader) -> None:
    model = tmp_path / f"m{SUFFIX}"
    model.write_text("first")
    one, every = load_detector(str(model), threads=1), load_detector(str(model))
    assert one is not every and len(loader.loads) == 2
    assert isinstance(one, _Loaded) and one.threads == 1 and isinstance(every, _Loaded) and every.threads is None
    assert load_detector(str(model), threads=1) is one and len(loader.loads) == 2


def test_a_model_file_is_hashed_again_only_when_it_changes(tmp_path: Path, loader: FakeLoader) -> None:
    model = tmp_path / f"m{SUFFIX}"
    model.write_text("first")
    assert model_file_sha256(str(model)) == hashlib.sha256(b"first").hexdigest()
    model.write_text("second, longer")
    assert model_file_sha256(model) == hashlib.sha256(b"second, longer").hexdigest()
    with pytest.raises(ModelError, match="no such model file"):
        model_file_sha256(tmp_path / f"none{SUFFIX}")


def test_a_missing_file_is_the_backend_s_error(tmp_path: Path) -> None:
    assert file_stamp(tmp_path / "none.onnx") is None
    with pytest.raises(ModelError, match="no such model file"):
        load_detector(str(tmp_path / "none.onnx"))


def test_a_bundled_model_replaced_in_place(tmp_path: Path) -> None:
    """``model add`` over a file: the same path, another model; the next load serves the new one."""
    models = bundled_models()
    model = tmp_path / "model.onnx"
    shutil.copyfile(models["vehicle"], model)
    assert load_detector(str(model)).classes == load_detector("vehicle").classes
    shutil.copyfile(models["aircraft"], tmp_path / "next.onnx")
    os.replace(tmp_path / "next.onnx", model)
    assert load_detector(str(model)).classes == load_detector("aircraft").classes != load_detector("vehicle").classes


def test_the_float_file_beside_an_int8_model(tmp_path: Path) -> None:
    int8, source = tmp_path / "model.onnx", tmp_path / "float.onnx"
    int8.write_bytes(b"int8")
    assert float_model_path(int8) == int8  # no float file: the model's own
    source.write_bytes(b"float")
    assert float_model_path(int8) == source and float_model_path(source) == source
