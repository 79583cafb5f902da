"""Alert rules (YAML), evaluated over stored comparisons, delivered once per channel to the console,
a JSON-lines file and/or a webhook (HTTP POST of JSON, retried; undelivered alerts stay queued).

This module is the pure evaluation: :func:`evaluate_rule` says whether one rule fires on one
comparison, :func:`alerts_to_raise` turns sites with their stored comparisons, activity, camps and
distances into the alerts to queue. Reading the rules file is :mod:`forcewatch.assess.rules`,
delivering is :mod:`forcewatch.assess.delivery`, and the use case over a workspace (read the store,
evaluate, queue, deliver) is :func:`forcewatch.app.assess.run_alerts`.

Example rules file::

    rules:
      - name: aircraft build-up
        when: count_increase      # or new_activity
        class: aircraft
        min_increase: 5           # N more objects …
        min_increase_pct: 50      # … or P % more (either triggers)
        within_days: 30           # between two dates at most D days apart
        within_km_of: UKR         # optional: only sites within K km of a border or line file
        km: 100
      - name: new activity
        when: new_activity
        min_area_ha: 1.0
      - name: tents erected
        when: new_camp            # a tent camp that appeared (or grew) between two dates
        min_tents: 10
    deliver:
      console: true
      jsonl: alerts.jsonl
      webhook: http://127.0.0.1:8080/forcewatch
      retries: 3
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from forcewatch.assess.rules import Delivery, Rule, RuleSet, load_rules, parse_rules
from forcewatch.model import Site, StoredActivity, StoredCamp, StoredComparison

__all__ = [
    "Delivery",
    "NewAlert",
    "Rule",
    "RuleSet",
    "SiteEvidence",
    "alerts_for_comparison",
    "alerts_to_raise",
    "evaluate_rule",
    "load_rules",
    "parse_rules",
]


def _days(a: str, b: str) -> float:
    ta = dt.datetime.fromisoformat(a.replace("Z", "+00:00"))
    tb = dt.datetime.fromisoformat(b.replace("Z", "+00:00"))
    return abs((tb - ta).total_seconds()) / 86400


def evaluate_rule(
    rule: Rule,
    site_name: str,
    comparison: StoredComparison,
    activity_ha: Sequence[float],
    site_km: float | None,
    camps: Sequence[StoredCamp] = (),
) -> str | None:
    """The alert message if ``rule`` fires on this comparison of ``site_name``, else None.

    ``activity_ha`` are the comparison's new-activity areas in hectares, ``site_km`` the site's
    distance to the rule's ``within_km_of`` line, ``camps`` the comparison's camps.
    """
    if rule.sites and site_name not in rule.sites:
        return None
    if rule.within_km_of is not None and (site_km is None or rule.km is None or site_km > rule.km):
        return None
    span = _days(comparison.earlier, comparison.later)
    if rule.within_days is not None and span > rule.within_days:
        return None
    where = f"{site_name}" + (f" ({site_km:.0f} km from {rule.within_km_of})" if site_km is not None else "")
    period = f"{comparison.earlier[:10]} → {comparison.later[:10]}"
    if rule.when == "count_increase":
        s = comparison.summary.get(rule.class_name or "", {})
        before, after = int(s.get("before", 0)), int(s.get("after", 0))
        up = after - before
        pct = 100.0 * up / before if before else (float("inf") if up > 0 else 0.0)
        fired = (rule.min_increase is not None and up >= rule.min_increase) or (
            rule.min_increase_pct is not None and pct >= rule.min_increase_pct
        )
        if fired and up > 0:
            return f"{rule.name}: {rule.class_name} at {where} up from {before} to {after} (+{up}) between {period}"
        return None
    if rule.when == "new_camp":
        grew = [k for k in camps if k.status in ("new", "grown") and k.tents >= (rule.min_tents or 1) and k.tents > 0]
        if not grew:
            return None
        k = max(grew, key=lambda c: c.tents)
        return (
            f"{rule.name}: {k.kind} {k.status} at {where}: {k.tents} tents, {k.vehicles} vehicles on "
            f"{k.area_m2 / 1e4:.2f} ha (was {k.objects_before} objects) between {period}"
        )
    big = [a for a in activity_ha if rule.min_area_ha is not None and a >= rule.min_area_ha]
    if big:
        return f"{rule.name}: new activity of {max(big):.2f} ha at {where} between {period}"
    return None


@dataclass(frozen=True)
class SiteEvidence:
    """What the rules look at for one site: its stored comparisons, their new-activity areas and
    camps, and its distance in km to each line the rules name (keyed by ``within_km_of``)."""

    site: Site
    comparisons: Sequence[StoredComparison]
    activity: Sequence[StoredActivity] = ()
    camps: Sequence[StoredCamp] = ()
    distances_km: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class NewAlert:
    """An alert to queue: the rule that fired on a comparison, its message and its payload (the
    JSON document delivered to the JSON-lines file and the webhook)."""

    rule: str
    comparison_id: int
    site: str
    message: str
    payload: dict[str, Any]


def _camp_json(camp: StoredCamp) -> dict[str, Any]:
    return {
        "status": camp.status,
        "kind": camp.kind,
        "tents": camp.tents,
        "vehicles": camp.vehicles,
        "area_m2": camp.area_m2,
        "wkt": camp.polygon.wkt if camp.polygon is not None else None,
    }


def alerts_for_comparison(
    rules: Iterable[Rule],
    site_name: str,
    comparison: StoredComparison,
    activity_ha: Sequence[float],
    camps: Sequence[StoredCamp],
    distances_km: dict[str, float],
) -> list[NewAlert]:
    """The alerts that ``rules`` raise on one comparison (in rule order)."""
    out = []
    for rule in rules:
        site_km = distances_km.get(rule.within_km_of) if rule.within_km_of else None
        message = evaluate_rule(rule, site_name, comparison, activity_ha, site_km, camps)
        if message is None:
            continue
        payload = {
            "rule": rule.name,
            "site": site_name,
            "message": message,
            "earlier": comparison.earlier,
            "later": comparison.later,
            "classes": comparison.summary,
            "new_activity_ha": list(activity_ha),
            "camps": [_camp_json(k) for k in camps],
            "comparison_id": comparison.id,
        }
        out.append(NewAlert(rule.name, comparison.id, site_name, message, payload))
    return out


def alerts_to_raise(evidence: Iterable[SiteEvidence], rules: Sequence[Rule]) -> list[NewAlert]:
    """Every alert that ``rules`` raise on the sites' comparisons: by site, then comparison (in the
    order given), then rule. Queuing them is idempotent (one alert per rule and comparison)."""
    out = []
    for e in evidence:
        for comparison in e.comparisons:
            ha = [a.area_m2 / 1e4 for a in e.activity if a.comparison_id == comparison.id]
            camps = [k for k in e.camps if k.comparison_id == comparison.id]
            out.extend(alerts_for_comparison(rules, e.site.name, comparison, ha, camps, e.distances_km))
    return out
