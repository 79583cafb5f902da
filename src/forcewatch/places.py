"""Offline gazetteer: a place name (in any common transliteration) → coordinates.

The bundled table (``data/gazetteer.tsv.gz``) is a compact subset of GeoNames (cities with at
least 1,000 inhabitants in the countries around Ukraine, CC BY 4.0, www.geonames.org) with
alternate names and a few curated places from public reporting. Names are compared after
folding: case, accents, apostrophes, and the usual Russian/Ukrainian/Belarusian romanisation
differences (Yelsk = Yel'sk = Elsk, Rechitsa = Rechytsa, Novoozerne = Novoozernoye).
"""

from __future__ import annotations

import csv
import gzip
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from forcewatch.errors import InputError

DATA = Path(__file__).parent / "data" / "gazetteer.tsv.gz"
_APOSTROPHES = re.compile(r"[’'ʼ`´ʹ\"]")
_PREFIX = re.compile(r"^(horad|gorod|misto|selo|posyolok|pgt) ")


@dataclass(frozen=True)
class Place:
    geonameid: str
    name: str
    country: str
    feature_code: str
    population: int
    lat: float
    lon: float


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


@cache
def _index() -> dict[str, list[Place]]:
    index: dict[str, list[Place]] = {}
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
            keys = {fold(row["name"])} | {fold(a) for a in row["alternatenames"].split("|") if a}
            for key in keys:
                index.setdefault(key, []).append(place)
    return index


def _km(a: Place, b: Place) -> float:
    dlat = math.radians(b.lat - a.lat)
    dlon = math.radians(b.lon - a.lon) * math.cos(math.radians((a.lat + b.lat) / 2))
    return 6371.0 * math.hypot(dlat, dlon)


def candidates(name: str, country: str | None = None) -> list[Place]:
    """Distinct places called ``name`` (variants within 10 km merged), most populous first."""
    found = _index().get(fold(name), [])
    if country:
        found = [p for p in found if p.country.upper() == country.upper()]
    found = sorted(found, key=lambda p: (-p.population, p.name))
    distinct: list[Place] = []
    for p in found:
        if all(_km(p, q) > 10 for q in distinct):
            distinct.append(p)
    return distinct


def resolve(name: str, country: str | None = None) -> Place:
    """The one place called ``name``; an error lists the candidates when there are several."""
    found = candidates(name, country)
    if not found:
        raise InputError(
            f"place {name!r} is not in the offline gazetteer"
            + (f" for country {country}" if country else "")
            + ". Fix: check the spelling, or give --lat and --lon."
        )
    if len(found) > 1:
        listing = "; ".join(
            f"{p.name} ({p.country}, population {p.population:,}, {p.lat:.4f} N {p.lon:.4f} E)" for p in found[:10]
        )
        raise AmbiguousPlaceError(
            f"place {name!r} is ambiguous: {listing}. Fix: add --country CODE, or give --lat and --lon."
        )
    return found[0]
