"""Numbers as news texts write them: digits, number words, and vague quantities as ranges."""

from __future__ import annotations

import re

UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
#: Vague quantities → (low, high).
VAGUE = {
    "a dozen": (12, 12),
    "dozen": (12, 12),
    "a couple of": (2, 2),
    "a few": (2, 5),
    "several": (3, 9),
    "dozens of": (24, 99),
    "scores of": (40, 199),
    "hundreds of": (200, 999),
    "thousands of": (2000, 9999),
    "tens of thousands of": (20_000, 99_999),
    "hundreds of thousands of": (200_000, 999_999),
}
WORD = "|".join(sorted([*UNITS, *TENS, *SCALES, "and", "a"], key=len, reverse=True))
#: A number in digits (1,000 / 1 000 / 2.5) optionally followed by a scale word, or number words.
_VALUE_WORD = "|".join(sorted([*UNITS, *TENS, *SCALES], key=len, reverse=True))
NUMBER_RE = (
    r"(?:\d{1,3}(?:[,\u202f ]\d{3})+|\d+(?:\.\d+)?)(?:\s+(?:million|thousand|hundred))?"
    rf"|(?:(?:a|{_VALUE_WORD})[\s-]+(?:(?:{WORD})[\s-]+)*)?(?:{_VALUE_WORD})"
)


def parse_number(text: str) -> float | None:
    """'40' → 40, '1,500' → 1500, 'fifteen' → 15, 'twenty-five' → 25, 'two hundred' → 200."""
    t = text.strip().lower().replace("\u202f", " ")
    m = re.fullmatch(r"(\d{1,3}(?:[, ]\d{3})+|\d+(?:\.\d+)?)(?:\s+(million|thousand|hundred))?", t)
    if m:
        value = float(re.sub(r"[, ]", "", m.group(1)))
        return value * SCALES[m.group(2)] if m.group(2) else value
    total, current, seen = 0, 0, False
    for word in re.split(r"[\s-]+", t):
        if word in ("and", "a") and not seen:
            if word == "a":
                current = 1
            continue
        if word == "and":
            continue
        if word in UNITS:
            current += UNITS[word]
        elif word in TENS:
            current += TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in ("thousand", "million"):
            total += max(current, 1) * SCALES[word]
            current = 0
        else:
            return None
        seen = True
    return float(total + current) if seen else None
