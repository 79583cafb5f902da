"""Claims check: statements of place and distance in a news text, measured against the bundled
borders and the gazetteer; and statements of equipment (types and counts) with the places they
are tied to.

The text is cut into sentences (each counted once: a caption repeated under every image is one
claim), places are resolved once per sentence (:mod:`forcewatch.assess.claims_places`),
equipment comes from the bundled catalogue (:mod:`forcewatch.assess.claims_equipment`). Work
grows linearly with the text: sentences are bounded in length and every search is windowed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from forcewatch.assess.claims_equipment import mentions
from forcewatch.assess.claims_places import PlaceResolver, ResolvedPlace, SentencePlaces
from forcewatch.assess.claims_text import COUNTRY_WORDS, ISO2, article_date, sentences, subject_country, unique
from forcewatch.assess.numbers import NUMBER_RE, parse_number
from forcewatch.model import Site

if TYPE_CHECKING:
    from forcewatch.geo.borders import ReferenceLine

__all__ = [
    "COUNTRY_WORDS",
    "CheckedDistance",
    "ClaimsFound",
    "DistanceClaim",
    "EquipmentClaim",
    "ResolvedPlace",
    "check_distance",
    "find_claims",
    "places_as_sites",
    "sentences",
    "subject_country",
]

KM_PER_UNIT = {
    "km": 1.0,
    "kilometre": 1.0,
    "kilometer": 1.0,
    "mile": 1.609344,
    "mi": 1.609344,
    "metre": 0.001,
    "meter": 0.001,
    "m": 0.001,
}
QUALIFIERS = "|".join(
    [
        "about",
        "some",
        "around",
        "roughly",
        "approximately",
        "nearly",
        "almost",
        "just",
        "only",
        "barely",
        "less than",
        "under",
        "more than",
        "over",
        "within",
        "up to",
    ]
)
_NUM = rf"(?:{NUMBER_RE})"
DISTANCE_RE = re.compile(
    rf"(?P<qual>\b(?:{QUALIFIERS})\s+)?"
    rf"(?:between\s+(?P<a>{_NUM})\s+(?:and|to)\s+(?P<b>{_NUM})|(?P<c>{_NUM})(?:\s*(?:-|–|to)\s*(?P<d>{_NUM}))?)"
    r"\s*(?P<unit>kilometres|kilometers|kilometre|kilometer|km|miles|mile|mi|metres|meters|m)\b(?:\s*\([^)]*\))?"
    r"\s+(?:away\s+)?(?:from|of)\s+(?:the\s+)?(?P<adj>[A-Z][a-z]+(?:'s)?\s+)?(?P<kind>border|frontier|boundary)"
    r"(?:\s+with\s+(?P<with>[A-Z][a-z]+))?",
    re.IGNORECASE,
)
#: The end of a distance statement (unit, "from the ... border"): found first, cheaply; the whole
#: statement is then searched for only in a window before it.
_TAIL = re.compile(
    r"(?:km|kilomet(?:re|er)s?|miles?|mi|met(?:re|er)s?|m)\b(?:\s*\([^)]*\))?\s+(?:away\s+)?(?:from|of)\s+"
    r"(?:the\s+)?(?:[A-Z][a-z]+(?:'s)?\s+)?(?:border|frontier|boundary)",
    re.IGNORECASE,
)
#: How far before its unit a distance statement may start, and after its tail end ("with Ukraine").
_WINDOW_BEFORE, _WINDOW_AFTER = 160, 40
#: The two views of Ukraine's border: Natural Earth's (Crimea drawn in Russia) and the 1991 one.
CRIMEA_VIEWS = ("UKR", "UKR-1991")


@dataclass(frozen=True)
class DistanceClaim:
    sentence: str
    text: str
    place: ResolvedPlace | None
    claimed_km: tuple[float, float]
    qualifier: str
    border_code: str
    border_why: str

    def to_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "sentence": self.sentence,
            "place": self.place.to_json() if self.place else None,
            "claimed_km": {"low": round(self.claimed_km[0], 2), "high": round(self.claimed_km[1], 2)},
            "qualifier": self.qualifier,
            "border": self.border_code,
            "border_chosen_because": self.border_why,
        }


@dataclass(frozen=True)
class EquipmentClaim:
    """Equipment the text places somewhere: the count (None when it states none), the type
    (canonical name, None for a generic noun), its category and the class a ForceWatch model
    counts for it (``observable``, None when none can)."""

    sentence: str
    text: str
    count: tuple[float, float] | None
    type: str | None
    noun: str
    category: str
    place: ResolvedPlace | None
    observable: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "sentence": self.sentence,
            "count": None if self.count is None else {"low": self.count[0], "high": self.count[1]},
            "type": self.type,
            "noun": self.noun,
            "category": self.category,
            "observable": self.observable,
            "place": self.place.to_json() if self.place else None,
        }


@dataclass
class ClaimsFound:
    distances: list[DistanceClaim] = field(default_factory=list)
    equipment: list[EquipmentClaim] = field(default_factory=list)
    subject_country: str | None = None
    subject_why: str = ""
    article_date: dt.date | None = None  # the latest full date the text names


def in_crimea(place: ResolvedPlace) -> bool:
    """Whether the place lies in Crimea (Russia's in Natural Earth's view, Ukraine's in 1991's)."""
    return _in_crimea(place.place.lon, place.place.lat)


@lru_cache(maxsize=4096)
def _in_crimea(lon: float, lat: float) -> bool:
    from forcewatch.geo.borders import borders

    b = borders()
    return b.containing(lon, lat) == "RUS" and b.containing(lon, lat, view_1991=True) == "UKR-1991"


@lru_cache(maxsize=64)
def _line(code: str) -> ReferenceLine:
    from forcewatch.geo.distance import reference_line

    return reference_line(code)


@lru_cache(maxsize=4096)
def _measured_km(lat: float, lon: float, code: str) -> float:
    """The geodesic distance from a point to a border (each place and border measured once per process)."""
    from forcewatch.geo.distance import distance_to, point

    return distance_to(point(lat, lon), _line(code)).distance_km


def _border(m: re.Match[str], place: ResolvedPlace | None, subject: str | None, why: str) -> tuple[str, str]:
    """The border a distance statement means (ISO-3 code) and why."""
    said = (m.group("adj") or m.group("with") or "").strip()
    adj = said.lower().removesuffix("'s")
    if adj in COUNTRY_WORDS:
        return COUNTRY_WORDS[adj], f"the text says the {said} border"
    if place and in_crimea(place):
        return "UKR", "the place is in Crimea: measured to Ukraine's border in both views (UKR and UKR-1991)"
    if subject and place and ISO2.get(subject) == place.place.country:
        return ("UKR" if subject != "UKR" else "RUS"), "the place lies in the subject country"
    return subject or "UKR", why


#: No distance on Earth is longer than half the equator.
MAX_CLAIM_KM = 20_040.0


def _distance_claims(
    sentence: str, m: re.Match[str], places: SentencePlaces, subject: str | None, why: str
) -> list[DistanceClaim]:
    """One claim per place the statement binds to: a list of places shares its distance."""
    lo_txt, hi_txt = (m.group("a"), m.group("b")) if m.group("a") else (m.group("c"), m.group("d") or m.group("c"))
    lo, hi = parse_number(lo_txt), parse_number(hi_txt)
    if lo is None or hi is None:
        return []
    unit = m.group("unit").casefold().rstrip("s")  # casefold: "metreſ" (long s) is "metres"
    f = KM_PER_UNIT.get(unit, KM_PER_UNIT.get(unit[:2], 1.0))
    if hi * f > MAX_CLAIM_KM:  # further than anything on Earth: a number, not a distance
        return []
    qualifier = (m.group("qual") or "").strip().lower()
    out = []
    listed: list[ResolvedPlace | None] = [*places.listed_with(m.start())]
    for place in listed or [None]:
        code, reason = _border(m, place, subject, why)
        out.append(DistanceClaim(sentence, m.group(0), place, (lo * f, hi * f), qualifier, code, reason))
    return out


def _distance_statements(sentence: str) -> list[re.Match[str]]:
    """The distance statements of ``sentence`` (``DISTANCE_RE``), searched only in windows around
    each statement's tail, so that a long sentence costs time in proportion to its length."""
    out: dict[int, re.Match[str]] = {}
    for tail in _TAIL.finditer(sentence):
        lo, hi = max(0, tail.start() - _WINDOW_BEFORE), min(len(sentence), tail.end() + _WINDOW_AFTER)
        for m in DISTANCE_RE.finditer(sentence, lo, hi):
            if m.start() <= tail.start() < m.end() and m.start() not in out:
                out[m.start()] = m
    return [out[k] for k in sorted(out)]


def find_claims(text: str) -> ClaimsFound:
    """Every distance and equipment statement in ``text``, with places resolved; a sentence
    repeated word for word counts once."""
    subject, why = subject_country(text)
    resolver = PlaceResolver()
    out = ClaimsFound(subject_country=subject, subject_why=why, article_date=article_date(text))
    for sent in unique(sentences(text)):
        distances = _distance_statements(sent)
        equipment = mentions(sent)
        if not distances and not equipment:
            continue
        places = SentencePlaces(sent, resolver)
        for m in distances:
            out.distances.extend(_distance_claims(sent, m, places, subject, why))
        for e in equipment:
            out.equipment.append(
                EquipmentClaim(
                    sent,
                    e.text,
                    e.count,
                    e.type.name if e.type else None,
                    e.noun,
                    e.category,
                    places.for_statement(e.start, e.end),
                    e.observable,
                )
            )
    return out


APPROXIMATE = {"", "about", "some", "around", "roughly", "approximately", "nearly", "almost", "just", "only", "barely"}


@dataclass(frozen=True)
class BorderView:
    """The place measured to one view of a border (for Crimea: UKR and UKR-1991)."""

    border: str
    line: str
    measured_km: float
    inside: bool  # the place lies inside the country in this view (the distance is to its land border)

    def to_json(self) -> dict[str, object]:
        return {
            "border": self.border,
            "line": self.line,
            "measured_km": round(self.measured_km, 1),
            "inside": self.inside,
        }


@dataclass(frozen=True)
class CheckedDistance:
    claim: DistanceClaim
    measured_km: float | None
    line: str
    difference_km: float | None  # measured − claimed (nearest end of a claimed range)
    verdict: str  # consistent | overstated | understated | unresolved
    views: tuple[BorderView, ...] = ()  # a place in Crimea: both views of Ukraine's border

    def to_json(self) -> dict[str, object]:
        return {
            **self.claim.to_json(),
            "line": self.line,
            "measured_km": None if self.measured_km is None else round(self.measured_km, 1),
            "difference_km": None if self.difference_km is None else round(self.difference_km, 1),
            "verdict": self.verdict,
            "views": [v.to_json() for v in self.views],
        }


def border_views(place: ResolvedPlace, codes: tuple[str, ...] = CRIMEA_VIEWS) -> tuple[BorderView, ...]:
    """The place's distance to each border of ``codes``, and whether it lies inside that country."""
    lat, lon = place.place.lat, place.place.lon
    return tuple(
        BorderView(code, _line(code).name, _measured_km(lat, lon, code), _inside(lon, lat, code)) for code in codes
    )


@lru_cache(maxsize=4096)
def _inside(lon: float, lat: float, code: str) -> bool:
    from forcewatch.geo.borders import borders

    return borders().containing(lon, lat, view_1991=code.endswith("-1991")) == code


def check_distance(claim: DistanceClaim, tolerance_km: float = 5.0, tolerance_share: float = 0.2) -> CheckedDistance:
    """Measure the place's geodesic distance to the chosen border and compare with the claim.

    An approximate claim ("about 40 miles") is consistent within max(5 km, 20 %); "less than /
    within / up to" claims only bound from above, "more than / over" from below. A place in
    Crimea is also measured to both views of Ukraine's border (``views``).
    """
    line = _line(claim.border_code)
    if claim.place is None:
        return CheckedDistance(claim, None, line.name, None, "unresolved: no place named in the sentence")
    km = _measured_km(claim.place.place.lat, claim.place.place.lon, claim.border_code)
    lo, hi = claim.claimed_km
    tol = max(tolerance_km, tolerance_share * hi)
    if claim.qualifier in ("less than", "under", "within", "up to"):
        lo = 0.0
    elif claim.qualifier in ("more than", "over"):
        hi = float("inf")
    diff = 0.0 if lo <= km <= hi else (km - hi if km > hi else km - lo)
    verdict = "consistent" if abs(diff) <= tol else ("understated" if diff > 0 else "overstated")
    views = border_views(claim.place) if claim.border_code in CRIMEA_VIEWS and in_crimea(claim.place) else ()
    return CheckedDistance(claim, km, line.name, diff, verdict, views)


def places_as_sites(found: ClaimsFound, radius_m: float = 3000.0) -> list[Site]:
    """One site per distinct place the text ties a claim to (airfield when the sentence says so)."""
    from forcewatch.sites import make_site

    out: dict[str, Site] = {}
    statements: list[DistanceClaim | EquipmentClaim] = [*found.distances, *found.equipment]
    for c in statements:
        if c.place is None or c.place.place.name in out:
            continue
        p = c.place.place
        kind = "airfield" if re.search(r"air\s?(?:field|base)", c.sentence, re.IGNORECASE) else "other"
        out[p.name] = make_site(
            p.name, p.lat, p.lon, radius_m=radius_m, kind=kind, notes=f"from a news text: {c.sentence}"
        )
    return list(out.values())
