"""Each site runs its own models: the defaults of its kind, its own list, or the workspace's own
(fine-tuned) models added with `forcewatch model add`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forcewatch.cli import _register, app
from forcewatch.detect.registry import bundled_models, load_detector
from forcewatch.imagery.synthetic import render_airfield, write_geotiff
from forcewatch.provenance import file_sha256

LAT, LON = 52.25, 26.80


def _run(*args: str, ok: bool = True) -> str:
    _register()
    res = CliRunner().invoke(app, list(args))
    if ok:
        assert res.exit_code == 0, f"{args}: {res.output} {res.exception!r}"
    else:
        assert res.exit_code != 0, f"{args} should fail: {res.output}"
        return str(res.exception)
    return res.output


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    _run("init", str(folder))
    rgb, _ = render_airfield(800, 600, 0.5, [(200.0, 200.0, 36.0, 20.0)], seed=1)
    _run(
        "ingest", str(write_geotiff(rgb, tmp_path / "a.tif", LAT, LON, 0.5, "2022-01-20T09:00:00Z")), "-w", str(folder)
    )
    return folder


def _models_run(ws: Path, site: str) -> set[str]:
    (obs,) = [json.loads(_run("observations", site, "-w", str(ws), "--json"))]
    return {o["model"] for o in obs["observations"]}


def test_site_kinds_choose_the_models(ws: Path) -> None:
    out = _run("site", "add", "Field", "--lat", str(LAT), "--lon", str(LON), "--radius-m", "150", "--kind", "airfield",
               "-w", str(ws))  # fmt: skip
    assert "runs aircraft" in out
    _run(
        "site",
        "add",
        "Camp",
        "--lat",
        str(LAT),
        "--lon",
        str(LON),
        "--radius-m",
        "150",
        "--kind",
        "camp",
        "-w",
        str(ws),
    )
    _run("site", "add", "Other", "--lat", str(LAT), "--lon", str(LON), "--radius-m", "150", "-w", str(ws))
    _run("scan", "-w", str(ws))
    assert _models_run(ws, "Field") == {load_detector("aircraft").model_id}
    assert {m.split("-")[0] for m in _models_run(ws, "Camp")} == {"vehicle", "tent"}
    assert {m.split("-")[0] for m in _models_run(ws, "Other")} == {"aircraft", "vehicle", "tent"}
    assert "nothing new to scan" in _run("scan", "-w", str(ws))
    # a site's own list replaces its kind's defaults; the new model runs on the next scan
    assert "runs aircraft, tent" in _run("site", "set", "Field", "--models", "aircraft,tent", "-w", str(ws))
    _run("scan", "-w", str(ws))
    assert {m.split("-")[0] for m in _models_run(ws, "Field")} == {"aircraft", "tent"}
    assert "runs aircraft" in _run("site", "set", "Field", "--models", "default", "-w", str(ws))


def test_a_workspace_model_runs_where_it_is_added_with_its_provenance(ws: Path, tmp_path: Path) -> None:
    _run(
        "site",
        "add",
        "Camp",
        "--lat",
        str(LAT),
        "--lon",
        str(LON),
        "--radius-m",
        "150",
        "--kind",
        "camp",
        "-w",
        str(ws),
    )
    mine = bundled_models()["vehicle"]  # stands in for a model fine-tuned on the workspace's labels
    out = _run("model", "add", str(mine), "--name", "tanks-here", "--site", "Camp", "-w", str(ws))
    assert "added model 'tanks-here'" in out and "site 'Camp' now runs it" in out
    assert (ws / "models" / "tanks-here.onnx").is_file() and (ws / "models" / "tanks-here.md").is_file()
    listed = json.loads(_run("model", "list", "-w", str(ws), "--json"))
    assert [m["name"] for m in listed["workspace"]] == ["tanks-here"] and "vehicle" in listed["bundled"]
    _run("scan", "-w", str(ws))
    obs = json.loads(_run("observations", "Camp", "-w", str(ws), "--json"))["observations"]
    assert file_sha256(ws / "models" / "tanks-here.onnx") in {o["model_sha256"] for o in obs}
    assert "tanks-here" in _run("site", "set", "Camp", "--models", "tanks-here", "-w", str(ws))
    _run("model", "remove", "tanks-here", "-w", str(ws))
    assert not (ws / "models" / "tanks-here.onnx").exists()
    assert "runs " in _run("site", "set", "Camp", "--models", "default", "-w", str(ws))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("site", "set", "Nowhere", "--models", "aircraft"), "no site named 'Nowhere'"),
        (("site", "add", "X", "--lat", "52", "--lon", "27", "--models", "tanks"), "unknown model(s) 'tanks'"),
        (("model", "add", "nosuch.onnx", "--name", "m"), "no such model file"),
        (("model", "add", "MODEL", "--name", "vehicle"), "not one of the bundled models"),
        (("model", "add", "MODEL", "--name", "m", "--site", "Nowhere"), "no site named 'Nowhere'"),
        (("model", "remove", "m"), "no workspace model named 'm'"),
    ],
)
def test_bad_model_input_changes_nothing(ws: Path, args: tuple[str, ...], message: str) -> None:
    before = (ws / "forcewatch.gpkg").read_bytes()
    args = tuple(str(bundled_models()["tent"]) if a == "MODEL" else a for a in args)
    assert message in _run(*args, "-w", str(ws), ok=False)
    assert (ws / "forcewatch.gpkg").read_bytes() == before
    assert not (ws / "models").exists()
