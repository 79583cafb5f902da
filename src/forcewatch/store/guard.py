"""Guards around the store file: refuse a damaged one at open, and make a second writer wait, then
say who holds the workspace and what to do, instead of failing with "database is locked".

The writer of the moment leaves a small note beside the store (``forcewatch.gpkg.lock``: process
id, host, command, since when) for as long as its transaction lasts; SQLite's own lock does the
locking, the note only lets a waiting command name the holder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import sqlite3
import struct
import sys
from pathlib import Path

from forcewatch.errors import StoreError

SQLITE_MAGIC = b"SQLite format 3\x00"
#: How long a command waits for another writer (seconds); FORCEWATCH_LOCK_TIMEOUT_S overrides it.
DEFAULT_LOCK_TIMEOUT_S = 60.0
#: Stores up to this size are checked page by page (PRAGMA quick_check) at open.
QUICK_CHECK_MAX_BYTES = 256 * 1024 * 1024


def lock_timeout_s() -> float:
    """The wait for a busy store: $FORCEWATCH_LOCK_TIMEOUT_S, else :data:`DEFAULT_LOCK_TIMEOUT_S`."""
    raw = os.environ.get("FORCEWATCH_LOCK_TIMEOUT_S")
    if raw is None:
        return DEFAULT_LOCK_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        raise StoreError(
            f"FORCEWATCH_LOCK_TIMEOUT_S={raw!r} is not a number of seconds. Fix: set it to e.g. 120, or unset it."
        ) from None
    if not value >= 0:
        raise StoreError(f"FORCEWATCH_LOCK_TIMEOUT_S={raw!r} must be zero or more seconds.")
    return value


def _recovery(path: Path) -> str:
    return (
        f"Fix: restore {path.name} from a copy (a backup of the workspace), or inspect it with "
        f"`sqlite3 {path} 'PRAGMA integrity_check'` and save what can be read with "
        f"`sqlite3 {path} .recover | sqlite3 recovered.gpkg`. Nothing was written to it."
    )


def check_file(path: Path) -> None:
    """Refuse a store file that is empty, not SQLite (overwritten) or shorter than its header says
    (truncated): before anything reads or writes it."""
    size = path.stat().st_size
    if size == 0:
        raise StoreError(f"{path}: the store is an empty file. {_recovery(path)}")
    with path.open("rb") as fh:
        header = fh.read(100)
    if not header.startswith(SQLITE_MAGIC):
        raise StoreError(f"{path}: not a SQLite/GeoPackage file (overwritten or damaged). {_recovery(path)}")
    if len(header) < 100:
        raise StoreError(f"{path}: the store is truncated ({size} bytes). {_recovery(path)}")
    (page_size,) = struct.unpack(">H", header[16:18])
    page_size = 65536 if page_size == 1 else page_size
    (change_counter,) = struct.unpack(">I", header[24:28])
    (pages,) = struct.unpack(">I", header[28:32])
    (valid_for,) = struct.unpack(">I", header[92:96])
    if pages and change_counter == valid_for and size < pages * page_size:
        raise StoreError(
            f"{path}: the store is truncated: {size} bytes where its header says {pages * page_size}. {_recovery(path)}"
        )


def check_pages(con: sqlite3.Connection, path: Path) -> None:
    """``PRAGMA quick_check`` on stores of a reasonable size: a malformed page is refused at open."""
    if path.stat().st_size > QUICK_CHECK_MAX_BYTES:
        return
    try:
        result = con.execute("PRAGMA quick_check(1)").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: the store is damaged ({exc}). {_recovery(path)}") from None
    if result != "ok":
        raise StoreError(f"{path}: the store is damaged ({result}). {_recovery(path)}")


def damaged(path: Path, exc: sqlite3.DatabaseError) -> StoreError:
    """The error for a store that SQLite cannot read."""
    return StoreError(f"{path}: the store cannot be read ({exc}). {_recovery(path)}")


def lock_note_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def _command() -> str:
    args = [Path(sys.argv[0]).name, *sys.argv[1:3]] if sys.argv and sys.argv[0] else ["python"]
    return " ".join(a for a in args if a)


def write_lock_note(path: Path) -> None:
    """Say, beside the store, who is writing now (best effort: a read-only folder just has no note)."""
    note = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "command": _command(),
        "since": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    with contextlib.suppress(OSError):  # a read-only folder just has no note
        lock_note_path(path).write_text(json.dumps(note), encoding="utf-8")


def clear_lock_note(path: Path) -> None:
    try:
        note = json.loads(lock_note_path(path).read_text(encoding="utf-8"))
        if note.get("pid") == os.getpid() and note.get("host") == socket.gethostname():
            lock_note_path(path).unlink()
    except (OSError, ValueError):
        pass


def holder(path: Path) -> str:
    """Who holds the store, from the writer's note: "`forcewatch scan` (process 4242 on host x,
    since 2026-11-30T21:02:11Z)", or a plain phrase when there is no note."""
    try:
        note = json.loads(lock_note_path(path).read_text(encoding="utf-8"))
        return f"`{note['command']}` (process {note['pid']} on {note['host']}, since {note['since']})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another program (QGIS, sqlite3 or another ForceWatch command)"


def busy(path: Path, waited_s: float) -> StoreError:
    """The error for a store that stayed locked by another writer for ``waited_s`` seconds."""
    return StoreError(
        f"{path}: the workspace is being written by {holder(path)}; waited {waited_s:.0f} s. "
        "Fix: let that command finish, then run this one again (it is safe to re-run), or wait longer with "
        "FORCEWATCH_LOCK_TIMEOUT_S=600. If no such command is running any more, close the program that has "
        f"{path.name} open (QGIS editing, sqlite3) and remove {lock_note_path(path).name}."
    )
