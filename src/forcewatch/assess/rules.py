"""Alert rules files: read the YAML (:func:`load_rules`) and validate it into typed rules
(:func:`parse_rules`, no I/O). Every error names the file, the rule, the field and the fix.

The format is described, with an example, in :mod:`forcewatch.assess.alerts`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

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
    "include_unvalidated",
}


@dataclass(frozen=True)
class Rule:
    """One alert rule: what fires it (``when``) and the thresholds and filters it applies."""

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
    include_unvalidated: bool = False  # fire on unvalidated candidates too (the alert says so)


@dataclass(frozen=True)
class Delivery:
    """Where alerts go: printed, appended to a JSON-lines file, posted to a webhook."""

    console: bool = True
    jsonl: Path | None = None
    webhook: str | None = None
    retries: int = 3
    timeout_s: float = 5.0


@dataclass(frozen=True)
class RuleSet:
    """The rules of one file and how their alerts are delivered."""

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


def _flag(value: object, where: str, field_name: str) -> bool:
    if not isinstance(value, bool):
        raise InputError(f"{where}: {field_name} is {value!r}, not true or false. Fix: write {field_name}: true.")
    return value


def load_rules(path: Path) -> RuleSet:
    """Read and validate a rules file; every error names the file, the rule, the field and the fix."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc}). Fix: check --rules.") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({exc}). Fix: check indentation and colons.") from None
    return parse_rules(doc, path)


def _whole(value: float | None) -> int | None:
    return None if value is None else int(value)


def _rule(r: object, i: int, path: Path) -> Rule:
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

    # validated in this order, so that the first bad field is the one reported
    n = {
        key: _number(r[key], where, key) if key in r else None
        for key in ("min_increase", "min_increase_pct", "within_days", "km", "min_area_ha", "min_tents")
    }
    return Rule(
        name=name,
        when=str(when),
        class_name=r.get("class"),
        min_increase=_whole(n["min_increase"]),
        min_increase_pct=n["min_increase_pct"],
        within_days=n["within_days"],
        within_km_of=str(r["within_km_of"]) if "within_km_of" in r else None,
        km=n["km"],
        min_area_ha=n["min_area_ha"],
        min_tents=_whole(n["min_tents"]),
        sites=tuple(str(s) for s in r.get("sites", [])),
        include_unvalidated=_flag(r.get("include_unvalidated", False), where, "include_unvalidated"),
    )


def parse_rules(doc: object, path: Path) -> RuleSet:
    """Validate a parsed rules document (``path`` names it in errors and anchors a relative
    ``deliver.jsonl``). A top-level ``include_unvalidated: true`` sets it on every rule."""
    if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list) or not doc["rules"]:
        raise InputError(
            f"{path}: needs a non-empty 'rules:' list. Fix: see `forcewatch alerts --help` for an example."
        )
    rules = tuple(_rule(r, i, path) for i, r in enumerate(doc["rules"]))
    if _flag(doc.get("include_unvalidated", False), str(path), "include_unvalidated"):
        rules = tuple(replace(r, include_unvalidated=True) for r in rules)
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
    return RuleSet(rules, delivery)
