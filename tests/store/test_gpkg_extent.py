"""A feature table's extent in gpkg_contents grows with what is written, at a cost that does not
grow with the table (the R-tree answers "anything beyond this side?" without reading the rest)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from shapely.geometry import box

from forcewatch.model import Site
from forcewatch.store.gpkg import open_store


def _extent(path: Path) -> tuple[float, ...]:
    con = sqlite3.connect(path)
    try:
        row = con.execute("SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = 'sites'").fetchone()
        return tuple(round(v, 3) for v in row)
    finally:
        con.close()


def test_the_extent_grows_to_cover_each_new_site_and_no_further(tmp_path: Path) -> None:
    path = tmp_path / "forcewatch.gpkg"
    with open_store(path, create=True) as store:
        with store.transaction():
            store.add_site(Site("a", box(26.0, 52.0, 26.1, 52.1)))
        assert _extent(path) == (26.0, 52.0, 26.1, 52.1)
        with store.transaction():
            store.add_site(Site("inside", box(26.02, 52.02, 26.05, 52.05)))
        assert _extent(path) == (26.0, 52.0, 26.1, 52.1)  # unchanged
        with store.transaction():
            store.add_site(Site("west", box(24.5, 52.03, 24.6, 52.04)))
            store.add_site(Site("north", box(26.03, 53.0, 26.04, 53.5)))
        assert _extent(path) == (24.5, 52.0, 26.1, 53.5)
        with store.transaction():
            store.remove_site("west")
            store.add_site(Site("east", box(27.0, 51.5, 27.2, 51.6)))
        assert _extent(path) == (24.5, 51.5, 27.2, 53.5)  # informative: it keeps covering what was removed
