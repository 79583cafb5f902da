"""A workspace: a folder holding ``forcewatch.gpkg`` (the store) and, optionally, imagery."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from forcewatch.errors import InputError
from forcewatch.sites import example_sites
from forcewatch.store.gpkg import STORE_NAME, GeoPackageStore, open_store

ENV = "FORCEWATCH_WORKSPACE"


def resolve(workspace: Path | None) -> Path:
    """-w/--workspace, else $FORCEWATCH_WORKSPACE, else the current directory."""
    if workspace is not None:
        return workspace
    env = os.environ.get(ENV)
    return Path(env) if env else Path.cwd()


def init(folder: Path, example: str | None = None) -> tuple[GeoPackageStore, int]:
    """Create a workspace (idempotent: an existing one is opened); add the example's sites."""
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: exists and is not a folder. Fix: choose another path.")
    folder.mkdir(parents=True, exist_ok=True)
    store = open_store(folder / STORE_NAME, create=True)
    added = 0
    if example:
        sites = example_sites(example)
        with store.transaction():
            existing = {s.name for s in store.sites()}
            for site in sites:
                if site.name not in existing:
                    store.add_site(site)
                    added += 1
            store.log("init", f"workspace {folder} with example {example!r}: {added} sites added")
    return store, added


@dataclass(frozen=True)
class WorkspaceReady:
    folder: Path
    sites: int  # sites in the workspace now
    added: int  # of which the example added now


def create_workspace(folder: Path, example: str | None = None) -> WorkspaceReady:
    """``forcewatch init``: create (or reopen) the workspace, add the example's sites, and say how many."""
    store, added = init(folder, example)
    with store:
        return WorkspaceReady(folder, len(store.sites()), added)


def open_workspace(workspace: Path | None) -> GeoPackageStore:
    """The store of a workspace (-w, $FORCEWATCH_WORKSPACE or the current folder); a context
    manager that closes it: ``with open_workspace(path) as store: ...``."""
    folder = resolve(workspace)
    return open_store(folder / STORE_NAME)
