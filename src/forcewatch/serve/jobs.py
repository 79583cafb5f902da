"""The dashboard's "train on my labels": the fine-tune of ``forcewatch train --from-workspace`` run
in the background, one at a time per workspace, with its progress and score readable by any server
process.

A run is a child process (``python -m forcewatch.serve.jobs RUN``) that calls
:func:`forcewatch.app.train.train_model` and writes its status, as JSON, to
``WORKSPACE/runs/dashboard-train.json`` (replaced whole at each update, so a reader never sees half
of it); its model, card and chips go to ``WORKSPACE/runs/dashboard-YYYYMMDD-HHMMSS/`` and its log
beside them. One run at a time: the server takes an exclusive lock on
``WORKSPACE/runs/.dashboard-train.lock`` and hands it to the child, which holds it until it ends
(whatever ends it: a crash or a kill frees it too); a second start while it is held is refused.
A status that says "running" while nobody holds the lock is a run that died: it reads as failed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from forcewatch.errors import MissingExtraError

RUNS_FOLDER = "runs"
STATUS_NAME = "dashboard-train.json"
LOCK_NAME = ".dashboard-train.lock"
REQUEST_NAME = "request.json"
LOG_NAME = "train.log"
#: Messages of the run kept in its status (the latest ones).
KEEP_MESSAGES = 30
#: Progress is written at most this often (seconds); messages and the end always.
WRITE_EVERY_S = 0.5


#: The runs this process started (reaped when they end, so that none is left a zombie).
_children: list[subprocess.Popen[bytes]] = []


class Busy(Exception):
    """A training run of this workspace is going on."""


class NotRunning(Exception):
    """No training run of this workspace is going on."""


@dataclass(frozen=True)
class TrainJob:
    """What the dashboard asked for: fine-tune ``init`` (a bundled model's name or a workspace model's
    file) on the labels of ``site`` (its classes only), as ``who``; ``minutes`` bounds the whole run
    (None: the fine-tune's default); the rest as ``forcewatch train`` takes them (None: its default)."""

    site: str
    init: str
    init_name: str
    classes: tuple[str, ...]
    who: str
    minutes: float | None = None
    iterations: int | None = None
    batch_size: int = 16
    crop_px: int = 256
    cv_folds: int | None = None


def torch_missing() -> str | None:
    """Why training cannot run in this Python (torch is missing, and how to install it), or None."""
    if importlib.util.find_spec("torch") is None:
        return str(MissingExtraError("torch", "train", "Training on your labels"))
    return None


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _runs(folder: Path) -> Path:
    return folder / RUNS_FOLDER


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def _lock(folder: Path) -> int | None:
    """The lock file's descriptor, locked (exclusive), or None when another holds it."""
    _runs(folder).mkdir(parents=True, exist_ok=True)
    fd = os.open(_runs(folder) / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _held(folder: Path) -> bool:
    """Whether a run holds the lock now."""
    fd = _lock(folder)
    if fd is None:
        return True
    os.close(fd)  # closing frees it
    return False


def status(folder: Path) -> dict[str, Any] | None:
    """The latest run's status (None: no run yet); a run that says it is running but holds no lock
    any more ended without writing its end (killed, out of memory): it reads as failed."""
    for child in list(_children):
        if child.poll() is not None:
            _children.remove(child)
    path = _runs(folder) / STATUS_NAME
    try:
        doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    if doc.get("state") in ("starting", "running") and not _held(folder):
        doc = doc | {
            "state": "failed",
            "error": "the training process ended without a result (stopped, or out of memory). "
            f"Fix: read {doc.get('log', 'its log')} in the workspace, then start it again.",
        }
    return doc


def start(folder: Path, job: TrainJob) -> dict[str, Any]:
    """Start ``job`` in a child process; its first status. :class:`Busy` while another run goes on."""
    fd = _lock(folder)
    if fd is None:
        raise Busy
    try:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        run = _runs(folder) / f"dashboard-{stamp}"
        n = 1
        while run.exists():
            n += 1
            run = _runs(folder) / f"dashboard-{stamp}-{n}"
        run.mkdir(parents=True)
        _write_json(run / REQUEST_NAME, asdict(job))
        doc: dict[str, Any] = {
            "state": "starting",
            "run": run.relative_to(folder).as_posix(),
            "log": (run / LOG_NAME).relative_to(folder).as_posix(),
            "site": job.site,
            "init": job.init_name,
            "who": job.who,
            "minutes": job.minutes,
            "started": _now(),
            "messages": [],
        }
        _write_json(_runs(folder) / STATUS_NAME, doc)
        with open(run / LOG_NAME, "ab") as log:
            child = subprocess.Popen(
                [sys.executable, "-m", "forcewatch.serve.jobs", str(folder), str(run)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(fd,),
                start_new_session=True,  # its own process group: a stop ends it and what it started
            )
        _children.append(child)
        doc["pid"] = child.pid
        _write_json(_runs(folder) / STATUS_NAME, doc)
    finally:
        os.close(fd)  # the child holds the lock now (the same open file)
    return doc


def stop(folder: Path, who: str) -> dict[str, Any]:
    """Stop the run going on (:class:`NotRunning` if none); its status says who stopped it."""
    doc = status(folder)
    if doc is None or doc.get("state") not in ("starting", "running") or not isinstance(doc.get("pid"), int):
        raise NotRunning
    with contextlib.suppress(ProcessLookupError):
        os.killpg(doc["pid"], signal.SIGTERM)
    deadline = time.monotonic() + 10
    while _held(folder) and time.monotonic() < deadline:
        time.sleep(0.05)
    doc = (status(folder) or doc) | {"state": "stopped", "error": None, "finished": _now(), "stopped_by": who}
    _write_json(_runs(folder) / STATUS_NAME, doc)
    return doc


# ---- the child process ---------------------------------------------------------------------------


class _Reporter:
    """Writes the run's status: messages at once, progress at most every WRITE_EVERY_S."""

    def __init__(self, folder: Path) -> None:
        self.path = _runs(folder) / STATUS_NAME
        self.doc: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        self.last = 0.0

    def update(self, force: bool = True, **fields: Any) -> None:
        self.doc |= fields
        now = time.monotonic()
        if force or now - self.last >= WRITE_EVERY_S:
            _write_json(self.path, self.doc)
            self.last = now

    def say(self, message: str) -> None:
        print(message, flush=True)
        self.update(messages=[*self.doc.get("messages", []), message][-KEEP_MESSAGES:])

    def progress(self, done: int, total: int, stats: dict[str, float]) -> None:
        step = {"done": done, "total": total, **{k: round(float(v), 4) for k, v in stats.items()}}
        self.update(force=done >= total, progress=step)


def outcome_json(outcome: Any, folder: Path, job: TrainJob) -> dict[str, Any]:
    """What the page shows of a finished run: the score reached, how it was measured, and where
    the model is (inside the workspace), with the command that adds it."""
    model = Path(outcome.model_path).resolve().relative_to(folder).as_posix()
    card = Path(outcome.card_path).resolve().relative_to(folder).as_posix() if outcome.card_path else None
    return {
        "model": model,
        "card": card,
        "steps": outcome.steps,
        "train_minutes": round(outcome.minutes, 2),
        "images": outcome.images,
        "objects": outcome.objects,
        "threshold": outcome.threshold,
        "held_out": outcome.held_out,
        "scores": outcome.scores,
        "validates": outcome.validates,
        "not_measured": outcome.not_measured,
        "add_command": f'forcewatch model add {model} --name NAME --site "{job.site}"',
    }


def run_child(folder: Path, run: Path) -> int:
    """The child's work: the fine-tune of the request in ``run``, its status kept up to date."""
    from forcewatch.app.train import TrainRequest, train_model

    job = TrainJob(**json.loads((run / REQUEST_NAME).read_text(encoding="utf-8")))
    report = _Reporter(folder)
    report.update(state="running", pid=os.getpid())

    def stopped(_signum: int, _frame: object) -> None:
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, stopped)
    req = TrainRequest(
        out=run,
        init=job.init,
        from_workspace=True,
        workspace=folder,
        sites=(job.site,),
        classes=list(job.classes),
        minutes=job.minutes,
        iterations=job.iterations,
        batch_size=job.batch_size,
        crop_px=job.crop_px,
        cv_folds=job.cv_folds,
    )
    try:
        outcome = train_model(req, on_start=report.say, progress=report.progress)
    except Exception as exc:  # any failure ends the run: the page shows why (the log has the trace)
        import traceback

        traceback.print_exc()
        report.update(state="failed", error=f"{type(exc).__name__}: {exc}", finished=_now())
        return 1
    report.update(state="done", result=outcome_json(outcome, folder, job), finished=_now())
    return 0


if __name__ == "__main__":  # the child process: python -m forcewatch.serve.jobs WORKSPACE RUN
    sys.exit(run_child(Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()))
