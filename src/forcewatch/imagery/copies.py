"""Copies of imagery kept inside a workspace (``ingest --copy``): in its ``imagery/`` folder, under
the file's own name (or, where another file has that name, the name with the start of its hash),
with the world file or ``.aux.xml`` that places it."""

from __future__ import annotations

import shutil
from pathlib import Path

from forcewatch.imagery import remote
from forcewatch.imagery.georef import find_world_file
from forcewatch.provenance import file_sha256

#: The workspace's folder for copies.
IMAGERY_FOLDER = "imagery"


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` lies inside ``folder``."""
    return path.resolve().is_relative_to(folder.resolve())


def _target(folder: Path, name: str, sha256: str) -> tuple[Path, bool]:
    """Where a copy of a file named ``name`` with that hash goes, and whether it is already there."""
    target = folder / IMAGERY_FOLDER / name
    if target.is_file() and file_sha256(target) != sha256:
        target = target.with_name(f"{target.stem}-{sha256[:12]}{target.suffix}")
    return target, target.is_file() and file_sha256(target) == sha256


def keep_copy(image: Path, folder: Path, sha256: str) -> tuple[Path, list[Path]]:
    """A copy of ``image`` (whose hash is ``sha256``) in the workspace ``folder``: its path, and the
    files this call wrote (none when the same file is already there, or ``image`` is inside the folder).
    Paths are absolute."""
    folder = folder.resolve()
    if inside(image, folder):
        return image.resolve(), []
    target, present = _target(folder, image.name, sha256)
    if present:
        return target, []
    target.parent.mkdir(parents=True, exist_ok=True)
    pairs = [(image, target)]
    world = find_world_file(image)
    if world is not None:
        pairs.append((world, target.with_suffix(world.suffix)))
    aux = image.with_name(image.name + ".aux.xml")
    if aux.is_file():
        pairs.append((aux, target.with_name(target.name + ".aux.xml")))
    for source, dest in pairs:
        shutil.copy2(source, dest)
    return target, [dest for _, dest in pairs]


def download_copy(url: str, folder: Path) -> tuple[Path, list[Path]]:
    """The whole of a remote image downloaded into the workspace ``folder``: its path, and the files
    this call wrote (none when the same file was downloaded before). Paths are absolute."""
    folder = folder.resolve()
    name = remote.file_name(url)
    partial = folder / IMAGERY_FOLDER / f".{name}.download"
    partial.parent.mkdir(parents=True, exist_ok=True)
    remote.download(url, partial)
    digest = file_sha256(partial)
    target, present = _target(folder, name, digest)
    if present:
        partial.unlink()
        return target, []
    partial.replace(target)
    return target, [target]


def remove_copy(path: Path, folder: Path) -> Path | None:
    """Delete a copy that ``keep_copy`` made in the workspace ``folder`` (with its world file and
    ``.aux.xml``); the path deleted, or None when ``path`` is not in the folder's imagery/ (or gone)."""
    if not path.is_file() or not inside(path, folder / IMAGERY_FOLDER):
        return None
    world = find_world_file(path)
    for extra in (world, path.with_name(path.name + ".aux.xml")):
        if extra is not None:
            extra.unlink(missing_ok=True)
    path.unlink()
    return path
