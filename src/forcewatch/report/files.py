"""Writing published files atomically: the content goes to ``NAME.tmp`` next to the target, which
then replaces the target, so a reader (a browser, QGIS, a sync client) never sees half a file."""

from __future__ import annotations

from pathlib import Path


def write_atomic(out: Path, content: str | bytes) -> Path:
    """Write ``content`` (text as UTF-8) to ``out``, creating its folder; returns ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    if isinstance(content, str):
        tmp.write_text(content, encoding="utf-8")
    else:
        tmp.write_bytes(content)
    tmp.replace(out)
    return out
