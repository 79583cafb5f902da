"""Claims on units of work for a store on a local file: one lock file per claimed key, held with
``flock`` while the work runs. The kernel releases a lock when its holder dies (even by ``kill -9``),
so a pair claimed by a crashed scan is free again at once."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

#: The folder of lock files, beside the store.
CLAIMS_DIR = ".forcewatch-claims"


@contextlib.contextmanager
def file_claim(folder: Path, key: str) -> Iterator[bool]:
    """Hold ``key`` while the block runs: yields True when this process holds it, False when another
    one does (the block then should leave that work alone)."""
    claims = folder / CLAIMS_DIR
    claims.mkdir(exist_ok=True)
    path = claims / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()  # a later claimer makes a new file; duplicates are stopped at write time anyway
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
