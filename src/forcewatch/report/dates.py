"""Dates: as the user writes them on the command line, as the brief prints them, and what happened
to a site's objects from one date to the next.

Since the previous date, each object *stayed*, *arrived*, *departed*, was *not observed* (the later
date did not show its ground) or *not observed before* (the earlier date did not show its ground:
never *arrived*). Where the two dates were compared (``forcewatch compare``: co-registered,
objects looked at again at a low score, a sensor-difference guard), the stored comparison says so,
with its notes; else the objects are matched by position on the ground.

>>> parse_date("2022-02-10", "--from")
datetime.date(2022, 2, 10)
>>> date_text("2022-02-10T09:00:00Z")
'10 February 2022'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from forcewatch.change.match import ObjectChange, match_objects
from forcewatch.change.tracks import split_unseen
from forcewatch.errors import InputError
from forcewatch.model import (
    Geometry,
    Observation,
    StoredChangedObject,
    StoredComparison,
    StoredDetection,
    member_ids,
    validated_on_both,
)


def parse_date(text: str, option: str) -> dt.date:
    """The date of an option's value (YYYY-MM-DD, or an ISO 8601 time); an :class:`InputError`
    naming the option and the fix for anything else."""
    value = text.strip()
    try:
        if len(value) <= 10:
            return dt.date.fromisoformat(value)
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        raise InputError(
            f"{option} {text!r}: not a date. Fix: write it as YYYY-MM-DD (for example 2022-02-10)."
        ) from None


def date_range(date_from: str | None, date_to: str | None) -> tuple[str | None, str | None]:
    """``--from`` and ``--to`` checked: each a date (or absent), the first not after the second.
    Returns them as given."""
    first = parse_date(date_from, "--from") if date_from else None
    last = parse_date(date_to, "--to") if date_to else None
    if first is not None and last is not None and first > last:
        raise InputError(f"--from {date_from} is after --to {date_to}: no date is in between. Fix: swap them.")
    return date_from, date_to


def date_text(iso: str) -> str:
    """An ISO 8601 time as the date people write: "10 February 2022" (on any platform's C library)."""
    d = dt.datetime.strptime(iso[:10], "%Y-%m-%d")
    return f"{d.day} {d:%B %Y}"


def observations_between(
    observations: list[Observation], date_from: str | None = None, date_to: str | None = None
) -> list[Observation]:
    """The observations from ``date_from`` (inclusive) to ``date_to`` (its whole day)."""
    return [
        o
        for o in observations
        if (not date_from or o.acquired >= date_from) and (not date_to or o.acquired[:10] <= date_to[:10])
    ]


# ---- what happened since the previous date

#: What happened to an object since the previous date; "seen" on the first date.
STATUSES = ("seen", "stayed", "arrived", "not observed before", "departed", "not observed")
#: The later date's changes and the earlier date's, as a comparison stores them.
LATER_STATUSES = ("arrived", "not observed before")
EARLIER_STATUSES = ("departed", "not observed")
#: A changed object of a stored comparison is the detection whose ground polygon's centre lies this
#: close (degrees, about 1 cm: the same polygon, read back from the store).
SAME_PLACE_DEG = 1e-7


@dataclass(frozen=True)
class Gone:
    """An object of the previous date not seen again: departed or not observed, and where it was."""

    status: str
    class_name: str
    polygon: Geometry | None


@dataclass(frozen=True)
class DateStatus:
    """What happened since the previous date: the status of this date's detections by id, the
    previous date's objects now gone, per compared class how many arrived, departed, stayed, were
    not observed or not observed before, the objects the next date is compared with (this date's,
    plus those of classes this date could not see), the classes validated on both dates, and the
    stored comparison (with its notes) these come from, if any."""

    status: dict[int, str]
    gone: list[Gone]
    changes: dict[str, dict[str, int]]
    following: list[StoredDetection]
    validated: dict[str, str] = field(default_factory=dict)
    comparison: StoredComparison | None = None

    @property
    def notes(self) -> dict[str, str]:
        """The stored comparison's notes ("re-examination", "new activity"); none without one."""
        return dict(self.comparison.notes) if self.comparison is not None else {}


def change_note(class_name: str, summary: Mapping[str, int]) -> str:
    """ "aircraft: 3 arrived, 2 departed, 3 stayed" (and how many were not observed, or not observed
    before, if any)."""
    s = summary
    text = f"{class_name}: {s.get('arrived', 0)} arrived, {s.get('departed', 0)} departed, {s.get('stayed', 0)} stayed"
    for key, words in (("not_observed", "not observed"), ("not_observed_before", "not observed before")):
        text += f", {s[key]} {words}" if s.get(key) else ""
    return text


def _summary(change: ObjectChange) -> dict[str, int]:
    c = change
    return {
        "arrived": len(c.arrived),
        "departed": len(c.departed),
        "stayed": c.stayed_count,
        "not_observed": len(c.not_observed),
        "not_observed_before": len(c.not_observed_before),
    }


def has_place(polygon: Geometry | None) -> bool:
    """Whether a ground polygon places its object on the ground."""
    return polygon is not None and not polygon.is_empty


def _centres(polygons: Sequence[Geometry | None]) -> np.ndarray:
    """N×2 centres (lon, lat) of the polygons; NaN where there is none (no place on the ground)."""
    xy = [(p.centroid.x, p.centroid.y) if p is not None and not p.is_empty else (np.nan, np.nan) for p in polygons]
    return np.array(xy, dtype=np.float64).reshape(len(polygons), 2)


def later_statuses(detections: list[StoredDetection], changed: list[StoredChangedObject]) -> dict[int, str]:
    """The status a stored comparison gave the later date's detections that arrived or were not
    observed before: each changed object is found by its class and place (it is the detection's
    ground polygon)."""
    out: dict[int, str] = {}
    for cls in sorted({k.class_name for k in changed}):
        ks = [k for k in changed if k.class_name == cls]
        ds = [d for d in detections if d.detection.class_name == cls]
        kc, dc = _centres([k.polygon for k in ks]), _centres([d.detection.polygon for d in ds])
        k_ok, d_ok = np.isfinite(kc).all(axis=1), np.isfinite(dc).all(axis=1)
        if not k_ok.any() or not d_ok.any():
            continue
        placed = [k for k, ok in zip(ks, k_ok, strict=True) if ok]
        dist, idx = cKDTree(kc[k_ok]).query(dc[d_ok], distance_upper_bound=SAME_PLACE_DEG)
        found = [d for d, ok in zip(ds, d_ok, strict=True) if ok]
        out.update({d.id: placed[i].status for d, dd, i in zip(found, dist, idx, strict=True) if np.isfinite(dd)})
    return out


def compared_status(
    comparison: StoredComparison,
    changed: list[StoredChangedObject],
    detections: list[StoredDetection],
    following: list[StoredDetection],
    validated: Mapping[str, str] | None = None,
) -> DateStatus:
    """What happened since the previous date as the stored comparison of the two dates says: its
    per-class counts (with those not observed before), its changed objects (a later detection it
    does not list stayed; one without a place on the ground was not observed before) and its notes.
    ``validated``: classes validated on both dates since (an analyst's later review), beside the
    comparison's."""
    mine = [k for k in changed if k.comparison_id == comparison.id]
    compared = set(comparison.summary)
    status = {
        d.id: "stayed" if has_place(d.detection.polygon) else "not observed before"
        for d in detections
        if d.detection.class_name in compared
    }
    status.update(later_statuses(detections, [k for k in mine if k.status in LATER_STATUSES]))
    gone = [Gone(k.status, k.class_name, k.polygon) for k in mine if k.status in EARLIER_STATUSES]
    both = {**(validated or {}), **comparison.validated}
    return DateStatus(status, gone, dict(comparison.summary), following, both, comparison)


def date_status(
    previous: list[StoredDetection] | None,
    detections: list[StoredDetection],
    observation: Observation,
    earlier: Observation | None = None,
    comparison: StoredComparison | None = None,
    changed: list[StoredChangedObject] | None = None,
) -> DateStatus:
    """What happened to the objects since the previous date (``previous``: its objects, ``None`` on
    the first date; ``earlier``: its observation). With the stored ``comparison`` of the two dates
    (and its ``changed`` objects), what it found; else the objects matched by position: ground the
    earlier date did not show is "not observed before", never "arrived". Classes this date cannot
    see are carried to the next date: neither stayed nor departed."""
    if previous is None:
        return DateStatus({}, [], {}, list(detections))
    comparable, carried = split_unseen(previous, observation)
    following = [*detections, *carried]
    both = validated_on_both(earlier, observation) if earlier is not None else {}
    if comparison is not None:
        return compared_status(comparison, changed or [], detections, following, both)
    seen_before = earlier.observed if earlier is not None else None
    changes = match_objects(comparable, detections, observed_after=observation.observed, observed_before=seen_before)
    status: dict[int, str] = {}
    gone: list[Gone] = []
    for ch in changes.values():
        status.update({b.id: "stayed" for _, b in ch.stayed})
        status.update({d.id: "arrived" for d in ch.arrived})
        status.update({d.id: "not observed before" for d in ch.not_observed_before})
        gone += [Gone(what, d.detection.class_name, d.detection.polygon) for what, d in _gone(ch)]
    return DateStatus(status, gone, {c: _summary(ch) for c, ch in changes.items()}, following, both)


def _gone(change: ObjectChange) -> list[tuple[str, StoredDetection]]:
    return [("departed", d) for d in change.departed] + [("not observed", d) for d in change.not_observed]


def comparison_between(
    comparisons: Sequence[StoredComparison], earlier: Observation, later: Observation
) -> StoredComparison | None:
    """The stored comparison of exactly these two observations (the last stored, if several); None
    when they were not compared, or only in scans since replaced."""
    ids_a, ids_b = member_ids(earlier), member_ids(later)
    found = [
        c
        for c in comparisons
        if (c.earlier, c.later) == (earlier.acquired, later.acquired)
        and c.earlier_observation in ids_a
        and c.later_observation in ids_b
    ]
    return found[-1] if found else None
