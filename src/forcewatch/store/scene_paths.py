"""Where a scene's image is, as stored and as opened.

A file inside the workspace folder is stored by its path relative to the folder (POSIX), so that
the folder can be moved, or shared on another machine, and its scenes still open; a file outside
it is stored by its absolute path, and a URL (``https://…``) as given. Scenes read back from a
store carry a path that opens from here: the absolute path of a relative one, or the URL."""

from __future__ import annotations

from pathlib import Path, PurePosixPath


def is_location_url(text: str) -> bool:
    """Whether ``text`` is a URL (``scheme://…``) rather than a file path."""
    scheme, sep, _ = text.partition("://")
    return bool(sep) and scheme.isascii() and scheme.replace("+", "").isalnum()


def stored_path(path: str, folder: Path | None) -> str:
    """``path`` (absolute, or a URL) as the store records it: relative to ``folder`` where it lies
    inside it, otherwise unchanged. A relative path is taken as already relative to the folder.

    >>> stored_path("/ws/imagery/a.tif", Path("/ws"))
    'imagery/a.tif'
    >>> stored_path("/elsewhere/a.tif", Path("/ws"))
    '/elsewhere/a.tif'
    """
    if folder is None or is_location_url(path) or not Path(path).is_absolute():
        return path
    try:
        return Path(path).relative_to(folder).as_posix()
    except ValueError:
        return path


def openable_path(stored: str, folder: Path | None) -> str:
    """The path a stored scene path opens from: the folder's absolute path joined to a relative one.

    >>> openable_path("imagery/a.tif", Path("/ws"))
    '/ws/imagery/a.tif'
    """
    if folder is None or is_location_url(stored) or Path(stored).is_absolute():
        return stored
    return str(folder / PurePosixPath(stored))
