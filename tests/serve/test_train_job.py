""" "Train on my labels": the fine-tune of ``train --from-workspace`` started from the dashboard in a
child process, one run at a time per workspace (409 for a second), followed by its status, stopped,
failed (with why), refused without torch (naming the fix); and a small real run (slow)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from forcewatch.app.workspace import open_workspace
from forcewatch.serve import jobs
from forcewatch.serve.app import create_app
from tests.serve.conftest import Client, log_in


def _site_id(workspace: Path) -> int:
    with open_workspace(workspace) as store:
        site_id = store.site("Luninets airfield").id
    assert site_id is not None
    return site_id


def _wait(c: TestClient, states: tuple[str, ...], timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        job: dict[str, Any] = c.get("/api/train").json()["job"]
        if job["state"] in states or time.monotonic() > deadline:
            return job
        time.sleep(0.2)


def test_without_torch_training_answers_503_naming_the_fix(
    client: Client, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # as if `pip install 'forcewatch[train]'` had not been run
    anna = client("anna")
    got = anna.get("/api/train").json()
    assert got["available"] is False and got["job"] is None
    assert "pip install 'forcewatch[train]'" in got["why"]
    done = anna.post("/api/train", json={"site": _site_id(workspace), "init": "aircraft"})
    assert done.status_code == 503 and "pip install 'forcewatch[train]'" in done.json()["detail"]
    assert not (workspace / "runs").exists()


@pytest.mark.train
def test_one_run_at_a_time_followed_stopped_and_failing_with_why(client: Client, workspace: Path) -> None:
    pytest.importorskip("torch", reason="fine-tuning needs the forcewatch[train] extra (torch)")
    anna = client("anna")
    site = _site_id(workspace)
    assert anna.get("/api/train").json() == {"available": True, "why": None, "job": None}
    assert anna.post("/api/train/stop").status_code == 409  # nothing to stop
    started = anna.post("/api/train", json={"site": site, "init": "aircraft", "minutes": 1})
    assert started.status_code == 202, started.text
    job = started.json()
    assert (job["state"], job["site"], job["init"], job["who"]) == ("starting", "Luninets airfield", "aircraft", "anna")
    assert job["run"].startswith("runs/dashboard-") and isinstance(job["pid"], int)
    second = anna.post("/api/train", json={"site": site, "init": "aircraft"})
    assert second.status_code == 409 and "a training run is going on (started by anna" in second.json()["detail"]
    assert client("vera").get("/api/train").json()["job"]["state"] in ("starting", "running")  # viewers follow it
    stopped = anna.post("/api/train/stop")
    assert stopped.status_code == 200 and stopped.json()["state"] == "stopped"
    assert stopped.json()["stopped_by"] == "anna"
    assert anna.get("/api/train").json()["job"]["state"] == "stopped"
    request = json.loads((workspace / job["run"] / "request.json").read_text())
    assert request["classes"] == ["aircraft"] and request["site"] == "Luninets airfield"
    # the lock is free again: this run reaches the fine-tune, which fails (these scenes' images do not exist)
    again = anna.post("/api/train", json={"site": site, "init": "aircraft", "minutes": 1})
    assert again.status_code == 202, again.text
    failed = _wait(anna, ("failed", "done"), 120)
    assert failed["state"] == "failed", failed
    assert "/imagery/" in failed["error"] and "Fix:" in failed["error"]
    assert (workspace / failed["log"]).is_file()
    assert anna.post("/api/train/stop").status_code == 409


@pytest.mark.train
def test_nothing_to_learn_and_unknown_models_answer_422(client: Client, workspace: Path) -> None:
    pytest.importorskip("torch", reason="fine-tuning needs the forcewatch[train] extra (torch)")
    anna = client("anna")
    site = _site_id(workspace)
    no_tents = anna.post("/api/train", json={"site": site, "init": "tent"})
    assert no_tents.status_code == 422 and "has no accepted or drawn tent" in no_tents.json()["detail"]
    unknown = anna.post("/api/train", json={"site": site, "init": "/etc/passwd"})
    assert unknown.status_code == 422 and "Fix: use one of aircraft, tent, vehicle" in unknown.json()["detail"]
    assert not (workspace / "runs").exists()


def test_a_run_that_died_without_a_word_reads_as_failed(tmp_path: Path) -> None:
    (tmp_path / "runs").mkdir()
    status = {"state": "running", "pid": 999999, "log": "runs/dashboard-x/train.log", "messages": []}
    (tmp_path / "runs" / jobs.STATUS_NAME).write_text(json.dumps(status))
    doc = jobs.status(tmp_path)
    assert doc is not None and doc["state"] == "failed"
    assert "ended without a result" in doc["error"] and "runs/dashboard-x/train.log" in doc["error"]
    with pytest.raises(jobs.NotRunning):
        jobs.stop(tmp_path, "anna")


@pytest.mark.train
@pytest.mark.slow
def test_a_small_real_run_reports_its_score_and_where_the_model_is(tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="fine-tuning needs the forcewatch[train] extra (torch)")
    from forcewatch.detect.onnx_backend import read_meta
    from tests.serve.imagery_ws import make_small_workspace

    ws = make_small_workspace(tmp_path / "ws")
    with TestClient(create_app(ws)) as c:
        c.headers["X-CSRF-Token"] = log_in(c, "anna")
        site = _site_id(ws)
        fc = c.get(f"/api/sites/{site}/detections").json()
        ids = [f["properties"]["id"] for f in fc["features"] if f["properties"]["id"] is not None]
        assert len(ids) >= 4
        for i, det in enumerate(ids):
            assert c.post(
                f"/api/detections/{det}/review", json={"verdict": "reject" if i == 0 else "accept"}
            ).is_success
        small = {"iterations": 2, "batch_size": 2, "crop_px": 96, "cv_folds": 2}
        started = c.post("/api/train", json={"site": site, "init": "aircraft", "minutes": 2, **small})
        assert started.status_code == 202, started.text
        job = _wait(c, ("done", "failed", "stopped"), 300)
    assert job["state"] == "done", job
    result = job["result"]
    assert result["model"].startswith("runs/dashboard-") and result["model"].endswith("/model.onnx")
    assert (ws / result["model"]).is_file() and (ws / result["card"]).is_file()
    assert result["held_out"].startswith("2-fold cross-validation")
    assert set(result["scores"]["finetuned"]) == {"aircraft"} and "ap50" in result["scores"]["finetuned"]["aircraft"]
    assert result["validates"] is False  # the imagery is synthetic: its score validates nothing
    assert result["add_command"].startswith(f"forcewatch model add {result['model']} --name NAME")
    assert str(tmp_path) not in json.dumps(job)  # paths inside the workspace only
    assert any("fine-tuning" in m for m in job["messages"])
    meta = read_meta(ws / result["model"])
    assert "holdout" in meta.scores
