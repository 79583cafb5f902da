"""Match the objects of two dates: optimal assignment on ground distance, class by class.

Two detections are the same object when their centres are closer than the tolerance
(:func:`tolerance_m`): the residual misalignment between the dates plus half the object's length.
An object of the earlier date that the later scene did not observe (outside its valid footprint)
is *not observed*, never *departed*; an object of the later date on ground that the earlier scene
did not show is *not observed before*, never *arrived*. A detection without a place on the ground
(no polygon, or an empty one) is matched with nothing and is, likewise, not observed (before).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from pyproj import Transformer
from scipy.optimize import linear_sum_assignment
from shapely.geometry.base import BaseGeometry

from forcewatch.geo.convert import local_metric_crs, transformer
from forcewatch.model import StoredDetection


def tolerance_m(length_m: float | np.ndarray, misalignment_m: float) -> float | np.ndarray:
    """How far apart (metres) two sightings of one object may lie: the residual misalignment
    between the dates plus half the object's length."""
    return misalignment_m + 0.5 * length_m


@dataclass
class ObjectChange:
    """Per class: pairs that stayed, objects that arrived, departed, or could not be observed.

    ``still_there`` are earlier objects that the later date shows again below its operating
    threshold (they stayed), ``already_there`` later objects that the earlier date already showed
    below its threshold (they did not arrive): see :mod:`forcewatch.change.hysteresis`. Of the
    earlier date's objects, each stayed, departed or was not observed."""

    class_name: str
    stayed: list[tuple[StoredDetection, StoredDetection]] = field(default_factory=list)
    arrived: list[StoredDetection] = field(default_factory=list)
    departed: list[StoredDetection] = field(default_factory=list)
    not_observed: list[StoredDetection] = field(default_factory=list)
    not_observed_before: list[StoredDetection] = field(default_factory=list)
    still_there: list[StoredDetection] = field(default_factory=list)
    already_there: list[StoredDetection] = field(default_factory=list)

    @property
    def stayed_count(self) -> int:
        """The earlier date's objects that stayed: matched, or seen again below the threshold."""
        return len(self.stayed) + len(self.still_there)

    def earlier_objects(self) -> list[StoredDetection]:
        """The earlier date's detections of this class."""
        return [*(a for a, _ in self.stayed), *self.departed, *self.not_observed, *self.still_there]

    def later_objects(self) -> list[StoredDetection]:
        """The later date's detections of this class."""
        return [*(b for _, b in self.stayed), *self.arrived, *self.not_observed_before, *self.already_there]

    def to_json(self) -> dict[str, object]:
        return {
            "class": self.class_name,
            "before": len(self.stayed) + len(self.departed) + len(self.not_observed) + len(self.still_there),
            "after": len(self.stayed) + len(self.arrived) + len(self.not_observed_before) + len(self.already_there),
            "stayed": self.stayed_count,
            "arrived": len(self.arrived),
            "departed": len(self.departed),
            "not_observed": len(self.not_observed),
            "not_observed_before": len(self.not_observed_before),
        }


def _centres_lonlat(dets: list[StoredDetection]) -> np.ndarray:
    """The centres (lon, lat) of the detections' ground polygons; NaN where a detection has none
    (no polygon, or an empty one: it has no place on the ground)."""
    nowhere = (np.nan, np.nan)
    polys = [d.detection.polygon for d in dets]
    centres = [nowhere if p is None or p.is_empty else (p.centroid.x, p.centroid.y) for p in polys]
    return np.array(centres, dtype=np.float64).reshape(len(dets), 2)


def _centres_m(dets: list[StoredDetection], to_local: Transformer) -> np.ndarray:
    """The centres in the matching's metric plane; NaN where a detection has no ground polygon."""
    lonlat = _centres_lonlat(dets)
    x, y = to_local.transform(lonlat[:, 0], lonlat[:, 1])
    return np.column_stack([x, y])


def _seen(area: BaseGeometry | None, to_local: Transformer) -> BaseGeometry | None:
    """An observed area (lon/lat) in the matching's metric plane; None when not given (all seen)."""
    if area is None or area.is_empty:
        return None
    return shapely.transform(area, lambda xy: np.column_stack(to_local.transform(xy[:, 0], xy[:, 1])))


def _outside(area_m: BaseGeometry | None, centres_m: np.ndarray) -> np.ndarray:
    """Which centres (metric plane) lie outside an observed area (none when it is not given), or
    nowhere (NaN: a detection without a ground polygon, which no date can be said to show)."""
    nowhere = ~np.isfinite(centres_m).all(axis=1)
    if area_m is None:
        return nowhere
    return nowhere | ~shapely.contains_xy(area_m, centres_m[:, 0], centres_m[:, 1])


def match_objects(
    before: list[StoredDetection],
    after: list[StoredDetection],
    *,
    misalignment_m: float = 0.0,
    observed_after: BaseGeometry | None = None,
    after_offset_m: tuple[float, float] = (0.0, 0.0),
    observed_before: BaseGeometry | None = None,
) -> dict[str, ObjectChange]:
    """Arrived / departed / stayed per class between two dates (detections with ground polygons).

    ``after_offset_m`` (east, north) is added to the later date's positions: the co-registration
    shift that aligns it with the earlier date. ``observed_after`` is the ground the later date
    showed (lon/lat, in its own frame: an earlier object is looked for there less the offset);
    ``observed_before`` the ground the earlier date showed. Not given: all of it."""
    placed = _centres_lonlat([*before, *after])
    placed = placed[np.isfinite(placed).all(axis=1)]
    lon0, lat0 = (float(v) for v in (placed.mean(axis=0) if len(placed) else np.zeros(2)))  # none placed: any plane
    to_local = transformer(4326, local_metric_crs(lon0, lat0))
    offset = np.asarray(after_offset_m, float)
    seen_after, seen_before = _seen(observed_after, to_local), _seen(observed_before, to_local)
    out: dict[str, ObjectChange] = {}
    for cls in sorted({d.detection.class_name for d in [*before, *after]}):
        a = [d for d in before if d.detection.class_name == cls]
        b = [d for d in after if d.detection.class_name == cls]
        ca, cb = _centres_m(a, to_local), _centres_m(b, to_local) + offset
        change = ObjectChange(cls)
        matched_a: set[int] = set()
        matched_b: set[int] = set()
        if len(a) and len(b):
            dist = np.linalg.norm(ca[:, None, :] - cb[None, :, :], axis=2)
            la = np.array([d.detection.length_m for d in a])[:, None]
            lb = np.array([d.detection.length_m for d in b])[None, :]
            tol = tolerance_m(np.minimum(la, lb), misalignment_m)
            cost = np.where(dist <= tol, dist, 1e9)
            rows, cols = linear_sum_assignment(cost)
            for i, j in zip(rows, cols, strict=True):
                if cost[i, j] < 1e9:
                    change.stayed.append((a[i], b[j]))
                    matched_a.add(int(i))
                    matched_b.add(int(j))
        unseen_after = _outside(seen_after, ca - offset)
        unseen_before = _outside(seen_before, cb)
        for j, d in enumerate(b):
            if j not in matched_b:
                (change.not_observed_before if unseen_before[j] else change.arrived).append(d)
        for i, d in enumerate(a):
            if i not in matched_a:
                (change.not_observed if unseen_after[i] else change.departed).append(d)
        out[cls] = change
    return out
