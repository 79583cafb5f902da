"""The label loop: detections out to an editable GeoPackage, edited as an analyst does in QGIS
(delete a false one, reject, accept, draw a missed object), back into the workspace's labels layer
with who and when; a bad file stores nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from typer.testing import CliRunner

from forcewatch.app.workspace import open_workspace
from forcewatch.cli import _register, app
from forcewatch.imagery.synthetic import render_airfield, write_geotiff

LAT, LON = 52.25, 26.80


def _run(*args: str, ok: bool = True) -> str:
    _register()
    res = CliRunner().invoke(app, list(args))
    assert (res.exit_code == 0) == ok, f"{args}: {res.output} {res.exception!r}"
    return res.output if ok else str(res.exception)


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("labels")
    folder = tmp / "ws"
    _run("init", str(folder))
    _run("site", "add", "Field", "--lat", str(LAT), "--lon", str(LON), "--radius-m", "300", "-w", str(folder))
    planes = [(150.0 + 110 * k, 250.0, 36.0, 15.0 * k) for k in range(4)]
    rgb, _ = render_airfield(1000, 700, 0.5, planes, seed=2)
    _run("ingest", str(write_geotiff(rgb, tmp / "a.tif", LAT, LON, 0.5, "2022-02-10T09:00:00Z")), "-w", str(folder))
    _run("scan", "--model", "aircraft", "-w", str(folder))
    return folder


def _read(path: Path) -> tuple[list[str], np.ndarray, list[np.ndarray]]:
    meta, _fids, geoms, fields = pyogrio.raw.read(path, layer="labels")
    return list(meta["fields"]), geoms, list(fields)


def _write(path: Path, names: list[str], geoms: np.ndarray, fields: list[np.ndarray], exported: np.ndarray) -> Path:
    pyogrio.raw.write(path, geoms, fields, names, driver="GPKG", layer="labels", crs="EPSG:4326",
                      geometry_type="Polygon")  # fmt: skip
    pyogrio.raw.write(path, None, [exported], ["detection_id"], driver="GPKG", layer="exported", geometry_type=None,
                      append=True)  # fmt: skip
    return path


def test_review_in_a_geopackage_and_import_the_verdicts(ws: Path, tmp_path: Path) -> None:
    out = tmp_path / "review.gpkg"
    assert "already reviewed" in _run("label", "export", "Field", "--out", str(out), "-w", str(ws))
    names, geoms, fields = _read(out)
    col = dict(zip(names, fields, strict=True))
    n = len(geoms)
    assert n >= 3 and set(col["status"]) == {"candidate"} and set(col["class"]) == {"aircraft"}
    _m, _f, _g, (exported,) = pyogrio.raw.read(out, layer="exported")
    # the analyst: accepts the first, rejects the second, deletes the third, draws a missed one
    col["status"][0], col["status"][1] = "accepted", "rejected"
    keep = [i for i in range(n) if i != 2]
    drawn = shapely.to_wkb(shapely.Point(LON + 0.0005, LAT + 0.0005).buffer(0.0001))
    edited = {k: np.concatenate([v[keep], v[:1]]) for k, v in col.items()}
    edited["status"][-1], edited["detection_id"][-1] = "added", -1
    geoms2 = np.concatenate([geoms[keep], np.array([drawn], dtype=object)])
    _write(tmp_path / "edited.gpkg", names, geoms2, [edited[k] for k in names], exported)
    res = _run("label", "import", str(tmp_path / "edited.gpkg"), "--who", "ana", "-w", str(ws))
    assert "1 accepted, 2 rejected, 1 added" in res and f"{n - 3} not reviewed" in res
    with open_workspace(ws) as store:
        labels = store.labels()
    assert sorted(lab.status for lab in labels) == ["accepted", "added", "rejected", "rejected"]
    assert {lab.who for lab in labels} == {"ana"} and all(lab.when.endswith("Z") for lab in labels)
    # the next export shows the verdicts, and the drawn object
    _run("label", "export", "Field", "--out", str(tmp_path / "again.gpkg"), "-w", str(ws))
    names, geoms, fields = _read(tmp_path / "again.gpkg")
    statuses = list(dict(zip(names, fields, strict=True))["status"])
    assert statuses.count("rejected") == 2 and statuses.count("added") == 1 and statuses.count("accepted") == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("no status", "has no 'status' field"),
        ("status=maybe", "status is 'maybe'"),
        ("class=tank", "class is 'tank', which no model knows"),
        ("scene_id=999", "scene_id 999 is not a scene"),
        ("outside", "lies outside scene"),
    ],
)
def test_a_bad_label_file_stores_nothing(ws: Path, tmp_path: Path, change: str, message: str) -> None:
    out = tmp_path / "review.gpkg"
    _run("label", "export", "Field", "--out", str(out), "-w", str(ws))
    names, geoms, fields = _read(out)
    col = dict(zip(names, fields, strict=True))
    col["status"][0] = "accepted"
    if change == "no status":
        del col["status"]
    elif change == "outside":
        geoms[0] = shapely.to_wkb(shapely.Point(LON + 1.0, LAT).buffer(0.0001))
    else:
        key, value = change.split("=")
        col[key][0] = int(value) if key == "scene_id" else value
    _m, _f, _g, (exported,) = pyogrio.raw.read(out, layer="exported")
    bad = _write(tmp_path / "bad.gpkg", list(col), geoms, list(col.values()), exported)
    store = ws / "forcewatch.gpkg"
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    assert message in _run("label", "import", str(bad), "-w", str(ws), ok=False)
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before


def test_label_export_refuses_the_store_and_existing_files(ws: Path, tmp_path: Path) -> None:
    assert "never writes over a store" in _run(
        "label", "export", "Field", "--out", str(ws / "forcewatch.gpkg"), "-w", str(ws), ok=False
    )
    existing = tmp_path / "mine.gpkg"
    existing.write_text("mine")
    assert "pass --force" in _run("label", "export", "Field", "--out", str(existing), "-w", str(ws), ok=False)
    assert existing.read_text() == "mine"
