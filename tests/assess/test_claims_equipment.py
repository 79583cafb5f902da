"""The equipment catalogue (equipment.yaml) and equipment mentions in single sentences."""

from __future__ import annotations

from pathlib import Path

import pytest

from forcewatch.assess.claims_equipment import CATALOGUE, catalogue, mentions
from forcewatch.errors import InputError

OBSERVABLE = {"aircraft", "vehicle", "tent", None}


def test_the_catalogue_has_every_category_with_a_countable_class_or_none() -> None:
    cat = catalogue()
    assert {
        "aircraft",
        "helicopter",
        "air defence",
        "missile",
        "artillery",
        "armour",
        "vehicle",
        "personnel",
        "tent",
    } <= set(cat.categories)
    assert all(c.observable in OBSERVABLE and c.why for c in cat.categories.values())
    assert all(t.observable in OBSERVABLE for t in cat.types)
    names = {t.name: t for t in cat.types}
    assert names["Su-25"].observable == "aircraft" and "Frogfoot" in names["Su-25"].aliases
    assert names["T-72"].observable == "vehicle" and names["S-400"].observable is None
    assert cat.nouns["tents"] == "tent" and cat.observable("tent") == "tent"


@pytest.mark.parametrize(
    ("sentence", "count", "type_", "category"),
    [
        ("15 Su-25 ground attack aircrafts", (15, 15), "Su-25", "combat aircraft"),
        ("a dozen Su-34 Fullback bombers", (12, 12), "Su-34", "combat aircraft"),
        ("six Frogfoot jets", (6, 6), "Su-25", "combat aircraft"),
        ("Su25s", None, "Su-25", "combat aircraft"),
        ("8 Pantsir-S1 systems", (8, 8), "Pantsir", "air defence"),
        ("SA-21 Growler launchers", None, "S-400", "air defence"),
        ("Iskander-M (SS-26) launchers", None, "Iskander", "missile"),
        ("two Tochka-U missiles", (2, 2), "Tochka", "missile"),
        ("12 2S19 Msta-S self-propelled howitzers", (12, 12), "2S19 Msta", "artillery"),
        ("18 2S3 Akatsiya guns", (18, 18), "2S3 Akatsiya", "artillery"),
        ("a TOS-1A", None, "TOS-1", "artillery"),
        ("BM-27 Uragan and BM-30 Smerch rocket launchers", None, "BM-27", "artillery"),
        ("40 T-72B3 tanks", (40, 40), "T-72", "armour"),
        ("T-80s and T-90s", None, "T-80", "armour"),
        ("30 BTR-82A armoured personnel carriers", (30, 30), "BTR-82", "armour"),
        ("three Ka-52 Alligator helicopters", (3, 3), "Ka-52", "helicopter"),
        ("Mi-8 transport helicopters", None, "Mi-8", "helicopter"),
        ("300 tents", (300, 300), None, "tent"),
        ("hundreds of trucks", (200, 999), None, "vehicle"),
    ],
)
def test_mentions(sentence: str, count: tuple[float, float] | None, type_: str | None, category: str) -> None:
    first = mentions(sentence)[0]
    assert first.count == count and (first.type.name if first.type else None) == type_
    assert first.category == category


@pytest.mark.parametrize(
    "sentence",
    [
        "a British Challenger 2 tank",
        "the Leopard 2 tank",
        "a BMP-2 infantry fighting vehicle",
        "one T-72",
    ],
)
def test_model_numbers_are_never_counts(sentence: str) -> None:
    (m,) = mentions(sentence)
    assert m.count in (None, (1, 1)) and m.type is not None


@pytest.mark.parametrize(
    "sentence",
    [
        "the troops stayed",  # a generic noun needs a count
        "In 2021 Russian tanks moved",  # a year is no count
        "a 50 km radius",  # not an A-50
        "it is 400 km away",  # not an S-400
        "grad students",  # lower-case word aliases are words
    ],
)
def test_no_claim(sentence: str) -> None:
    assert mentions(sentence) == []


def test_a_broken_catalogue_says_what_is_wrong(tmp_path: Path) -> None:
    bad = tmp_path / "equipment.yaml"
    bad.write_text(CATALOGUE.read_text(encoding="utf-8").replace("category: aircraft}", "category: planes}", 1))
    with pytest.raises(InputError, match="category 'planes'.*Fix"):
        catalogue(bad)
