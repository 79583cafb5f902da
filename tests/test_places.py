from __future__ import annotations

import pytest

from forcewatch.errors import InputError
from forcewatch.places import FUZZY_MIN_SCORE, AmbiguousPlaceError, candidates, fold, fuzzy_score, match, resolve


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Yelsk", "Yel'sk"),
        ("Yelsk", "Yel’sk"),
        ("Rechitsa", "Rechytsa"),
        ("Novoozerne", "Novoozernoye"),
        ("Luninets", "Luninyets"),
        ("Yelnya", "Yel'nya"),
    ],
)
def test_transliterations_fold_together_and_resolve(a: str, b: str) -> None:
    assert fold(a) == fold(b)
    assert resolve(a) == resolve(b)


def test_resolved_places_are_where_they_should_be() -> None:
    p = resolve("Rechitsa")
    assert p.country == "BY" and p.lat == pytest.approx(52.36, abs=0.02) and p.lon == pytest.approx(30.39, abs=0.02)
    assert resolve("Yelsk").lat == pytest.approx(51.81, abs=0.02)
    assert resolve("Novoozernoye").country == "UA"


def test_ambiguous_names_list_candidates_with_country_and_population() -> None:
    assert len(candidates("Pervomaysk")) > 1
    with pytest.raises(AmbiguousPlaceError) as err:
        resolve("Pervomaysk")
    text = str(err.value)
    assert "(UA, population" in text and "(RU, population" in text and "--country" in text
    ru = candidates("Pervomaysk", "RU")
    assert ru and all(p.country == "RU" for p in ru)


def test_unknown_place() -> None:
    with pytest.raises(InputError, match="not in the offline gazetteer.*--lat and --lon"):
        resolve("Atlantis-on-Dnieper")


@pytest.mark.parametrize(
    ("written", "gazetteer", "country"),
    [
        ("Yelna", "Yel’nya", "RU"),
        ("Kalinkovichi", "Kalinkavichy", "BY"),
        ("Osipovichi", "Asipovichy", "BY"),
        ("Mogilev", "Mahilyow", "BY"),
        ("Kharkov", "Kharkiv", "UA"),
        ("Bobruisk", "Babruysk", "BY"),
    ],
)
def test_transliteration_variants_match_fuzzily_with_a_score(written: str, gazetteer: str, country: str) -> None:
    m = match(written)
    assert m is not None and m.matched == gazetteer and m.places[0].country == country
    assert FUZZY_MIN_SCORE <= m.score < 100 and not m.exact
    assert match(written, fuzzy=False) is None


def test_folded_matches_score_100_and_name_the_spelling() -> None:
    m = match("Yel'sk")
    assert m is not None and m.exact and m.score == 100 and m.matched == "Yel’sk"
    gomel = match("Gomel")
    assert gomel is not None and gomel.places[0].name == "Homyel'" and gomel.matched == "Gomel"
    kiev = match("Kiev")  # a curated alternate name: too short to match fuzzily
    assert kiev is not None and kiev.exact and kiev.places[0].name == "Kyiv"


@pytest.mark.parametrize("word", ["Media", "Planet", "Analysts", "Ministry", "Several", "Station", "Telegram", "Video"])
def test_english_words_do_not_match_towns(word: str) -> None:
    assert match(word) is None


def test_scores_rank_variants_above_other_names() -> None:
    assert fuzzy_score("Yelnya", "Yel'nya") == 100  # folded: the same name
    assert fuzzy_score("Kharkov", "Kharkiv") == 95  # a transliteration variant
    assert fuzzy_score("Pinsk", "Minsk") < FUZZY_MIN_SCORE  # another town


def test_unknown_place_suggests_the_closest_name() -> None:
    with pytest.raises(InputError, match="not in the offline gazetteer.*closest: Kalinkavichy, BY, score 95"):
        resolve("Kalinkovichi")


def test_rostov_in_reporting_is_rostov_on_don() -> None:
    m = match("Rostov")
    assert m is not None and m.places[0].name == "Rostov-na-Donu" and len(m.places) == 2
