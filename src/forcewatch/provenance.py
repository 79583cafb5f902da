"""Provenance: the hashes that let every stored number be traced to its inputs."""

from __future__ import annotations

import hashlib
from pathlib import Path

#: What identifies a file's content without reading it: modification time (ns), size, inode.
FileStamp = tuple[int, int, int]


def file_stamp(path: Path | str) -> FileStamp | None:
    """The stamp of the file ``path`` (None where it cannot be read): a file written again or
    replaced in place has another."""
    try:
        st = Path(path).stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file (scenes and model files are known by it)."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
