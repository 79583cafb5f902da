"""``forcewatch store copy SRC DST``: move a whole workspace between a GeoPackage and a PostGIS store
(either way, or between two of a kind), losing nothing: every row, ids kept, and the workspace
models' files when both ends are folders."""

from __future__ import annotations

import filecmp
import shutil
from dataclasses import dataclass
from pathlib import Path

from forcewatch.app.workspace import STORE_NAME, WorkspaceStore, open_folder, recorded_url
from forcewatch.errors import InputError
from forcewatch.store import postgis_connect as pg
from forcewatch.store.copy import copy_store


@dataclass(frozen=True)
class StoreCopied:
    source: str
    destination: str
    rows: dict[str, int]  # rows copied, per table
    files: tuple[str, ...] = ()  # workspace model files copied into the destination folder
    files_left: tuple[str, ...] = ()  # model files (relative paths) the destination's folder still needs

    def to_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "destination": self.destination,
            "rows": self.rows,
            "files": list(self.files),
            "files_left": list(self.files_left),
        }


def _open(spec: str, *, create: bool) -> tuple[WorkspaceStore, Path | None]:
    """The store a SRC or DST names (a postgresql:// URL, or a workspace folder: its GeoPackage or
    the PostGIS store it records; $FORCEWATCH_STORE does not apply), and its folder."""
    if pg.is_url(spec):
        from forcewatch.store.postgis import open_postgis

        return open_postgis(spec, None, create=create), None
    folder = Path(spec)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: not a folder. Fix: give a workspace folder or a postgresql:// URL.")
    url = recorded_url(folder) if folder.is_dir() else None
    if create and url is None:
        folder.mkdir(parents=True, exist_ok=True)
    return open_folder(folder, url, create=create), folder


def _name(spec: str) -> str:
    return pg.redact(spec) if pg.is_url(spec) else spec


def _model_files(store: WorkspaceStore) -> list[str]:
    """The workspace models' files (and cards), as paths relative to the workspace folder."""
    out = []
    for entry in store.models():
        if not Path(entry.path).is_absolute():
            out += [entry.path, str(Path(entry.path).with_suffix(".md"))]
    return out


def _copy_files(names: list[str], src: Path, dst: Path) -> tuple[list[str], list[str]]:
    """Copy these files from folder ``src`` into ``dst`` (never over a different file): copied, left."""
    copied, left = [], []
    for name in names:
        source, target = src / name, dst / name
        if not source.is_file() or (target.exists() and filecmp.cmp(source, target, shallow=False)):
            continue
        if target.exists():
            left.append(name)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        copied.append(name)
    return copied, left


def copy_workspace(src: str, dst: str) -> StoreCopied:
    """Copy the workspace ``src`` into ``dst`` (each a folder or a postgresql:// URL). ``dst`` must
    hold no data; a new folder becomes a GeoPackage workspace, a database gets the schema. One
    transaction on ``dst``: all of it lands, or none of it."""
    if _same(src, dst):
        raise InputError(f"SRC and DST are the same store ({_name(src)}). Fix: give another DST.")
    made = _new_geopackage(dst)
    source, src_folder = _open(src, create=False)
    with source:
        try:
            target, dst_folder = _open(dst, create=True)
            with target:
                rows = copy_store(source, target)
        except BaseException:
            if made is not None:
                made.unlink(missing_ok=True)  # the store this copy made, and left empty
            raise
        names = _model_files(source)
    if src_folder is not None and dst_folder is not None:
        files, left = _copy_files(names, src_folder, dst_folder)
    else:
        files, left = [], [n for n in names if src_folder is None or (src_folder / n).is_file()]
    return StoreCopied(_name(src), _name(dst), rows, tuple(files), tuple(left))


def _new_geopackage(spec: str) -> Path | None:
    """The GeoPackage that copying into ``spec`` makes (None: a PostGIS store, or one that exists)."""
    if pg.is_url(spec) or (Path(spec).is_dir() and recorded_url(Path(spec)) is not None):
        return None
    path = Path(spec) / STORE_NAME
    return None if path.exists() else path


def _same(src: str, dst: str) -> bool:
    if pg.is_url(src) or pg.is_url(dst):
        return src == dst
    return Path(src).resolve() == Path(dst).resolve()
