"""Claims in texts written like the 2021–22 reports ForceWatch follows (Maxar captions, news
copy): equipment types from the catalogue, fuzzy places, place lists, repeated captions, model
numbers, Crimea under both views of the border, and long texts without full stops."""

from __future__ import annotations

import pytest

from forcewatch.assess.claims import EquipmentClaim, check_distance, find_claims
from forcewatch.assess.claims_text import MAX_SENTENCE_CHARS, article_date, sentences

BELARUS = """Satellite images released by Maxar Technologies on Monday show new deployments of Russian
forces in Belarus, close to the Ukrainian border. The images were collected on January 22, 2022.

Maxar said 15 Su-25 ground attack aircrafts and S-400 air defense system at Luninets airfield,
about 30 miles from the border, had arrived since early January.

Satellite image ©2022 Maxar Technologies.

SS26 Iskander missiles were spotted near Yelsk, 20 km from the border, alongside several BM-21
Grad launchers.

Satellite image ©2022 Maxar Technologies.

Further east, a battalion of 2S19 Msta self-propelled howitzers was unloaded at a rail siding in
Kalinkovichi, some 40 km from the Ukrainian border.

Satellite image ©2022 Maxar Technologies.
"""

CAMPS = """Russia has massed some 100,000 troops near Ukraine, U.S. officials say. Satellite images show
camps with tanks and self-propelled artillery at Yelna and Pogonovo, between 100 and 150 miles from
the border.

At the Pogonovo training ground, more than 1,200 military vehicles, including T-72 and T-80 tanks
and BMP-2 infantry fighting vehicles, were parked in rows on November 1, 2021.
"""

CAPTIONS = """Satellite images show tents and 40 armored vehicles at Yelnya, about 150 miles from the Ukrainian border.
Satellite images show tents and 40 armored vehicles at Yelnya, about 150 miles from the Ukrainian border.
Satellite images show tents and 40 armored vehicles at Yelnya, about 150 miles from the Ukrainian border.
"""

MODELS = """A British Challenger 2 tank fired during exercises in Estonia, near Tapa. Two T-72 tanks, a BMP-2
and four BM-21 Grad launchers were seen at Yelsk; Su-25 and S-400 units stayed at Luninets."""

CRIMEA = """New satellite images from April 2021 show a large deployment at Novoozerne, on the western
coast of Crimea, about 90 km from the border. At Dzhankoi airfield, 12 Ka-52 helicopters and 8 Su-30
fighters were parked, some 30 km from the border."""


def _equipment(text: str) -> dict[str, EquipmentClaim]:
    return {e.text: e for e in find_claims(text).equipment}


def test_typed_equipment_with_and_without_counts() -> None:
    eq = _equipment(BELARUS)
    su25 = eq["15 Su-25 ground attack aircrafts"]
    assert su25.count == (15, 15) and su25.type == "Su-25"
    assert su25.category == "combat aircraft" and su25.observable == "aircraft"
    assert su25.place is not None and su25.place.place.name == "Luninyets"
    s400 = eq["S-400 air defense system"]
    assert s400.count is None and s400.type == "S-400" and s400.category == "air defence"
    assert s400.observable is None and s400.place is not None and s400.place.place.name == "Luninyets"
    iskander = eq["SS26 Iskander missiles"]
    assert iskander.type == "Iskander" and iskander.category == "missile"
    assert iskander.place is not None and iskander.place.place.name == "Yel’sk"
    grad = eq["several BM-21 Grad launchers"]
    assert grad.count == (3, 9) and grad.type == "BM-21" and grad.observable == "vehicle"


def test_generic_counts_still_found() -> None:
    eq = _equipment(CAMPS)
    assert eq["100,000 troops"].category == "personnel"
    vehicles = eq["1,200 military vehicles"]
    assert vehicles.count == (1200, 1200)
    assert vehicles.place is not None and vehicles.place.place.name == "Pogonovo training ground"
    assert {"T-72", "T-80", "BMP-2"} <= {e.type for e in eq.values()}


@pytest.mark.parametrize(
    ("written", "gazetteer"),
    [("Yelna", "Yel’nya"), ("Kalinkovichi", "Kalinkavichy")],
)
def test_transliterated_places_resolve_with_a_score(written: str, gazetteer: str) -> None:
    text = CAMPS if written == "Yelna" else BELARUS
    places = [c.place for c in find_claims(text).distances if c.place and c.place.text == written]
    assert places, f"{written} not resolved"
    assert places[0].place.name == gazetteer and places[0].matched == gazetteer
    assert 90 <= places[0].score < 100
    exact = next(c.place for c in find_claims(BELARUS).distances if c.place and c.place.text == "Yelsk")
    assert exact.score == 100 and exact.matched == "Yel’sk"


def test_a_place_list_shares_its_distance() -> None:
    found = find_claims(CAMPS)
    shared = [c for c in found.distances if c.text == "between 100 and 150 miles from the border"]
    assert [c.place.place.name for c in shared if c.place] == ["Yel’nya", "Pogonovo training ground"]
    assert all(c.claimed_km == pytest.approx((160.9, 241.4), abs=0.1) for c in shared)


def test_repeated_captions_count_once() -> None:
    found = find_claims(CAPTIONS)
    assert len(found.distances) == 1 and len(found.equipment) == 1
    assert found.equipment[0].count == (40, 40) and found.equipment[0].category == "armour"


def test_model_numbers_are_not_counts() -> None:
    eq = find_claims(MODELS).equipment
    challenger = next(e for e in eq if e.type == "Challenger 2")
    assert challenger.count is None and challenger.text == "Challenger 2 tank"
    by_type = {e.type: e.count for e in eq}
    assert by_type["T-72"] == (2, 2) and by_type["BM-21"] == (4, 4)
    assert by_type["BMP-2"] is None and by_type["Su-25"] is None and by_type["S-400"] is None
    assert all(e.count != (2, 2) or e.type == "T-72" for e in eq)


def test_crimea_is_measured_under_both_views() -> None:
    checked = {c.place.place.name: check_distance(c) for c in find_claims(CRIMEA).distances if c.place}
    novo = checked["Novoozerne"]
    assert novo.claim.border_code == "UKR" and "Crimea" in novo.claim.border_why
    assert novo.verdict == "consistent"  # about 92 km to the line Natural Earth draws
    views = {v.border: v for v in novo.views}
    assert set(views) == {"UKR", "UKR-1991"}
    assert views["UKR"].measured_km == pytest.approx(novo.measured_km) and not views["UKR"].inside
    assert views["UKR-1991"].inside and views["UKR-1991"].measured_km > 200
    assert checked["Dzhankoy"].views
    assert not check_distance(find_claims(BELARUS).distances[0]).views  # Belarus: one view


def test_the_article_date_is_the_latest_it_names() -> None:
    assert str(article_date(BELARUS)) == "2022-01-22"
    assert str(article_date(CAMPS)) == "2021-11-01"
    assert article_date("On 2021-11-28 and 3 Dec. 2021, then Feb 10, 2022.") is not None
    assert str(article_date("On 2021-11-28 and 3 Dec 2021, then Feb 10, 2022.")) == "2022-02-10"
    assert article_date(MODELS) is None


def test_a_text_without_full_stops_is_cut_into_bounded_sentences() -> None:
    words = ("Russian troops and 40 tanks were seen near Yelsk some 20 km from the border " * 8000).split()
    text = " ".join(w + str(i) if w == "troops" else w for i, w in enumerate(words))  # no two pieces alike
    pieces = sentences(text)
    assert max(len(s) for s in pieces) <= MAX_SENTENCE_CHARS
    assert sum(len(s) for s in pieces) >= len(text) - len(pieces)  # nothing dropped


def test_a_locator_and_a_region_qualify_the_place_before_them() -> None:
    text = (
        "Images showed tanks at Persianovsky, near Rostov, roughly 50 km from the Ukrainian border. "
        "A camp at Klintsy, Bryansk region, is about 30 miles from the border."
    )
    places = [c.place.place.name for c in find_claims(text).distances if c.place]
    assert places == ["Persianovka", "Klintsy"]


def test_fuzz_findings_a_long_s_unit_and_an_impossible_distance() -> None:
    """Found by bench/fuzz.py: the long s matched the unit but was not folded; 400 nines were a distance."""
    from forcewatch.assess.claims import find_claims

    (claim,) = find_claims("Troops at Yelsk, 40 metreſ from the Ukrainian border.").distances
    assert claim.claimed_km == (0.04, 0.04)
    assert find_claims("Troops at Yelsk, " + "9" * 400 + " km from the Ukrainian border.").distances == []
