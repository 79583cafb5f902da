"""Scans on Dask: the same records as a local scan, pair by pair; a worker killed mid-scan loses
only its pair, which runs again; a second run has nothing left to do."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from forcewatch.app.scan import scan_models
from forcewatch.app.scan_dask import check_workers
from forcewatch.app.workspace import open_workspace
from forcewatch.errors import InputError
from tests.cli.test_resumable_scan import _rows, _workspace

MODELS = ["aircraft", "vehicle"]


def _local(tmp_path: Path) -> list[tuple[int, int, str, str, int]]:
    ws = _workspace(tmp_path, "local")
    with open_workspace(ws) as store:
        scan_models(store, MODELS)
    return _rows(ws)


@pytest.mark.slow
def test_two_local_workers_record_what_a_local_scan_records(tmp_path: Path) -> None:
    expected = _local(tmp_path)
    ws = _workspace(tmp_path, "dask")
    seen: list[tuple[int, int]] = []
    with open_workspace(ws) as store:
        results = scan_models(store, MODELS, workers=2, progress=lambda _label, k, n: seen.append((k, n)))
        assert len(results) == len(expected) and seen[-1] == (len(expected), len(expected))
        assert scan_models(store, MODELS, workers=2) == []  # nothing left: a second run does nothing
    assert _rows(ws) == expected


@pytest.mark.slow
def test_a_worker_killed_mid_scan_loses_only_its_pair(tmp_path: Path) -> None:
    from distributed import Client, LocalCluster

    expected = _local(tmp_path)
    ws = _workspace(tmp_path, "dask")
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None, silence_logs=40) as cluster,
        Client(cluster) as client,
    ):
        pids = list(client.run(os.getpid).values())
        killed: list[int] = []

        def kill_after_first_pair(label: str, done: int, total: int) -> None:
            if label == "scenes" and not killed and done < total:  # mid-scan: pairs still to run
                os.kill(pids[0], signal.SIGKILL)
                killed.append(done)

        with open_workspace(ws) as store:
            scan_models(store, MODELS, scheduler=cluster.scheduler_address, progress=kill_after_first_pair)
    assert len(killed) == 1 and killed[0] < len(expected)  # a worker died while pairs were left
    assert _rows(ws) == expected  # nothing lost, nothing twice


@pytest.mark.parametrize(
    ("workers", "scheduler", "message"),
    [
        (2, "tcp://127.0.0.1:8786", "--workers and --scheduler both given"),
        (0, None, "--workers 0: must be at least 1"),
        (None, "127.0.0.1:8786", "not a scheduler address"),
    ],
)
def test_bad_worker_options_say_how_to_fix_them(workers: int | None, scheduler: str | None, message: str) -> None:
    with pytest.raises(InputError, match=message):
        check_workers(workers, scheduler)
