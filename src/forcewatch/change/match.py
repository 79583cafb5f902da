"""Match the objects of two dates: optimal assignment on ground distance, class by class.

Two detections are the same object when their centres are closer than the tolerance: the
residual misalignment between the dates plus half the object's length. An object of the earlier
date that the later scene did not observe (outside its valid footprint) is *not observed*, never
*departed*.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from pyproj import Transformer
from scipy.optimize import linear_sum_assignment
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from forcewatch.geo.convert import local_metric_crs, transformer
from forcewatch.model import StoredDetection


@dataclass
class ObjectChange:
    """Per class: pairs that stayed, objects that arrived, departed, or could not be observed."""

    class_name: str
    stayed: list[tuple[StoredDetection, StoredDetection]] = field(default_factory=list)
    arrived: list[StoredDetection] = field(default_factory=list)
    departed: list[StoredDetection] = field(default_factory=list)
    not_observed: list[StoredDetection] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "class": self.class_name,
            "before": len(self.stayed) + len(self.departed) + len(self.not_observed),
            "after": len(self.stayed) + len(self.arrived),
            "stayed": len(self.stayed),
            "arrived": len(self.arrived),
            "departed": len(self.departed),
            "not_observed": len(self.not_observed),
        }


def _centres_m(dets: list[StoredDetection], to_local: Transformer) -> np.ndarray:
    if not dets:
        return np.zeros((0, 2))
    pts = [d.detection.polygon.centroid if d.detection.polygon is not None else Point() for d in dets]
    x, y = to_local.transform([p.x for p in pts], [p.y for p in pts])
    return np.column_stack([x, y])


def match_objects(
    before: list[StoredDetection],
    after: list[StoredDetection],
    *,
    misalignment_m: float = 0.0,
    observed_after: BaseGeometry | None = None,
    after_offset_m: tuple[float, float] = (0.0, 0.0),
) -> dict[str, ObjectChange]:
    """Arrived / departed / stayed per class between two dates (detections with ground polygons).

    ``after_offset_m`` (east, north) is added to the later date's positions: the co-registration
    shift that aligns it with the earlier date."""
    pts = [d.detection.polygon.centroid for d in [*before, *after] if d.detection.polygon is not None]
    if not pts:
        return {}
    lon0 = float(np.mean([p.x for p in pts]))
    lat0 = float(np.mean([p.y for p in pts]))
    to_local = transformer(4326, local_metric_crs(lon0, lat0))
    observed = observed_after if observed_after is not None and not observed_after.is_empty else None
    out: dict[str, ObjectChange] = {}
    for cls in sorted({d.detection.class_name for d in [*before, *after]}):
        a = [d for d in before if d.detection.class_name == cls]
        b = [d for d in after if d.detection.class_name == cls]
        ca, cb = _centres_m(a, to_local), _centres_m(b, to_local) + np.asarray(after_offset_m)
        change = ObjectChange(cls)
        matched_a: set[int] = set()
        matched_b: set[int] = set()
        if len(a) and len(b):
            dist = np.linalg.norm(ca[:, None, :] - cb[None, :, :], axis=2)
            la = np.array([d.detection.length_m for d in a])[:, None]
            lb = np.array([d.detection.length_m for d in b])[None, :]
            tol = misalignment_m + 0.5 * np.minimum(la, lb)
            cost = np.where(dist <= tol, dist, 1e9)
            rows, cols = linear_sum_assignment(cost)
            for i, j in zip(rows, cols, strict=True):
                if cost[i, j] < 1e9:
                    change.stayed.append((a[i], b[j]))
                    matched_a.add(int(i))
                    matched_b.add(int(j))
        change.arrived = [d for j, d in enumerate(b) if j not in matched_b]
        for i, d in enumerate(a):
            if i in matched_a:
                continue
            centre = d.detection.polygon.centroid if d.detection.polygon is not None else None
            if observed is not None and centre is not None and not observed.contains(centre):
                change.not_observed.append(d)
            else:
                change.departed.append(d)
        out[cls] = change
    return out
