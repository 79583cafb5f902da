"""Camps between two dates: a tent camp that appears is the "first time tents have been erected"
event. Camps are found on each date's detections (tents and vehicles), matched by overlap, and
tied to the new-activity areas found by image differencing inside their outlines. A camp on ground
one date did not show is neither new nor gone, and one that only crossed the size of a camp (its
objects there before, or still there, but one too few to make a camp) is unchanged."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from forcewatch.detect.camps import CAMP_CLASSES, Camp, find_camps
from forcewatch.geo.convert import reprojector
from forcewatch.model import ActivityPolygon, CampChange, StoredDetection

GROWTH = 1.25  # a camp with this many times the objects (and at least 5 more) has grown
MIN_STEP = 5  # … and a camp is new, or gone, with at least this many objects more, or fewer, in its outline
SEEN_SHARE = 0.5  # a camp is seen on a date that shows at least this share of its outline


@dataclass(frozen=True)
class _Date:
    """One date's camps (metric), and the centre and class of each detection their members index."""

    camps: list[Camp]
    centres: list[BaseGeometry]
    classes: list[str]

    def seen_by(self, observed: BaseGeometry | None) -> set[int]:
        """The detections (indices) whose centres lie on ``observed`` (metric; None: all of them)."""
        if observed is None:
            return set(range(len(self.centres)))
        xy = np.array([(c.x, c.y) for c in self.centres]).reshape(-1, 2)
        return set(np.flatnonzero(shapely.contains_xy(observed, xy[:, 0], xy[:, 1])).tolist())

    def inside(self, outline: BaseGeometry) -> dict[str, int]:
        """The camp objects (tents, vehicles) of this date whose centres lie in ``outline``, by class."""
        counts: dict[str, int] = {}
        for c, cls in zip(self.centres, self.classes, strict=True):
            if cls in CAMP_CLASSES and outline.contains(c):
                counts[cls] = counts.get(cls, 0) + 1
        return counts


def _date(dets: Sequence[StoredDetection], to_m: Callable[[BaseGeometry], BaseGeometry]) -> _Date:
    with_geom = [d for d in dets if d.detection.polygon is not None]
    footprints = [to_m(d.detection.polygon) for d in with_geom]
    classes = [d.detection.class_name for d in with_geom]
    camps = find_camps([np.asarray(f.exterior.coords) for f in footprints], classes)
    return _Date(camps, [f.centroid for f in footprints], classes)


def objects_before(
    old: Sequence[Camp], centres: Sequence[BaseGeometry], new: Sequence[Camp], counted: set[int] | None = None
) -> list[int]:
    """For each later camp, the objects of the earlier camps it overlaps: each member of an earlier
    camp counted once, for the overlapping later camp nearest to it (so a camp split in two, or two
    joined into one, is unchanged, and each part of a split is compared with its own share); only
    the members in ``counted`` (None: all), those on ground the later date saw."""
    counts = [0] * len(new)
    for o in old:
        over = [j for j, c in enumerate(new) if o.polygon.intersects(c.polygon)]
        for m in o.members if over else ():
            if counted is None or m in counted:
                counts[min(over, key=lambda j: new[j].polygon.distance(centres[m]))] += 1
    return counts


def _seen(observed: BaseGeometry | None, outline: BaseGeometry) -> bool:
    """Whether a date that showed ``observed`` (metric; None: all) saw a camp's outline."""
    return observed is None or observed.intersection(outline).area >= SEEN_SHARE * outline.area


def camp_changes(
    before: Sequence[StoredDetection],
    after: Sequence[StoredDetection],
    crs: CRS,
    activity: Sequence[ActivityPolygon],
    observed_later: BaseGeometry | None,
    earlier_date: str,
    later_date: str,
    observed_earlier: BaseGeometry | None = None,
) -> list[CampChange]:
    """New, grown, shrunk, unchanged and gone camps, in a metric ``crs`` (the comparison grid's).
    ``observed_later`` and ``observed_earlier`` (lon/lat; None: all of it) are the ground each date
    showed: a camp the later date did not see is not gone, one the earlier date did not see not new,
    and a camp is compared by its objects on ground both dates saw (one cut by the edge of an image
    has not shrunk)."""
    to_m, to_ll = reprojector(4326, crs), reprojector(crs, 4326)

    lonlat = to_ll
    old, new = _date(before, to_m), _date(after, to_m)
    acts = [to_m(a.polygon) for a in activity if not a.polygon.is_empty]
    observed, observed0 = (
        to_m(g) if g is not None and not g.is_empty else None for g in (observed_later, observed_earlier)
    )
    seen_later, seen_earlier = old.seen_by(observed), new.seen_by(observed0)
    out = []
    for c, n0 in zip(new.camps, objects_before(old.camps, old.centres, new.camps, seen_later), strict=True):
        prev = [o for o in old.camps if o.polygon.intersects(c.polygon)]
        n = sum(m in seen_earlier for m in c.members)
        if not prev and not _seen(observed0, c.polygon):
            continue  # not seen on the earlier date: neither new nor there before
        if not prev:
            n0 = sum(old.inside(c.polygon).values())  # its objects there before, too few for a camp
            status = "new" if n - n0 >= MIN_STEP else "unchanged"
        elif n >= GROWTH * n0 and n - n0 >= MIN_STEP:
            status = "grown"
        elif n0 >= GROWTH * n and n0 - n >= MIN_STEP:
            status = "shrunk"
        else:
            status = "unchanged"
        act_m2 = sum(a.intersection(c.polygon).area for a in acts)
        out.append(CampChange(status, c.kind, c.counts, n0, c.area_m2, act_m2, lonlat(c.polygon), later_date))
    for o in old.camps:
        if any(o.polygon.intersects(c.polygon) for c in new.camps):
            continue
        if not _seen(observed, o.polygon):
            continue  # not seen on the later date: neither there nor gone
        n0, left = sum(m in seen_later for m in o.members), new.inside(o.polygon)
        if n0 - sum(left.values()) < MIN_STEP:  # its objects are still there, now too few for a camp
            out.append(CampChange("unchanged", o.kind, left, n0, o.area_m2, 0.0, lonlat(o.polygon), later_date))
            continue
        gone = sum(o.counts.values())
        out.append(CampChange("gone", o.kind, o.counts, gone, o.area_m2, 0.0, lonlat(o.polygon), earlier_date))
    return out
