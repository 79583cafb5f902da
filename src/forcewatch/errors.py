"""One root exception; each subclass also subclasses the matching builtin.

Every message says what was wrong, where (file, line or record, field, value) and how to fix it.
"""

from __future__ import annotations

from pathlib import Path


class ForceWatchError(Exception):
    """Root of every error ForceWatch raises on purpose."""


class InputError(ForceWatchError, ValueError):
    """A file, an argument or a value given by the user is wrong."""


class AnnotationError(InputError):
    """An annotation file is malformed; names the file, the line or record and the fix."""

    def __init__(
        self,
        path: Path | str,
        problem: str,
        fix: str,
        *,
        line: int | None = None,
        record: str | None = None,
    ) -> None:
        where = str(path)
        if line is not None:
            where += f", line {line}"
        if record is not None:
            where += f", {record}"
        super().__init__(f"{where}: {problem}. Fix: {fix}")
        self.path = Path(path)
        self.line = line
        self.record = record


class ImageryError(InputError):
    """An image cannot be opened or used as given."""


class GsdUnknownError(ImageryError):
    """Neither the image nor the user says how many metres a pixel covers."""


class ModelError(ForceWatchError, RuntimeError):
    """A detector model file is missing, unreadable or lacks its metadata."""


class MissingExtraError(ForceWatchError, ImportError):
    """An optional dependency is needed; names the pip command that installs it."""

    def __init__(self, package: str, extra: str | None, purpose: str) -> None:
        how = f"pip install 'forcewatch[{extra}]'" if extra else "pip install --force-reinstall forcewatch"
        super().__init__(f"{purpose} needs {package!r}, which is not installed. Install it with: {how}")


class StoreError(ForceWatchError, RuntimeError):
    """The workspace's store is missing, not ours, or from a newer version."""
