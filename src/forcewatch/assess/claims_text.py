"""The text side of the claims check: sentences (of bounded length, each once), the country a
text is about, and the date it was written."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator

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
#: A sentence longer than this (characters) is cut at clause boundaries: a text without full
#: stops stays linear to search, and each claim quotes a readable sentence.
MAX_SENTENCE_CHARS = 600
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")
MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            "jan january",
            "feb february",
            "mar march",
            "apr april",
            "may",
            "jun june",
            "jul july",
            "aug august",
            "sep sept september",
            "oct october",
            "nov november",
            "dec december",
        ]
    )
    for m in names.split()
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
DATE_RE = re.compile(
    rf"\b(?:(?P<y1>20\d\d)-(?P<m1>\d\d)-(?P<d1>\d\d)"
    rf"|(?P<mon2>{_MONTH})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>20\d\d)"
    rf"|(?P<d3>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon3>{_MONTH})\.?,?\s+(?P<y3>20\d\d))\b",
    re.IGNORECASE,
)


def _bounded(sentence: str, limit: int = MAX_SENTENCE_CHARS) -> Iterator[str]:
    """``sentence`` in pieces of at most ``limit`` characters, cut after a semicolon, else a
    comma, else a space, in the second half of each piece."""
    start, n = 0, len(sentence)
    while n - start > limit:
        window = sentence[start : start + limit]
        cut = max(window.rfind("; "), window.rfind(", "))
        if cut < limit // 2:
            cut = window.rfind(" ")
        cut = cut + 1 if cut >= limit // 2 else limit
        yield sentence[start : start + cut].strip()
        start += cut
    yield sentence[start:].strip()


def sentences(text: str) -> list[str]:
    """The sentences of ``text``: paragraphs (blank-line separated) split after . ! or ? before a
    capital, whitespace flattened, long ones cut (``MAX_SENTENCE_CHARS``)."""
    out: list[str] = []
    for para in re.split(r"\n\s*\n", text):
        flat = " ".join(para.split())
        for s in _SPLIT.split(flat):
            out.extend(p for p in _bounded(s) if p)
    return out


def unique(items: list[str]) -> list[str]:
    """``items`` without repeats, in first-seen order (a caption repeated under each image counts once)."""
    return list(dict.fromkeys(items))


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


def article_date(text: str) -> dt.date | None:
    """The latest full date the text names (2021-11-28, November 28, 2021, 28 Nov 2021): a text
    is written on or after every date it reports."""
    latest = None
    for m in DATE_RE.finditer(text):
        y, mon, d = (
            (m["y1"], int(m["m1"]), m["d1"])
            if m["y1"]
            else (m["y2"], MONTHS[m["mon2"].lower()], m["d2"])
            if m["y2"]
            else (m["y3"], MONTHS[m["mon3"].lower()], m["d3"])
        )
        try:
            day = dt.date(int(y), mon, int(d))
        except ValueError:
            continue
        latest = day if latest is None or day > latest else latest
    return latest
