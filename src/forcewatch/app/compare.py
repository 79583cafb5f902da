"""Compare two dates of a site, and its timeline: the I/O around :mod:`forcewatch.change.compare`.

:func:`compare_site` reads the site, its observations, scenes and detections from the store and
both scenes' pixels on a common grid, runs the pure comparison and stores it;
:func:`timeline` gathers a site's observations, stored comparisons and object tracks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shapely.geometry.base import BaseGeometry

from forcewatch.change.compare import DatePair, DateView, compare_dates, detections_of, overlap, pick_observations
from forcewatch.change.tracks import Track, build_tracks
from forcewatch.imagery.coreg import common_grid, read_on_grid
from forcewatch.model import Comparison, Observation, Site, StoredComparison, member_ids, merge_by_scene
from forcewatch.sites import read_polygons
from forcewatch.store.base import Store


def read_masks(masks: Iterable[Path | BaseGeometry]) -> tuple[BaseGeometry, ...]:
    """Mask polygons (lon/lat): files (GeoJSON, GPKG, KML) are read, geometries kept as they are."""
    out: list[BaseGeometry] = []
    for m in masks:
        out += read_polygons(m) if isinstance(m, Path) else [m]
    return tuple(out)


def compare_site(
    store: Store,
    site_name: str,
    date_from: str | None = None,
    date_to: str | None = None,
    masks: Iterable[Path | BaseGeometry] | None = None,
) -> tuple[Comparison, int]:
    """Compare two observations of a site (by default its last two) and store the comparison.

    ``date_from``/``date_to`` (YYYY-MM-DD) choose the dates (see
    :func:`~forcewatch.change.compare.pick_observations`); ``masks`` are areas not to be read:
    vector files or lon/lat polygons. Returns the comparison and its id in the store (comparing
    the same dates again replaces the stored one)."""
    mask_polygons = read_masks(masks or [])
    site = store.site(site_name)
    assert site.id is not None
    earlier, later = pick_observations(merge_by_scene(store.observations(site.id)), site_name, date_from, date_to)
    scenes = store.scene_by_id(earlier.scene_id), store.scene_by_id(later.scene_id)
    grid = common_grid(overlap(site, earlier, later, scenes), max(s.gsd_m for s in scenes))
    detections = list(store.detections(site.id))
    dates = [
        DateView(obs, scene, *read_on_grid(scene, grid), detections_of(obs, detections))
        for obs, scene in zip((earlier, later), scenes, strict=True)
    ]
    comparison = compare_dates(DatePair(site, grid, dates[0], dates[1], mask_polygons))
    with store.transaction():
        comparison_id = store.add_comparison(comparison)
        store.log(
            "compare", f"{site_name}: {comparison.earlier.acquired} → {comparison.later.acquired}: {comparison.summary}"
        )
    return comparison, comparison_id


def comparison_json(site_name: str, comparison: Comparison, comparison_id: int) -> dict[str, Any]:
    """The document ``forcewatch compare --json`` prints."""
    c = comparison
    return {
        "site": site_name,
        "comparison_id": comparison_id,
        "earlier": c.earlier.acquired,
        "later": c.later.acquired,
        "misalignment": {"shift_east_m": c.shift_east_m, "shift_north_m": c.shift_north_m, "residual_m": c.residual_m},
        "share_usable": c.share_usable,
        "classes": c.summary,
        "not_observable": c.not_observable,
        "camps": [k.to_json() for k in c.camps],
        "new_activity": [
            {
                "area_m2": round(a.area_m2),
                "area_ha": round(a.area_m2 / 1e4, 3),
                "confidence": round(a.confidence, 2),
                "polygon_wkt": a.polygon.wkt,
            }
            for a in c.activity
        ],
    }


@dataclass(frozen=True)
class Timeline:
    """A site's observations (merged by scene, in date order), its stored comparisons and the
    object tracks across its dates."""

    site: Site
    observations: tuple[Observation, ...]
    comparisons: tuple[StoredComparison, ...]
    tracks: tuple[Track, ...]

    def comparison_ending(self, observation: Observation) -> StoredComparison | None:
        """The stored comparison whose later date is ``observation``'s (the last stored, if several)."""
        by_later = {c.later: c for c in self.comparisons}
        return by_later.get(observation.acquired)

    def to_json(self) -> dict[str, Any]:
        """The document ``forcewatch timeline --json`` prints."""
        return {
            "site": self.site.name,
            "observations": [o.to_json() for o in self.observations],
            "comparisons": [c.to_json() for c in self.comparisons],
            "tracks": [t.to_json() for t in self.tracks],
        }


def timeline(store: Store, site_name: str) -> Timeline:
    """A site's observations, comparisons and object tracks."""
    site = store.site(site_name)
    assert site.id is not None
    observations = merge_by_scene(store.observations(site.id))
    ids = {i for o in observations for i in member_ids(o)}
    tracks = build_tracks(observations, [d for d in store.detections(site.id) if d.observation_id in ids])
    return Timeline(site, tuple(observations), tuple(store.comparisons(site.id)), tuple(tracks))
