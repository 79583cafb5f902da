"""Hysteresis for arrivals and departures: an object is *departed* only if the later date, looked
at again where it stood with a low score threshold (:data:`LOW_SCORE_SHARE` of the operating one),
shows nothing there; an object has *arrived* only if the earlier date, looked at again where it now
stands, shows nothing there. A detector's score near its threshold flickers between two images of the same
ground (a shift of a few pixels, another tiling, haze): without hysteresis that flicker reads as
objects coming and going.

Pure: :func:`looks_for` says where to look, the caller (``forcewatch.app.compare``) runs the
detector there and hands the boxes back as :class:`Candidate` values, and :func:`confirmed`
decides which objects were seen again; :func:`hold_over` moves them to *stayed*.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from forcewatch.change.frames import opposite, shifted
from forcewatch.change.match import ObjectChange, tolerance_m
from forcewatch.geo.convert import local_metric_crs, transformer
from forcewatch.model import StoredDetection

#: The other date is looked at again with this share of the model's operating threshold. Measured
#: (bench/churn.py, 3 px shifts of real 0.5 m airports, all bundled models): at 0.5 the tent and
#: vehicle false positives still churn 6–9 %, at 0.4 at most 5 %; true departures and arrivals
#: (bench/change.py) are found alike at 0.5 and 0.4.
LOW_SCORE_SHARE = 0.4
#: A box found again within this share of the object's length of a stored detection of the date
#: looked at is that detection (already matched to something else), not a new sighting.
SAME_DETECTION_SHARE = 0.3
#: Two boxes of one date that overlap by this share of the smaller are one object seen as two.
MERGED_OVERLAP = 0.25

EARLIER, LATER = "earlier", "later"


@dataclass(frozen=True)
class Look:
    """Look again at ``date`` (EARLIER or LATER) for ``stored`` (an object seen only on the other date):
    it should stand at ``polygon`` (lon/lat, in the examined date's own frame), give or take
    ``tolerance_m``."""

    stored: StoredDetection
    date: str
    polygon: BaseGeometry
    tolerance_m: float


@dataclass(frozen=True)
class Candidate:
    """A box the detector found when looking again: its class, score and centre (lon/lat, in the
    examined date's own frame)."""

    class_name: str
    score: float
    lon: float
    lat: float


@dataclass(frozen=True)
class LookedAgain:
    """The boxes found for each look (in the order of the looks; empty where nothing was found or
    nothing could be looked at), and what could not be looked at again, and why ("" if all could)."""

    candidates: tuple[tuple[Candidate, ...], ...]
    note: str = ""


#: Runs the detector where the looks say and returns what it found (the I/O is the caller's).
LookAgain = Callable[[Sequence[Look]], LookedAgain]


def looks_for(
    changes: Mapping[str, ObjectChange], offset_m: tuple[float, float], misalignment_m: float, crs: CRS
) -> list[Look]:
    """Where to look again: each departed object on the later date (its place less the shift that
    aligns the later date), each arrived object on the earlier date (its place plus that shift)."""
    looks = []
    for ch in changes.values():
        for dets, date, move in ((ch.departed, LATER, opposite(offset_m)), (ch.arrived, EARLIER, offset_m)):
            for d in dets:
                if d.detection.polygon is None:
                    continue
                tol = float(tolerance_m(d.detection.length_m, misalignment_m))
                looks.append(Look(d, date, shifted(d.detection.polygon, move, crs), tol))
    return looks


def _overlap(a: BaseGeometry | None, b: BaseGeometry | None) -> float:
    """The share of the smaller of two boxes that the other covers (0 without both)."""
    if a is None or b is None:
        return 0.0
    smaller = min(a.area, b.area)
    return a.intersection(b).area / smaller if smaller > 0 else 0.0


@dataclass(frozen=True)
class _Stored:
    """The stored detections of one date and class: their centres (metres) and the object of the
    other date each is matched with (None: unmatched)."""

    centres_m: np.ndarray
    partners: tuple[StoredDetection | None, ...]


def _stored(
    changes: Mapping[str, ObjectChange], metres: Callable[[Sequence[float], Sequence[float]], np.ndarray]
) -> dict[tuple[str, str], _Stored]:
    out = {}
    for cls, ch in changes.items():
        for date, dets, pairs in (
            (EARLIER, ch.earlier_objects(), {a.id: b for a, b in ch.stayed}),
            (LATER, ch.later_objects(), {b.id: a for a, b in ch.stayed}),
        ):
            with_geom = [d for d in dets if d.detection.polygon is not None]
            centres = [d.detection.polygon.centroid for d in with_geom if d.detection.polygon is not None]
            out[(date, cls)] = _Stored(
                metres([c.x for c in centres], [c.y for c in centres]), tuple(pairs.get(d.id) for d in with_geom)
            )
    return out


def confirmed(looks: Sequence[Look], looked: LookedAgain, changes: Mapping[str, ObjectChange]) -> set[int]:
    """The indices of the looks whose object was seen again: a box of its class whose centre lies
    within the look's tolerance, that no nearer look has taken, and that is not a stored detection
    of the date looked at (matched already to another object) — unless that other object's box
    overlaps this one's by :data:`MERGED_OVERLAP`: then one date saw as one object what the other
    saw as two boxes, and nothing came or went."""
    if not looks:
        return set()
    centres = [lk.polygon.centroid for lk in looks]
    lon0, lat0 = float(np.mean([c.x for c in centres])), float(np.mean([c.y for c in centres]))
    to_m = transformer(4326, local_metric_crs(lon0, lat0))

    def metres(lons: Sequence[float], lats: Sequence[float]) -> np.ndarray:
        x, y = to_m.transform(np.asarray(lons, float), np.asarray(lats, float))
        return np.column_stack([x, y]).reshape(-1, 2)

    stored = _stored(changes, metres)
    plain: list[tuple[float, int, np.ndarray, float]] = []  # distance, look, candidate centre, same-object radius
    merged: set[int] = set()
    for i, (lk, found) in enumerate(zip(looks, looked.candidates, strict=True)):
        det = lk.stored.detection
        same = [c for c in found if c.class_name == det.class_name]
        if not same:
            continue
        centre = metres([centres[i].x], [centres[i].y])[0]
        radius = SAME_DETECTION_SHARE * det.length_m
        known = stored.get((lk.date, det.class_name), _Stored(np.zeros((0, 2)), ()))
        for p in metres([c.lon for c in same], [c.lat for c in same]):
            dist = float(np.linalg.norm(p - centre))
            if dist > lk.tolerance_m:
                continue
            near = np.linalg.norm(known.centres_m - p, axis=1) if len(known.partners) else np.zeros(0)
            if not len(near) or near.min() > radius:
                plain.append((dist, i, p, radius))
                continue
            partner = known.partners[int(near.argmin())]
            if partner is not None and _overlap(partner.detection.polygon, det.polygon) >= MERGED_OVERLAP:
                merged.add(i)
    held: set[int] = set(merged)
    taken: list[tuple[str, np.ndarray, float]] = []
    for _, i, p, radius in sorted(plain, key=lambda t: t[0]):
        date = looks[i].date
        if i in held or any(d == date and np.linalg.norm(q - p) <= max(r, radius) for d, q, r in taken):
            continue
        held.add(i)
        taken.append((date, p, radius))
    return held


def hold_over(changes: Mapping[str, ObjectChange], looks: Sequence[Look], held: set[int]) -> dict[str, ObjectChange]:
    """``changes`` with the objects seen again moved from departed to *still there* (they stayed)
    and from arrived to *already there* (they did not arrive)."""
    again = {(looks[i].date, looks[i].stored.id) for i in held}
    out = {}
    for cls, ch in changes.items():
        out[cls] = replace(
            ch,
            departed=[d for d in ch.departed if (LATER, d.id) not in again],
            still_there=[*ch.still_there, *(d for d in ch.departed if (LATER, d.id) in again)],
            arrived=[d for d in ch.arrived if (EARLIER, d.id) not in again],
            already_there=[*ch.already_there, *(d for d in ch.arrived if (EARLIER, d.id) in again)],
        )
    return out
