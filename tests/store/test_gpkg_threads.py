"""A store opened in one thread is used and closed in others, one after the other, as the
dashboard's requests do (FastAPI runs a request's dependency and handler in a thread pool)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from shapely.geometry import box

from forcewatch.model import Site
from forcewatch.store.gpkg import open_store


def test_a_store_opened_in_one_thread_is_used_and_closed_in_another(tmp_path: Path) -> None:
    store = open_store(tmp_path / "forcewatch.gpkg", create=True)
    with ThreadPoolExecutor(max_workers=1) as other:

        def write() -> None:
            with store.transaction():
                store.add_site(Site("a", box(26.0, 52.0, 26.1, 52.1)))

        other.submit(write).result()
        assert [s.name for s in other.submit(store.sites).result()] == ["a"]
        other.submit(store.close).result()
