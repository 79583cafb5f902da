"""The places a sentence names, resolved once per sentence against the gazetteer (exact, or
fuzzy where the words around say it is a place), and the place each statement is tied to."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cache

from forcewatch.assess.claims_equipment import word_aliases
from forcewatch.assess.claims_text import COUNTRY_WORDS, ISO2
from forcewatch.places import Place, match

NOT_PLACES = frozenset(
    {
        "the",
        "a",
        "an",
        "satellite",
        "images",
        "imagery",
        "image",
        "maxar",
        "planet",
        "airbus",
        "reuters",
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
        "media",
        "social",
        "company",
        "spring",
        "summer",
        "autumn",
        "winter",
        "defence",
        "defense",
        "ministry",
        "and",
        "or",
        "of",
        "from",
        "to",
        "by",
        "with",
    }
)
#: Words before a name that say it is a place (so a fuzzy match is worth trying).
_BEFORE_PLACE = re.compile(
    r"\b(?:at|in|near|around|outside|from|of|to|towards|by|between)\s+(?:the\s+)?$", re.IGNORECASE
)
#: Words after a name that say it is a place.
_AFTER_PLACE = re.compile(
    r"\s+(?:air\s?(?:field|base)|airport|training\s+(?:ground|area|range)|garrison|base|range|camp)\b", re.IGNORECASE
)
#: Words after a name that make it an area qualifying another place ("Klintsy, Bryansk region"), not a place.
_AREA = re.compile(r"\s+(?:region|oblast|province|district)\b", re.IGNORECASE)
#: What makes a name right after another place a locator of it ("Persianovsky, near Rostov"), not a place.
_LOCATOR = re.compile(r",\s+(?:near|outside|close\s+to|not\s+far\s+from)\s+(?:the\s+(?:city|town)\s+of\s+)?")
#: What joins the names of a list of places ("Yelnya and Pogonovo", "Yelsk, Mozyr or Rechitsa").
LIST_SEPARATOR = re.compile(r"\s*(?:,|,?\s+(?:and|or))\s+")
_CAPITALISED = re.compile(r"\b[A-Z][a-z’'-]+(?:\s+[A-Z][a-z’'-]+)*")
#: A statement's place may be introduced this far after it ("15 Su-25 ... at Luninets").
AFTER_STATEMENT_CHARS = 60


@dataclass(frozen=True)
class ResolvedPlace:
    """A name in the text and the gazetteer place it refers to: the gazetteer's spelling that
    matched and how sure the match is (0–100; 100 for an exact or folded match)."""

    text: str
    place: Place
    ambiguous: bool
    matched: str = ""
    score: float = 100.0

    def to_json(self) -> dict[str, object]:
        p = self.place
        return {
            "text": self.text,
            "name": p.name,
            "country": p.country,
            "lat": p.lat,
            "lon": p.lon,
            "ambiguous": self.ambiguous,
            "matched": self.matched or p.name,
            "score": round(self.score, 1),
        }


@dataclass
class PlaceResolver:
    """Resolves names to places, each name once per text; ``prefer``: country codes (ISO-2) to
    choose among namesakes."""

    prefer: set[str] = field(default_factory=lambda: set(ISO2.values()))
    _cache: dict[tuple[str, bool], ResolvedPlace | None] = field(default_factory=dict)

    def __call__(self, name: str, fuzzy: bool) -> ResolvedPlace | None:
        key = (name, fuzzy)
        if key not in self._cache:
            found = match(name, fuzzy=fuzzy)
            resolved = None
            if found is not None:
                best = next((p for p in found.places if p.country in self.prefer), found.places[0])
                resolved = ResolvedPlace(name, best, len(found.places) > 1, found.matched, found.score)
            self._cache[key] = resolved
        return self._cache[key]


@dataclass(frozen=True)
class PlaceSpan:
    start: int
    end: int
    resolved: ResolvedPlace


@cache
def _never() -> frozenset[str]:
    """Words that are never (part of) a place name."""
    return NOT_PLACES | frozenset(COUNTRY_WORDS) | word_aliases()


def _word_runs(sentence: str) -> list[tuple[int, int, str]]:
    """Capitalised word runs that might be place names, split at words that are never places
    (stop words, country words, equipment names): (start, end, text)."""
    never = _never()
    out = []
    for m in _CAPITALISED.finditer(sentence):
        run: list[re.Match[str]] = []
        for w in re.finditer(r"\S+", m.group(0)):
            if re.sub(r"['’]s$", "", w.group(0)).lower() in never:
                if run:
                    out.append((m.start() + run[0].start(), m.start() + run[-1].end(), " ".join(x[0] for x in run)))
                run = []
            else:
                run.append(w)
        if run:
            out.append((m.start() + run[0].start(), m.start() + run[-1].end(), " ".join(x[0] for x in run)))
    return out


class SentencePlaces:
    """The places of one sentence, in order, each resolved once."""

    def __init__(self, sentence: str, resolve: PlaceResolver) -> None:
        self.sentence = sentence
        spans: list[PlaceSpan] = []
        for start, end, name in _word_runs(sentence):
            if _AREA.match(sentence, end) or (spans and _LOCATOR.fullmatch(sentence[spans[-1].end : start])):
                continue
            # a place by its context: after at/in/near, after another place in a list, before "airfield"
            listed = bool(spans) and LIST_SEPARATOR.fullmatch(sentence[spans[-1].end : start]) is not None
            context = (
                bool(_BEFORE_PLACE.search(sentence[max(0, start - 20) : start]))
                or listed
                or bool(_AFTER_PLACE.match(sentence, end))
            )
            first = name.split()[0]
            resolved = resolve(name, False) or (resolve(first, False) if first != name else None)
            if resolved is None and context:
                resolved = resolve(name, True) or (resolve(first, True) if first != name else None)
            if resolved is not None:
                spans.append(PlaceSpan(start, end, resolved))
        self.spans = spans
        self._starts = [s.start for s in spans]

    def for_statement(self, position: int, end: int | None = None) -> ResolvedPlace | None:
        """The place a statement at ``position`` refers to: one introduced by at/in/near right
        after the statement (ending at ``end``), else the nearest one before it, else the first after."""
        i = bisect.bisect_left(self._starts, position)
        if end is not None:
            for span in self.spans[bisect.bisect_left(self._starts, end) :]:
                gap = self.sentence[end : span.start]
                if len(gap) >= AFTER_STATEMENT_CHARS:
                    break
                if re.search(r"\b(?:at|in|near|around|outside|from)\s+(?:the\s+)?$", gap):
                    return span.resolved
        if i > 0:
            return self.spans[i - 1].resolved
        return self.spans[i].resolved if i < len(self.spans) else None

    def listed_with(self, position: int) -> list[ResolvedPlace]:
        """The place a statement at ``position`` refers to (the nearest before, else the first
        after) and every place listed with it: "at Yelnya and Pogonovo, 150 miles from the border"."""
        i = bisect.bisect_left(self._starts, position)
        k = i - 1 if i > 0 else i
        if k >= len(self.spans):
            return []
        lo = hi = k
        joined = LIST_SEPARATOR.fullmatch
        while lo > 0 and joined(self.sentence[self.spans[lo - 1].end : self.spans[lo].start]):
            lo -= 1
        while hi + 1 < len(self.spans) and joined(self.sentence[self.spans[hi].end : self.spans[hi + 1].start]):
            hi += 1
        out: list[ResolvedPlace] = []
        for span in self.spans[lo : hi + 1]:
            if all(r.place != span.resolved.place for r in out):
                out.append(span.resolved)
        return out
