"""Equipment in a news text: the bundled catalogue (``equipment.yaml``: types with their aliases,
categories, and the class a ForceWatch model counts for each) and the mentions of equipment in a
sentence, with the count each states.

A type is a claim with or without a count ("S-400 air defense system at Luninets"); a generic
noun only with one ("forty tanks"). A number that is part of a model's name is never a count:
"a British Challenger 2 tank" is one tank of type Challenger 2, not two tanks.

    >>> [(m.count, m.type.name if m.type else None, m.noun) for m in mentions("15 Su-25 ground attack aircrafts")]
    [((15.0, 15.0), 'Su-25', 'aircrafts')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from forcewatch.assess.numbers import NUMBER_RE, VAGUE, parse_number
from forcewatch.errors import InputError

CATALOGUE = Path(__file__).with_name("equipment.yaml")
#: Words that never stand between a count and its equipment, nor between a type and its noun.
STOP = (
    "the|a|an|and|or|but|of|at|in|on|near|around|from|to|with|by|for|as|that|which|who|while|"
    "is|are|was|were|be|been|being|has|have|had|also|its|their|his|her|this|these|those|"
    "seen|spotted|deployed|parked|arrived|moved|stationed|positioned|located|show|shows|showed"
)
#: Words before a small number that make it a count, not a model number ("At 5 sites").
COUNT_LEAD = {"at", "in", "near", "some", "about", "around", "only", "just", "nearly", "almost", "over", "and", "with"}
#: Nouns that are plural without an s.
INVARIANT = {"aircraft", "personnel", "mlrs"}
_ADJ = rf"(?!(?:{STOP})\b)(?:[a-z][a-z-]*|[A-Z][a-z]+)"
_VAGUE = "|".join(sorted((re.escape(v) for v in VAGUE), key=len, reverse=True))
#: A count right before ``endpos``: a number or vague quantity, then at most three adjectives.
COUNT_BEFORE = re.compile(
    rf"(?<![\w.,\u202f-])(?P<num>{_VAGUE}|{NUMBER_RE})\s+(?P<adj>(?:{_ADJ}\s+){{0,3}})$", re.IGNORECASE
)
#: How far before an equipment word a count may start (characters).
COUNT_WINDOW = 90
YEAR = re.compile(r"(?:19[5-9]\d|20[0-4]\d)")
_YEAR_LEAD = re.compile(
    r"\b(?:in|since|of|from|by|until|early|late|mid|january|february|march|april|may|june|july|august|"
    r"september|october|november|december)\s+$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Category:
    name: str
    observable: str | None  # the class a ForceWatch model counts for it, or None
    why: str
    #: why no model's validation covers this category's counts, even where its class is validated ("": covered)
    unmeasured: str = ""


@dataclass(frozen=True)
class EquipmentType:
    name: str
    aliases: tuple[str, ...]
    category: str
    observable: str | None


@dataclass(frozen=True, eq=False)
class Catalogue:
    categories: dict[str, Category]
    types: tuple[EquipmentType, ...]
    nouns: dict[str, str]  # lower-case generic noun → category
    type_nouns: frozenset[str]  # nouns that follow a type but never make a claim alone

    def observable(self, category: str) -> str | None:
        return self.categories[category].observable


@dataclass(frozen=True)
class Mention:
    """One statement of equipment in a sentence: its span (from the count, if any, to the noun)."""

    start: int
    end: int
    text: str
    count: tuple[float, float] | None
    type: EquipmentType | None
    noun: str
    category: str
    observable: str | None


def _bad(path: Path, what: str) -> InputError:
    return InputError(f"{path}: {what}. Fix: restore the bundled equipment.yaml (see its header for the fields).")


@cache
def catalogue(path: Path = CATALOGUE) -> Catalogue:
    """The equipment catalogue at ``path`` (default: the bundled one), checked."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or not {"categories", "types", "nouns"} <= set(doc):
        raise _bad(path, "needs 'categories', 'types' and 'nouns'")
    categories = {
        name: Category(
            name, (c or {}).get("observable"), str((c or {}).get("why", "")), str((c or {}).get("unmeasured") or "")
        )
        for name, c in doc["categories"].items()
    }
    types = []
    for t in doc["types"]:
        cat = t.get("category")
        if cat not in categories:
            raise _bad(path, f"type {t.get('name')!r} has category {cat!r}, not one of {sorted(categories)}")
        observable = t["observable"] if "observable" in t else categories[cat].observable
        types.append(EquipmentType(str(t["name"]), tuple(str(a) for a in t.get("aliases") or ()), cat, observable))
    nouns = {}
    for cat, words in doc["nouns"].items():
        if cat not in categories:
            raise _bad(path, f"nouns of unknown category {cat!r}")
        nouns.update({str(w).lower(): cat for w in words})
    return Catalogue(categories, tuple(types), nouns, frozenset(str(w).lower() for w in doc.get("type_nouns") or ()))


def _alias_pattern(alias: str) -> str:
    """A regex for one alias: the hyphen between letters and digits optional (Su-25, Su25, SS26;
    a space too after three letters: BMP 2), case-insensitive unless it has a one-letter part
    (T-72, S-400: "a 50" is no A-50) or no digits (Grad, and GRAD)."""
    parts = re.findall(r"[A-Za-z]+|\d+|[^A-Za-z\d]", alias)
    out = []
    for i, part in enumerate(parts):
        prev = parts[i - 1] if i else ""
        if part in ("-", " ") and prev.isalpha() and i + 1 < len(parts) and parts[i + 1].isdigit():
            out.append(r"[-\s]?" if len(prev) >= 3 else "-?")
        elif part == " ":
            out.append(r"\s+")
        elif part == "-":
            out.append("-?")
        else:
            if prev[-1:].isalnum() and prev.isalpha() != part.isalpha():
                out.append("-?")  # 2S19 and 2-S19, Tu-22M3 and Tu-22-M3
            out.append(re.escape(part))
    body = "".join(out)
    if not any(p.isdigit() for p in parts):
        return f"(?:{body}|{re.escape(alias.upper())})"
    if any(p.isalpha() and len(p) == 1 for p in parts):
        return body
    return f"(?i:{body})"


_WORD_START = re.compile(r"(?<![\w-])\w")


def _key(text: str, start: int) -> str:
    """The first two letters or digits at ``start``, lower-case, hyphens and spaces skipped: the
    bucket of aliases that may match there (T-72 and T72: "t7")."""
    return text[start : start + 3].replace("-", "").replace(" ", "").lower()[:2]


@dataclass(frozen=True, eq=False)
class _Patterns:
    #: per bucket key: one regex with a group per alias (longest first), and the type of each group
    buckets: dict[str, tuple[re.Pattern[str], list[EquipmentType]]]
    after: re.Pattern[str]  # the noun after a type
    generic: re.Pattern[str]  # a generic noun

    def types_in(self, sentence: str) -> list[tuple[int, int, EquipmentType]]:
        """Every type named in ``sentence``: (start, end, type). Only word starts whose first two
        characters begin some alias are tried, each against that bucket's aliases alone."""
        out: list[tuple[int, int, EquipmentType]] = []
        done = 0
        for w in _WORD_START.finditer(sentence):
            start = w.start()
            bucket = self.buckets.get(_key(sentence, start)) if start >= done else None
            m = bucket[0].match(sentence, start) if bucket else None
            if bucket and m:
                out.append((start, m.end(), bucket[1][int(str(m.lastgroup)[1:])]))
                done = m.end()
        return out


@cache
def _patterns(cat: Catalogue) -> _Patterns:
    """The regexes of types (by bucket), of a noun after a type, and of a generic noun."""
    aliases = sorted(((a, t) for t in cat.types for a in (t.name, *t.aliases)), key=lambda at: -len(at[0]))
    grouped: dict[str, list[tuple[str, EquipmentType]]] = {}
    for alias, t in aliases:
        grouped.setdefault(_key(alias, 0), []).append((alias, t))
    buckets = {}
    for key, members in grouped.items():
        groups = "|".join(f"(?P<a{i}>{_alias_pattern(a)})" for i, (a, _) in enumerate(members))
        regex = re.compile(rf"(?:{groups})(?:-?[A-Z][A-Z0-9]{{0,2}})?(?:s|['’]s)?(?![\w-])")
        buckets[key] = (regex, [t for _, t in members])
    nouns = "|".join(sorted((re.escape(n) for n in [*cat.nouns, *cat.type_nouns]), key=len, reverse=True))
    after = re.compile(rf"\)?(?P<words>(?:\s+(?!(?:{STOP})\b)[a-z][a-z-]*){{0,3}}?)\s+(?P<noun>(?i:{nouns}))(?![\w-])")
    generic = "|".join(sorted((re.escape(n) for n in cat.nouns), key=len, reverse=True))
    return _Patterns(buckets, after, re.compile(rf"(?<![\w-])(?i:{generic})(?![\w-])"))


def _count_before(sentence: str, start: int) -> tuple[int, tuple[float, float]] | None:
    """The count that ends right before ``start`` (where it starts, low–high), if any."""
    m = COUNT_BEFORE.search(sentence, max(0, start - COUNT_WINDOW), start)
    if m is None:
        return None
    raw = re.sub(r"\s+", " ", m.group("num").lower())
    if raw in VAGUE:
        lo, hi = VAGUE[raw]
        return m.start(), (float(lo), float(hi))
    value = parse_number(raw)
    if value is None:
        return None
    lead = sentence[max(0, m.start() - 40) : m.start()]
    if YEAR.fullmatch(raw) and (_YEAR_LEAD.search(lead) or m.group("adj")[:1].isupper()):
        return None  # "in 2021 Russian tanks"
    word = re.search(r"\b([A-Z][A-Za-z]+) $", lead)
    if raw.isdigit() and value < 10 and word and word.group(1).lower() not in COUNT_LEAD:
        return None  # "Leopard 2 tanks": a model number
    return m.start(), (value, value)


def _plural_ok(count: tuple[float, float] | None, noun: str) -> bool:
    """A count other than one needs a plural noun: "Challenger 2 tank" states no count of 2."""
    n = noun.lower()
    return count is None or count == (1.0, 1.0) or not n or n.endswith("s") or n in INVARIANT


def _typed(sentence: str, cat: Catalogue) -> list[Mention]:
    patterns = _patterns(cat)
    hits = patterns.types_in(sentence)
    merged: list[tuple[int, int, EquipmentType]] = []
    for start, end, t in hits:  # "SS26 Iskander", "BM-21 Grad", "Su-25 (Frogfoot)": one mention
        if merged and merged[-1][2] == t and re.fullmatch(r"[\s()\[\]\"“”/]{0,4}", sentence[merged[-1][1] : start]):
            merged[-1] = (merged[-1][0], end, t)
        else:
            merged.append((start, end, t))
    out = []
    for start, end, t in merged:
        noun_m = patterns.after.match(sentence, end)
        noun, stop = (noun_m.group("noun"), noun_m.end()) if noun_m else ("", end)
        counted = _count_before(sentence, start)
        count = counted[1] if counted and _plural_ok(counted[1], noun) else None
        first = counted[0] if count is not None and counted else start
        category = t.category
        out.append(Mention(first, stop, sentence[first:stop], count, t, noun, category, t.observable))
    return out


def mentions(sentence: str, cat: Catalogue | None = None) -> list[Mention]:
    """Every equipment statement in ``sentence``, in order: types with or without a count, and
    generic nouns with one."""
    cat = cat or catalogue()
    typed = _typed(sentence, cat)
    out = list(typed)
    for m in _patterns(cat).generic.finditer(sentence):
        if any(t.start <= m.start() < t.end for t in typed):
            continue
        counted = _count_before(sentence, m.start())
        if counted is None or not _plural_ok(counted[1], m.group(0)):
            continue
        first, count = counted
        category = cat.nouns[m.group(0).lower()]
        out.append(
            Mention(
                first, m.end(), sentence[first : m.end()], count, None, m.group(0), category, cat.observable(category)
            )
        )
    return sorted(out, key=lambda m: m.start)


@cache
def word_aliases(cat: Catalogue | None = None) -> frozenset[str]:
    """The lower-case aliases without digits (Iskander, Grad, Frogfoot): never place names."""
    cat = cat or catalogue()
    return frozenset(w.lower() for t in cat.types for a in (t.name, *t.aliases) for w in a.split() if w.isalpha())
