"""The ``Store`` protocol's behaviour, the same on both backends (GeoPackage and PostGIS): values
returned, errors, transactions, spatial queries, claims."""

from __future__ import annotations

from pathlib import Path

import pytest
from shapely.geometry import Point, box

from forcewatch.errors import InputError
from forcewatch.model import Label, ModelEntry, Site
from forcewatch.store.base import Store
from tests.store.conftest import open_backend
from tests.store.filling import fill, observation, read_all, scene


def _fill_one(store: Store) -> tuple[Site, int]:
    with store.transaction():
        site = store.add_site(Site("Luninets airfield", Point(26.8, 52.25).buffer(0.02), "airfield", "", 52.25, 26.8))
        sc = store.add_scene(scene("ab" * 32, "2022-01-20T09:00:00Z"))
        assert site.id is not None and sc.id is not None
        store.link(sc.id, site.id, 1.0)
    return site, sc.id


def test_both_backends_return_the_same_values(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    gpkg = open_backend("gpkg", tmp_path / "g", request)
    pg = open_backend("postgis", tmp_path / "p", request)
    with gpkg, pg:  # type: ignore[attr-defined]
        fill(gpkg)
        fill(pg)
        got_gpkg, got_pg = read_all(gpkg), read_all(pg)
    assert got_gpkg.keys() == got_pg.keys()
    for key in got_gpkg:
        assert got_pg[key] == got_gpkg[key], key
    # the reads saw everything written (a read that returned nothing on both would compare equal)
    assert [s.name for s in got_pg["sites"]] == ["Luninets airfield", "yelsk camp"]
    assert [s.id for s in got_pg["sites"]] == [2, 3]
    assert (
        got_pg["sites"][1].models == ("vehicle", "tanks-yelsk") and got_pg["sites"][1].aoi.geom_type == "MultiPolygon"
    )
    assert got_pg["scenes"][0].properties == {"cloud_cover": 3.5} and got_pg["scenes"][1].properties == {}
    assert [o.observed is None for o in got_pg["observations"]] == [False, False, True]
    assert len(got_pg["detections"]) == 3 and len(got_pg["changed_objects"]) == 1 and len(got_pg["camps"]) == 1
    comparison = got_pg["site Luninets airfield"][5]
    assert [c.id for c in comparison] == [2] and comparison[0].notes == {
        "re-examination": "2 objects could not be looked at again"
    }
    assert [(a.rule, a.console_done, a.webhook_done, a.last_error) for a in got_pg["alerts"]] == [
        ("arrivals", True, False, "HTTP 500"),
        ("camp", False, False, None),
    ]
    assert [(lab.status, lab.who) for lab in got_pg["labels"]] == [("added", "ana"), ("accepted", "bo")]
    assert got_pg["models"][0].scores == {"cv": {"ap50": 0.5}} and got_pg["models"][0].classes == ("vehicle",)
    assert [(sc.sha256[:2], site.name) for sc, site in got_pg["pending"]] == [
        ("a1", "Luninets airfield"),
        ("a1", "yelsk camp"),
        ("b2", "Luninets airfield"),
    ]


def test_a_failed_command_leaves_the_store_as_it_was(store: Store) -> None:
    _fill_one(store)
    with pytest.raises(RuntimeError, match="boom"), store.transaction():
        store.add_site(Site("Yelsk", Point(29.15, 51.81).buffer(0.02)))
        with store.transaction():  # nested: joins the outer one, and goes with it
            store.add_site(Site("Inner", Point(29.0, 51.0).buffer(0.02)))
        raise RuntimeError("boom")
    assert [s.name for s in store.sites()] == ["Luninets airfield"]
    assert [s.name for s in store.sites_overlapping(box(28, 50, 30, 52))] == []


def test_nested_transactions_commit_with_the_outer_one(store: Store) -> None:
    with store.transaction():
        with store.transaction():
            store.add_site(Site("Inner", Point(29.0, 51.0).buffer(0.02)))
        store.add_site(Site("Outer", Point(29.5, 51.0).buffer(0.02)))
    assert [s.name for s in store.sites()] == ["Inner", "Outer"]


def test_removing_a_site_removes_its_links_and_observations(store: Store) -> None:
    site, scene_id = _fill_one(store)
    with store.transaction():
        store.add_observation(observation(site, store.scene_by_id(scene_id)), [])
        store.remove_site("Luninets airfield")
    assert store.sites() == [] and store.pending_pairs("m") == [] and store.observations() == []
    assert store.scenes_of_site(site.id or 0) == []


def test_writes_outside_a_transaction_are_refused(store: Store) -> None:
    with pytest.raises(RuntimeError, match="inside store.transaction"):
        store.add_site(Site("x", Point(0, 0).buffer(0.01)))
    with pytest.raises(RuntimeError, match="inside store.transaction"):
        store.log("test", "x")
    assert store.sites() == []


def test_errors_name_the_value_and_the_fix(store: Store) -> None:
    _fill_one(store)
    with pytest.raises(InputError, match=r"no site named 'Nowhere'\. Fix: use one of: Luninets airfield"):
        store.site("Nowhere")
    with pytest.raises(InputError, match="already exists. Fix: choose another name"), store.transaction():
        store.add_site(Site("Luninets airfield", Point(0, 0).buffer(0.01)))
    with pytest.raises(InputError, match=r"no workspace model named 'm'\. Fix: use one of: none yet"):
        store.model("m")
    with pytest.raises(InputError, match=r"no site with id 999 in .*Fix: use one of `forcewatch site list`"):
        store.site_by_id(999)
    assert [s.name for s in store.sites()] == ["Luninets airfield"]


def test_pending_pairs_has_observation_and_a_site_filter(store: Store) -> None:
    site, scene_id = _fill_one(store)
    assert site.id is not None
    with store.transaction():
        other = store.add_site(Site("Other", Point(26.75, 52.22).buffer(0.01)))
        assert other.id is not None
        store.link(scene_id, other.id, 0.5)
    assert [t.name for _, t in store.pending_pairs("aircraft-1m-v1-sha")] == ["Luninets airfield", "Other"]
    assert [t.name for _, t in store.pending_pairs("aircraft-1m-v1-sha", "Other")] == ["Other"]
    assert not store.has_observation(site.id, scene_id, "aircraft-1m-v1-sha")
    with store.transaction():
        store.add_observation(observation(site, store.scene_by_id(scene_id)), [])
    assert store.has_observation(site.id, scene_id, "aircraft-1m-v1-sha")
    assert not store.has_observation(site.id, scene_id, "another-model-sha")
    assert [t.name for _, t in store.pending_pairs("aircraft-1m-v1-sha")] == ["Other"]


def test_sites_overlapping_a_footprint(store: Store) -> None:
    with store.transaction():
        for i in range(30):
            store.add_site(Site(f"site {i:02d}", box(20 + i, 50, 20.5 + i, 50.5)))
        store.add_site(Site("ring", Point(40, 40).buffer(1).difference(Point(40, 40).buffer(0.5))))
    got = store.sites_overlapping(box(24.25, 50.25, 26.75, 50.3))
    assert [s.name for s in got] == ["site 04", "site 05", "site 06"]
    assert store.sites_overlapping(box(0, 0, 1, 1)) == []
    # inside the ring's envelope but in its hole: no overlap (an exact test, not the bounding boxes')
    assert store.sites_overlapping(box(39.9, 39.9, 40.1, 40.1)) == []
    assert [s.name for s in store.sites_overlapping(Point(40.75, 40))] == ["ring"]


def test_a_claim_is_held_once_and_released_on_exit(store: Store) -> None:
    with store.claim("scene 1 × site 2 × sha") as mine:
        assert mine
        with store.claim("scene 1 × site 2 × sha") as again, store.claim("scene 1 × site 3 × sha") as other:
            assert not again and other
    with store.claim("scene 1 × site 2 × sha") as mine:
        assert mine


def test_labels_models_and_site_models_round_trip(store: Store) -> None:
    footprint = box(29.1, 51.7, 29.2, 51.9)
    with store.transaction():
        site = store.add_site(Site("Yelsk", Point(29.15, 51.81).buffer(0.02), "camp"))
        assert site.models is None
        site = store.set_site_models("Yelsk", ("vehicle", "tanks-yelsk"))
        assert site.models == ("vehicle", "tanks-yelsk")
        sc = store.add_scene(scene("cd" * 32, "2022-02-10", footprint))
        assert sc.id is not None
        one = box(29.15, 51.81, 29.1501, 51.8101)
        two = box(29.16, 51.81, 29.1601, 51.8101)
        rejected = Label(sc.id, "vehicle", "rejected", one, "ana", "2026-11-30T10:00:00Z", site.id, 7, "l.gpkg")
        added = Label(sc.id, "vehicle", "added", two, "ana", "2026-11-30T10:01:00Z", site.id)
        assert store.add_labels([rejected, added]) == 2
        # a second verdict on the same detection replaces the first
        store.add_labels([Label(sc.id, "vehicle", "accepted", one, "bo", "2026-11-30T11:00:00Z", site.id, 7)])
        entry = ModelEntry(
            "tanks-yelsk", "models/t.onnx", "ef" * 32, "vehicle-ft", ("vehicle",), 0.3, 0.75, {"cv": {}}, ("Yelsk",)
        )
        store.add_model(entry)
        with pytest.raises(InputError, match="already in the workspace"):
            store.add_model(entry)
        assert store.set_site_models("Yelsk", None).models is None
    labels = store.labels(site.id)
    verdicts = [(lab.status, lab.who, lab.detection_id) for lab in labels]
    assert verdicts == [("added", "ana", None), ("accepted", "bo", 7)]
    assert labels[1].polygon.equals(one)
    assert store.models()[0].classes == ("vehicle",) and store.models()[0].sites == ("Yelsk",)
    assert store.models()[0].added  # stamped when not given
    with store.transaction():
        store.remove_model("tanks-yelsk")
    with pytest.raises(InputError, match="no workspace model named"):
        store.model("tanks-yelsk")
