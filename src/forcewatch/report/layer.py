"""One layer of an export, as values: a geometry, a value per field and a time per feature."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

from forcewatch.model import Geometry

#: When a feature was seen: an instant (ISO 8601), a span (begin, end), or None.
Time: TypeAlias = str | tuple[str, str] | None


@dataclass(frozen=True)
class Layer:
    """One layer: a geometry (lon/lat, or None) and a value per field for each feature, and, for
    layers of dated features, a :data:`Time` each (KML's time slider plays them)."""

    geometries: list[Geometry | None]
    fields: dict[str, list[object]]
    times: list[Time] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.geometries)
