"""Delivering queued alerts once per channel, from QueuedAlert values (no store)."""

from __future__ import annotations

import json
import socket
from dataclasses import replace
from pathlib import Path

from forcewatch.assess.delivery import deliver
from forcewatch.assess.rules import Delivery
from forcewatch.model import QueuedAlert

ALERT = QueuedAlert(
    id=7,
    rule="build-up",
    comparison_id=3,
    site="Luninets",
    message="build-up: aircraft at Luninets up from 2 to 7 (+5)",
    payload={"rule": "build-up", "site": "Luninets", "comparison_id": 3},
    created="2022-02-11T00:00:00Z",
    console_done=False,
    jsonl_done=False,
    webhook_done=False,
)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_console_and_jsonl_once(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "alerts.jsonl"
    done = deliver(ALERT, Delivery(jsonl=out))
    assert done.console == ALERT.message and done.jsonl and not done.webhook and done.pending is None
    assert done.marks == (("console", None), ("jsonl", None), ("webhook", None))  # no webhook: done
    assert json.loads(out.read_text()) == {"id": 7, "created": "2022-02-11T00:00:00Z", **ALERT.payload}
    again = deliver(replace(ALERT, console_done=True, jsonl_done=True, webhook_done=True), Delivery(jsonl=out))
    assert again.marks == () and again.console is None and len(out.read_text().splitlines()) == 1


def test_channels_not_configured_count_as_done() -> None:
    done = deliver(ALERT, Delivery(console=False))
    assert done.console is None and not done.jsonl
    assert [channel for channel, _ in done.marks] == ["console", "jsonl", "webhook"]


def test_a_webhook_that_is_down_stays_queued_with_its_error() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/hook"
    done = deliver(replace(ALERT, console_done=True, jsonl_done=True), Delivery(webhook=url, retries=1, timeout_s=1))
    ((channel, error),) = done.marks
    assert channel == "webhook" and error and not done.webhook
    assert done.pending is not None and done.pending.startswith(f"{ALERT.message} — webhook {url}: ")
