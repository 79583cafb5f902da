"""Ingest from folders, glob patterns, CSV sidecars and URLs; ``copy`` into the workspace; known
images given another date; and bad input refused with the workspace unchanged."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import Point

from forcewatch.app.ingest import DATE_DIFFERS, Source, expand, ingest
from forcewatch.errors import InputError
from forcewatch.imagery.synthetic import write_geotiff
from forcewatch.model import Site
from forcewatch.store.gpkg import GeoPackageStore, open_store
from tests.cog_files import write_small_cog
from tests.range_server import serving

LAT, LON = 52.25, 26.80


def _tif(path: Path, acquired: str | None = None, seed: int = 0) -> Path:
    """A small georeferenced GeoTIFF over the site; with its time in its tags, or with none."""
    rgb = np.random.default_rng(seed).integers(0, 255, (200, 300, 3), dtype=np.uint8)
    write_geotiff(rgb, path, LAT, LON, 0.5, acquired or "2000-01-01T00:00:00Z")
    if acquired is None:  # strip the time: the file alone cannot say when it was taken
        import rasterio

        with rasterio.open(path, "r+") as ds:
            ds.update_tags(ACQUIRED="", TIFFTAG_DATETIME="")
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[GeoPackageStore]:
    ws = tmp_path / "ws"
    ws.mkdir()
    with open_store(ws / "forcewatch.gpkg", create=True) as st:
        with st.transaction():
            st.add_site(Site("Luninets airfield", Point(LON, LAT).buffer(0.0005), "airfield"))
        yield st


def _count(store: GeoPackageStore) -> int:
    return len(store.scenes())


def test_a_folder_with_its_sidecar(store: GeoPackageStore, tmp_path: Path) -> None:
    folder = tmp_path / "delivery"
    _tif(folder / "a.tif", seed=1)
    _tif(folder / "b.tif", seed=2)
    _tif(folder / "c.tif", "2022-02-12T08:00:00Z", seed=3)  # dated by its tags, no row
    (folder / "notes.txt").write_text("not an image")
    (folder / "imagery.csv").write_text("path,acquired,sensor\na.tif,2022-02-10T09:05,Pleiades\nb.tif,2022-02-11,\n")
    sources = expand([str(folder)])
    assert [(s.name, s.acquired, s.sensor) for s in sources] == [
        ("a.tif", "2022-02-10T09:05:00Z", "Pleiades"),
        ("b.tif", "2022-02-11T00:00:00Z", None),
        ("c.tif", None, None),
    ]
    assert sources[0].where == f"{folder / 'imagery.csv'}, row 2"
    results = ingest(store, sources, sensor="fallback")
    assert [(r.status, r.scene.acquired, r.scene.sensor) for r in results if r.scene] == [
        ("ingested", "2022-02-10T09:05:00Z", "Pleiades"),
        ("ingested", "2022-02-11T00:00:00Z", "fallback"),
        ("ingested", "2022-02-12T08:00:00Z", "fallback"),
    ]
    assert all(r.sites == ("Luninets airfield",) for r in results)


def test_a_glob_pattern_and_a_named_sidecar(store: GeoPackageStore, tmp_path: Path) -> None:
    _tif(tmp_path / "in" / "x1.tif", seed=1)
    _tif(tmp_path / "in" / "x2.tif", seed=2)
    _tif(tmp_path / "in" / "y.tif", "2022-03-01T00:00:00Z", seed=3)
    sidecar = tmp_path / "dates.csv"
    sidecar.write_text("path,acquired\nin/x1.tif,2022-01-01\nin/x2.tif,2022-01-02\n")
    sources = expand([str(tmp_path / "in" / "x*.tif")], sidecar)
    assert [(s.name, s.acquired) for s in sources] == [
        ("x1.tif", "2022-01-01T00:00:00Z"),
        ("x2.tif", "2022-01-02T00:00:00Z"),
    ]
    assert [r.status for r in ingest(store, sources)] == ["ingested", "ingested"]
    assert [(s.name, s.acquired) for s in expand([], sidecar)] == [
        ("x1.tif", "2022-01-01T00:00:00Z"),
        ("x2.tif", "2022-01-02T00:00:00Z"),
    ]  # with no images named, the sidecar's rows are the images


def test_sidecar_errors_name_the_row_the_field_and_the_fix(store: GeoPackageStore, tmp_path: Path) -> None:
    _tif(tmp_path / "a.tif", seed=1)
    csv = tmp_path / "imagery.csv"
    csv.write_text("path,acquired,sensor\na.tif,2022-02-10,x\nmissing.tif,2022-02-11,x\n")
    with pytest.raises(InputError, match=rf"{csv}, row 3: path 'missing.tif': no such file .*Fix: correct the path"):
        expand([str(tmp_path)])
    csv.write_text("path,acquired\na.tif,10/02/2022\n")
    with pytest.raises(InputError, match=rf"{csv}, row 2, acquired: acquisition time '10/02/2022' is not ISO 8601"):
        expand([str(tmp_path)])
    csv.write_text("file,date\na.tif,2022-02-10\n")
    with pytest.raises(InputError, match=r"no 'path' column\. Fix: make the first line path,acquired,sensor"):
        expand([str(tmp_path)])
    csv.write_text("path,acquired\na.tif,2022-02-10\n./a.tif,2022-02-11\n")
    with pytest.raises(InputError, match=r"row 3: path './a.tif' is already on row 2"):
        expand([str(tmp_path)])
    assert _count(store) == 0


def test_an_undated_file_names_the_sidecar_in_its_fix(store: GeoPackageStore, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no acquisition time in the file\. Fix: .*--acquired .*CSV sidecar"):
        ingest(store, [_tif(tmp_path / "a.tif")])


def test_patterns_and_folders_that_name_nothing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"the pattern matches no image .*Fix: check the pattern"):
        expand([str(tmp_path / "*.tif")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"empty: a folder with no image in it"):
        expand([str(tmp_path / "empty")])
    with pytest.raises(InputError, match=r"no imagery given"):
        expand([])


def test_a_known_file_with_another_date_says_so_and_changes_nothing(store: GeoPackageStore, tmp_path: Path) -> None:
    path = _tif(tmp_path / "a.tif", "2022-02-10T09:00:00Z")
    (first,) = ingest(store, [path])
    assert first.scene is not None
    (same,) = ingest(store, [path], acquired="2022-02-10T09:00:00Z")
    assert same.status == "skipped"
    (other,) = ingest(store, [path], acquired="2022-02-11T10:00")
    assert other.status == DATE_DIFFERS
    assert other.message == (
        f"already ingested as scene {first.scene.id}, acquired 2022-02-10T09:00:00Z, not 2022-02-11T10:00:00Z: "
        f"nothing changed. Fix: to correct its date, `forcewatch scene set-date {first.scene.id} 2022-02-11T10:00:00Z`."
    )
    assert [s.acquired for s in store.scenes()] == ["2022-02-10T09:00:00Z"]


def test_copy_keeps_the_image_inside_the_workspace(store: GeoPackageStore, tmp_path: Path) -> None:
    outside = _tif(tmp_path / "out" / "a.tif", "2022-02-10T09:00:00Z", seed=1)
    clash = _tif(tmp_path / "out2" / "a.tif", "2022-02-11T09:00:00Z", seed=2)  # another file, the same name
    results = ingest(store, [outside, clash], copy=True)
    ws = store.folder.resolve()
    assert [r.scene.path for r in results if r.scene] == [
        str(ws / "imagery" / "a.tif"),
        str(ws / "imagery" / f"a-{results[1].scene.sha256[:12]}.tif"),  # type: ignore[union-attr]
    ]
    assert [(s.properties or {})["copied_from"] for s in store.scenes()] == [str(outside), str(clash)]
    stored = [r[0] for r in store.con.execute("SELECT path FROM scenes ORDER BY fid")]
    assert stored == ["imagery/a.tif", f"imagery/a-{results[1].scene.sha256[:12]}.tif"]  # type: ignore[union-attr]
    assert (ws / "imagery" / "a.tif").read_bytes() == outside.read_bytes()


def test_copy_into_a_workspace_named_by_a_relative_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("ws").mkdir()
    image = _tif(tmp_path / "in" / "a.tif", "2022-02-10T09:00:00Z")
    with open_store(Path("ws") / "forcewatch.gpkg", create=True) as st:
        (done,) = ingest(st, [Path("in/a.tif")], copy=True)
        assert done.scene is not None and done.scene.path == str(tmp_path / "ws" / "imagery" / "a.tif")
        assert [r[0] for r in st.con.execute("SELECT path FROM scenes")] == ["imagery/a.tif"]
    assert (tmp_path / "ws" / "imagery" / "a.tif").read_bytes() == image.read_bytes()


def test_a_failed_copy_ingest_leaves_no_copy_and_no_scene(store: GeoPackageStore, tmp_path: Path) -> None:
    good = _tif(tmp_path / "good.tif", "2022-02-10T09:00:00Z")
    undated = _tif(tmp_path / "undated.tif", seed=5)
    with pytest.raises(InputError, match=r"undated\.tif: no acquisition time"):
        ingest(store, [good, undated], copy=True)
    assert _count(store) == 0
    assert not (store.folder / "imagery").exists() or os.listdir(store.folder / "imagery") == []


def test_urls_are_read_where_they_live(store: GeoPackageStore, tmp_path: Path) -> None:
    cogs = tmp_path / "cogs"
    write_small_cog(cogs / "far.tif", LAT, LON, gsd_m=2.0, seed=1, acquired="2022-02-10T09:00:00Z")
    write_small_cog(cogs / "near.tif", LAT, LON, gsd_m=2.0, seed=2)
    with serving(cogs) as server:
        csv = tmp_path / "remote.csv"
        csv.write_text(f"path,acquired,sensor\n{server.url('near.tif')},2022-02-11T09:00:00Z,WorldView-3\n")
        sources = [Source(server.url("far.tif")), *expand([], csv)]
        results = ingest(store, sources)
        assert [(r.status, r.scene.path, r.scene.acquired, r.sites) for r in results if r.scene] == [
            ("ingested", server.url("far.tif"), "2022-02-10T09:00:00Z", ("Luninets airfield",)),
            ("ingested", server.url("near.tif"), "2022-02-11T09:00:00Z", ("Luninets airfield",)),
        ]
        served = server.bytes_served
        assert [r.status for r in ingest(store, [server.url("far.tif")])] == ["skipped"]
        assert server.bytes_served - served <= 65536  # known by its fingerprint: only the head was read
        with pytest.raises(InputError, match=r"gone\.tif: the server answered HTTP 404"):
            ingest(store, [server.url("gone.tif"), server.url("near.tif")])
        copied = ingest(store, [server.url("far.tif")], copy=True)  # the whole file, now in the workspace
        assert copied[0].status == "ingested" and copied[0].scene is not None
        assert copied[0].scene.path == str(store.folder.resolve() / "imagery" / "far.tif")
    assert [s.path.rsplit("/", 1)[-1] for s in store.scenes()] == ["far.tif", "far.tif", "near.tif"]


def test_a_sidecar_row_names_itself_in_the_error_of_its_image(store: GeoPackageStore, tmp_path: Path) -> None:
    _tif(tmp_path / "a.tif", "2022-02-10T09:00:00Z")
    (tmp_path / "b.tif").write_bytes(b"not a tiff")
    csv = tmp_path / "imagery.csv"
    csv.write_text("path,acquired\na.tif,2022-02-10\nb.tif,2022-02-11\n")
    with pytest.raises(InputError, match=rf"^{csv}, row 3: .*b\.tif: cannot be read"):
        ingest(store, expand([str(tmp_path)]))
    assert _count(store) == 0
