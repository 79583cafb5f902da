"""Alert rules (YAML), evaluated over stored comparisons, delivered once per channel to the console,
a JSON-lines file and/or a webhook (HTTP POST of JSON, retried; undelivered alerts stay queued).

This module is the pure evaluation: :func:`evaluate_rule` says whether one rule fires on one
comparison, :func:`alerts_to_raise` turns sites with their stored comparisons, activity, camps and
distances into the alerts to queue. Reading the rules file is :mod:`forcewatch.assess.rules`,
delivering is :mod:`forcewatch.assess.delivery`, and the use case over a workspace (read the store,
evaluate, queue, deliver) is :func:`forcewatch.app.assess.run_alerts`.

Count rules and camp rules fire only on *validated* classes: a class validated on both dates of the
comparison (``StoredComparison.validated``), a camp whose tents and vehicles are all validated
(:func:`forcewatch.model.camp_validated`). With ``include_unvalidated`` (the rule's field, the
file's top-level key, or ``--include-unvalidated``) they fire on unvalidated candidates too, and
the message says so (:data:`forcewatch.assess.validation.INCLUDED_NOTE`). New activity is a change
of the pixels, not a count: it fires either way.

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
        include_unvalidated: true # optional: fire on unvalidated candidates too (said in the alert)
    include_unvalidated: false    # optional: the same for every rule
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
from forcewatch.assess.validation import INCLUDED_NOTE
from forcewatch.model import Site, StoredActivity, StoredCamp, StoredComparison, camp_validated

#: How an alert on unvalidated candidates ends (``--include-unvalidated``, or the rules say so).
INCLUDED_SUFFIX = f" — {INCLUDED_NOTE}"

__all__ = [
    "INCLUDED_SUFFIX",
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


def _camp_validated(camp: StoredCamp, comparison: StoredComparison) -> bool:
    return camp_validated({"tent": camp.tents, "vehicle": camp.vehicles}, comparison.validated)


def _fire(
    rule: Rule,
    site_name: str,
    comparison: StoredComparison,
    activity_ha: Sequence[float],
    site_km: float | None,
    camps: Sequence[StoredCamp],
    include_unvalidated: bool,
) -> tuple[str, bool] | None:
    """The message if ``rule`` fires, and whether it fired on unvalidated candidates; else None."""
    if rule.sites and site_name not in rule.sites:
        return None
    if rule.within_km_of is not None and (site_km is None or rule.km is None or site_km > rule.km):
        return None
    span = _days(comparison.earlier, comparison.later)
    if rule.within_days is not None and span > rule.within_days:
        return None
    include = include_unvalidated or rule.include_unvalidated
    where = f"{site_name}" + (f" ({site_km:.0f} km from {rule.within_km_of})" if site_km is not None else "")
    period = f"{comparison.earlier[:10]} → {comparison.later[:10]}"
    if rule.when == "count_increase":
        unvalidated = (rule.class_name or "") not in comparison.validated
        if unvalidated and not include:
            return None
        s = comparison.summary.get(rule.class_name or "", {})
        before, after = int(s.get("before", 0)), int(s.get("after", 0))
        up = after - before
        pct = 100.0 * up / before if before else (float("inf") if up > 0 else 0.0)
        fired = (rule.min_increase is not None and up >= rule.min_increase) or (
            rule.min_increase_pct is not None and pct >= rule.min_increase_pct
        )
        if fired and up > 0:
            text = f"{rule.name}: {rule.class_name} at {where} up from {before} to {after} (+{up}) between {period}"
            return text, unvalidated
        return None
    if rule.when == "new_camp":
        grew = [
            k
            for k in camps
            if k.status in ("new", "grown")
            and k.tents >= (rule.min_tents or 1)
            and k.tents > 0
            and (include or _camp_validated(k, comparison))
        ]
        if not grew:
            return None
        k = max(grew, key=lambda c: c.tents)
        text = (
            f"{rule.name}: {k.kind} {k.status} at {where}: {k.tents} tents, {k.vehicles} vehicles on "
            f"{k.area_m2 / 1e4:.2f} ha (was {k.objects_before} objects) between {period}"
        )
        return text, not _camp_validated(k, comparison)
    big = [a for a in activity_ha if rule.min_area_ha is not None and a >= rule.min_area_ha]
    if big:
        return f"{rule.name}: new activity of {max(big):.2f} ha at {where} between {period}", False
    return None


def evaluate_rule(
    rule: Rule,
    site_name: str,
    comparison: StoredComparison,
    activity_ha: Sequence[float],
    site_km: float | None,
    camps: Sequence[StoredCamp] = (),
    include_unvalidated: bool = False,
) -> str | None:
    """The alert message if ``rule`` fires on this comparison of ``site_name``, else None.

    ``activity_ha`` are the comparison's new-activity areas in hectares, ``site_km`` the site's
    distance to the rule's ``within_km_of`` line, ``camps`` the comparison's camps. Counts and camps
    fire only when validated (``comparison.validated``), unless ``include_unvalidated`` (or the
    rule's own ``include_unvalidated``): then a message on unvalidated candidates ends with
    :data:`INCLUDED_SUFFIX`.
    """
    fired = _fire(rule, site_name, comparison, activity_ha, site_km, camps, include_unvalidated)
    return None if fired is None else _message(*fired)


def _message(text: str, unvalidated: bool) -> str:
    return f"{text}{INCLUDED_SUFFIX}" if unvalidated else text


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
    include_unvalidated: bool = False,
) -> list[NewAlert]:
    """The alerts that ``rules`` raise on one comparison (in rule order)."""
    out = []
    for rule in rules:
        site_km = distances_km.get(rule.within_km_of) if rule.within_km_of else None
        fired = _fire(rule, site_name, comparison, activity_ha, site_km, camps, include_unvalidated)
        if fired is None:
            continue
        message = _message(*fired)
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
            "validated": comparison.validated,
            "includes_unvalidated": fired[1],
        }
        out.append(NewAlert(rule.name, comparison.id, site_name, message, payload))
    return out


def alerts_to_raise(
    evidence: Iterable[SiteEvidence], rules: Sequence[Rule], include_unvalidated: bool = False
) -> list[NewAlert]:
    """Every alert that ``rules`` raise on the sites' comparisons: by site, then comparison (in the
    order given), then rule. Queuing them is idempotent (one alert per rule and comparison). With
    ``include_unvalidated`` every rule fires on unvalidated candidates too (:func:`evaluate_rule`)."""
    out = []
    for e in evidence:
        for comparison in e.comparisons:
            ha = [a.area_m2 / 1e4 for a in e.activity if a.comparison_id == comparison.id]
            camps = [k for k in e.camps if k.comparison_id == comparison.id]
            out.extend(
                alerts_for_comparison(rules, e.site.name, comparison, ha, camps, e.distances_km, include_unvalidated)
            )
    return out
