"""Delivering a queued alert once per channel: the console (a message to print), a JSON-lines file
(one appended line) and a webhook (an HTTP POST of JSON, retried; a failure leaves it queued).

:func:`deliver` does the I/O for one :class:`~forcewatch.model.QueuedAlert` and says which channels
to mark done in the store (``store.mark_alert``); the caller marks them.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forcewatch.assess.rules import Delivery
from forcewatch.model import QueuedAlert


def post_json(url: str, payload: dict[str, Any], retries: int, timeout_s: float) -> str | None:
    """POST ``payload``; None on success, else the last error (after ``retries`` tries)."""
    body = json.dumps(payload).encode("utf-8")
    last = "not tried"
    for attempt in range(max(1, retries)):
        req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=timeout_s) as resp:
                if 200 <= resp.status < 300:
                    return None
                last = f"HTTP {resp.status}"
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
        if attempt + 1 < retries:
            time.sleep(min(2.0, 0.2 * 2**attempt))
    return last


def append_jsonl(path: Path, record: dict[str, Any]) -> None:
    """Append ``record`` as one JSON line to ``path`` (creating its folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")


@dataclass(frozen=True)
class Delivered:
    """What delivering one alert did, and the ``(channel, error)`` marks to record in the store."""

    console: str | None = None  # the message to print now (each alert once)
    jsonl: bool = False  # appended to the JSON-lines file
    webhook: bool = False  # posted to the webhook
    pending: str | None = None  # the webhook failed: the alert and why (it stays queued)
    marks: tuple[tuple[str, str | None], ...] = ()


def deliver(alert: QueuedAlert, delivery: Delivery) -> Delivered:
    """Deliver ``alert`` to each channel it has not reached yet; a channel that is not configured
    counts as done. Only a failed webhook is marked with its error (and retried next time)."""
    marks: list[tuple[str, str | None]] = []
    console = pending = None
    jsonl = webhook = False
    if not alert.console_done:
        if delivery.console:
            console = alert.message
        marks.append(("console", None))
    if not alert.jsonl_done:
        if delivery.jsonl is not None:
            append_jsonl(delivery.jsonl, {"id": alert.id, "created": alert.created, **alert.payload})
            jsonl = True
        marks.append(("jsonl", None))
    if not alert.webhook_done:
        error = None
        if delivery.webhook is not None:
            error = post_json(delivery.webhook, {"id": alert.id, **alert.payload}, delivery.retries, delivery.timeout_s)
            webhook = error is None
            if error is not None:
                pending = f"{alert.message} — webhook {delivery.webhook}: {error}"
        marks.append(("webhook", error))
    return Delivered(console, jsonl, webhook, pending, tuple(marks))
