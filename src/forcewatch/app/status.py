"""Read-only views of a workspace: the status of every site, and one site's timeline.

Every view keeps findings (validated counts) apart from unvalidated candidates (see
:mod:`forcewatch.assess.validation`): ``counts`` in JSON and the findings column of a table hold
the validated ones only, unless the user includes the candidates (``--include-unvalidated``), and
then the output carries :data:`~forcewatch.assess.validation.INCLUDED_NOTE`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from forcewatch.app.validation import reviewed_observations
from forcewatch.assess.validation import INCLUDED_NOTE, REVIEWED, findings
from forcewatch.errors import ForceWatchError
from forcewatch.geo.distance import Distance, distance_to, reference_line
from forcewatch.model import Observation, Site, merge_by_scene
from forcewatch.store.base import Store

#: Put after an unvalidated candidate's count ("880? vehicle") where it shares a cell with findings.
UNVALIDATED_MARK = "?"
#: The legend of :data:`UNVALIDATED_MARK`.
UNVALIDATED_LEGEND = (
    f"N{UNVALIDATED_MARK}: an unvalidated candidate (no score on real imagery of that GSD, no analyst review): "
    "not a finding"
)
_REVIEWED = re.compile(rf"^{re.escape(REVIEWED)} (?P<who>.+?) on \d{{4}}-\d{{2}}-\d{{2}}")


def short_reason(why: str) -> str:
    """Why a class is validated, in a few words for a table cell: "model score" (a score on real
    imagery) or "reviewed by NAME"; the reasons of two dates ("A; B") each, once.

    >>> short_reason("reviewed by ana on 2022-02-11: 20 accepted, 2 rejected, 0 added")
    'reviewed by ana'
    >>> short_reason("aircraft-1m-v1 scored on real 0.5 m imagery (holdout: AP50 0.99)")
    'model score'
    """
    out: list[str] = []
    for part in why.split("; "):
        m = _REVIEWED.match(part)
        text = f"{REVIEWED} {m['who']}" if m else "model score"
        if text not in out:
            out.append(text)
    return "; ".join(out)


def validated_text(validated: Mapping[str, str]) -> str:
    """ "aircraft (model score), vehicle (reviewed by ana)" — each validated class, why in short; "-" if none."""
    return ", ".join(f"{cls} ({short_reason(why)})" for cls, why in sorted(validated.items())) or "-"


def counts_text(counts: Mapping[str, int], marked: Collection[str] = ()) -> str:
    """ "12 aircraft, 880? vehicle" — counts by class name, the ``marked`` classes with
    :data:`UNVALIDATED_MARK`; "" when there are none."""
    return ", ".join(f"{n}{UNVALIDATED_MARK if c in marked else ''} {c}" for c, n in sorted(counts.items()))


def findings_text(o: Observation, include_unvalidated: bool = False) -> str:
    """ "12 aircraft; tent not observable" — the counts that are findings, then what the scene could
    not show; with ``include_unvalidated`` the candidates too, marked ("12 aircraft, 880? vehicle")."""
    shown = findings(o.counts, o.validated, include_unvalidated)
    unseen = ", ".join(sorted(o.not_observable))
    parts = (counts_text(shown, o.candidate_counts), f"{unseen} not observable" if unseen else "")
    return "; ".join(p for p in parts if p) or "-"


def candidates_text(o: Observation) -> str:
    """ "880 vehicle, 12 tent" — the unvalidated candidates, set apart from the findings; "-" if none."""
    return counts_text(o.candidate_counts) or "-"


def observation_json(o: Observation, include_unvalidated: bool = False) -> dict[str, object]:
    """An observation as JSON: ``counts`` the findings only (all counts with ``include_unvalidated``,
    which the document then says), ``validated`` (class → why) and ``unvalidated_candidates``."""
    doc = o.to_json()
    doc["counts"] = findings(o.counts, o.validated, include_unvalidated)
    doc["unvalidated_included"] = include_unvalidated
    if include_unvalidated:
        doc["note"] = INCLUDED_NOTE
    return doc


@dataclass(frozen=True)
class SiteStatus:
    """One site: how many scenes cover it, how many dates were scanned, the latest observation
    (the models of one scene merged) and, when asked, its distance to a line."""

    site: Site
    scenes: int
    observations: int
    latest: Observation | None
    distance: Distance | None = None
    #: scene × site × model pairs not yet scanned with the site's models (None: a model file is missing)
    pending: int | None = 0

    def to_json(self, include_unvalidated: bool = False) -> dict[str, object]:
        o = self.latest
        latest = None
        if o is not None:
            doc = observation_json(o, include_unvalidated)
            keys = ("acquired", "counts", "validated", "unvalidated_candidates", "unvalidated_included", "note")
            latest = {k: doc[k] for k in keys if k in doc} | {
                "not_observable": o.not_observable,
                "share_observed": o.share_observed,
                "scene_id": o.scene_id,
                "model": o.model_id,
            }
        return {
            "site": self.site.name,
            "kind": self.site.kind,
            "lat": self.site.lat,
            "lon": self.site.lon,
            "scenes": self.scenes,
            "observations": self.observations,
            "pending_pairs": self.pending,
            "distance": None if self.distance is None else self.distance.to_json(),
            "latest": latest,
        }


def status(store: Store, distance_to_line: str | None = None, site_name: str | None = None) -> list[SiteStatus]:
    """One row per site (only ``site_name``'s when given: its cost does not grow with the other
    sites); with ``distance_to_line`` (a border or line file), its distance too."""
    line = reference_line(distance_to_line) if distance_to_line is not None else None
    out = []
    hashes: dict[str, str | None] = {}  # model name → its file's SHA-256 (hashed once per call)
    for site in [store.site(site_name)] if site_name is not None else store.sites():
        assert site.id is not None
        obs = merge_by_scene(reviewed_observations(store, site.id))
        dist = distance_to(site.aoi, line) if line is not None else None
        scenes = len(store.scenes_of_site(site.id))
        pending = pending_pairs(store, site, hashes)
        out.append(SiteStatus(site, scenes, len(obs), obs[-1] if obs else None, dist, pending))
    return out


def pending_pairs(store: Store, site: Site, hashes: dict[str, str | None] | None = None) -> int | None:
    """How many scene × site × model pairs of ``site`` a scan has still to do, with the site's own
    models (found by their files' hashes, without loading them; ``hashes`` caches them by model name
    across calls); None when a model's file is gone."""
    from forcewatch.app.models import model_file_sha256, site_model_names

    cache = {} if hashes is None else hashes
    for name in site_model_names(site):
        if name not in cache:
            try:
                cache[name] = model_file_sha256(store, name)
            except (ForceWatchError, OSError):
                cache[name] = None
    shas = {cache[name] for name in site_model_names(site)}
    if None in shas:
        return None
    return sum(len(store.pending_pairs(sha, site.name)) for sha in shas if sha is not None)


def site_observations(store: Store, site_name: str) -> tuple[Site, list[Observation]]:
    """A site (an unknown name raises a clear error) and every observation of it, one per scan, by date."""
    site = store.site(site_name)
    assert site.id is not None
    return site, reviewed_observations(store, site.id)
