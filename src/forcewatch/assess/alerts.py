"""Alert rules (YAML), evaluated over stored comparisons, delivered once per channel to the console,
a JSON-lines file and/or a webhook (HTTP POST of JSON, retried; undelivered alerts stay queued).

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
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from forcewatch.errors import InputError

KINDS = ("count_increase", "new_activity", "new_camp")
RULE_FIELDS = {
    "name",
    "when",
    "class",
    "min_increase",
    "min_increase_pct",
    "within_days",
    "within_km_of",
    "km",
    "min_area_ha",
    "min_tents",
    "sites",
}


@dataclass(frozen=True)
class Rule:
    name: str
    when: str
    class_name: str | None = None
    min_increase: int | None = None
    min_increase_pct: float | None = None
    within_days: float | None = None
    within_km_of: str | None = None
    km: float | None = None
    min_area_ha: float | None = None
    min_tents: int | None = None
    sites: tuple[str, ...] = ()


@dataclass(frozen=True)
class Delivery:
    console: bool = True
    jsonl: Path | None = None
    webhook: str | None = None
    retries: int = 3
    timeout_s: float = 5.0


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    delivery: Delivery = field(default_factory=Delivery)


def _number(value: object, where: str, field_name: str, positive: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(
            f"{where}: {field_name} is {value!r}, not a number. Fix: write a number, e.g. {field_name}: 5."
        )
    if positive and value <= 0:
        raise InputError(f"{where}: {field_name} is {value}; it must be positive.")
    return float(value)


def load_rules(path: Path) -> RuleSet:
    """Read and validate a rules file; every error names the file, the rule, the field and the fix."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc}). Fix: check --rules.") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({exc}). Fix: check indentation and colons.") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list) or not doc["rules"]:
        raise InputError(
            f"{path}: needs a non-empty 'rules:' list. Fix: see `forcewatch alerts --help` for an example."
        )
    rules = []
    for i, r in enumerate(doc["rules"]):
        where = f"{path}, rules[{i}]"
        if not isinstance(r, dict):
            raise InputError(f"{where}: each rule is a mapping of fields (name, when, …).")
        unknown = set(r) - RULE_FIELDS
        if unknown:
            raise InputError(f"{where}: unknown field(s) {sorted(unknown)}. Fix: use {', '.join(sorted(RULE_FIELDS))}.")
        name = str(r.get("name") or f"rule {i + 1}")
        when = r.get("when")
        if when not in KINDS:
            raise InputError(f"{where} ({name!r}): when is {when!r}. Fix: use one of {', '.join(KINDS)}.")
        if when == "count_increase":
            if not r.get("class"):
                raise InputError(f"{where} ({name!r}): count_increase needs class (e.g. class: aircraft).")
            if "min_increase" not in r and "min_increase_pct" not in r:
                raise InputError(f"{where} ({name!r}): give min_increase (N objects) and/or min_increase_pct (P %).")
        if when == "new_camp" and "min_tents" not in r:
            raise InputError(f"{where} ({name!r}): new_camp needs min_tents (e.g. min_tents: 10).")
        if when == "new_activity" and "min_area_ha" not in r:
            raise InputError(f"{where} ({name!r}): new_activity needs min_area_ha.")
        if ("within_km_of" in r) != ("km" in r):
            raise InputError(f"{where} ({name!r}): within_km_of and km go together (e.g. within_km_of: UKR, km: 100).")
        rules.append(
            Rule(
                name=name,
                when=str(when),
                class_name=r.get("class"),
                min_increase=int(_number(r["min_increase"], where, "min_increase")) if "min_increase" in r else None,
                min_increase_pct=_number(r["min_increase_pct"], where, "min_increase_pct")
                if "min_increase_pct" in r
                else None,
                within_days=_number(r["within_days"], where, "within_days") if "within_days" in r else None,
                within_km_of=str(r["within_km_of"]) if "within_km_of" in r else None,
                km=_number(r["km"], where, "km") if "km" in r else None,
                min_area_ha=_number(r["min_area_ha"], where, "min_area_ha") if "min_area_ha" in r else None,
                min_tents=int(_number(r["min_tents"], where, "min_tents")) if "min_tents" in r else None,
                sites=tuple(str(s) for s in r.get("sites", [])),
            )
        )
    d = doc.get("deliver") or {}
    if not isinstance(d, dict):
        raise InputError(f"{path}: 'deliver:' must be a mapping (console, jsonl, webhook, retries).")
    webhook = d.get("webhook")
    if webhook is not None and not str(webhook).startswith(("http://", "https://")):
        raise InputError(f"{path}: deliver.webhook is {webhook!r}. Fix: give an http:// or https:// URL.")
    delivery = Delivery(
        console=bool(d.get("console", True)),
        jsonl=(path.parent / str(d["jsonl"])) if d.get("jsonl") else None,
        webhook=str(webhook) if webhook else None,
        retries=int(_number(d.get("retries", 3), f"{path}, deliver", "retries")),
    )
    return RuleSet(tuple(rules), delivery)


def _days(a: str, b: str) -> float:
    ta = dt.datetime.fromisoformat(a.replace("Z", "+00:00"))
    tb = dt.datetime.fromisoformat(b.replace("Z", "+00:00"))
    return abs((tb - ta).total_seconds()) / 86400


def evaluate_rule(
    rule: Rule,
    site: str,
    comparison: dict[str, Any],
    activity_ha: list[float],
    site_km: float | None,
    camps: list[dict[str, Any]] | None = None,
) -> str | None:
    """The alert message if ``rule`` fires on this comparison, else None. ``camps`` are the
    comparison's rows of the camps layer (status, kind, tents, vehicles, area_m2)."""
    if rule.sites and site not in rule.sites:
        return None
    if rule.within_km_of is not None and (site_km is None or rule.km is None or site_km > rule.km):
        return None
    span = _days(comparison["earlier"], comparison["later"])
    if rule.within_days is not None and span > rule.within_days:
        return None
    where = f"{site}" + (f" ({site_km:.0f} km from {rule.within_km_of})" if site_km is not None else "")
    period = f"{comparison['earlier'][:10]} → {comparison['later'][:10]}"
    if rule.when == "count_increase":
        s = comparison["summary"].get(rule.class_name or "", {})
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
        grew = [
            k
            for k in camps or []
            if k["status"] in ("new", "grown") and k["tents"] >= (rule.min_tents or 1) and k["tents"] > 0
        ]
        if not grew:
            return None
        k = max(grew, key=lambda c: c["tents"])
        return (
            f"{rule.name}: {k['kind']} {k['status']} at {where}: {k['tents']} tents, {k['vehicles']} vehicles on "
            f"{k['area_m2'] / 1e4:.2f} ha (was {k['objects_before']} objects) between {period}"
        )
    big = [a for a in activity_ha if rule.min_area_ha is not None and a >= rule.min_area_ha]
    if big:
        return f"{rule.name}: new activity of {max(big):.2f} ha at {where} between {period}"
    return None


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


@dataclass
class AlertsRun:
    raised: list[str] = field(default_factory=list)  # messages of the alerts raised now
    console: list[str] = field(default_factory=list)  # messages to print now (each alert once)
    delivered_jsonl: int = 0
    delivered_webhook: int = 0
    pending: list[str] = field(default_factory=list)  # undelivered, with the reason


def run_alerts(store: Any, rules: RuleSet) -> AlertsRun:
    """Raise alerts for stored comparisons that trigger a rule, then deliver everything queued."""
    from forcewatch.geo.distance import distance_to, reference_line

    out = AlertsRun()
    lines = {r.within_km_of: reference_line(r.within_km_of) for r in rules.rules if r.within_km_of}

    with store.transaction():
        for site in store.sites():
            km = {code: distance_to(site.aoi, line).distance_km for code, line in lines.items()}
            acts = store.activity({site.id})
            camp_rows = store.camps({site.id})
            for stored in store.comparisons(site.id):
                comp = stored.to_json()
                ha = [a.area_m2 / 1e4 for a in acts if a.comparison_id == stored.id]
                camps = [
                    {
                        **{
                            f: getattr(k, f)
                            for f in ("status", "kind", "tents", "vehicles", "area_m2", "objects_before")
                        },
                        "wkt": k.polygon.wkt if k.polygon is not None else None,
                    }
                    for k in camp_rows
                    if k.comparison_id == stored.id
                ]
                for rule in rules.rules:
                    message = evaluate_rule(
                        rule, site.name, comp, ha, km.get(rule.within_km_of) if rule.within_km_of else None, camps
                    )
                    if message is None:
                        continue
                    payload = {
                        "rule": rule.name,
                        "site": site.name,
                        "message": message,
                        "earlier": comp["earlier"],
                        "later": comp["later"],
                        "classes": comp["summary"],
                        "new_activity_ha": ha,
                        "camps": [
                            {key: k[key] for key in ("status", "kind", "tents", "vehicles", "area_m2", "wkt")}
                            for k in camps
                        ],
                        "comparison_id": comp["id"],
                    }
                    if store.add_alert(rule.name, comp["id"], site.name, message, payload):
                        out.raised.append(message)
        store.log("alerts", f"{len(out.raised)} new alerts")
    d = rules.delivery
    for alert in store.pending_alerts():
        with store.transaction():
            if not alert.console_done:
                if d.console:
                    out.console.append(alert.message)
                store.mark_alert(alert.id, "console")
            if not alert.jsonl_done:
                if d.jsonl is not None:
                    d.jsonl.parent.mkdir(parents=True, exist_ok=True)
                    with d.jsonl.open("a", encoding="utf-8") as fh:
                        fh.write(json.dumps({"id": alert.id, "created": alert.created, **alert.payload}) + "\n")
                    out.delivered_jsonl += 1
                store.mark_alert(alert.id, "jsonl")
            if not alert.webhook_done:
                if d.webhook is None:
                    store.mark_alert(alert.id, "webhook")
                else:
                    error = post_json(d.webhook, {"id": alert.id, **alert.payload}, d.retries, d.timeout_s)
                    store.mark_alert(alert.id, "webhook", error)
                    if error is None:
                        out.delivered_webhook += 1
                    else:
                        out.pending.append(f"{alert.message} — webhook {d.webhook}: {error}")
    return out
