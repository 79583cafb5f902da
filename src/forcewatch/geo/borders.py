"""Country boundaries bundled with the package (Natural Earth admin-0 1:10m, public domain).

The data keep their topology: an arc used by two countries is a land border between them, an arc
used by one is coast. Natural Earth's default view draws **Crimea as part of Russia**; the
references ``UKR`` and ``RUS`` follow it, while ``UKR-1991`` and ``RUS-1991`` put Crimea in
Ukraine (the internationally recognised borders). Every measurement names the line it used.
Coordinates are quantised to about 0.0036° × 0.0017° (≈ 250 m × 190 m at 50° N).
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from forcewatch.errors import InputError

DATA = Path(__file__).resolve().parents[1] / "data" / "borders-10m.json.gz"
CRIMEA_BOX = shapely.box(32.3, 44.3, 36.8, 46.25)  # the peninsula, to move it between views


@dataclass(frozen=True)
class Country:
    iso3: str
    name: str
    polygons: tuple[tuple[tuple[int, ...], ...], ...]  # per polygon, per ring: arc indices (~i = reversed)


@dataclass(frozen=True)
class ReferenceLine:
    """A line to measure distances to, with the name every output cites."""

    name: str
    geometry: BaseGeometry  # (Multi)LineString in lon/lat
    source: str


class Borders:
    def __init__(self, doc: dict[str, object]) -> None:
        t = doc["transform"]
        sx, sy = t["scale"]  # type: ignore[index]
        tx, ty = t["translate"]  # type: ignore[index]
        self.arcs = []
        for arc in doc["arcs"]:  # type: ignore[attr-defined]
            p = np.cumsum(np.asarray(arc, dtype=np.float64), axis=0)
            self.arcs.append(np.column_stack([p[:, 0] * sx + tx, p[:, 1] * sy + ty]))
        self.countries = {
            c["iso3"]: Country(c["iso3"], c["name"], tuple(tuple(tuple(r) for r in p) for p in c["polygons"]))
            for c in doc["countries"]  # type: ignore[attr-defined]
        }
        self.source = str(doc["source"])

    def _ring(self, idx: tuple[int, ...]) -> np.ndarray | None:
        parts = [self.arcs[i] if i >= 0 else self.arcs[~i][::-1] for i in idx]
        pts = np.concatenate([parts[0]] + [p[1:] for p in parts[1:]])
        return pts if len(pts) >= 4 else None

    def _polygon(self, rings: tuple[tuple[int, ...], ...]) -> Polygon | None:
        shell = self._ring(rings[0])
        if shell is None:
            return None
        holes = [h for h in (self._ring(r) for r in rings[1:]) if h is not None]
        return Polygon(shell, holes)

    def _crimea(self) -> list[tuple[tuple[int, ...], ...]]:
        out = []
        for p in self.countries["RUS"].polygons:
            g = self._polygon(p)
            if g is not None and CRIMEA_BOX.contains(g.representative_point()):
                out.append(p)
        return out

    @cache  # noqa: B019 (one Borders per process)
    def _owners(self, view_1991: bool) -> list[tuple[str, tuple[tuple[int, ...], ...]]]:
        """(owner, polygon) for every polygon, in Natural Earth's view or the 1991 one."""
        if not view_1991:
            return [(c.iso3, p) for c in self.countries.values() for p in c.polygons]
        crimea = self._crimea()
        out = []
        for c in self.countries.values():
            for p in c.polygons:
                owner = {"UKR": "UKR-1991", "RUS": "UKR-1991" if p in crimea else "RUS-1991"}.get(c.iso3, c.iso3)
                out.append((owner, p))
        return out

    @cache  # noqa: B019
    def _arc_users(self, view_1991: bool) -> dict[int, frozenset[str]]:
        users: dict[int, set[str]] = {}
        for owner, p in self._owners(view_1991):
            for ring in p:
                for i in ring:
                    users.setdefault(i if i >= 0 else ~i, set()).add(owner)
        return {k: frozenset(v) for k, v in users.items()}

    def polygons_of(self, code: str) -> list[tuple[tuple[int, ...], ...]]:
        return [p for owner, p in self._owners(code.endswith("-1991")) if owner == code]

    def resolve(self, text: str) -> str:
        """An ISO-3 code (or UKR-1991/RUS-1991) from a code or a country name."""
        key = text.strip().upper()
        if key in self.countries or key in ("UKR-1991", "RUS-1991"):
            return key
        for c in self.countries.values():
            if c.name.lower() == text.strip().lower():
                return c.iso3
        raise InputError(
            f"no country {text!r} in the bundled borders. Fix: use an ISO-3 code (UKR, BLR, RUS, UKR-1991, …), "
            "a country name as Natural Earth spells it, or a line file (.geojson, .gpkg, .kml)."
        )

    def name_of(self, code: str) -> str:
        if code == "UKR-1991":
            return "Ukraine (internationally recognised borders, Crimea included)"
        if code == "RUS-1991":
            return "Russia (internationally recognised borders, Crimea excluded)"
        if code in ("UKR", "RUS"):
            return f"{self.countries[code].name} (Natural Earth default view: Crimea drawn in Russia)"
        return self.countries[code].name

    @cache  # noqa: B019 (one Borders per process)
    def area(self, code: str) -> MultiPolygon:
        polys = [g for g in (self._polygon(p) for p in self.polygons_of(code)) if g is not None]
        return MultiPolygon(polys)

    def land_border(self, code: str, other: str | None = None) -> ReferenceLine:
        """The land border of ``code`` (with ``other`` only, if given): arcs it shares, never coast."""
        view = code.endswith("-1991") or bool(other and other.endswith("-1991"))
        if view:
            code = f"{code}-1991" if code in ("UKR", "RUS") else code
            other = f"{other}-1991" if other in ("UKR", "RUS") else other
        keep = [
            arc
            for arc, users in sorted(self._arc_users(view).items())
            if code in users and len(users) > 1 and (other is None or other in users)
        ]
        if not keep:
            raise InputError(
                f"{code} has no land border" + (f" with {other}" if other else "") + " in the bundled data."
            )
        name = f"land border of {self.name_of(code)}" + (f" with {self.name_of(other)}" if other else "")
        return ReferenceLine(name, MultiLineString([LineString(self.arcs[a]) for a in keep]), self.source)

    def containing(self, lon: float, lat: float, view_1991: bool = False) -> str | None:
        """The code of the country that contains the point (None at sea); with ``view_1991``,
        Ukraine and Russia are UKR-1991 and RUS-1991, Crimea in Ukraine."""
        pt = shapely.Point(lon, lat)
        for code in self.countries:
            area = self.area(code)
            if not area.is_empty and shapely.box(*area.bounds).contains(pt) and area.contains(pt):
                if view_1991 and code in ("UKR", "RUS"):
                    return "UKR-1991" if self.area("UKR-1991").contains(pt) else "RUS-1991"
                return code
        return None


@cache
def borders() -> Borders:
    with gzip.open(DATA, "rt", encoding="utf-8") as fh:
        return Borders(json.load(fh))
