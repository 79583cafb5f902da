"""A damaged store is refused at open with how to recover, and a second writer waits, then names
the holder: never a traceback, never a store changed by the refusal."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest
import shapely

from forcewatch.errors import StoreError
from forcewatch.model import Site
from forcewatch.store.gpkg import open_store
from forcewatch.store.guard import lock_note_path


def _store_with_sites(path: Path, n: int = 200) -> None:
    with open_store(path, create=True) as store, store.transaction():
        for i in range(n):
            store.add_site(Site(f"site {i}", shapely.Point(20 + i * 0.01, 50).buffer(0.01), notes="x" * 200))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_truncated_store_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "forcewatch.gpkg"
    _store_with_sites(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    before = _digest(path)
    with pytest.raises(StoreError, match="truncated") as err:
        open_store(path)
    assert "PRAGMA integrity_check" in str(err.value) and "restore" in str(err.value)
    assert _digest(path) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty file"), (b'{"type": "FeatureCollection"}' * 10, "not a SQLite/GeoPackage file")],
)
def test_an_overwritten_store_is_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "forcewatch.gpkg"
    path.write_bytes(content)
    with pytest.raises(StoreError, match=message):
        open_store(path)
    assert path.read_bytes() == content


def test_a_malformed_page_is_refused_at_open(tmp_path: Path) -> None:
    path = tmp_path / "forcewatch.gpkg"
    _store_with_sites(path)
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for k in range(3, len(data) // page - 1):  # scribble over the b-tree pages, keep the header page
        data[k * page : k * page + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="damaged|cannot be read"):
        open_store(path)


def test_a_second_writer_waits_then_names_the_holder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "forcewatch.gpkg"
    _store_with_sites(path, 1)
    monkeypatch.setenv("FORCEWATCH_LOCK_TIMEOUT_S", "0.3")
    holding, release = threading.Event(), threading.Event()

    def first_writer() -> None:
        with open_store(path) as store, store.transaction():
            holding.set()
            release.wait(10)

    t = threading.Thread(target=first_writer)
    t.start()
    try:
        assert holding.wait(10)
        assert lock_note_path(path).exists()
        with open_store(path) as second:
            assert [s.name for s in second.sites()] == ["site 0"]  # reading is fine
            busy = r"being written by `.*` \(process \d+ on .*waited 0 s"
            with pytest.raises(StoreError, match=busy) as err, second.transaction():
                pass
        assert "FORCEWATCH_LOCK_TIMEOUT_S" in str(err.value)
    finally:
        release.set()
        t.join()
    assert not lock_note_path(path).exists()  # the holder cleared its note
    with open_store(path) as store, store.transaction():  # and the store is free again
        store.log("test", "after")


def test_a_bad_lock_timeout_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCEWATCH_LOCK_TIMEOUT_S", "soon")
    with pytest.raises(StoreError, match="FORCEWATCH_LOCK_TIMEOUT_S='soon' is not a number"):
        open_store(tmp_path / "forcewatch.gpkg", create=True)
