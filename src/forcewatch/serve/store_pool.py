"""Open stores of the dashboard's workspace, reused from one request to the next.

Opening the GeoPackage store costs more than most requests (it checks the file's pages and its
schema): measured 1.2 ms, about a third of the server's time under the load bench. A request borrows
an open store and gives it back; both stores run in autocommit (each read sees what was committed
last, by the dashboard or by a `forcewatch` command in another process), so a reused store is as
fresh as a new one. A store is not reused after a request that failed while holding it, nor when
its file was replaced (another inode: a workspace restored from a copy); at most ``max_idle`` wait
to be reused, the others are closed. (A PostGIS connection that the server dropped fails the one
request that finds it so, and is not reused.)"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from forcewatch.app.workspace import STORE_NAME, open_folder
from forcewatch.store.base import Store

#: Open stores kept waiting for a request (the others are closed when given back).
MAX_IDLE = 16

Identity = Callable[[], object]


def _close_all(idle: list[tuple[Store, object]]) -> None:
    while idle:
        idle.pop()[0].close()


class StorePool:
    """Stores made by ``opener()``, lent one request at a time. ``identity()`` says which store file
    they are on (when it changes, stores opened before are closed rather than reused)."""

    def __init__(self, opener: Callable[[], Store], identity: Identity | None = None, max_idle: int = MAX_IDLE):
        self._opener = opener
        self._identity: Identity = identity or (lambda: None)
        self.max_idle = max_idle
        self._idle: list[tuple[Store, object]] = []
        self._lock = threading.Lock()
        self._closed = False
        self.opened = 0
        self._finalizer = weakref.finalize(self, _close_all, self._idle)

    def idle(self) -> int:
        with self._lock:
            return len(self._idle)

    @contextmanager
    def borrow(self) -> Iterator[Store]:
        """An open store for the time of the ``with``: reused when one waits, opened otherwise."""
        now = self._identity()
        store = None
        with self._lock:
            while self._idle and store is None:
                candidate, opened_on = self._idle.pop()
                if opened_on == now:
                    store = candidate
                else:
                    candidate.close()
        if store is None:
            store = self._opener()
            with self._lock:
                self.opened += 1
        try:
            yield store
        except BaseException:
            store.close()
            raise
        with self._lock:
            if not self._closed and len(self._idle) < self.max_idle:
                self._idle.append((store, now))
                return
        store.close()

    def close(self) -> None:
        """Close the stores waiting to be reused; lent ones are closed when given back."""
        with self._lock:
            self._closed = True
            _close_all(self._idle)


def file_identity(path: Path) -> Identity:
    """The identity of the file at ``path``: its device and inode (None while it is missing)."""

    def identity() -> object:
        try:
            st = os.stat(path)
        except OSError:
            return None
        return st.st_dev, st.st_ino

    return identity


def workspace_pool(folder: Path, url: str | None, max_idle: int = MAX_IDLE) -> StorePool:
    """The pool of the workspace ``folder``'s store: its GeoPackage (reopened when the file is
    replaced), or the PostGIS store at ``url``."""
    identity = file_identity(folder / STORE_NAME) if url is None else None
    return StorePool(lambda: open_folder(folder, url), identity, max_idle)
