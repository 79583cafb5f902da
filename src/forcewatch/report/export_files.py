"""Where an export may write, and how it recognises its own files.

An export writes over nothing it did not write, unless ``--force``, and never over a store:

- a GeoPackage export carries the dataset metadata item ``FORCEWATCH_EXPORT`` (created, software
  version, workspace name; ``ogrinfo`` shows it);
- a KML export is a ``<Document id="forcewatch-export">`` with the same fields as ExtendedData;
- a folder export (GeoJSON, CSV) holds a manifest, ``forcewatch-export.json``, listing the files
  it wrote: those may be replaced; a file with a name the export writes and not in the manifest
  is refused.

Everything is first written to a temporary file or folder beside the target, then renamed over
it (:func:`staged_file`, :func:`staged_folder`): a failed export leaves nothing half-written and
the old export as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import sqlite3
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from forcewatch import __version__
from forcewatch.errors import InputError
from forcewatch.report.files import check_folder_for, refuse_store, writing

MANIFEST = "forcewatch-export.json"
KML_DOCUMENT_ID = "forcewatch-export"
GPKG_METADATA_KEY = "FORCEWATCH_EXPORT"
SINGLE_FILE = ("gpkg", "kml")
FIX = "Fix: choose another --out, or pass --force to replace a file ForceWatch did not write."


@dataclass(frozen=True)
class ExportTag:
    """What marks an export as ForceWatch's: when, by which version, of which workspace."""

    created: str
    software: str
    workspace: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def export_tag(workspace: Path | None, now: dt.datetime | None = None) -> ExportTag:
    """The tag of an export made now of the workspace in the folder ``workspace`` (its name only)."""
    when = (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ExportTag(when, f"ForceWatch {__version__}", workspace.name if workspace is not None else "")


# ---- recognising an export


def gpkg_is_export(path: Path) -> bool:
    """Whether the GeoPackage ``path`` carries the ``FORCEWATCH_EXPORT`` metadata item."""
    try:
        con = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        rows = con.execute("SELECT metadata FROM gpkg_metadata").fetchall()
    except sqlite3.Error:
        return False
    finally:
        con.close()
    return any(f'key="{GPKG_METADATA_KEY}"' in str(r[0]) for r in rows)


def kml_is_export(path: Path) -> bool:
    """Whether the KML file ``path`` is a ForceWatch export: its Document has the export's id."""
    try:
        for seen, (_, elem) in enumerate(ET.iterparse(path, events=("start",))):
            if elem.tag.rsplit("}", 1)[-1] == "Document":
                return elem.get("id") == KML_DOCUMENT_ID
            if seen > 8:  # the Document is the kml element's first child
                break
    except (ET.ParseError, OSError):
        return False
    return False


def manifest_files(folder: Path) -> set[str] | None:
    """The files a folder export's manifest lists; None without a readable manifest."""
    try:
        doc = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = doc["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return {f for f in files if isinstance(f, str)} if isinstance(files, list) else None


def manifest_text(files: Sequence[str], tag: ExportTag) -> str:
    """The manifest of a folder export: the tag and the names of the files written."""
    return json.dumps({"forcewatch_export": tag.as_dict(), "files": list(files)}, indent=2) + "\n"


# ---- checking the target


def check_export_target(
    out: Path, fmt: str, names: Sequence[str], *, keep: Sequence[Path] = (), force: bool = False
) -> None:
    """Refuse, before writing anything, an export to ``out`` that would write over a store (always),
    over a file that is not a ForceWatch export (unless ``force``), or where it cannot write.
    ``names`` are the files a folder export writes, besides its manifest."""
    check_folder_for(out)
    refuse_store(out, keep)
    if fmt in SINGLE_FILE:
        if out.is_dir():
            raise InputError(f"--out {out}: is a folder; a {fmt} export is one file. Fix: give a file name.")
        ours = gpkg_is_export if fmt == "gpkg" else kml_is_export
        if out.exists() and not force and not ours(out):
            raise InputError(f"--out {out}: exists and is not a {fmt} export written by ForceWatch. {FIX}")
        return
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: is a file; a {fmt} export is a folder (a file a layer). Fix: give a folder.")
    if not out.is_dir():
        return
    listed = manifest_files(out)
    if (out / MANIFEST).exists() and listed is None and not force:
        raise InputError(f"--out {out}: {MANIFEST} there is not a ForceWatch manifest. {FIX}")
    for name in names:
        target = out / name
        if not target.exists() and not target.is_symlink():
            continue
        refuse_store(target, keep)
        if target.is_dir():
            raise InputError(f"--out {out}: {name} there is a folder. Fix: choose another --out.")
        if not force and name not in (listed or set()):
            raise InputError(f"--out {out}: {name} exists there and no {MANIFEST} says ForceWatch wrote it. {FIX}")


# ---- writing beside the target, then renaming


@contextlib.contextmanager
def _staging(out: Path) -> Iterator[Path]:
    """A new temporary folder beside ``out``, removed at the end whatever happens."""
    with writing(out):
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def staged_file(out: Path) -> Iterator[Path]:
    """A temporary path beside ``out`` to write; renamed to ``out`` when the block succeeds,
    removed when it fails (``out`` untouched)."""
    with _staging(out) as tmp:
        path = tmp / out.name
        yield path
        with writing(out):
            os.replace(path, out)


@contextlib.contextmanager
def staged_folder(out: Path) -> Iterator[Path]:
    """A temporary folder beside ``out`` to write the files of a folder export into; when the block
    succeeds it becomes ``out`` (or, if ``out`` exists, its files replace those of the same name
    there, the manifest last); when it fails it is removed (``out`` untouched)."""
    with _staging(out) as tmp:
        folder = tmp / "export"
        folder.mkdir()
        yield folder
        with writing(out):
            if not out.exists():
                os.replace(folder, out)
                return
            files = sorted(folder.iterdir(), key=lambda p: p.name == MANIFEST)
            for f in files:
                os.replace(f, out / f.name)
