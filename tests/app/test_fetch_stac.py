"""``fetch_stac`` against a real (minimal) STAC API on 127.0.0.1, whose items' COGs a real range
server serves: one search per group of nearby sites, only what is new, and bad items refused with
the workspace unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import box

from forcewatch.app.fetch import fetch_stac, group_sites
from forcewatch.errors import InputError
from forcewatch.model import Site
from forcewatch.store.gpkg import GeoPackageStore, open_store
from tests.cog_files import write_small_cog
from tests.range_server import RangeServer, serving
from tests.stac_server import cog_asset, item, stac_api

COLLECTION = "testsat-l1"
CLUSTERS = 10
SITES_PER_CLUSTER = 10
SITE_DEG = 0.003


def _centre(k: int) -> tuple[float, float]:
    """(lat, lon) of cluster ``k``: each in a grid cell of its own, well inside it."""
    return 50.4, 20.4 + 2 * k


def _site_box(k: int, i: int) -> Any:
    lat, lon = _centre(k)
    x, y = lon + (i % 5) * 0.008, lat + (i // 5) * 0.008
    return box(x, y, x + SITE_DEG, y + SITE_DEG)


@pytest.fixture(scope="module")
def cogs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("stac-cogs")
    for k in range(CLUSTERS):
        lat, lon = _centre(k)
        write_small_cog(folder / f"scene-{k}.tif", lat + 0.006, lon + 0.018, seed=k)
    for extra in range(3):  # three more passes over cluster 0 (for paging)
        lat, lon = _centre(0)
        write_small_cog(folder / f"pass-{extra}.tif", lat + 0.006, lon + 0.018, seed=100 + extra)
    return folder


@pytest.fixture
def cog_server(cogs: Path) -> Iterator[RangeServer]:
    with serving(cogs) as s:
        yield s


@pytest.fixture
def store(tmp_path: Path) -> Iterator[GeoPackageStore]:
    with open_store(tmp_path / "forcewatch.gpkg", create=True) as st:
        with st.transaction():
            for k in range(CLUSTERS):
                for i in range(SITES_PER_CLUSTER):
                    st.add_site(Site(f"site {k}-{i}", _site_box(k, i), "garrison"))
        yield st


def _footprint(k: int) -> Any:
    lat, lon = _centre(k)
    return box(lon - 0.01, lat - 0.01, lon + 0.05, lat + 0.03)


def _items(cog_server: RangeServer) -> list[dict[str, Any]]:
    """Per cluster: one new clear scene; one too cloudy and one too old, whose COGs do not exist
    (reading them would fail); one that meets the box around the sites but no site."""
    out = []
    for k in range(CLUSTERS):
        out.append(
            item(
                f"clear-{k}",
                COLLECTION,
                _footprint(k),
                "2022-02-01T09:00:00Z",
                {"visual": cog_asset(cog_server.url(f"scene-{k}.tif"))},
                5.0,
            )
        )
        out.append(
            item(
                f"cloudy-{k}",
                COLLECTION,
                _footprint(k),
                "2022-02-03T09:00:00Z",
                {"visual": cog_asset(cog_server.url("none.tif"))},
                60.0,
            )
        )
        out.append(
            item(
                f"old-{k}",
                COLLECTION,
                _footprint(k),
                "2021-11-01T09:00:00Z",
                {"visual": cog_asset(cog_server.url("none.tif"))},
                0.0,
            )
        )
        lat, lon = _centre(k)
        gap = box(lon + 0.004, lat + 0.001, lon + 0.007, lat + 0.002)  # between sites 0 and 1
        out.append(
            item(
                f"gap-{k}",
                COLLECTION,
                gap,
                "2022-02-02T09:00:00Z",
                {"visual": cog_asset(cog_server.url("none.tif"))},
                1.0,
            )
        )
    return out


def _over(k: int, item_id: str, href: str) -> dict[str, Any]:
    """An item over cluster ``k``, of 1 February 2022, whose visual asset is ``href``."""
    return item(item_id, COLLECTION, _footprint(k), "2022-02-01T09:00:00Z", {"visual": cog_asset(href)})


def test_sites_group_by_grid_cell() -> None:
    sites = [Site(f"s{k}-{i}", _site_box(k, i)) for k in range(3) for i in range(4)]
    groups = group_sites(sites)
    assert [len(g.sites) for g in groups] == [4, 4, 4]
    assert groups[0].bbox == pytest.approx((20.4, 50.4, 20.4 + 3 * 0.008 + SITE_DEG, 50.4 + SITE_DEG))


def test_one_search_per_site_group_and_a_second_run_ingests_nothing(
    store: GeoPackageStore, cog_server: RangeServer
) -> None:
    with stac_api(_items(cog_server)) as api:
        done = fetch_stac(store, api.url, COLLECTION, since="2022-01-01", max_cloud_pct=20)
        assert len(api.searches) == done.groups == CLUSTERS  # 100 sites, 10 groups: 10 queries
        assert all(s["method"] == "POST" and s["collections"] == [COLLECTION] for s in api.searches)
        assert all(s["datetime"] == "2022-01-01T00:00:00Z/.." for s in api.searches)
        assert all(s["query"] == {"eo:cloud_cover": {"lt": 20}} for s in api.searches)
        assert (done.found, done.known, done.pages) == (CLUSTERS, 0, CLUSTERS)
        assert sorted(r.status for r in done.results) == ["ingested"] * CLUSTERS
        scenes = store.scenes()
        assert sorted(str((s.properties or {})["stac_id"]) for s in scenes) == sorted(
            f"clear-{k}" for k in range(CLUSTERS)
        )
        first = next(s for s in scenes if (s.properties or {}).get("stac_id") == "clear-0")
        assert first.path == cog_server.url("scene-0.tif") and first.acquired == "2022-02-01T09:00:00Z"
        assert first.sensor == "testsat" and (first.properties or {})["cloud_cover_pct"] == 5.0
        assert sorted(s.name for s in store.sites() if first in store.scenes_of_site(s.id or 0)) == sorted(
            f"site 0-{i}" for i in range(SITES_PER_CLUSTER)
        )
        api.searches.clear()
        again = fetch_stac(store, api.url, COLLECTION, since="2022-01-01", max_cloud_pct=20)
        assert len(api.searches) == CLUSTERS
        assert (again.found, again.known, again.results) == (CLUSTERS, CLUSTERS, [])
    assert len(store.scenes()) == CLUSTERS


def test_pages_are_followed_through_next_links(store: GeoPackageStore, cog_server: RangeServer) -> None:
    passes = [
        item(
            f"pass-{n}",
            COLLECTION,
            _footprint(0),
            f"2022-03-0{n + 1}T09:00:00Z",
            {"visual": cog_asset(cog_server.url(f"pass-{n}.tif"))},
            2.0,
        )
        for n in range(3)
    ]
    with stac_api(passes, max_limit=2) as api:
        done = fetch_stac(store, api.url, COLLECTION, site_name="site 0-3")
        assert (done.groups, done.pages, len(api.searches)) == (1, 2, 2)  # one search, two pages
        assert api.searches[1]["token"] == "2"
    assert [(s.properties or {})["stac_id"] for s in store.scenes()] == ["pass-0", "pass-1", "pass-2"]


def test_an_item_without_a_usable_asset_leaves_the_workspace_unchanged(
    store: GeoPackageStore, cog_server: RangeServer
) -> None:
    good = _over(0, "clear-0", cog_server.url("scene-0.tif"))
    thumb = {"thumbnail": {"href": cog_server.url("t.jpg"), "type": "image/jpeg"}}
    bad = item("only-a-thumbnail", COLLECTION, _footprint(1), "2022-02-01T09:00:00Z", thumb)
    with stac_api([good, bad]) as api:
        with pytest.raises(
            InputError,
            match=r"STAC item 'only-a-thumbnail' .*no GeoTIFF/COG asset .*thumbnail \(image/jpeg\).*Fix: .*--asset",
        ):
            fetch_stac(store, api.url, COLLECTION)
        with pytest.raises(InputError, match=r"STAC item 'clear-0' .*no asset 'pan'; it has: visual .*Fix: pick one"):
            fetch_stac(store, api.url, COLLECTION, asset="pan", site_name="site 0-0")
    assert store.scenes() == []


def test_an_item_whose_cog_answers_404_leaves_the_workspace_unchanged(
    store: GeoPackageStore, cog_server: RangeServer
) -> None:
    good = _over(0, "clear-0", cog_server.url("scene-0.tif"))
    gone = _over(1, "gone", cog_server.url("gone.tif"))
    gone_404 = r"STAC item 'gone' .*gone\.tif: the server answered HTTP 404"
    with stac_api([good, gone]) as api, pytest.raises(InputError, match=gone_404):
        fetch_stac(store, api.url, COLLECTION)
    assert store.scenes() == []


def test_an_unknown_collection_or_a_url_that_is_no_api_says_so(store: GeoPackageStore, cog_server: RangeServer) -> None:
    typo = r"no collection 'typo'\. Fix: use one of: other, testsat-l1"
    with stac_api([], collections=("testsat-l1", "other")) as api, pytest.raises(InputError, match=typo):
        fetch_stac(store, api.url, "typo")
    with pytest.raises(InputError, match=r"STAC API answered HTTP 404\. Fix: check that the URL is the API.s root"):
        fetch_stac(store, cog_server.base, COLLECTION)
