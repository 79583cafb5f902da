"""Offline gazetteer: a place name (in any common transliteration) → coordinates.

The bundled table (``data/gazetteer.tsv.gz``) is a compact subset of GeoNames (cities with at
least 1,000 inhabitants in the countries around Ukraine, CC BY 4.0, www.geonames.org) with
alternate names and a few curated places from public reporting. Names are compared after
folding: case, accents, apostrophes, and the usual Russian/Ukrainian/Belarusian romanisation
differences (Yelsk = Yel'sk = Elsk, Rechitsa = Rechytsa, Novoozerne = Novoozernoye).

Spellings that folding does not join (Yelna for Yelnya, Kalinkovichi for Kalinkavichy, Osipovichi
for Asipovichy) are found by :func:`match`, a fuzzy match (rapidfuzz) that also says which
gazetteer name matched and how sure it is (0–100; 100 for an exact or folded match)::

    >>> m = match("Kalinkovichi")
    >>> m.matched, m.places[0].country, m.score >= 90
    ('Kalinkavichy', 'BY', True)
"""

from __future__ import annotations

import csv
import gzip
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from forcewatch.errors import InputError

DATA = Path(__file__).parent / "data" / "gazetteer.tsv.gz"
_APOSTROPHES = re.compile(r"[’'ʼ`´ʹ\"]")
_PREFIX = re.compile(r"^(horad|gorod|misto|selo|posyolok|pgt) ")
#: The least score (0–100) of a fuzzy match (see :func:`fuzzy_score`); folded spellings of one
#: name score 100, transliteration variants 95 (Yelna → Yelnya, Kalinkovichi → Kalinkavichy,
#: Mogilev → Mahilyow), a one-letter slip in a long name 92–96; English words that look like a
#: town (Media → Medika, Planet → Panet) score about 91 and stay out.
FUZZY_MIN_SCORE = 92.0
#: The weight of the ratio on loose forms: a loose-only likeness is never an exact match.
LOOSE_WEIGHT = 0.95
#: Names with fewer letters than this are matched exactly only: short names collide too easily.
FUZZY_MIN_CHARS = 5
#: Loose romanisation: what Russian, Belarusian and Ukrainian spellings of one name swap: ya/ia
#: after a consonant, Belarusian akanye (o→a), Ukrainian i for o in a closed last syllable
#: (Kharkov/Kharkiv), Ukrainian/Belarusian h for Russian g, w for v, doubled letters.
_LOOSE = [
    (re.compile(r"ia"), "a"),
    (re.compile(r"i[eo]"), "e"),
    (re.compile(r"iv\b"), "ov"),
    (re.compile(r"o"), "a"),
    (re.compile(r"g"), "h"),
    (re.compile(r"w"), "v"),
    (re.compile(r"(\w)\1"), r"\1"),
]


@dataclass(frozen=True)
class Place:
    geonameid: str
    name: str
    country: str
    feature_code: str
    population: int
    lat: float
    lon: float


@dataclass(frozen=True)
class PlaceMatch:
    """The gazetteer places a name matched: the gazetteer's spelling that matched and the score
    (0–100; 100 when the name and that spelling fold to the same key)."""

    query: str
    matched: str
    score: float
    places: tuple[Place, ...]  # distinct places, most populous first

    @property
    def exact(self) -> bool:
        return self.score >= 100.0


class AmbiguousPlaceError(InputError):
    """Several different places have this name; the message lists them."""


def fold(name: str) -> str:
    """A spelling-insensitive key for a place name."""
    s = unicodedata.normalize("NFKD", name.strip().lower())
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = _APOSTROPHES.sub("", s)
    s = re.sub(r"[\s\-]+", " ", s)
    s = _PREFIX.sub("", s)
    s = re.sub(
        r"(oye|oe|aya|iy|yy|yi)\b",
        lambda m: {"aya": "a"}.get(m.group(1), "e" if "o" in m.group(1) else "i"),
        s,
    )
    s = s.replace("ye", "e").replace("yo", "e").replace("ë", "e")
    s = s.replace("y", "i").replace("kh", "h").replace("zh", "j").replace("ts", "c").replace("tz", "c")
    s = s.replace("ii", "i")
    return s


def loose(folded: str) -> str:
    """A looser key of a folded name, for scoring fuzzy matches (see ``_LOOSE``)."""
    for pattern, repl in _LOOSE:
        folded = pattern.sub(repl, folded)
    return folded


@dataclass
class _Gazetteer:
    index: dict[str, list[Place]] = field(default_factory=dict)  # folded name → places
    spelling: dict[str, str] = field(default_factory=dict)  # folded name → a gazetteer spelling of it
    keys: list[str] = field(default_factory=list)  # folded names with at least FUZZY_MIN_CHARS characters
    loose_keys: list[str] = field(default_factory=list)  # their loose forms, in the same order


@cache
def _gazetteer() -> _Gazetteer:
    g = _Gazetteer()
    with gzip.open(DATA, "rt", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            place = Place(
                row["geonameid"],
                row["name"],
                row["country"],
                row["feature_code"],
                int(row["population"] or 0),
                float(row["lat"]),
                float(row["lon"]),
            )
            for spelling in [row["name"], *(a for a in row["alternatenames"].split("|") if a)]:
                key = fold(spelling)
                places = g.index.setdefault(key, [])
                if place not in places:
                    places.append(place)
                g.spelling.setdefault(key, spelling)
    g.keys = [k for k in g.index if len(k) >= FUZZY_MIN_CHARS - 1]  # Yelna folds to "elna"
    g.loose_keys = [loose(k) for k in g.keys]
    return g


def _index() -> dict[str, list[Place]]:
    return _gazetteer().index


def _km(a: Place, b: Place) -> float:
    dlat = math.radians(b.lat - a.lat)
    dlon = math.radians(b.lon - a.lon) * math.cos(math.radians((a.lat + b.lat) / 2))
    return 6371.0 * math.hypot(dlat, dlon)


def _distinct(found: list[Place], country: str | None) -> list[Place]:
    """``found`` in ``country`` (if given), most populous first, variants within 10 km merged."""
    if country:
        found = [p for p in found if p.country.upper() == country.upper()]
    distinct: list[Place] = []
    for p in sorted(found, key=lambda p: (-p.population, p.name)):
        if all(_km(p, q) > 10 for q in distinct):
            distinct.append(p)
    return distinct


def candidates(name: str, country: str | None = None) -> list[Place]:
    """Distinct places called ``name`` (variants within 10 km merged), most populous first."""
    return _distinct(_index().get(fold(name), []), country)


def fuzzy_score(a: str, b: str) -> float:
    """How alike two place names are (0–100): 100 when they fold to one key, else the larger of
    rapidfuzz's ratio on the folded names and 95 % of it on their loose forms (so a pure
    transliteration variant, Kharkov for Kharkiv, scores 95)."""
    fa, fb = fold(a), fold(b)
    return 100.0 if fa == fb else _score(fa, fb, loose(fa), loose(fb))


def _score(fa: str, fb: str, la: str, lb: str) -> float:
    return min(99.0, max(fuzz.ratio(fa, fb), LOOSE_WEIGHT * fuzz.ratio(la, lb)))


@lru_cache(maxsize=8192)
def _fuzzy(key: str) -> tuple[str, float] | None:
    """The folded gazetteer name most like ``key`` (folded) and its score, if any scores enough."""
    g = _gazetteer()
    lkey = loose(key)
    hits = process.extract(lkey, g.loose_keys, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_SCORE / LOOSE_WEIGHT, limit=8)
    hits += process.extract(key, g.keys, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_SCORE, limit=8)
    best: tuple[float, int, str] | None = None
    for _, _, i in hits:
        k = g.keys[i]
        score = _score(key, k, lkey, g.loose_keys[i])
        population = max(p.population for p in g.index[k])
        if score >= FUZZY_MIN_SCORE and (best is None or (score, population) > best[:2]):
            best = (score, population, k)
    return (best[2], round(best[0], 1)) if best else None


def _spelling(key: str, places: list[Place]) -> str:
    """How the gazetteer spells the folded name ``key``: the first place's own name if it folds
    to ``key``, else the alternate name that does."""
    return places[0].name if fold(places[0].name) == key else _gazetteer().spelling[key]


def match(name: str, country: str | None = None, fuzzy: bool = True) -> PlaceMatch | None:
    """The gazetteer places ``name`` refers to: the folded name's places (score 100), else, with
    ``fuzzy``, the places of the gazetteer name most like it (score at least ``FUZZY_MIN_SCORE``).
    None when nothing matches."""
    g = _gazetteer()
    key = fold(name)
    places = _distinct(g.index.get(key, []), country)
    if places:
        return PlaceMatch(name, _spelling(key, places), 100.0, tuple(places))
    if not fuzzy or sum(c.isalpha() for c in name) < FUZZY_MIN_CHARS:
        return None
    hit = _fuzzy(key)
    if hit is None:
        return None
    places = _distinct(g.index[hit[0]], country)
    return PlaceMatch(name, _spelling(hit[0], places), hit[1], tuple(places)) if places else None


def resolve(name: str, country: str | None = None) -> Place:
    """The one place called ``name``; an error lists the candidates when there are several, and
    suggests the closest gazetteer name when there is none."""
    found = candidates(name, country)
    if not found:
        near = match(name, country)
        hint = f" (closest: {near.matched}, {near.places[0].country}, score {near.score:.0f})" if near else ""
        raise InputError(
            f"place {name!r} is not in the offline gazetteer"
            + (f" for country {country}" if country else "")
            + f". Fix: check the spelling{hint}, or give --lat and --lon."
        )
    if len(found) > 1:
        listing = "; ".join(
            f"{p.name} ({p.country}, population {p.population:,}, {p.lat:.4f} N {p.lon:.4f} E)" for p in found[:10]
        )
        raise AmbiguousPlaceError(
            f"place {name!r} is ambiguous: {listing}. Fix: add --country CODE, or give --lat and --lon."
        )
    return found[0]
