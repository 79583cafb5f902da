from __future__ import annotations

import pytest

from forcewatch.errors import InputError
from forcewatch.places import AmbiguousPlaceError, candidates, fold, resolve


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
