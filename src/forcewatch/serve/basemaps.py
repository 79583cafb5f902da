"""Basemaps of the dashboard besides the bundled borders (``forcewatch serve --basemap``).

A basemap is ``[NAME=]SOURCE``, SOURCE one of:

- an XYZ tile URL, ``https://tiles.example.org/{z}/{x}/{y}.png`` (the browser fetches it);
- a folder of XYZ tiles on this machine, ``/data/tiles/{z}/{x}/{y}.png`` (QGIS "Generate XYZ tiles
  (Directory)"), served by the dashboard: it works offline;
- a PMTiles archive, a file on this machine (served by the dashboard, with HTTP range requests:
  offline) or an ``https://…/x.pmtiles`` URL, of raster tiles (PNG, JPEG, WebP, AVIF), drawn by the
  vendored ``pmtiles`` library (nothing is fetched from a CDN). Vector PMTiles need a style and a
  renderer the dashboard does not bundle: a local one is refused with that reason.

Only the server's operator chooses these files: the page asks for a basemap by its number and for
tiles by z/x/y integers, never by a path.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

from forcewatch.errors import InputError

#: PMTiles v3 tile types (header byte 99) → what they are.
PMTILES_TYPES = {1: "mvt", 2: "png", 3: "jpeg", 4: "webp", 5: "avif"}
_PMTILES_HEADER_BYTES = 127
_TEMPLATE = re.compile(r"\{z\}.*\{x\}.*\{y\}")
_NAME = re.compile(r"^[\w .,:()'-]{1,40}$")
_MEDIA = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp"}


@dataclass(frozen=True)
class Basemap:
    """One basemap: its name in the layer control, what it is, and where."""

    name: str
    kind: str  # xyz | pmtiles
    url: str | None = None  # fetched by the browser (remote)
    path: Path | None = None  # served by the dashboard: a PMTiles file, or an XYZ folder template
    tile_type: str | None = None  # of a local PMTiles file: png, jpeg, webp, avif or mvt


def _pmtiles_type(path: Path) -> str:
    """The tile type of a PMTiles v3 archive (an error naming the file if it is not one)."""
    try:
        with path.open("rb") as f:
            head = f.read(_PMTILES_HEADER_BYTES)
    except OSError as exc:
        raise InputError(f"--basemap {path}: cannot be read ({exc.strerror}). Fix: check the path.") from None
    if len(head) < _PMTILES_HEADER_BYTES or head[:7] != b"PMTiles" or head[7] != 3:
        raise InputError(
            f"--basemap {path}: not a PMTiles version 3 archive. Fix: give a .pmtiles file (`pmtiles convert` "
            "makes one from an MBTiles file)."
        )
    kind = PMTILES_TYPES.get(struct.unpack_from("<B", head, 99)[0])
    if kind is None or kind == "mvt":
        raise InputError(
            f"--basemap {path}: its tiles are {'vector (MVT)' if kind else 'of an unknown type'}; the dashboard draws "
            "raster PMTiles (PNG, JPEG, WebP, AVIF) only. Fix: give a raster archive, or an XYZ source."
        )
    return kind


def parse_basemap(spec: str) -> Basemap:
    """A ``--basemap`` value as a :class:`Basemap` (an error with the fix when it is none of the kinds)."""
    name, sep, source = spec.partition("=")
    if not sep or "://" in name or not _NAME.match(name):
        name, source = "", spec
    source = source.strip()
    remote = source.startswith(("http://", "https://"))
    if source.lower().split("?")[0].endswith(".pmtiles"):
        if remote:
            return Basemap(name or source.rsplit("/", 1)[-1], "pmtiles", url=source)
        path = Path(source).expanduser().resolve()
        return Basemap(name or path.stem, "pmtiles", path=path, tile_type=_pmtiles_type(path))
    if not _TEMPLATE.search(source):
        raise InputError(
            f"--basemap {spec!r}: neither an XYZ template nor a PMTiles archive. Fix: give a URL or a folder "
            "template with {z}, {x} and {y} (https://host/{z}/{x}/{y}.png), or a .pmtiles file or URL."
        )
    if remote:
        return Basemap(name or source.split("/")[2], "xyz", url=source)
    if Path(source).suffix.lower() not in _MEDIA:
        raise InputError(
            f"--basemap {source}: tiles of a folder must end in .png, .jpg or .webp. Fix: export PNG, JPEG or WebP."
        )
    root = Path(source.split("{", 1)[0]).expanduser()
    if not root.is_dir():
        raise InputError(f"--basemap {source}: {root} is not a folder. Fix: check the path.")
    return Basemap(name or root.resolve().name, "xyz", path=Path(source).expanduser().resolve())


def page_json(basemaps: list[Basemap]) -> list[dict[str, object]]:
    """What the page is told of each basemap: its name, kind, and the URL its tiles come from (the
    dashboard's own for local files: never their path)."""
    out: list[dict[str, object]] = []
    for i, b in enumerate(basemaps):
        if b.path is None:
            url = b.url
        elif b.kind == "pmtiles":
            url = f"/api/basemaps/{i}/archive.pmtiles"
        else:
            url = f"/api/basemaps/{i}/{{z}}/{{x}}/{{y}}{b.path.suffix}"
        out.append({"id": i, "name": b.name, "kind": b.kind, "url": url, "tile_type": b.tile_type})
    return out


def local_tile(basemap: Basemap, z: int, x: int, y: int) -> tuple[Path, str] | None:
    """The file (and media type) of tile z/x/y of a folder basemap, None when it has none."""
    if basemap.kind != "xyz" or basemap.path is None:
        return None
    path = Path(str(basemap.path).replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y)))
    if not path.is_file():
        return None
    return path, _MEDIA[path.suffix.lower()]
