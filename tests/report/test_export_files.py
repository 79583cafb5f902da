"""An export never writes over a store, nor over a file it did not write (unless forced), writes
beside the target first, and says clearly where it cannot write."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from forcewatch.errors import InputError
from forcewatch.report import export as export_module
from forcewatch.report.brief import write_brief_file
from forcewatch.report.export import write_export
from forcewatch.report.export_files import MANIFEST, gpkg_is_export, kml_is_export
from forcewatch.store.gpkg import open_store
from tests.report.values import export_data

FOREIGN = "choose another --out, or pass --force to replace a file ForceWatch did not write"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _store(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "forcewatch.gpkg"
    open_store(path, create=True).close()
    return path


@pytest.mark.parametrize("fmt", ["gpkg", "kml"])
def test_never_over_a_store_even_with_force(tmp_path: Path, fmt: str) -> None:
    store = _store(tmp_path / "ws")
    before = _digest(store)
    link = tmp_path / "link.gpkg"
    link.symlink_to(store)
    copy = tmp_path / "copy.gpkg"
    copy.write_bytes(store.read_bytes())
    for target, keep in ((store, [store]), (tmp_path / "ws" / ".." / "ws" / "forcewatch.gpkg", [store]), (link, [])):
        with pytest.raises(InputError, match="never writes over a store, even with --force"):
            write_export(export_data(), fmt, target, force=True, keep=keep)
    with pytest.raises(InputError, match="never writes over a store"):
        write_export(export_data(), fmt, copy, force=True)  # any ForceWatch store, known or not
    with pytest.raises(InputError, match="never writes over a store"):
        write_brief_file("<html></html>", store, keep=[store])
    assert _digest(store) == before and sorted(p.name for p in (tmp_path / "ws").iterdir()) == ["forcewatch.gpkg"]


@pytest.mark.parametrize("fmt", ["gpkg", "kml"])
def test_a_file_it_did_not_write_needs_force(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"mine.{fmt}"
    out.write_text("my own notes")
    with pytest.raises(InputError, match=FOREIGN) as err:
        write_export(export_data(), fmt, out)
    assert str(out) in str(err.value) and out.read_text() == "my own notes"
    assert write_export(export_data(), fmt, out, force=True) == [out]
    assert (gpkg_is_export if fmt == "gpkg" else kml_is_export)(out)
    first = _digest(out)
    assert write_export(export_data("Yelsk"), fmt, out) == [out]  # its own export: replaced without --force
    assert _digest(out) != first
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]  # nothing left beside it


@pytest.mark.parametrize("fmt", ["csv", "geojson"])
def test_a_folder_export_replaces_only_the_files_its_manifest_lists(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "exports"
    out.mkdir()
    (out / "readme.txt").write_text("kept")
    (out / f"sites.{fmt}").write_text("someone else's")
    with pytest.raises(InputError, match=f"sites.{fmt} exists there and no {MANIFEST} says ForceWatch wrote it"):
        write_export(export_data(), fmt, out)
    assert (out / f"sites.{fmt}").read_text() == "someone else's"
    assert sorted(p.name for p in out.iterdir()) == ["readme.txt", f"sites.{fmt}"]
    files = write_export(export_data(), fmt, out, force=True)
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["files"] == [f.name for f in files] and manifest["forcewatch_export"]["software"].startswith(
        "ForceWatch "
    )
    assert write_export(export_data("Yelsk"), fmt, out) == files  # listed: replaced without --force
    assert "Yelsk" in (out / f"sites.{fmt}").read_text() and (out / "readme.txt").read_text() == "kept"
    fresh = write_export(export_data(), fmt, tmp_path / "new" / "folder")  # made, with its parents
    assert [f.name for f in fresh] == [f.name for f in files]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exports", "new"]


@pytest.mark.parametrize("fmt", ["kml", "gpkg", "csv", "geojson"])
def test_a_failed_export_leaves_the_old_export_and_nothing_half_written(
    tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / ("old" if fmt in ("csv", "geojson") else f"old.{fmt}")
    write_export(export_data(), fmt, out)
    before = {p.name: _digest(p) for p in (out.iterdir() if out.is_dir() else [out])}

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    for name in ("kml_document", "csv_text", "_write_gdal"):
        monkeypatch.setattr(export_module, name, broken)
    with pytest.raises(RuntimeError, match="disk full"):
        write_export(export_data("Yelsk"), fmt, out)
    assert {p.name: _digest(p) for p in (out.iterdir() if out.is_dir() else [out])} == before
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file or folder beside it


def test_where_it_cannot_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for fmt, out in (("gpkg", blocker / "x.gpkg"), ("csv", blocker / "sub" / "csv")):
        with pytest.raises(InputError, match=f"--out {out}: {blocker} is a file, not a folder"):
            write_export(export_data(), fmt, out)
    with pytest.raises(InputError, match="is a file, not a folder"):
        write_brief_file("<html></html>", blocker / "brief.html")
    with pytest.raises(InputError, match="is a file; a csv export is a folder"):
        write_export(export_data(), "csv", blocker)
    with pytest.raises(InputError, match="is a folder; a kml export is one file"):
        write_export(export_data(), "kml", tmp_path)
    monkeypatch.setattr("forcewatch.report.files.os.access", lambda *a, **k: False)  # tests run as root
    with pytest.raises(InputError, match=f"cannot write in {tmp_path} \\(permission denied\\)"):
        write_export(export_data(), "kml", tmp_path / "x.kml")
    with pytest.raises(InputError, match="permission denied"):
        write_brief_file("<html></html>", tmp_path / "brief.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]
