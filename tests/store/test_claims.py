"""Several scan processes on one store (both backends): each scene × site × model pair is claimed
once, so every pair is recorded exactly once; a process killed while it holds a claim does not
leave the pair claimed."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from pathlib import Path

import pytest
from shapely.geometry import box

from forcewatch.model import Site
from forcewatch.store.base import Store
from tests.store import workers
from tests.store.conftest import open_backend
from tests.store.filling import scene

Workspace = tuple[Store, str, Path, list[workers.Pair]]


@pytest.fixture
def workspace(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Workspace:
    """A store with 5 sites and 4 scenes that cover them all: with 2 models, 40 pairs to scan."""
    store = open_backend(backend, tmp_path, request)
    request.addfinalizer(store.close)
    pairs = []
    with store.transaction():
        sites = [store.add_site(Site(f"site {i}", box(20 + i, 50, 20.5 + i, 50.5))) for i in range(5)]
        for d in range(4):
            sc = store.add_scene(scene(f"{d:02d}" * 32, f"2022-02-{10 + d}T09:00:00Z", box(19, 49, 26, 51)))
            for site in sites:
                assert sc.id is not None and site.id is not None
                store.link(sc.id, site.id, 1.0)
                pairs += [(sc.id, site.id, sc.acquired, f"model-{m}-sha") for m in "ab"]
    where = str(tmp_path / "ws" / "forcewatch.gpkg") if backend == "gpkg" else request.getfixturevalue("postgis_db")
    return store, where, tmp_path / "ws", pairs


def test_four_processes_record_every_pair_exactly_once(backend: str, workspace: Workspace) -> None:
    store, where, folder, pairs = workspace
    assert len(pairs) == 40
    ctx = mp.get_context("spawn")
    start, results = ctx.Barrier(4, timeout=120), ctx.Queue()
    procs = [
        ctx.Process(target=workers.scan, args=(backend, where, folder, pairs, 0.005, start, results)) for _ in range(4)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=180)
    assert [p.exitcode for p in procs] == [0] * 4  # a pair written twice would fail on the unique key
    got = [results.get(timeout=5) for _ in procs]
    assert sum(written for written, _, _ in got) == 40
    assert all(sum(counts) == 40 for counts in got)  # each process saw every pair: wrote, was refused or skipped it
    recorded = [(o.scene_id, o.site_id, o.acquired, o.model_sha256) for o in store.observations()]
    assert sorted(recorded) == sorted(pairs)
    assert len(list(store.detections())) == 40


def test_a_claim_held_by_a_killed_process_is_free_again(backend: str, workspace: Workspace) -> None:
    store, where, folder, pairs = workspace
    key = workers.pair_key(pairs[0])
    ctx = mp.get_context("spawn")
    held = ctx.Event()
    holder = ctx.Process(target=workers.hold, args=(backend, where, folder, key, held))
    holder.start()
    try:
        assert held.wait(60), "the holding process did not start"
        with store.claim(key) as mine:
            assert not mine  # another process holds it
        with store.claim(workers.pair_key(pairs[1])) as mine:
            assert mine  # other pairs are free
    finally:
        assert holder.pid is not None
        os.kill(holder.pid, signal.SIGKILL)
        holder.join(10)
    assert holder.exitcode == -signal.SIGKILL
    deadline = time.monotonic() + 10
    while True:
        with store.claim(key) as mine:
            if mine:
                break
        assert time.monotonic() < deadline, "the pair is still claimed 10 s after its holder was killed"
        time.sleep(0.05)
