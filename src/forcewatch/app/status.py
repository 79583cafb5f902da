"""Read-only views of a workspace: the status of every site, and one site's timeline."""

from __future__ import annotations

from dataclasses import dataclass

from forcewatch.app.validation import reviewed_observations
from forcewatch.geo.distance import Distance, distance_to, reference_line
from forcewatch.model import Observation, Site, merge_by_scene
from forcewatch.store.base import Store


@dataclass(frozen=True)
class SiteStatus:
    """One site: how many scenes cover it, how many dates were scanned, the latest observation
    (the models of one scene merged) and, when asked, its distance to a line."""

    site: Site
    scenes: int
    observations: int
    latest: Observation | None
    distance: Distance | None = None

    def to_json(self) -> dict[str, object]:
        o = self.latest
        return {
            "site": self.site.name,
            "kind": self.site.kind,
            "lat": self.site.lat,
            "lon": self.site.lon,
            "scenes": self.scenes,
            "observations": self.observations,
            "distance": None if self.distance is None else self.distance.to_json(),
            "latest": None
            if o is None
            else {
                "acquired": o.acquired,
                "counts": o.counts,
                "not_observable": o.not_observable,
                "share_observed": o.share_observed,
                "scene_id": o.scene_id,
                "model": o.model_id,
            },
        }


def status(store: Store, distance_to_line: str | None = None) -> list[SiteStatus]:
    """One row per site; with ``distance_to_line`` (a border or line file), its distance too."""
    line = reference_line(distance_to_line) if distance_to_line is not None else None
    out = []
    for site in store.sites():
        assert site.id is not None
        obs = merge_by_scene(reviewed_observations(store, site.id))
        dist = distance_to(site.aoi, line) if line is not None else None
        out.append(SiteStatus(site, len(store.scenes_of_site(site.id)), len(obs), obs[-1] if obs else None, dist))
    return out


def site_observations(store: Store, site_name: str) -> tuple[Site, list[Observation]]:
    """A site (an unknown name raises a clear error) and every observation of it, one per scan, by date."""
    site = store.site(site_name)
    assert site.id is not None
    return site, reviewed_observations(store, site.id)
