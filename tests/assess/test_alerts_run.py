"""The alerts use case (forcewatch.app.assess.run_alerts) over an in-memory store: gather, evaluate,
queue in one transaction, deliver what is pending and mark it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from forcewatch.app.assess import run_alerts
from forcewatch.assess.rules import Delivery, Rule, RuleSet
from forcewatch.model import QueuedAlert, Site, StoredActivity, StoredCamp, StoredComparison
from tests.assess.test_alerts import COMP, _site


class MemoryStore:
    """The part of the Store protocol that the alerts use."""

    def __init__(self, sites: list[Site], comparisons: list[StoredComparison]) -> None:
        self._sites, self._comparisons = sites, comparisons
        self.alerts: list[QueuedAlert] = []
        self.logged: list[str] = []
        self.transactions = 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.transactions += 1
        yield

    def sites(self) -> list[Site]:
        return self._sites

    def comparisons(self, site_id: int) -> list[StoredComparison]:
        return [c for c in self._comparisons if c.site_id == site_id]

    def activity(self, site_ids: set[int] | None = None) -> list[StoredActivity]:
        return []

    def camps(self, site_ids: set[int] | None = None) -> list[StoredCamp]:
        return []

    def add_alert(self, rule: str, comparison_id: int, site: str, message: str, payload: dict[str, Any]) -> bool:
        if any(a.rule == rule and a.comparison_id == comparison_id for a in self.alerts):
            return False
        alert = QueuedAlert(len(self.alerts) + 1, rule, comparison_id, site, message, payload, "now", *[False] * 3)
        self.alerts.append(alert)
        return True

    def pending_alerts(self) -> list[QueuedAlert]:
        return [a for a in self.alerts if not (a.console_done and a.jsonl_done and a.webhook_done)]

    def mark_alert(self, alert_id: int, channel: str, error: str | None = None) -> None:
        i = alert_id - 1
        if error is None:
            self.alerts[i] = replace(self.alerts[i], **{f"{channel}_done": True})

    def log(self, command: str, message: str) -> None:
        self.logged.append(f"{command}: {message}")


def test_alerts_are_raised_once_and_delivered_once(tmp_path: Path) -> None:
    store = MemoryStore([_site("Luninets", 1)], [COMP])
    rules = RuleSet((Rule("up", "count_increase", "aircraft", min_increase=3),), Delivery(jsonl=tmp_path / "a.jsonl"))
    first = run_alerts(store, rules)  # type: ignore[arg-type]
    assert (
        first.raised
        == first.console
        == ["up: aircraft at Luninets up from 6 to 15 (+9) between 2022-01-20 → 2022-02-10"]
    )
    assert (first.delivered_jsonl, first.delivered_webhook, first.pending) == (1, 0, [])
    assert store.transactions == 2 and store.logged == ["alerts: 1 new alerts"]  # queue, then one delivery
    second = run_alerts(store, rules)  # type: ignore[arg-type]
    assert second.raised == second.console == [] and second.delivered_jsonl == 0
    assert len((tmp_path / "a.jsonl").read_text().splitlines()) == 1
