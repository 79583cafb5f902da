"""Alert rules documents validated without a file (parse_rules), and the file reader's errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from forcewatch.assess.rules import Delivery, Rule, RuleSet, load_rules, parse_rules
from forcewatch.errors import InputError

SOURCE = Path("/rules/alerts.yaml")


def test_a_rules_document_becomes_typed_rules() -> None:
    doc = {
        "rules": [
            {"name": "build-up", "when": "count_increase", "class": "aircraft", "min_increase": 5, "within_days": 30},
            {"when": "new_camp", "min_tents": 10, "within_km_of": "UKR", "km": 100, "sites": ["Yelsk"]},
        ],
        "deliver": {"console": False, "jsonl": "out/alerts.jsonl", "webhook": "https://example.org/h", "retries": 2},
    }
    assert parse_rules(doc, SOURCE) == RuleSet(
        (
            Rule("build-up", "count_increase", "aircraft", min_increase=5, within_days=30.0),
            Rule("rule 2", "new_camp", within_km_of="UKR", km=100.0, min_tents=10, sites=("Yelsk",)),
        ),
        Delivery(console=False, jsonl=Path("/rules/out/alerts.jsonl"), webhook="https://example.org/h", retries=2),
    )
    assert parse_rules({"rules": [{"when": "new_activity", "min_area_ha": 1}]}, SOURCE).delivery == Delivery()


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (None, "needs a non-empty 'rules:' list"),
        ({"rules": ["x"]}, "rules[0]: each rule is a mapping"),
        ({"rules": [{"when": "new_activity", "min_area_ha": 0}]}, "min_area_ha is 0; it must be positive"),
        (  # the first bad number in field order is the one reported
            {"rules": [{"when": "count_increase", "class": "a", "min_increase": "x", "min_tents": "y"}]},
            "min_increase is 'x', not a number",
        ),
        (
            {"rules": [{"when": "new_activity", "min_area_ha": 1}], "deliver": ["console"]},
            "'deliver:' must be a mapping",
        ),
        ({"rules": [{"when": "new_activity", "min_area_ha": 1}], "deliver": {"retries": True}}, "retries is True"),
    ],
)
def test_bad_rules_documents(doc: object, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_rules(doc, SOURCE)
    assert message in str(err.value) and str(SOURCE) in str(err.value)


def test_a_missing_rules_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot be read .*Fix: check --rules"):
        load_rules(tmp_path / "nope.yaml")
