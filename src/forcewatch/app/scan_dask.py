"""Scans spread over a Dask cluster: ``forcewatch scan --workers N`` (a local cluster of N worker
processes) or ``--scheduler tcp://HOST:PORT`` (an existing one).

The unit of work is one scene × site × model pair. The client (this process) claims each pair in
the store, sends it to a worker with what the worker needs (the model's file, the scene, the site,
and the detections other models already stored there), and records each result as it returns, in
its own transaction, with progress. Workers read the scene's windows and detect; they never touch
the store. A worker that dies loses only the pair it held, which the scheduler runs again elsewhere.

The models of one scene × site run one after the other, larger objects first (as in a local scan),
so that a smaller detection that is part of a larger one (a "vehicle" on an aircraft's wing) is
dropped the same way: different pairs run at once, never two models of one scene and site.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from forcewatch.app.scan import (
    WAIT_S,
    ScanResult,
    not_observable_result,
    other_models_detections,
    pending_work,
    record_claimed,
    scan_pair,
)
from forcewatch.app.scan_queue import Claimed, PairQueue
from forcewatch.detect.base import Detector
from forcewatch.detect.registry import bundled_models, load_detector
from forcewatch.errors import ModelError
from forcewatch.model import Detection, Scene, Site
from forcewatch.store.base import Store

#: Pairs sent ahead per worker thread, so that a worker that finishes one starts the next at once.
AHEAD_PER_THREAD = 2


@dataclass(frozen=True)
class ModelRef:
    """How a worker finds a model: a bundled model by name (its install may lie elsewhere), else the
    file's path (on shared storage for a cluster of several machines), checked by its hash."""

    ref: str
    sha256: str
    threads: int

    @staticmethod
    def of(detector: Detector, threads: int) -> ModelRef:
        bundled = {p.resolve(): name for name, p in bundled_models().items()}
        return ModelRef(bundled.get(detector.path.resolve(), str(detector.path.resolve())), detector.sha256, threads)


def worker_detector(model: ModelRef) -> Detector:
    """The detector a worker process runs (loaded once per process and file), with ``model.threads`` threads."""
    detector = load_detector(model.ref, threads=model.threads)
    if detector.sha256 != model.sha256:
        raise ModelError(
            f"{model.ref}: the worker's model file is not the client's (sha256 {detector.sha256[:12]}… against "
            f"{model.sha256[:12]}…). Fix: install the same ForceWatch version on every worker, and put "
            "workspace models on storage every worker reads at the same path."
        )
    return detector


def run_pair(model: ModelRef, scene: Scene, site: Site, others: list[Detection]) -> ScanResult:
    """On a worker: scan one pair (reads the scene's windows, detects; writes nothing)."""
    detector = worker_detector(model)
    reason = detector.meta.not_observable_reason(scene.gsd_m)
    if reason is not None:
        return not_observable_result(scene, site, detector, reason)
    # a worker of one thread reads each tile in turn: one core, beside the other workers
    return scan_pair(scene, site, detector, others=others, read_ahead=model.threads > 1)


@contextlib.contextmanager
def _client(workers: int | None, scheduler: str | None) -> Iterator[Any]:
    """A client of the cluster at ``scheduler``, else of a local cluster of ``workers`` processes
    (closed on exit)."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers or 1, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def scan_distributed(
    store: Store,
    detectors: Detector | Sequence[Detector] | None = None,
    *,
    site_name: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    threads_per_worker: int = 1,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[ScanResult]:
    """What :func:`forcewatch.app.scan.scan` does, on a Dask cluster: ``workers`` local worker
    processes, or the cluster at ``scheduler``. Each pair is claimed, sent, and recorded in its own
    transaction as it returns; a scan killed at any moment keeps every recorded pair. A pair that
    fails on a worker stops the scan with its error (the pairs recorded before it stay)."""
    from distributed import as_completed

    queue = PairQueue(store, pending_work(store, detectors, site_name))
    if not queue:
        return []
    results: list[ScanResult] = []
    with _client(workers, scheduler) as client:
        ahead = AHEAD_PER_THREAD * (sum(client.nthreads().values()) or 1)
        flying: dict[Any, Claimed] = {}
        refs: dict[str, ModelRef] = {}  # model file hash → how workers find it (worked out once per model)
        running = as_completed()

        def fill() -> None:
            """Send ready pairs until ``ahead`` are in flight (a scene × site's smaller-object models
            wait in the queue until its larger ones are recorded)."""
            while len(flying) < ahead:
                claimed = queue.take()
                if claimed is None:
                    return
                det, scene, site = claimed.pair
                if det.sha256 not in refs:
                    refs[det.sha256] = ModelRef.of(det, threads_per_worker)
                others = other_models_detections(store, det, scene, site)
                fut = client.submit(run_pair, refs[det.sha256], scene, site, others, pure=False, retries=1)
                flying[fut] = claimed
                running.add(fut)

        try:
            while queue:
                fill()
                if not flying:  # what is left waits for pairs other processes hold
                    time.sleep(WAIT_S)
                    continue
                fut = next(running)
                recorded = record_claimed(store, queue, flying.pop(fut), fut.result)  # a failed pair raises here
                if recorded is not None:
                    results.append(recorded)
                if progress:
                    progress("scenes", queue.left, queue.total)
        finally:
            for claimed in flying.values():  # a failed pair stopped the scan: release the others
                claimed.release()
    return results


def check_workers(workers: int | None, scheduler: str | None) -> None:
    """``--workers`` and ``--scheduler`` exclude each other; ``--workers`` is at least 1."""
    from forcewatch.errors import InputError

    if workers is not None and scheduler is not None:
        raise InputError(
            "--workers and --scheduler both given. Fix: --workers N starts a local cluster; "
            "--scheduler tcp://HOST:PORT uses an existing one: give one of them."
        )
    if workers is not None and workers < 1:
        raise InputError(f"--workers {workers}: must be at least 1. Fix: give the number of worker processes.")
    if scheduler is not None and "://" not in scheduler:
        raise InputError(
            f"--scheduler {scheduler!r}: not a scheduler address. Fix: give tcp://HOST:PORT "
            "(what `dask scheduler` prints)."
        )
