"""A text's claimed counts against what a workspace observed: the nearest watched site within a
few km of the claimed place, and its latest observation of the claimed class on or before the
article's date. Pure: the caller reads the sites and observations.

    claims 15 Su-25 at Luninets; observed 14 aircraft on 2021-11-28 (validated)

A count is *validated* only when its observation says so (``Observation.validated``: the model
that made it has a score on real imagery of that class at that GSD, or an analyst reviewed it);
other counts are *unvalidated candidates*; a class no observation counted is *not observed*, never
zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from shapely.geometry import Point

from forcewatch.assess.claims import EquipmentClaim
from forcewatch.assess.claims_equipment import catalogue
from forcewatch.assess.validation import REVIEWED
from forcewatch.geo.convert import GEOD
from forcewatch.model import Observation, Site

#: How far from the claimed place a watched site may be to stand for it (km).
WITHIN_KM = 5.0
VALIDATED = "validated"
CANDIDATES = "unvalidated candidates"
NOT_OBSERVED = "not observed"


@dataclass(frozen=True)
class NearSite:
    site: Site
    distance_km: float  # from the claimed place to the site (0 inside it)


@dataclass(frozen=True)
class ObservedCount:
    """One claimed count and what the workspace observed of its class at that place."""

    claim: EquipmentClaim
    observed_class: str
    site: str | None  # the watched site standing for the place; None when none is near
    site_km: float | None
    count: int | None  # the observed count; None when not observed
    acquired: str | None  # the date of that observation (YYYY-MM-DD)
    status: str  # validated | unvalidated candidates | not observed
    reason: str = ""  # why not observed, why validated, or why not validated

    def text(self) -> str:
        """The comparison in words: ``claims 15 Su-25 at Luninets; observed 14 aircraft on 2021-11-28 (validated)``."""
        c = self.claim
        lo, hi = c.count or (0.0, 0.0)
        number = f"{lo:,.0f}" if lo == hi else f"{lo:,.0f}–{hi:,.0f}"
        at = f" at {c.place.text}" if c.place else ""
        said = f"claims {number} {c.type or c.noun}{at}"
        if self.count is None:
            return f"{said}; {NOT_OBSERVED} ({self.reason})"
        return f"{said}; observed {self.count} {self.observed_class} on {self.acquired} ({self.status})"

    def to_json(self) -> dict[str, object]:
        return {
            "class": self.observed_class,
            "site": self.site,
            "site_km": None if self.site_km is None else round(self.site_km, 2),
            "count": self.count,
            "acquired": self.acquired,
            "status": self.status,
            "reason": self.reason,
            "text": self.text(),
        }


def comparable(claim: EquipmentClaim) -> bool:
    """A claim with a count, a place and a class ForceWatch counts."""
    return claim.count is not None and claim.place is not None and claim.observable is not None


def nearest_site(lat: float, lon: float, sites: Sequence[Site], within_km: float = WITHIN_KM) -> NearSite | None:
    """The watched site nearest to (lat, lon) (0 km when inside it), if one is within ``within_km``."""
    best: NearSite | None = None
    here = Point(lon, lat)
    for site in sites:
        if site.aoi.contains(here):
            km = 0.0
        else:
            centre = Point(site.lon, site.lat) if site.lon is not None and site.lat is not None else site.aoi.centroid
            km = float(GEOD.inv(lon, lat, centre.x, centre.y)[2]) / 1000
        if km <= within_km and (best is None or km < best.distance_km):
            best = NearSite(site, km)
    return best


def compare_count(
    claim: EquipmentClaim,
    near: NearSite | None,
    observations: Sequence[Observation],
    on_or_before: dt.date | None = None,
    within_km: float = WITHIN_KM,
) -> ObservedCount | None:
    """What was observed of the claim's class at ``near`` (its ``observations``): the latest on or
    before ``on_or_before`` (if given), validated or an unvalidated candidate as that observation
    says (``Observation.validated``). None when the claim is not comparable (:func:`comparable`)."""
    if not comparable(claim):
        return None
    cls = str(claim.observable)
    if near is None:
        where = claim.place.place.name if claim.place else "the place"
        return ObservedCount(
            claim, cls, None, None, None, None, NOT_OBSERVED, f"no watched site within {within_km:g} km of {where}"
        )
    name = near.site.name
    seen = [
        o
        for o in observations
        if cls in o.counts and (on_or_before is None or o.acquired[:10] <= on_or_before.isoformat())
    ]
    if not seen:
        when = f" on or before {on_or_before.isoformat()}" if on_or_before else ""
        return ObservedCount(
            claim, cls, name, near.distance_km, None, None, NOT_OBSERVED, f"no observation of {cls} at {name}{when}"
        )
    last = max(seen, key=lambda o: (o.acquired, o.id or 0))
    why = last.validated.get(cls)
    category = catalogue().categories.get(claim.category)
    unmeasured = category.unmeasured if category else ""
    if why is not None and unmeasured and not why.startswith(REVIEWED):
        why = None  # the model is validated on aircraft, but not on these
    status = VALIDATED if why is not None else CANDIDATES
    if why is None:
        unscored = f"no score of {last.model_id} on real imagery of that GSD and no analyst review validates it"
        why = unmeasured or unscored
    return ObservedCount(claim, cls, name, near.distance_km, last.counts[cls], last.acquired[:10], status, why)
