"""Camps between two dates: a tent camp that appears is the "first time tents have been erected"
event. Camps are found on each date's detections (tents and vehicles), matched by overlap, and
tied to the new-activity areas found by image differencing inside their outlines."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from forcewatch.detect.camps import Camp, find_camps
from forcewatch.geo.convert import reprojector
from forcewatch.model import ActivityPolygon, CampChange, StoredDetection

GROWTH = 1.25  # a camp with this many times the objects (and at least 5 more) has grown
MIN_STEP = 5


def _camps(dets: Sequence[StoredDetection], to_m: Callable[[BaseGeometry], BaseGeometry]) -> list[Camp]:
    with_geom = [d for d in dets if d.detection.polygon is not None]
    footprints = [np.asarray(to_m(d.detection.polygon).exterior.coords) for d in with_geom]
    return find_camps(footprints, [d.detection.class_name for d in with_geom])


def camp_changes(
    before: Sequence[StoredDetection],
    after: Sequence[StoredDetection],
    crs: CRS,
    activity: Sequence[ActivityPolygon],
    observed_later: BaseGeometry | None,
    earlier_date: str,
    later_date: str,
) -> list[CampChange]:
    """New, grown, shrunk, unchanged and gone camps, in a metric ``crs`` (the comparison grid's)."""
    to_m, to_ll = reprojector(4326, crs), reprojector(crs, 4326)

    lonlat = to_ll
    old, new = _camps(before, to_m), _camps(after, to_m)
    acts = [to_m(a.polygon) for a in activity if not a.polygon.is_empty]
    observed = to_m(observed_later) if observed_later is not None and not observed_later.is_empty else None
    out = []
    for c in new:
        prev = [o for o in old if o.polygon.intersects(c.polygon)]
        n, n0 = sum(c.counts.values()), sum(sum(o.counts.values()) for o in prev)
        if not prev:
            status = "new"
        elif n >= GROWTH * n0 and n - n0 >= MIN_STEP:
            status = "grown"
        elif n0 >= GROWTH * n and n0 - n >= MIN_STEP:
            status = "shrunk"
        else:
            status = "unchanged"
        act_m2 = sum(a.intersection(c.polygon).area for a in acts)
        out.append(CampChange(status, c.kind, c.counts, n0, c.area_m2, act_m2, lonlat(c.polygon), later_date))
    for o in old:
        if any(o.polygon.intersects(c.polygon) for c in new):
            continue
        if observed is not None and observed.intersection(o.polygon).area < 0.5 * o.polygon.area:
            continue  # not seen on the later date: neither there nor gone
        n0 = sum(o.counts.values())
        out.append(CampChange("gone", o.kind, o.counts, n0, o.area_m2, 0.0, lonlat(o.polygon), earlier_date))
    return out
