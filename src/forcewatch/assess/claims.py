"""Claims check: statements of place and distance in a news text, measured against the bundled
borders and the gazetteer; and statements of equipment counts with the places they are tied to."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from forcewatch.assess.numbers import NUMBER_RE, VAGUE, parse_number
from forcewatch.model import Site
from forcewatch.places import Place, candidates

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
#: Adjectives and names → the ISO-3 code of the country whose border is meant.
COUNTRY_WORDS = {
    "ukrainian": "UKR",
    "ukraine": "UKR",
    "belarusian": "BLR",
    "belarussian": "BLR",
    "belarus": "BLR",
    "russian": "RUS",
    "russia": "RUS",
    "estonian": "EST",
    "estonia": "EST",
    "latvian": "LVA",
    "latvia": "LVA",
    "lithuanian": "LTU",
    "lithuania": "LTU",
    "polish": "POL",
    "poland": "POL",
    "finnish": "FIN",
    "finland": "FIN",
    "moldovan": "MDA",
    "moldova": "MDA",
    "romanian": "ROU",
    "romania": "ROU",
    "georgian": "GEO",
    "georgia": "GEO",
    "kazakh": "KAZ",
    "kazakhstan": "KAZ",
    "slovak": "SVK",
    "hungarian": "HUN",
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
NOUNS = {
    "aircraft": "aircraft",
    "jet": "aircraft",
    "jets": "aircraft",
    "plane": "aircraft",
    "planes": "aircraft",
    "bomber": "aircraft",
    "bombers": "aircraft",
    "fighter": "aircraft",
    "fighters": "aircraft",
    "helicopter": "aircraft",
    "helicopters": "aircraft",
    "tank": "armour",
    "tanks": "armour",
    "armoured vehicles": "armour",
    "armored vehicles": "armour",
    "infantry fighting vehicles": "armour",
    "vehicles": "vehicle",
    "trucks": "vehicle",
    "lorries": "vehicle",
    "tents": "tent",
    "troops": "personnel",
    "soldiers": "personnel",
    "servicemen": "personnel",
    "battalions": "unit",
    "battalion tactical groups": "unit",
    "btgs": "unit",
    "artillery pieces": "artillery",
    "howitzers": "artillery",
    "rocket launchers": "artillery",
    "launchers": "artillery",
    "missile systems": "artillery",
}
_NOUN = "|".join(sorted((re.escape(n) for n in NOUNS), key=len, reverse=True))
_VAGUE = "|".join(sorted((re.escape(v) for v in VAGUE), key=len, reverse=True))
EQUIPMENT_RE = re.compile(
    rf"(?<![\w-])(?P<num>{_VAGUE}|{_NUM})\s+(?:(?P<type>[A-Z][A-Za-z]*-\d+\w*|Iskander|Tor|Buk|Pantsir)\s+)?"
    rf"(?:(?:[a-z][a-z-]*|[A-Z][a-z]+)\s+){{0,3}}?(?P<noun>{_NOUN})\b",
)
NOT_PLACES = {
    "the",
    "a",
    "an",
    "satellite",
    "images",
    "imagery",
    "maxar",
    "planet",
    "airbus",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "nato",
    "us",
    "u.s.",
    "pentagon",
    "kremlin",
    "but",
    "in",
    "on",
    "at",
    "near",
    "about",
    "some",
    "between",
    "officials",
    "analysts",
    "according",
    "it",
    "they",
    "this",
}


@dataclass(frozen=True)
class ResolvedPlace:
    text: str
    place: Place
    ambiguous: bool

    def to_json(self) -> dict[str, object]:
        p = self.place
        return {
            "text": self.text,
            "name": p.name,
            "country": p.country,
            "lat": p.lat,
            "lon": p.lon,
            "ambiguous": self.ambiguous,
        }


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
    sentence: str
    text: str
    count: tuple[float, float]
    type: str | None
    noun: str
    category: str
    place: ResolvedPlace | None

    def to_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "count": {"low": self.count[0], "high": self.count[1]},
            "type": self.type,
            "noun": self.noun,
            "category": self.category,
            "place": self.place.to_json() if self.place else None,
        }


@dataclass
class ClaimsFound:
    distances: list[DistanceClaim] = field(default_factory=list)
    equipment: list[EquipmentClaim] = field(default_factory=list)
    subject_country: str | None = None
    subject_why: str = ""


def sentences(text: str) -> list[str]:
    flat = re.sub(r"\s+", " ", text).strip()
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"“])", flat) if s]


def subject_country(text: str) -> tuple[str | None, str]:
    """The country the text is about: the most mentioned one (by name or adjective)."""
    counts: Counter[str] = Counter()
    for word in re.findall(r"[A-Za-z]+", text):
        code = COUNTRY_WORDS.get(word.lower())
        if code:
            counts[code] += 1
    if not counts:
        return None, "the text names no country"
    code, n = counts.most_common(1)[0]
    return code, f"the text is about {code}: it names that country {n} time{'s' if n > 1 else ''}, more than any other"


def _place_spans(sentence: str) -> list[tuple[int, str]]:
    """Capitalised word runs (with apostrophes and hyphens) that might be place names."""
    out = []
    for m in re.finditer(r"\b[A-Z][a-z’'-]+(?:\s+[A-Z][a-z’'-]+)*", sentence):
        words = m.group(0).split()
        while words and (words[0].lower() in NOT_PLACES or words[0].lower() in COUNTRY_WORDS):
            words = words[1:]
        if words:
            start = m.start() + m.group(0).index(words[0])
            out.append((start, " ".join(words)))
            if len(words) > 1:  # "Klintsy Airfield" → also try "Klintsy"
                out.append((start, words[0]))
    return out


def resolve_in_sentence(sentence: str, position: int, prefer: set[str], end: int | None = None) -> ResolvedPlace | None:
    """The gazetteer place a statement at ``position`` refers to: one introduced by at/in/near
    right after the statement (``end``), else the nearest one before it, else the first after."""
    found = []
    for start, name in _place_spans(sentence):
        cands = candidates(name)
        if cands:
            best = next((c for c in cands if c.country in prefer), cands[0])
            found.append((start, ResolvedPlace(name, best, len(cands) > 1)))
    if end is not None:
        for start, rp in found:
            gap = sentence[end:start]
            if (
                start >= end
                and len(gap) < 60
                and re.search(r"\b(?:at|in|near|around|outside|from)\s+(?:the\s+)?$", gap)
            ):
                return rp
    before = [f for f in found if f[0] < position]
    if before:
        return max(before, key=lambda f: f[0])[1]
    after = [f for f in found if f[0] >= position]
    return min(after, key=lambda f: f[0])[1] if after else None


ISO2 = {
    "UKR": "UA",
    "BLR": "BY",
    "RUS": "RU",
    "EST": "EE",
    "LVA": "LV",
    "LTU": "LT",
    "POL": "PL",
    "FIN": "FI",
    "MDA": "MD",
    "ROU": "RO",
    "GEO": "GE",
    "KAZ": "KZ",
    "SVK": "SK",
    "HUN": "HU",
}


def find_claims(text: str) -> ClaimsFound:
    """Every distance and equipment statement in ``text``, with places resolved."""
    subject, why = subject_country(text)
    prefer = {ISO2[c] for c in COUNTRY_WORDS.values() if c in ISO2}
    out = ClaimsFound(subject_country=subject, subject_why=why)
    for sent in sentences(text):
        for m in DISTANCE_RE.finditer(sent):
            lo_txt, hi_txt = (
                (m.group("a"), m.group("b")) if m.group("a") else (m.group("c"), m.group("d") or m.group("c"))
            )
            lo, hi = parse_number(lo_txt), parse_number(hi_txt)
            if lo is None or hi is None:
                continue
            unit = m.group("unit").lower().rstrip("s")
            f = KM_PER_UNIT.get(unit, KM_PER_UNIT.get(unit[:2], 1.0))
            place = resolve_in_sentence(sent, m.start(), prefer)
            adj = (m.group("adj") or m.group("with") or "").strip().lower().removesuffix("'s")
            if adj in COUNTRY_WORDS:
                said = (m.group("adj") or m.group("with") or "").strip()
                code, reason = COUNTRY_WORDS[adj], f"the text says the {said} border"
            elif subject and place and ISO2.get(subject) == place.place.country:
                code, reason = "UKR" if subject != "UKR" else "RUS", "the place lies in the subject country"
            else:
                code, reason = subject or "UKR", why
            out.distances.append(
                DistanceClaim(
                    sent, m.group(0), place, (lo * f, hi * f), (m.group("qual") or "").strip().lower(), code, reason
                )
            )
        for m in EQUIPMENT_RE.finditer(sent):
            raw = m.group("num").lower()
            count: tuple[float, float]
            if raw in VAGUE:
                count = (float(VAGUE[raw][0]), float(VAGUE[raw][1]))
            else:
                value = parse_number(raw)
                if value is None:
                    continue
                count = (value, value)
            noun = m.group("noun").lower()
            out.equipment.append(
                EquipmentClaim(
                    sent,
                    m.group(0),
                    (float(count[0]), float(count[1])),
                    m.group("type"),
                    noun,
                    NOUNS[noun],
                    resolve_in_sentence(sent, m.start(), prefer, m.end()),
                )
            )
    return out


APPROXIMATE = {"", "about", "some", "around", "roughly", "approximately", "nearly", "almost", "just", "only", "barely"}


@dataclass(frozen=True)
class CheckedDistance:
    claim: DistanceClaim
    measured_km: float | None
    line: str
    difference_km: float | None  # measured − claimed (nearest end of a claimed range)
    verdict: str  # consistent | overstated | understated | unresolved

    def to_json(self) -> dict[str, object]:
        return {
            **self.claim.to_json(),
            "line": self.line,
            "measured_km": None if self.measured_km is None else round(self.measured_km, 1),
            "difference_km": None if self.difference_km is None else round(self.difference_km, 1),
            "verdict": self.verdict,
        }


def check_distance(claim: DistanceClaim, tolerance_km: float = 5.0, tolerance_share: float = 0.2) -> CheckedDistance:
    """Measure the place's geodesic distance to the chosen border and compare with the claim.

    An approximate claim ("about 40 miles") is consistent within max(5 km, 20 %); "less than /
    within / up to" claims only bound from above, "more than / over" from below.
    """
    from forcewatch.geo.distance import distance_to, point, reference_line

    line = reference_line(claim.border_code)
    if claim.place is None:
        return CheckedDistance(claim, None, line.name, None, "unresolved: no place named in the sentence")
    d = distance_to(point(claim.place.place.lat, claim.place.place.lon), line)
    lo, hi = claim.claimed_km
    tol = max(tolerance_km, tolerance_share * hi)
    km = d.distance_km
    if claim.qualifier in ("less than", "under", "within", "up to"):
        lo = 0.0
    elif claim.qualifier in ("more than", "over"):
        hi = float("inf")
    diff = 0.0 if lo <= km <= hi else (km - hi if km > hi else km - lo)
    verdict = "consistent" if abs(diff) <= tol else ("understated" if diff > 0 else "overstated")
    return CheckedDistance(claim, km, line.name, diff, verdict)


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
