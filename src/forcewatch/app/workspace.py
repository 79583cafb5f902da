"""A workspace: a folder holding its store and, optionally, imagery and its own models. The store is
``forcewatch.gpkg`` in the folder (the default), or a PostgreSQL + PostGIS database whose URL the
folder records in ``forcewatch-store.txt`` (``forcewatch init FOLDER --store postgresql://…``);
``$FORCEWATCH_STORE`` overrides both."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from forcewatch.errors import InputError, StoreError
from forcewatch.sites import example_sites
from forcewatch.store.base import Store
from forcewatch.store.gpkg import STORE_NAME, open_store

ENV = "FORCEWATCH_WORKSPACE"
#: A PostgreSQL URL that overrides the workspace folder's store (the one it records, or its GeoPackage).
STORE_ENV = "FORCEWATCH_STORE"
#: The file in a workspace folder that records the URL of its PostGIS store (one line, no password).
STORE_URL_FILE = "forcewatch-store.txt"


class WorkspaceStore(Store, Protocol):
    """A store opened for a workspace: a context manager that closes it."""

    def __enter__(self) -> WorkspaceStore: ...

    def __exit__(self, *exc: object) -> None: ...


def resolve(workspace: Path | None) -> Path:
    """-w/--workspace, else $FORCEWATCH_WORKSPACE, else the current directory."""
    if workspace is not None:
        return workspace
    env = os.environ.get(ENV)
    return Path(env) if env else Path.cwd()


def recorded_url(folder: Path) -> str | None:
    """The URL of the PostGIS store that ``folder`` records, or None (its store is a GeoPackage)."""
    path = folder / STORE_URL_FILE
    if not path.is_file():
        return None
    url = path.read_text(encoding="utf-8").strip()
    if not url:
        raise StoreError(
            f"{path} is empty. Fix: write the store's URL in it (postgresql://USER@HOST:PORT/DATABASE), or remove "
            f"it to use {folder / STORE_NAME}."
        )
    return url


def is_workspace(folder: Path) -> bool:
    """Whether ``folder`` is a workspace: it holds ``forcewatch.gpkg`` or records a PostGIS store."""
    return (folder / STORE_NAME).is_file() or (folder / STORE_URL_FILE).is_file()


def store_url(folder: Path) -> str | None:
    """Where the workspace ``folder``'s store is: $FORCEWATCH_STORE, else the URL the folder records,
    else None (``forcewatch.gpkg`` in the folder)."""
    return os.environ.get(STORE_ENV) or recorded_url(folder)


def open_folder(folder: Path, url: str | None, *, create: bool = False) -> WorkspaceStore:
    """The store at ``url`` (PostGIS) for the workspace ``folder``, or its GeoPackage when ``url`` is None."""
    if url is None:
        return open_store(folder / STORE_NAME, create=create)
    from forcewatch.store.postgis import open_postgis

    return open_postgis(url, folder, create=create)


def _record(folder: Path, url: str, source: str) -> None:
    """Make ``folder`` a workspace on the PostGIS store at ``url`` (before any store is made)."""
    from forcewatch.store import postgis_connect as pg

    path = folder / STORE_URL_FILE
    if not pg.is_url(url):
        raise InputError(
            f"{source} {pg.redact(url)!r} is not a PostgreSQL URL. Fix: give postgresql://USER@HOST:PORT/DATABASE, "
            f"or leave it out for a GeoPackage store ({STORE_NAME})."
        )
    pg.refuse_password(url, str(path))
    recorded = recorded_url(folder)
    if recorded is not None and recorded != url:
        raise InputError(
            f"{folder} is already a workspace on {pg.redact(recorded)} ({path}). Fix: choose another folder, or "
            f"edit {path} if that database moved."
        )
    if recorded is None and (folder / STORE_NAME).exists():
        raise InputError(
            f"{folder} already holds a GeoPackage store ({STORE_NAME}). Fix: init another folder on {pg.redact(url)}"
            f" and move the data with `forcewatch store copy {folder} {pg.redact(url)}`, or move {STORE_NAME} "
            "out of the way first."
        )


def init(folder: Path, example: str | None = None, store: str | None = None) -> tuple[WorkspaceStore, int]:
    """Create a workspace (idempotent: an existing one is opened); add the example's sites. ``store``
    (else $FORCEWATCH_STORE) is the URL of a PostgreSQL database to keep it in (PostGIS is set up in
    it); without one the store is ``forcewatch.gpkg`` in the folder."""
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: exists and is not a folder. Fix: choose another path.")
    url = store or os.environ.get(STORE_ENV)
    if url is not None:
        _record(folder, url, "--store" if store else f"${STORE_ENV}")
        opened = open_folder(folder, url, create=True)  # the server is reachable: now make the folder
        folder.mkdir(parents=True, exist_ok=True)
        (folder / STORE_URL_FILE).write_text(url + "\n", encoding="utf-8")
    else:
        folder.mkdir(parents=True, exist_ok=True)
        opened = open_folder(folder, recorded_url(folder), create=True)
    added = 0
    if example:
        sites = example_sites(example)
        with opened.transaction():
            existing = {s.name for s in opened.sites()}
            for site in sites:
                if site.name not in existing:
                    opened.add_site(site)
                    added += 1
            opened.log("init", f"workspace {folder} with example {example!r}: {added} sites added")
    return opened, added


@dataclass(frozen=True)
class WorkspaceReady:
    folder: Path
    sites: int  # sites in the workspace now
    added: int  # of which the example added now
    store: str = STORE_NAME  # where the store is: the GeoPackage's name, or the database's URL (no password)


def create_workspace(folder: Path, example: str | None = None, store: str | None = None) -> WorkspaceReady:
    """``forcewatch init``: create (or reopen) the workspace, add the example's sites, and say how many."""
    opened, added = init(folder, example, store)
    with opened:
        where = getattr(opened, "url", STORE_NAME)
        return WorkspaceReady(folder, len(opened.sites()), added, where)


def open_workspace(workspace: Path | None) -> WorkspaceStore:
    """The store of a workspace (-w, $FORCEWATCH_WORKSPACE or the current folder); a context
    manager that closes it: ``with open_workspace(path) as store: ...``. A folder that records a
    PostGIS store (``forcewatch-store.txt``), or $FORCEWATCH_STORE, opens that database."""
    folder = resolve(workspace)
    return open_folder(folder, store_url(folder))
