from __future__ import annotations

import sqlite3
from pathlib import Path

import pyogrio
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point, box

from forcewatch.errors import StoreError
from forcewatch.model import Detection, Observation, Scene, Site
from forcewatch.store import gpkg_format as fmt
from forcewatch.store.gpkg import MIGRATIONS, open_store


@given(x=st.floats(-179, 179), y=st.floats(-89, 89), w=st.floats(1e-6, 0.5), h=st.floats(1e-6, 0.5))
def test_geometry_blob_round_trip_and_envelope(x: float, y: float, w: float, h: float) -> None:
    g = box(x, y, min(180, x + w), min(90, y + h))
    blob = fmt.encode(g)
    assert blob is not None and blob[:2] == b"GP"
    assert fmt.decode(blob).equals(g)  # type: ignore[union-attr]
    assert fmt._bounds(blob) == pytest.approx(g.bounds)


def test_empty_geometry_has_no_envelope() -> None:
    blob = fmt.encode(shapely.from_wkt("POLYGON EMPTY"))
    assert fmt._bounds(blob) is None
    assert fmt.decode(None) is None and fmt.encode(None) is None


def _fill(store) -> tuple[Site, Scene]:  # type: ignore[no-untyped-def]
    with store.transaction():
        site = store.add_site(
            Site(
                "Luninets airfield",
                Point(26.8, 52.25).buffer(0.02),
                "airfield",
                "",
                52.25,
                26.8,
                2000,
            )
        )
        scene = store.add_scene(
            Scene(
                "/x.tif",
                "abc",
                "2022-01-20T09:00:00Z",
                "test",
                "EPSG:32635",
                (0.5, 0, 0, 0, -0.5, 0),
                100,
                100,
                0.5,
                box(26.7, 52.2, 26.9, 52.3),
                "embedded",
            )
        )
        store.link(scene.id, site.id, 1.0)
    return site, scene


def test_gdal_opens_the_store_and_lists_layers_with_spatial_index(tmp_path: Path) -> None:
    store = open_store(tmp_path / "forcewatch.gpkg", create=True)
    site, scene = _fill(store)
    with store.transaction():
        det = Detection(
            "aircraft",
            0.9,
            (1, 2, 30, 40),
            20,
            18,
            "medium",
            "m",
            scene.id,
            box(26.8, 52.25, 26.801, 52.251),
        )
        store.add_observation(
            Observation(
                site.id,
                scene.id,
                scene.acquired,
                {"aircraft": 1},
                0.9,
                site.aoi,
                "m",
                "sha",
                {"score": 0.5},
                "0",
            ),
            [det],
        )  # type: ignore[arg-type]
    assert [d.detection.box_px for d in store.detections(site.id, scene.id)] == [(1, 2, 30, 40)]
    assert list(store.detections(site.id, scene.id + 1)) == [] and len(list(store.detections())) == 1
    store.close()
    layers = dict(pyogrio.list_layers(tmp_path / "forcewatch.gpkg"))
    assert {
        "sites",
        "scenes",
        "observations",
        "detections",
        "scene_sites",
        "forcewatch_log",
    } <= set(layers)
    assert layers["sites"] == "Polygon" and layers["scene_sites"] is None
    info = pyogrio.read_info(tmp_path / "forcewatch.gpkg", layer="detections")
    assert info["crs"] == "EPSG:4326" and info["features"] == 1
    assert info["capabilities"]["fast_spatial_filter"]  # the R-tree index is recognised
    con = sqlite3.connect(tmp_path / "forcewatch.gpkg")
    assert con.execute("PRAGMA application_id").fetchone()[0] == fmt.APPLICATION_ID
    assert con.execute("SELECT count(*) FROM rtree_detections_geom").fetchone()[0] == 1


def test_schema_is_versioned(tmp_path: Path) -> None:
    path = tmp_path / "forcewatch.gpkg"
    store = open_store(path, create=True)
    assert store.schema_version == len(MIGRATIONS)
    store.close()
    con = sqlite3.connect(path)
    con.execute("INSERT INTO forcewatch_schema (version, applied) VALUES (99, 'future')")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="schema version 99 is newer"):
        open_store(path)


def test_not_a_workspace(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not a ForceWatch workspace.*forcewatch init"):
        open_store(tmp_path / "forcewatch.gpkg")
    (tmp_path / "other.gpkg").write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    with pytest.raises((StoreError, sqlite3.DatabaseError)):
        open_store(tmp_path / "other.gpkg")


def test_a_version_3_store_is_upgraded_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workspaces made before "not observable" and camps open and gain them, nothing lost."""
    from forcewatch.store import gpkg

    path = tmp_path / "forcewatch.gpkg"
    monkeypatch.setattr(gpkg, "MIGRATIONS", MIGRATIONS[:3])
    old = open_store(path, create=True)
    with old.transaction():
        old.add_site(Site("Kept", shapely.from_wkt("POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))"), "camp"))
    assert old.schema_version == 3
    old.close()
    monkeypatch.setattr(gpkg, "MIGRATIONS", MIGRATIONS)
    store = open_store(path)
    assert store.schema_version == len(MIGRATIONS) >= 7
    assert [s.name for s in store.sites()] == ["Kept"]
    store.close()
    layers = dict(pyogrio.list_layers(path))
    assert layers["camps"] == "Polygon"
    cols = {r[1] for r in sqlite3.connect(path).execute("PRAGMA table_info(observations)")}
    assert "not_observable" in cols


def test_a_version_6_store_learns_what_was_validated_and_moves_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Schema 7: the bundled aircraft model's observations become validated, others stay candidates;
    a comparison's notes leave its ``not_observable`` classes for their own column."""
    from forcewatch.store import gpkg

    path = tmp_path / "forcewatch.gpkg"
    monkeypatch.setattr(gpkg, "MIGRATIONS", MIGRATIONS[:6])
    old = open_store(path, create=True)
    site, scene = _fill(old)
    con = old.con  # type: ignore[attr-defined]
    with old.transaction():
        ids = []
        for model, counts in (("aircraft-1m-v1", '{"aircraft": 3}'), ("vehicle-0.3m-v2", '{"vehicle": 80}')):
            cur = con.execute(
                "INSERT INTO observations (site_id, scene_id, acquired, counts, total, share_observed, model_id, "
                "model_sha256, thresholds, software_version, scanned) "
                "VALUES (?, ?, 'a', ?, 1, 1, ?, ?, '{}', '0', 'x')",
                (site.id, scene.id, counts, model, model),
            )
            ids.append(cur.lastrowid)
        for oid in ids:
            con.execute(
                "INSERT INTO comparisons (site_id, earlier_observation, later_observation, earlier, later, "
                "shift_east_m, shift_north_m, residual_m, share_usable, summary, created, not_observable) "
                "VALUES (?, ?, ?, 'a', 'b', 0, 0, 0, 1, '{}', 'c', ?)",
                (site.id, oid, oid, '{"tent": "too coarse", "new activity": "sensors differ"}'),
            )
    old.close()
    monkeypatch.setattr(gpkg, "MIGRATIONS", MIGRATIONS)
    store = open_store(path)
    got = {o.model_id: o for o in store.observations(site.id)}
    assert set(got["aircraft-1m-v1"].validated) == {"aircraft"}
    assert got["vehicle-0.3m-v2"].validated == {} and got["vehicle-0.3m-v2"].candidate_counts == {"vehicle": 80}
    comps = store.comparisons(site.id)
    assert [c.not_observable for c in comps] == [{"tent": "too coarse"}] * 2
    assert [c.notes for c in comps] == [{"new activity": "sensors differ"}] * 2
    assert [set(c.validated) for c in comps] == [{"aircraft"}, set()]
    store.close()
