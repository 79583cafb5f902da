from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forcewatch.assess.claims import check_distance, find_claims, places_as_sites
from forcewatch.assess.numbers import parse_number
from forcewatch.cli import _register, app

ARTICLE = """Satellite images released on Tuesday show Russian forces gathering near Ukraine.
Pskov, a city some 30 kilometres from the Estonian border, hosts an airborne division.
A camp near Klintsy, about 40 miles from the frontier, now holds dozens of tanks.
Further south, units were seen between 60 and 90 km from the border.
Analysts counted 15 Su-25 ground attack aircraft at Luninets airfield,
and a dozen Su-34 bombers were parked at Millerovo.
Some 100,000 troops and forty tanks are around Yelsk, fifteen kilometres from the Ukrainian border.
Officials said the troops in Ukraine's neighbour were less than 50km from the border with Ukraine, near Rechitsa.
"""


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("40", 40),
        ("1,500", 1500),
        ("100 000", 100_000),
        ("fifteen", 15),
        ("twenty-five", 25),
        ("two hundred", 200),
        ("one thousand two hundred", 1200),
        ("2.5 million", 2_500_000),
    ],
)
def test_numbers_in_digits_and_words(text: str, value: float) -> None:
    assert parse_number(text) == value


def test_distance_statements_in_many_phrasings() -> None:
    found = find_claims(ARTICLE)
    by_text = {c.text: c for c in found.distances}
    pskov = by_text["some 30 kilometres from the Estonian border"]
    assert pskov.place is not None and pskov.place.place.name == "Pskov" and pskov.border_code == "EST"
    klintsy = by_text["about 40 miles from the frontier"]
    assert klintsy.claimed_km == pytest.approx((64.37, 64.37), abs=0.01) and klintsy.qualifier == "about"
    assert klintsy.border_code == "UKR" and "the text is about UKR" in klintsy.border_why  # not said: the subject
    assert by_text["between 60 and 90 km from the border"].claimed_km == (60, 90)
    assert by_text["fifteen kilometres from the Ukrainian border"].claimed_km == (15, 15)
    near = by_text["less than 50km from the border with Ukraine"]
    assert near.qualifier == "less than" and near.border_code == "UKR"
    assert near.place is not None and near.place.place.name == "Rechytsa"


def test_claims_are_measured_against_the_border() -> None:
    found = find_claims(ARTICLE)
    checked = {c.text: check_distance(c) for c in found.distances}
    pskov = checked["some 30 kilometres from the Estonian border"]
    assert pskov.verdict == "consistent" and pskov.measured_km == pytest.approx(33, abs=3)
    assert "Estonia" in pskov.line
    klintsy = checked["about 40 miles from the frontier"]  # 64 km claimed, about 49 km measured
    assert klintsy.verdict == "overstated" and klintsy.difference_km == pytest.approx(-15, abs=3)
    assert checked["between 60 and 90 km from the border"].verdict.startswith("unresolved")
    assert checked["less than 50km from the border with Ukraine"].verdict == "consistent"


def test_equipment_and_counts_with_their_places() -> None:
    found = find_claims(ARTICLE)
    eq = {e.text: e for e in found.equipment}
    su25 = eq["15 Su-25 ground attack aircraft"]
    assert su25.count == (15, 15) and su25.type == "Su-25" and su25.category == "combat aircraft"
    assert su25.place is not None and su25.place.place.name == "Luninyets"
    su34 = eq["a dozen Su-34 bombers"]
    assert su34.count == (12, 12) and su34.place is not None and su34.place.place.name == "Millerovo"
    assert eq["dozens of tanks"].count == (24, 99)
    assert eq["100,000 troops"].category == "personnel"
    assert eq["forty tanks"].count == (40, 40) and eq["forty tanks"].place.place.name == "Yel’sk"  # type: ignore[union-attr]


def test_places_become_sites_once() -> None:
    sites = places_as_sites(find_claims(ARTICLE))
    names = [s.name for s in sites]
    assert len(names) == len(set(names)) and {"Pskov", "Klintsy", "Luninyets", "Millerovo"} <= set(names)
    assert next(s for s in sites if s.name == "Luninyets").kind == "airfield"


def test_claims_cli(tmp_path: Path) -> None:
    _register()
    runner = CliRunner()
    (tmp_path / "a.txt").write_text(ARTICLE)
    runner.invoke(app, ["init", str(tmp_path / "ws")])
    res = runner.invoke(app, ["claims", str(tmp_path / "a.txt"), "--json", "--add-sites", "-w", str(tmp_path / "ws")])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["subject_country"] == "UKR" and len(doc["distances"]) == 5 and len(doc["equipment"]) == 5
    assert "Pskov" in doc["sites_added"]
    listed = json.loads(runner.invoke(app, ["site", "list", "--json", "-w", str(tmp_path / "ws")]).output)
    assert {f["properties"]["name"] for f in listed["features"]} == set(doc["sites_added"])
