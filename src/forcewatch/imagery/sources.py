"""What ``forcewatch ingest`` is given, turned into a list of images: files, folders, glob patterns
and URLs, with each file's date and sensor from a CSV sidecar where one is given.

A sidecar is a CSV file with a header ``path,acquired,sensor`` (``sensor`` may be left out or left
empty): ``path`` relative to the CSV's folder, absolute, or an http(s) URL; ``acquired`` ISO 8601
(UTC if no zone). A folder's own sidecar is ``imagery.csv`` in it. Every row's file must exist: a
row naming a missing file is an error that names the row.
"""

from __future__ import annotations

import csv
import glob
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from forcewatch.errors import InputError
from forcewatch.imagery import remote

#: Files a folder or a glob pattern contributes: GeoTIFF/COG, JPEG, PNG, and STAC Item JSON (a glob only).
IMAGE_SUFFIXES = (".tif", ".tiff", ".jpg", ".jpeg", ".png")
#: The sidecar a folder carries for its images.
FOLDER_SIDECAR = "imagery.csv"
SIDECAR_COLUMNS = ("path", "acquired", "sensor")
_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class Source:
    """One image to ingest: a local path or an http(s) URL, with what a sidecar row or a catalogue
    says of it (``properties`` are recorded with the scene) and where that was said (for messages)."""

    location: Path | str
    acquired: str | None = None
    sensor: str | None = None
    properties: Mapping[str, object] = field(default_factory=dict)
    where: str = ""

    @property
    def name(self) -> str:
        """The file's name (a URL's last part)."""
        return self.location.name if isinstance(self.location, Path) else remote.file_name(self.location)


@dataclass(frozen=True)
class SidecarRow:
    location: Path | str
    acquired: str | None
    sensor: str | None
    where: str  # "FILE.csv, row N"


def _key(location: Path | str) -> str:
    return location if isinstance(location, str) else str(location.resolve())


def read_sidecar(path: Path) -> list[SidecarRow]:
    """The rows of a CSV sidecar, each file checked to exist (a missing one is an error naming the row)."""
    from forcewatch.imagery.scene import parse_time

    if not path.is_file():
        raise InputError(f"{path}: no such sidecar file. Fix: check the --sidecar path.")
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        header = [h.strip() for h in reader.fieldnames or []]
        if "path" not in header:
            raise InputError(
                f"{path}: the header is {','.join(header) or 'empty'}, with no 'path' column. Fix: make the first line "
                f"{','.join(SIDECAR_COLUMNS)} (sensor may be left out)."
            )
        rows: list[SidecarRow] = []
        seen: dict[str, int] = {}
        for n, raw in enumerate(reader, start=2):  # row 1 is the header
            row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
            where = f"{path}, row {n}"
            text = row.get("path", "")
            if not text:
                raise InputError(f"{where}: the path is empty. Fix: give the image's path, or delete the row.")
            location: Path | str = text if remote.is_url(text) else (path.parent / text)
            if isinstance(location, Path) and not location.is_file():
                raise InputError(
                    f"{where}: path {text!r}: no such file ({location}). Fix: correct the path (a relative path is "
                    f"from the CSV's folder, {path.parent}), put the file there, or delete the row."
                )
            key = _key(location)
            if key in seen:
                raise InputError(
                    f"{where}: path {text!r} is already on row {seen[key]}. Fix: keep one of the two rows."
                )
            seen[key] = n
            when = row.get("acquired") or None
            if when is not None:
                when = parse_time(when, f"{where}, acquired")
            rows.append(SidecarRow(location, when, row.get("sensor") or None, where))
    return rows


def _expand_one(text: str) -> tuple[list[Path | str], Path | None]:
    """The images one input names, and the sidecar of a folder (imagery.csv), if it has one."""
    if remote.is_url(text):
        return [text], None
    path = Path(text)
    if path.is_dir():
        found: list[Path | str] = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not found:
            raise InputError(
                f"{path}: a folder with no image in it (looked for {', '.join(IMAGE_SUFFIXES)}). Fix: check the folder."
            )
        own = path / FOLDER_SIDECAR
        return found, own if own.is_file() else None
    if not path.exists() and _GLOB_CHARS & set(text):
        suffixes = (*IMAGE_SUFFIXES, ".json")
        matched = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).suffix.lower() in suffixes)
        if not matched:
            raise InputError(
                f"{text}: the pattern matches no image ({', '.join(suffixes)}). Fix: check the pattern (quote it, "
                "as in 'imagery/*.tif', so that it reaches ForceWatch as written)."
            )
        return list(matched), None
    return [path], None


def expand(inputs: Sequence[str | Path], sidecar: Path | None = None) -> list[Source]:
    """The images ``inputs`` name (files, folders, glob patterns, URLs; each once, in order), each
    with its sidecar row's date and sensor: ``sidecar`` if given, else a folder's ``imagery.csv``.
    With no inputs, the sidecar's rows are the images."""
    found: list[Path | str] = []
    sidecars: list[Path] = [sidecar] if sidecar is not None else []
    for item in inputs:
        images, own = _expand_one(str(item))
        found += images
        if sidecar is None and own is not None:
            sidecars.append(own)
    rows = {_key(r.location): r for sc in sidecars for r in read_sidecar(sc)}
    if not inputs:
        if sidecar is None:
            raise InputError("no imagery given. Fix: name files, folders, 'patterns/*.tif' or URLs, or --sidecar CSV.")
        found = [r.location for r in rows.values()]
    out, seen = [], set()
    for location in found:
        key = _key(location)
        if key in seen:
            continue
        seen.add(key)
        row = rows.get(key)
        out.append(Source(location, row.acquired, row.sensor, where=row.where) if row else Source(location))
    return out
