"""Writing published files safely.

- Atomically: the content goes to a temporary file next to the target, which then replaces the
  target, so a reader (a browser, QGIS, a sync client) never sees half a file, and a failed write
  leaves the old file as it was.
- Never over a ForceWatch store: a target that is the workspace's store (the same file, however
  named) or any GeoPackage with a ``forcewatch_schema`` table is refused, whatever the flags.
- With a clear error, not a traceback, where the folder is a file or cannot be written.
- Without machine paths: a scene's file is named relative to the workspace folder
  (:func:`shown_path`).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

from forcewatch.errors import InputError

#: The table that makes a GeoPackage a ForceWatch store.
STORE_TABLE = "forcewatch_schema"


def check_folder_for(out: Path, option: str = "--out") -> None:
    """The folder that will hold ``out`` (or its nearest existing parent, if it is still to be
    made) must be a folder this process can write in."""
    folder = out.absolute().parent
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    if not folder.is_dir():
        raise InputError(f"{option} {out}: {folder} is a file, not a folder. Fix: choose an {option} inside a folder.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(
            f"{option} {out}: cannot write in {folder} (permission denied). "
            f"Fix: choose an {option} in a folder you can write to."
        )


def is_store(path: Path) -> bool:
    """Whether ``path`` is a ForceWatch store: an SQLite file (GeoPackage) with a ``forcewatch_schema`` table."""
    if not path.is_file():
        return False
    with path.open("rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            return False
    try:
        con = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return True  # an SQLite file that cannot be read: never write over it
    try:
        row = con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (STORE_TABLE,)).fetchone()
    except sqlite3.Error:
        return True
    finally:
        con.close()
    return row is not None


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def refuse_store(out: Path, keep: Sequence[Path] = (), option: str = "--out") -> None:
    """An :class:`InputError` if ``out`` is one of the stores in ``keep`` (compared as resolved
    paths and as files) or any ForceWatch store; ``--force`` never lifts it."""
    if any(_same_file(out, k) for k in keep) or is_store(out):
        raise InputError(
            f"{option} {out}: that is a ForceWatch store (a workspace's forcewatch.gpkg); ForceWatch never "
            f"writes over a store, even with --force. Fix: choose another {option}."
        )


@contextlib.contextmanager
def writing(out: Path, option: str = "--out") -> Iterator[None]:
    """Turn a failure of the file system while writing ``out`` into an :class:`InputError` that names it."""
    try:
        yield
    except OSError as exc:
        why = exc.strerror or str(exc)
        where = f" ({exc.filename})" if exc.filename else ""
        raise InputError(
            f"{option} {out}: cannot write it: {why}{where}. Fix: choose an {option} in a folder you can write to."
        ) from None


def write_atomic(out: Path, content: str | bytes, *, keep: Sequence[Path] = (), option: str = "--out") -> Path:
    """Write ``content`` (text as UTF-8) to ``out``, creating its folder; returns ``out``. Never
    over a store (:func:`refuse_store`); a failure leaves no temporary file and the old ``out``."""
    check_folder_for(out, option)
    refuse_store(out, keep, option)
    tmp = out.with_name(out.name + ".tmp")
    with writing(out, option):
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            if isinstance(content, str):
                tmp.write_text(content, encoding="utf-8")
            else:
                tmp.write_bytes(content)
            tmp.replace(out)
        finally:
            tmp.unlink(missing_ok=True)
    return out


def shown_path(path: str, workspace: Path | None) -> str:
    """How a published file names a scene's file without telling the machine's folders: the path
    relative to the workspace folder where the file lies inside it, else the file name (the scene's
    sha256 identifies it). A URI keeps its address, less any query. With no workspace (values built
    by hand), the path as given.

    >>> shown_path("/data/ws/imagery/a.tif", Path("/data/ws"))
    'imagery/a.tif'
    >>> shown_path("/elsewhere/downloads/a.tif", Path("/data/ws"))
    'a.tif'
    """
    if workspace is None:
        return path
    if "://" in path:
        return path.split("?", 1)[0].split("#", 1)[0]
    p = Path(path)
    if p.is_absolute():
        for base in (workspace.absolute(), workspace.resolve()):
            with contextlib.suppress(ValueError):
                return p.relative_to(base).as_posix()
    return p.name
