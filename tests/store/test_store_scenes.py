"""Scene management in the store, the same on both backends: what depends on a scene, removing it
with everything derived from it (in the caller's transaction), correcting its date, recording where
its file is, and scene paths stored relative to the workspace folder."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from forcewatch.errors import InputError
from forcewatch.store.base import Store
from forcewatch.store.scene_paths import openable_path, stored_path
from tests.store.conftest import open_backend
from tests.store.filling import fill, scene

S1 = {"sites": 2, "observations": 1, "detections": 1, "comparisons": 1, "labels": 0}
S2 = {"sites": 2, "observations": 2, "detections": 2, "comparisons": 1, "labels": 2}


def test_scene_counts_say_what_depends_on_each_scene(store: Store) -> None:
    s1, s2 = fill(store)["scenes"]
    with store.transaction():
        lone = store.add_scene(scene("c3" * 32, "2022-03-01T09:00:00Z"))
    assert store.scene_counts() == {s1.id: S1, s2.id: S2, lone.id: dict.fromkeys(S1, 0)}
    assert store.scene_counts(s2.id) == {s2.id: S2}


def test_removing_a_scene_removes_everything_derived_from_it(store: Store) -> None:
    filled = fill(store)
    s1, s2 = filled["scenes"]
    a, b = filled["sites"]
    with store.transaction():
        assert store.remove_scene(s2.id) == S2
    assert [s.id for s in store.scenes()] == [s1.id]
    assert [(o.scene_id, o.site_id) for o in store.observations()] == [(s1.id, a.id)]
    assert {d.scene_id for d in store.detections()} == {s1.id}
    assert store.comparisons(a.id) == [] and store.changed_objects() == [] and store.activity() == []
    assert store.camps() == [] and store.pending_alerts() == [] and store.labels() == []
    assert [s.id for s in store.scenes_of_site(b.id)] == [s1.id]
    assert store.scene_by_sha(s2.sha256) is None
    assert [s.name for s in store.sites()] == ["Luninets airfield", "yelsk camp"]  # sites stay
    assert store.models()[0].name == "tanks-yelsk"
    assert store.scene_counts() == {s1.id: S1 | {"comparisons": 0}}


def test_a_failed_removal_leaves_the_scene_and_its_results(store: Store) -> None:
    s1, s2 = fill(store)["scenes"]
    with pytest.raises(RuntimeError, match="boom"), store.transaction():
        store.remove_scene(s2.id)
        raise RuntimeError("boom")
    assert store.scene_counts() == {s1.id: S1, s2.id: S2}
    assert len(store.pending_alerts()) == 2


def test_setting_a_date_moves_its_results_and_drops_its_comparisons(store: Store) -> None:
    filled = fill(store)
    s1, s2 = filled["scenes"]
    a = filled["sites"][0]
    with store.transaction():
        assert store.set_scene_date(s1.id, "2022-03-01T08:00:00Z") == 1
    assert [(s.id, s.acquired) for s in store.scenes()] == [
        (s2.id, "2022-02-10T09:05:00Z"),
        (s1.id, "2022-03-01T08:00:00Z"),
    ]
    assert store.scene_by_id(s1.id) == dataclasses.replace(s1, acquired="2022-03-01T08:00:00Z")
    assert {o.acquired for o in store.observations() if o.scene_id == s1.id} == {"2022-03-01T08:00:00Z"}
    assert {d.acquired for d in store.detections(scene_id=s1.id)} == {"2022-03-01T08:00:00Z"}
    assert {d.acquired for d in store.detections(scene_id=s2.id)} == {"2022-02-10T09:05:00Z"}
    assert [o.scene_id for o in store.observations(a.id)] == [s2.id, s1.id]  # in date order
    assert store.comparisons(a.id) == [] and store.camps() == [] and store.pending_alerts() == []
    assert store.scene_counts(s2.id)[s2.id] == S2 | {"comparisons": 0}


def test_unknown_scene_ids_name_the_fix(store: Store) -> None:
    fill(store)
    with store.transaction():
        for call in (
            lambda: store.scene_by_id(99),
            lambda: store.scene_counts(99),
            lambda: store.remove_scene(99),
            lambda: store.set_scene_date(99, "2022-01-01T00:00:00Z"),
            lambda: store.relocate_scene(99, "/x.tif"),
        ):
            with pytest.raises(InputError, match=r"no scene with id 99 .*Fix: .*forcewatch scene list"):
                call()


def test_scene_edits_are_refused_outside_a_transaction(store: Store) -> None:
    s1, _ = fill(store)["scenes"]
    for call in (
        lambda: store.remove_scene(s1.id),
        lambda: store.set_scene_date(s1.id, "2022-01-01T00:00:00Z"),
        lambda: store.relocate_scene(s1.id, "/x.tif"),
    ):
        with pytest.raises(RuntimeError, match="inside store.transaction"):
            call()


def test_paths_inside_the_folder_are_stored_relative_and_open_from_a_moved_folder(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    store = open_backend(backend, tmp_path, request)
    folder = (tmp_path / "ws").resolve()
    inside = str(folder / "imagery" / "a.tif")
    with store.transaction():
        a = store.add_scene(dataclasses.replace(scene("a1" * 32, "2022-01-20T09:00:00Z"), path=inside))
        b = store.add_scene(scene("b2" * 32, "2022-01-21T09:00:00Z"))  # /imagery/b2b2.tif: outside the folder
        url = "https://example.org/cogs/c.tif"
        c = store.add_scene(dataclasses.replace(scene("c3" * 32, "2022-01-22T09:00:00Z"), path=url))
    assert [s.path for s in store.scenes()] == [inside, b.path, url] and b.path == "/imagery/b2b2.tif"
    assert a.id is not None and c.id is not None
    with store.transaction():
        assert store.relocate_scene(c.id, str(folder / "imagery" / "c.tif")).path == str(folder / "imagery/c.tif")
    store.close()
    moved = tmp_path / "moved"
    shutil.move(folder, moved)
    if backend == "gpkg":
        from forcewatch.store.gpkg import open_store

        again: Store = open_store(moved / "forcewatch.gpkg")
    else:
        from forcewatch.store.postgis import open_postgis

        again = open_postgis(request.getfixturevalue("postgis_db"), moved)
    try:
        m = moved.resolve()
        assert [s.path for s in again.scenes()] == [str(m / "imagery/a.tif"), b.path, str(m / "imagery/c.tif")]
        assert again.scene_by_id(a.id).path == str(m / "imagery/a.tif")
        with again.transaction():
            assert again.relocate_scene(a.id, url).path == url
    finally:
        again.close()


def test_stored_and_openable_paths() -> None:
    ws = Path("/data/ws")
    assert stored_path("/data/ws/imagery/a.tif", ws) == "imagery/a.tif"
    assert stored_path("/data/wsx/a.tif", ws) == "/data/wsx/a.tif"  # a sibling folder is outside
    assert stored_path("https://h/a.tif", ws) == "https://h/a.tif"
    assert stored_path("/data/ws/a.tif", None) == "/data/ws/a.tif"
    assert openable_path("imagery/a.tif", Path("/moved")) == "/moved/imagery/a.tif"
    assert openable_path("/abs/a.tif", Path("/moved")) == "/abs/a.tif"
    assert openable_path("s3://bucket/a.tif", Path("/moved")) == "s3://bucket/a.tif"
    assert openable_path("imagery/a.tif", None) == "imagery/a.tif"


def test_a_removal_keeps_the_geopackage_spatial_indexes_in_step(tmp_path: Path) -> None:
    from forcewatch.store.gpkg import open_store

    with open_store(tmp_path / "forcewatch.gpkg", create=True) as store:
        s2 = fill(store)["scenes"][1]
        with store.transaction():
            store.remove_scene(s2.id)
        for layer in ("scenes", "observations", "detections", "change_objects", "activity", "camps", "labels"):
            rows = store.con.execute(f"SELECT count(*) FROM {layer}").fetchone()[0]
            indexed = store.con.execute(f"SELECT count(*) FROM rtree_{layer}_geom").fetchone()[0]
            assert rows == indexed, layer
        assert store.con.execute("SELECT count(*) FROM detections").fetchone()[0] == 1
