"""The battery of bad input: every case gets a clear ForceWatch error (never a traceback, never a
silent wrong result), and the store is byte for byte as it was.

Each case is (name, command line, a phrase the message must hold). ``{ws}``, ``{tmp}`` and the
fixture files below are filled in per run."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from forcewatch.cli import _register, app
from forcewatch.errors import ForceWatchError
from forcewatch.imagery.synthetic import render_airfield, write_geotiff

LAT, LON = 52.25, 26.80
SITE = "Luninets airfield"


def _files(tmp: Path) -> None:
    """The bad (and a few good) input files the cases refer to, written once."""
    rgb, _ = render_airfield(600, 400, 0.5, [(200.0, 200.0, 34.0, 10.0)], seed=4)
    good = write_geotiff(rgb, tmp / "good.tif", LAT, LON, 0.5, "2022-02-10T09:00:00Z")
    (tmp / "truncated.tif").write_bytes(good.read_bytes()[:3000])
    (tmp / "empty.tif").write_bytes(b"")
    (tmp / "text.tif").write_text("not an image")
    (tmp / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (tmp / "press.png").write_bytes((tmp / "good.tif").read_bytes()[:0] or _png())
    (tmp / "sites_bad.geojson").write_text('{"type": "FeatureCollection", "features": [{"type": "Feature"}]}')
    (tmp / "sites_nan.geojson").write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "x"}, '
        '"geometry": {"type": "Point", "coordinates": [1e400, 50]}}]}'
    )
    (tmp / "sites_broken.geojson").write_text("{not json")
    (tmp / "sites_line.geojson").write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "x"}, '
        '"geometry": {"type": "LineString", "coordinates": [[30, 50], [31, 51]]}}]}'
    )
    (tmp / "sites.txt").write_text("name,lat,lon\nx,50,30\n")
    (tmp / "gcps_short.csv").write_text("col,row,lon,lat\n0,0,26.8,52.25\n10,0,26.81,52.25\n")
    (tmp / "gcps_text.csv").write_text("col,row,lon,lat\na,b,c,d\n1,1,1,1\n2,2,2,2\n")
    (tmp / "gcps_empty.csv").write_text("")
    (tmp / "mask_bad.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    (tmp / "rules_bad.yaml").write_text("rules: [{when: count_increase}]\n")
    (tmp / "rules_yaml.yaml").write_text("rules: [when: : :\n")
    (tmp / "rules_kind.yaml").write_text("rules: [{when: sometimes, class: aircraft, min_increase: 1}]\n")
    (tmp / "rules_number.yaml").write_text("rules: [{when: count_increase, class: aircraft, min_increase: many}]\n")
    (tmp / "rules_field.yaml").write_text("rules: [{when: new_activity, min_area_ha: 1, colour: red}]\n")
    (tmp / "rules_hook.yaml").write_text("rules: [{when: new_activity, min_area_ha: 1}]\ndeliver: {webhook: ftp://x}\n")
    (tmp / "doctrine_bad.yaml").write_text("units: [{id: x}]\n")
    (tmp / "doctrine_range.yaml").write_text(
        "units: [{id: x, name: X, counts_class: aircraft, objects_per_unit: {low: 5, central: 2, high: 9}, "
        "personnel_per_unit: {low: 1, central: 2, high: 3}, sources: [s]}]\n"
    )
    (tmp / "model.onnx").write_text("not a model")
    (tmp / "split.json").write_text("[1, 2]")
    (tmp / "voc").mkdir()
    (tmp / "yolo").mkdir()
    (tmp / "a_file").write_text("x")
    (tmp / "labels_text.gpkg").write_text("not a geopackage")


def _png() -> bytes:
    import cv2

    ok, buf = cv2.imencode(".png", np.full((64, 64, 3), 120, np.uint8))
    assert ok
    return buf.tobytes()


CASES: list[tuple[str, list[str], str]] = [
    # ---- workspace and store
    ("status without a workspace", ["status", "-w", "{tmp}/nowhere"], "not a ForceWatch workspace"),
    ("init over a file", ["init", "{tmp}/a_file"], "exists and is not a folder"),
    ("unknown example", ["init", "{tmp}/new_ws", "--example", "mars-2031"], "mars-2031"),
    ("observations of an unknown site", ["observations", "Atlantis", "-w", "{ws}"], "no site named 'Atlantis'"),
    ("timeline of an unknown site", ["timeline", "Atlantis", "-w", "{ws}"], "no site named 'Atlantis'"),
    ("status to an unknown line", ["status", "--distance-to", "XYZ", "-w", "{ws}"], "XYZ"),
    # ---- sites
    ("site latitude out of range", ["site", "add", "x", "--lat", "95", "--lon", "10", "-w", "{ws}"], "latitude 95.0"),
    ("site longitude out of range", ["site", "add", "x", "--lat", "50", "--lon", "190", "-w", "{ws}"], "longitude"),
    ("site latitude nan", ["site", "add", "x", "--lat", "nan", "--lon", "10", "-w", "{ws}"], "latitude nan"),
    ("site radius 0", ["site", "add", "x", "--lat", "50", "--lon", "30", "--radius-m", "0", "-w", "{ws}"], "radius"),
    (
        "site radius negative",
        ["site", "add", "x", "--lat", "50", "--lon", "30", "--radius-m", "-5", "-w", "{ws}"],
        "radius",
    ),
    (
        "site radius huge",
        ["site", "add", "x", "--lat", "50", "--lon", "30", "--radius-m", "1e8", "-w", "{ws}"],
        "at most 200 km",
    ),
    (
        "site radius nan",
        ["site", "add", "x", "--lat", "50", "--lon", "30", "--radius-m", "nan", "-w", "{ws}"],
        "radius",
    ),
    (
        "site radius inf",
        ["site", "add", "x", "--lat", "50", "--lon", "30", "--radius-m", "inf", "-w", "{ws}"],
        "radius",
    ),
    ("site without a place", ["site", "add", "x", "-w", "{ws}"], "needs a location"),
    ("site place and lat", ["site", "add", "x", "--place", "Yelsk", "--lat", "50", "-w", "{ws}"], "either --place"),
    ("site unknown place", ["site", "add", "x", "--place", "Qwertyuiopgrad", "-w", "{ws}"], "Qwertyuiopgrad"),
    (
        "site unknown kind",
        ["site", "add", "x", "--lat", "50", "--lon", "30", "--kind", "castle", "-w", "{ws}"],
        "kind 'castle' is unknown",
    ),
    ("site empty name", ["site", "add", " ", "--lat", "50", "--lon", "30", "-w", "{ws}"], "needs a name"),
    ("site duplicate name", ["site", "add", SITE, "--lat", "50", "--lon", "30", "-w", "{ws}"], "already exists"),
    (
        "site aoi and radius",
        [
            "site",
            "add",
            "x",
            "--lat",
            "50",
            "--lon",
            "30",
            "--radius-m",
            "10",
            "--aoi",
            "{tmp}/sites_line.geojson",
            "-w",
            "{ws}",
        ],
        "either --radius-m or --aoi",
    ),
    (
        "site aoi a line",
        ["site", "add", "x", "--lat", "50", "--lon", "30", "--aoi", "{tmp}/sites_line.geojson", "-w", "{ws}"],
        "not a polygon",
    ),
    (
        "site aoi missing",
        ["site", "add", "x", "--lat", "50", "--lon", "30", "--aoi", "{tmp}/none.geojson", "-w", "{ws}"],
        "none.geojson",
    ),
    (
        "site unknown models",
        ["site", "add", "x", "--lat", "50", "--lon", "30", "--models", "tanks", "-w", "{ws}"],
        "unknown model(s) 'tanks'",
    ),
    ("site set unknown site", ["site", "set", "Atlantis", "--models", "aircraft", "-w", "{ws}"], "no site named"),
    ("site set unknown model", ["site", "set", SITE, "--models", "tanks", "-w", "{ws}"], "unknown model(s)"),
    ("site remove unknown", ["site", "remove", "Atlantis", "-w", "{ws}"], "no site named 'Atlantis'"),
    ("site import missing file", ["site", "import", "{tmp}/none.geojson", "-w", "{ws}"], "none.geojson"),
    ("site import no name", ["site", "import", "{tmp}/sites_bad.geojson", "-w", "{ws}"], "sites_bad.geojson"),
    ("site import broken json", ["site", "import", "{tmp}/sites_broken.geojson", "-w", "{ws}"], "sites_broken"),
    ("site import infinite coordinate", ["site", "import", "{tmp}/sites_nan.geojson", "-w", "{ws}"], "sites_nan"),
    ("site import a text file", ["site", "import", "{tmp}/sites.txt", "-w", "{ws}"], "sites.txt"),
    ("site import a line", ["site", "import", "{tmp}/sites_line.geojson", "-w", "{ws}"], "sites_line"),
    ("site list to unknown line", ["site", "list", "--distance-to", "Narnia", "-w", "{ws}"], "Narnia"),
    ("site export to a folder that is a file", ["site", "export", "{tmp}/a_file/s.geojson", "-w", "{ws}"], "a_file"),
    # ---- ingest and registration
    ("ingest a missing file", ["ingest", "{tmp}/none.tif", "-w", "{ws}"], "none.tif"),
    ("ingest a truncated GeoTIFF", ["ingest", "{tmp}/truncated.tif", "-w", "{ws}"], "truncated.tif"),
    ("ingest an empty file", ["ingest", "{tmp}/empty.tif", "-w", "{ws}"], "empty.tif"),
    ("ingest text as an image", ["ingest", "{tmp}/text.tif", "-w", "{ws}"], "text.tif"),
    (
        "ingest a good and a bad file",
        ["ingest", "{tmp}/good.tif", "{tmp}/truncated.tif", "-w", "{ws}"],
        "truncated.tif",
    ),
    ("ingest a plain image without georeferencing", ["ingest", "{tmp}/press.png", "-w", "{ws}"], "press.png"),
    (
        "ingest a bad centre",
        ["ingest", "{tmp}/press.png", "--center", "north", "--gsd-m", "0.5", "--acquired", "2022-02-10", "-w", "{ws}"],
        "expected LAT,LON",
    ),
    (
        "ingest a centre off the Earth",
        ["ingest", "{tmp}/press.png", "--center", "95,27", "--gsd-m", "0.5", "--acquired", "2022-02-10", "-w", "{ws}"],
        "latitude 95.0 is out of range",
    ),
    (
        "ingest a centre with three numbers",
        ["ingest", "{tmp}/press.png", "--center", "1,2,3", "--gsd-m", "0.5", "--acquired", "2022-02-10", "-w", "{ws}"],
        "expected LAT,LON",
    ),
    (
        "ingest a tiny GSD",
        [
            "ingest",
            "{tmp}/press.png",
            "--center",
            "52.25,26.8",
            "--gsd-m",
            "1e-6",
            "--acquired",
            "2022-02-10",
            "-w",
            "{ws}",
        ],
        "not a ground sample distance",
    ),
    (
        "ingest a negative GSD",
        [
            "ingest",
            "{tmp}/press.png",
            "--center",
            "52.25,26.8",
            "--gsd-m",
            "-1",
            "--acquired",
            "2022-02-10",
            "-w",
            "{ws}",
        ],
        "not a ground sample distance",
    ),
    (
        "ingest a NaN rotation",
        [
            "ingest",
            "{tmp}/press.png",
            "--center",
            "52.25,26.8",
            "--gsd-m",
            "0.5",
            "--rotation-deg",
            "nan",
            "--acquired",
            "2022-02-10",
            "-w",
            "{ws}",
        ],
        "not an angle",
    ),
    (
        "ingest an infinite rotation",
        [
            "ingest",
            "{tmp}/press.png",
            "--center",
            "52.25,26.8",
            "--gsd-m",
            "0.5",
            "--rotation-deg",
            "inf",
            "--acquired",
            "2022-02-10",
            "-w",
            "{ws}",
        ],
        "not an angle",
    ),
    (
        "ingest a date of 1800",
        [
            "ingest",
            "{tmp}/press.png",
            "--center",
            "52.25,26.8",
            "--gsd-m",
            "0.5",
            "--acquired",
            "1800-01-01",
            "-w",
            "{ws}",
        ],
        "before the first satellite images",
    ),
    (
        "ingest a date of 2999",
        [
            "ingest",
            "{tmp}/press.png",
            "--center",
            "52.25,26.8",
            "--gsd-m",
            "0.5",
            "--acquired",
            "2999-01-01",
            "-w",
            "{ws}",
        ],
        "in the future",
    ),
    (
        "ingest a date that is no date",
        [
            "ingest",
            "{tmp}/press.png",
            "--center",
            "52.25,26.8",
            "--gsd-m",
            "0.5",
            "--acquired",
            "yesterday",
            "-w",
            "{ws}",
        ],
        "not ISO 8601",
    ),
    (
        "ingest without a date",
        ["ingest", "{tmp}/press.png", "--center", "52.25,26.8", "--gsd-m", "0.5", "-w", "{ws}"],
        "no acquisition time",
    ),
    (
        "ingest too few GCPs",
        ["ingest", "{tmp}/press.png", "--gcps", "{tmp}/gcps_short.csv", "--acquired", "2022-02-10", "-w", "{ws}"],
        "gcps_short.csv",
    ),
    (
        "ingest GCPs that are text",
        ["ingest", "{tmp}/press.png", "--gcps", "{tmp}/gcps_text.csv", "--acquired", "2022-02-10", "-w", "{ws}"],
        "gcps_text.csv",
    ),
    (
        "ingest an empty GCP file",
        ["ingest", "{tmp}/press.png", "--gcps", "{tmp}/gcps_empty.csv", "--acquired", "2022-02-10", "-w", "{ws}"],
        "gcps_empty.csv",
    ),
    (
        "ingest a missing GCP file",
        ["ingest", "{tmp}/press.png", "--gcps", "{tmp}/none.csv", "--acquired", "2022-02-10", "-w", "{ws}"],
        "none.csv",
    ),
    (
        "ingest a world file without a CRS",
        ["ingest", "{tmp}/press.png", "--crs", "EPSG:99999", "--acquired", "2022-02-10", "-w", "{ws}"],
        "press.png",
    ),
    # ---- scan and detect
    ("scan an unknown site", ["scan", "--site", "Atlantis", "-w", "{ws}"], "no site named 'Atlantis'"),
    ("scan with an unknown model", ["scan", "--model", "tanks", "-w", "{ws}"], "no model named 'tanks'"),
    ("scan with a broken model file", ["scan", "--model", "{tmp}/model.onnx", "-w", "{ws}"], "model.onnx"),
    ("detect a missing image", ["detect", "{tmp}/none.tif"], "none.tif"),
    ("detect a truncated image", ["detect", "{tmp}/truncated.tif"], "truncated.tif"),
    ("detect a plain image without GSD", ["detect", "{tmp}/press.png"], "--gsd-m"),
    ("detect with a zero GSD", ["detect", "{tmp}/press.png", "--gsd-m", "0"], "not a ground sample distance"),
    ("detect with an unknown model", ["detect", "{tmp}/good.tif", "--model", "tanks"], "unknown model 'tanks'"),
    ("detect with a broken model", ["detect", "{tmp}/good.tif", "--model", "{tmp}/model.onnx"], "model.onnx"),
    (
        "detect writing into a file",
        ["detect", "{tmp}/good.tif", "--model", "aircraft", "--geojson", "{tmp}/a_file/out.geojson"],
        "a_file",
    ),
    # ---- compare, timeline, masks
    ("compare an unknown site", ["compare", "Atlantis", "-w", "{ws}"], "no site named 'Atlantis'"),
    ("compare a site with one date", ["compare", SITE, "-w", "{ws}"], "nothing to compare"),
    ("compare from no date", ["compare", SITE, "--from", "notadate", "-w", "{ws}"], "notadate"),
    ("compare to no date", ["compare", SITE, "--to", "13/2022", "-w", "{ws}"], "13/2022"),
    ("compare with a missing mask", ["compare", SITE, "--mask", "{tmp}/none.geojson", "-w", "{ws}"], "none.geojson"),
    (
        "compare with an empty mask",
        ["compare", SITE, "--mask", "{tmp}/mask_bad.geojson", "-w", "{ws}"],
        "mask_bad.geojson",
    ),
    # ---- assessment
    ("estimate an unknown site", ["estimate", "--site", "Atlantis", "-w", "{ws}"], "no site named 'Atlantis'"),
    ("estimate with an unknown model", ["estimate", "--model", "tanks", "-w", "{ws}"], "unknown model 'tanks'"),
    ("estimate with a missing doctrine", ["estimate", "--doctrine", "{tmp}/none.yaml", "-w", "{ws}"], "none.yaml"),
    (
        "estimate with a doctrine missing fields",
        ["estimate", "--doctrine", "{tmp}/doctrine_bad.yaml", "-w", "{ws}"],
        "missing 'name'",
    ),
    (
        "estimate with a doctrine range upside down",
        ["estimate", "--doctrine", "{tmp}/doctrine_range.yaml", "-w", "{ws}"],
        "low <= central <= high",
    ),
    ("alerts without rules", ["alerts", "-w", "{ws}"], "no rules file"),
    ("alerts with a missing rules file", ["alerts", "--rules", "{tmp}/none.yaml", "-w", "{ws}"], "none.yaml"),
    (
        "alerts with a rule missing its class",
        ["alerts", "--rules", "{tmp}/rules_bad.yaml", "-w", "{ws}"],
        "needs class",
    ),
    ("alerts with broken YAML", ["alerts", "--rules", "{tmp}/rules_yaml.yaml", "-w", "{ws}"], "not valid YAML"),
    ("alerts with an unknown kind", ["alerts", "--rules", "{tmp}/rules_kind.yaml", "-w", "{ws}"], "'sometimes'"),
    ("alerts with a word for a number", ["alerts", "--rules", "{tmp}/rules_number.yaml", "-w", "{ws}"], "not a number"),
    ("alerts with an unknown field", ["alerts", "--rules", "{tmp}/rules_field.yaml", "-w", "{ws}"], "colour"),
    ("alerts with a non-HTTP webhook", ["alerts", "--rules", "{tmp}/rules_hook.yaml", "-w", "{ws}"], "ftp://x"),
    ("claims of a missing text", ["claims", "{tmp}/none.txt", "-w", "{ws}"], "none.txt"),
    ("claims of binary input", ["claims", "{tmp}/binary.txt", "-w", "{ws}"], "binary.txt"),
    # ---- report and export
    ("report in an unknown format", ["report", "--out", "{tmp}/b.doc", "--format", "doc", "-w", "{ws}"], "doc"),
    (
        "report of an unknown site",
        ["report", "--out", "{tmp}/b.html", "--site", "Atlantis", "-w", "{ws}"],
        "no site named 'Atlantis'",
    ),
    ("report from no date", ["report", "--out", "{tmp}/b.html", "--from", "notadate", "-w", "{ws}"], "notadate"),
    ("report to an unknown line", ["report", "--out", "{tmp}/b.html", "--line", "Narnia", "-w", "{ws}"], "Narnia"),
    ("report over the store", ["report", "--out", "{ws}/forcewatch.gpkg", "-w", "{ws}"], "never writes over a store"),
    ("report into a file's folder", ["report", "--out", "{tmp}/a_file/b.html", "-w", "{ws}"], "a_file"),
    ("export in an unknown format", ["export", "--format", "shp", "--out", "{tmp}/e", "-w", "{ws}"], "shp"),
    (
        "export over the store",
        ["export", "--format", "gpkg", "--out", "{ws}/forcewatch.gpkg", "-w", "{ws}"],
        "never writes over a store",
    ),
    (
        "export over the store with force",
        ["export", "--format", "gpkg", "--out", "{ws}/forcewatch.gpkg", "--force", "-w", "{ws}"],
        "never writes over a store",
    ),
    (
        "export over a file it did not write",
        ["export", "--format", "kml", "--out", "{tmp}/a_file", "-w", "{ws}"],
        "--force",
    ),
    (
        "export into a file's folder",
        ["export", "--format", "kml", "--out", "{tmp}/a_file/e.kml", "-w", "{ws}"],
        "a_file",
    ),
    (
        "export of an unknown site",
        ["export", "--format", "kml", "--out", "{tmp}/e.kml", "--site", "Atlantis", "-w", "{ws}"],
        "no site named 'Atlantis'",
    ),
    # ---- labels and models
    (
        "label export of an unknown site",
        ["label", "export", "Atlantis", "--out", "{tmp}/l.gpkg", "-w", "{ws}"],
        "no site named 'Atlantis'",
    ),
    (
        "label export over the store",
        ["label", "export", SITE, "--out", "{ws}/forcewatch.gpkg", "-w", "{ws}"],
        "never writes over a store",
    ),
    (
        "label export from no date",
        ["label", "export", SITE, "--out", "{tmp}/l.gpkg", "--date", "soon", "-w", "{ws}"],
        "soon",
    ),
    ("label import of a missing file", ["label", "import", "{tmp}/none.gpkg", "-w", "{ws}"], "none.gpkg"),
    ("label import of text", ["label", "import", "{tmp}/labels_text.gpkg", "-w", "{ws}"], "labels_text.gpkg"),
    ("model add of a missing file", ["model", "add", "{tmp}/none.onnx", "--name", "m", "-w", "{ws}"], "none.onnx"),
    ("model add of a broken file", ["model", "add", "{tmp}/model.onnx", "--name", "m", "-w", "{ws}"], "model.onnx"),
    (
        "model add under a bundled name",
        ["model", "add", "{tmp}/model.onnx", "--name", "aircraft", "-w", "{ws}"],
        "bundled",
    ),
    ("model remove an unknown model", ["model", "remove", "m", "-w", "{ws}"], "no workspace model named 'm'"),
    # ---- training and evaluation inputs
    ("evaluate a missing dataset", ["evaluate", "{tmp}/none", "--format", "yolo", "--gsd-m", "0.3"], "none"),
    ("evaluate an unknown format", ["evaluate", "{tmp}/yolo", "--format", "pascal", "--gsd-m", "0.3"], "pascal"),
    ("evaluate an empty YOLO folder", ["evaluate", "{tmp}/yolo", "--format", "yolo", "--gsd-m", "0.3"], "yolo"),
    (
        "evaluate with a broken split",
        ["evaluate", "{tmp}/yolo", "--format", "yolo", "--gsd-m", "0.3", "--split", "{tmp}/split.json"],
        "yolo",
    ),
    (
        "evaluate with a bad class map",
        ["evaluate", "{tmp}/yolo", "--format", "yolo", "--class-map", "plane"],
        "expected FROM=TO",
    ),
    (
        "evaluate YOLO labels with an image folder apart",
        ["evaluate", "{tmp}/yolo", "--format", "yolo", "--gsd-m", "0.3", "--images", "{tmp}"],
        "cannot be used with yolo labels",
    ),
    (
        "train on YOLO labels with an image folder apart",
        ["train", "{tmp}/yolo", "--format", "yolo", "--gsd-m", "0.3", "--images", "{tmp}", "--out", "{tmp}/run"],
        "cannot be used with yolo labels",
    ),
    ("synth-camps from a file", ["synth-camps", "{tmp}/a_file", "--out", "{tmp}/synth"], "not a folder"),
]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    _register()
    tmp = tmp_path_factory.mktemp("bad")
    _files(tmp)
    ws = tmp / "ws"
    runner = CliRunner()
    for args in (["init", str(ws), "--example", "ukraine-2022"], ["ingest", str(tmp / "good.tif"), "-w", str(ws)],
                 ["scan", "--model", "aircraft", "-w", str(ws)]):  # fmt: skip
        assert runner.invoke(app, args).exit_code == 0, args
    return {"tmp": tmp, "ws": ws}


def test_the_battery_is_large() -> None:
    assert len(CASES) >= 100
    assert len({name for name, _, _ in CASES}) == len(CASES)


@pytest.mark.parametrize(("name", "args", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_a_clear_error_and_changes_nothing(
    env: dict[str, Path], name: str, args: list[str], message: str
) -> None:
    store = env["ws"] / "forcewatch.gpkg"
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    argv = [a.format(ws=env["ws"], tmp=env["tmp"]) for a in args]
    res = CliRunner().invoke(app, argv)
    assert res.exit_code != 0, f"{name}: accepted ({res.output})"
    assert isinstance(res.exception, ForceWatchError), f"{name}: {res.exception!r} is not a clear error"
    assert message in str(res.exception), f"{name}: {res.exception}"
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before, f"{name}: the store changed"
    for leftover in env["tmp"].glob("*.tmp"):
        pytest.fail(f"{name}: left {leftover} behind")
    shutil.rmtree(env["tmp"] / "synth", ignore_errors=True)
    json.dumps(argv)  # every case is a plain command line
