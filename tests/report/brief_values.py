"""Values for the brief's tests, built in code on those of :mod:`tests.report.values`: observations
whose aircraft counts are validated (as the bundled aircraft model's are), a site seen on two dates,
and the stored comparison of those dates with its changed objects."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from forcewatch.model import Observation, StoredChangedObject, StoredComparison, StoredDetection
from forcewatch.report.brief_plan import SiteData
from tests.report import values
from tests.report.values import D1, D2, detection, site

__all__ = ["D1", "D2", "REVIEWED_TENTS", "SCORED", "changed", "compared", "comparison", "observation", "two_dates"]

SCORED = "aircraft-test scored on real 1 m imagery"
REVIEWED = "reviewed by analyst on 2022-02-11: 12 accepted, 0 rejected, 0 added"
#: aircraft scored, and the tents of both dates reviewed by an analyst
REVIEWED_TENTS = {"aircraft": SCORED, "tent": REVIEWED}


def observation(
    obs_id: int, acquired: str, counts: dict[str, int], validated: dict[str, str] | None = None, **where: Any
) -> Observation:
    """:func:`tests.report.values.observation` (``where``: its ``observed_px`` and ``not_observable``)
    whose aircraft count is validated (or the classes of ``validated``); any other class it counts
    is an unvalidated candidate."""
    o = values.observation(obs_id, acquired, counts, **where)
    return replace(o, validated={c: SCORED for c in counts if c == "aircraft"} if validated is None else validated)


def two_dates() -> SiteData:
    """Two aircraft on 20 January; on 10 February one stayed (moved 1 px), one departed, one arrived."""
    o1, o2 = observation(1, D1, {"aircraft": 2}), observation(2, D2, {"aircraft": 2})
    dets = [
        detection(1, o1, (300, 300, 330, 330)),
        detection(2, o1, (500, 300, 530, 330)),
        detection(3, o2, (301, 300, 331, 330)),
        detection(4, o2, (600, 500, 630, 530)),
    ]
    return SiteData(site(), [o1, o2], dets)


def comparison(
    summary: dict[str, dict[str, int]],
    validated: dict[str, str],
    notes: dict[str, str] | None = None,
    observations: tuple[int, int] = (1, 2),
) -> StoredComparison:
    """The stored comparison (id 1) of observations 1 (``D1``) and 2 (``D2``)."""
    return StoredComparison(
        1, 1, *observations, D1, D2, 0.0, 0.0, 0.5, 1.0, summary, {}, "2022-02-11T00:00:00Z", notes or {}, validated
    )


def changed(status: str, d: StoredDetection, comparison_id: int = 1) -> StoredChangedObject:
    """A changed object of a stored comparison: the detection ``d``, where it stood."""
    k = d.detection
    return StoredChangedObject(d.id, comparison_id, 1, status, k.class_name, k.score, d.acquired, k.polygon)


def compared(data: SiteData, validated: dict[str, str]) -> SiteData:
    """``data`` (of :func:`two_dates`) with the stored comparison of its dates, which found what
    matching by position finds (one aircraft stayed, one departed, one arrived) and validates
    ``validated`` on both dates."""
    summary = {"aircraft": {"before": 2, "after": 2, "arrived": 1, "departed": 1, "stayed": 1, "not_observed": 0}}
    summary["aircraft"]["not_observed_before"] = 0
    dets = {d.id: d for d in data.detections}
    return replace(
        data,
        comparisons=[comparison(summary, validated)],
        changed=[changed("departed", dets[2]), changed("arrived", dets[4])],
    )
