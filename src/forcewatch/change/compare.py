"""Compare two observations of a site: co-register the scenes on the site, match objects, find new
activity, and say what could not be observed.

Pure: the caller (``forcewatch.app.compare``) reads the store and the rasters and hands over values.
:func:`pick_observations` chooses the dates, :func:`overlap` checks that their scenes share ground,
and :func:`compare_dates` runs the steps below on a :class:`DatePair` read onto one grid:

1. :func:`unusable_areas`: each date's clouds, plus the user's masks;
2. :func:`refuse_if_clouded`: a site under cloud on either date is not observed;
3. :func:`objects_mask`: the detected objects (they move between dates: align on the ground);
4. :func:`forcewatch.imagery.coreg.coregister`: the later date moved onto the earlier;
5. :func:`forcewatch.change.area.new_activity`: change where no detector looks;
6. :func:`observed_later`: what the later date saw (its valid cover, less its clouds and the masks);
7. :func:`forcewatch.change.match.match_objects`, then :func:`changed_objects` and :func:`class_summary`;
8. :func:`forcewatch.change.camps.camp_changes`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from rasterio import features
from shapely.geometry.base import BaseGeometry

from forcewatch.change.area import new_activity
from forcewatch.change.camps import camp_changes
from forcewatch.change.match import ObjectChange, match_objects
from forcewatch.errors import InputError
from forcewatch.geo.convert import mask_to_polygon, reprojector
from forcewatch.imagery.clouds import cloud_mask
from forcewatch.imagery.coreg import Grid, coregister
from forcewatch.model import ChangedObject, Comparison, Observation, Scene, Site, StoredDetection, member_ids

#: Share of the commonly valid grid under cloud (or masked) on either date above which nothing is compared.
MAX_CLOUD_SHARE = 0.95
#: Margin (metres) around each detected object left out of the alignment and of the new activity.
OBJECT_MARGIN_M = 5.0


@dataclass(frozen=True, eq=False)
class DateView:
    """One date of a comparison: its (merged) observation, its scene, its pixels on the pair's grid
    and its detections."""

    observation: Observation
    scene: Scene
    rgb: np.ndarray  # H×W×3 float32, display levels 0–255, on the pair's grid
    valid: np.ndarray  # H×W bool
    detections: tuple[StoredDetection, ...] = ()


@dataclass(frozen=True, eq=False)
class DatePair:
    """Everything :func:`compare_dates` needs, already read: the site, the common grid, both dates
    and the user's masks (lon/lat polygons: areas not to be read, neither change nor absence)."""

    site: Site
    grid: Grid
    earlier: DateView
    later: DateView
    masks: tuple[BaseGeometry, ...] = ()


def pick_observations(
    observations: Sequence[Observation], site_name: str, date_from: str | None, date_to: str | None
) -> tuple[Observation, Observation]:
    """The earlier and later of a site's observations to compare (merged by scene, in date order):
    the later is the last on or before ``date_to``; the earlier the first on or after ``date_from``,
    else the last before the later one."""
    obs = list(observations)
    if len(obs) < 2:
        raise InputError(
            f"{site_name!r} has {len(obs)} observation{'s' if len(obs) != 1 else ''}: nothing to compare. "
            "Fix: ingest and scan imagery of another date."
        )
    later_pool = [o for o in obs if not date_to or o.acquired[:10] <= date_to[:10]]
    if not later_pool:
        raise InputError(f"no observation of {site_name!r} on or before {date_to}.")
    later = later_pool[-1]
    earlier_pool = [
        o for o in obs if o.acquired < later.acquired and (not date_from or o.acquired[:10] >= date_from[:10])
    ]
    if not earlier_pool:
        raise InputError(
            f"no observation of {site_name!r} before {later.acquired[:10]}"
            + (f" and on or after {date_from}" if date_from else "")
            + "."
        )
    return (earlier_pool[0] if date_from else earlier_pool[-1]), later


def overlap(site: Site, earlier: Observation, later: Observation, scenes: tuple[Scene, Scene]) -> BaseGeometry:
    """The part of the site (lon/lat) both dates' scenes cover; an error when they share none."""
    both = site.aoi.intersection(scenes[0].footprint).intersection(scenes[1].footprint)
    if both.is_empty or both.area == 0:
        raise InputError(
            f"the scenes of {earlier.acquired[:10]} and {later.acquired[:10]} do not overlap over "
            f"{site.name!r}: nothing to compare there."
        )
    return both


def detections_of(observation: Observation, detections: Iterable[StoredDetection]) -> tuple[StoredDetection, ...]:
    """The detections behind a (merged) observation."""
    ids = member_ids(observation)
    return tuple(d for d in detections if d.observation_id in ids)


def objects_mask(polygons: Sequence[BaseGeometry], grid: Grid, buffer_m: float = OBJECT_MARGIN_M) -> np.ndarray:
    """Grid cells covered by lon/lat polygons (detected objects, masks), with a margin in metres."""
    if not polygons:
        return np.zeros((grid.height, grid.width), bool)
    to_grid = reprojector(4326, grid.crs)
    shapes = [(to_grid(p).buffer(buffer_m), 1) for p in polygons]
    return features.rasterize(shapes, out_shape=(grid.height, grid.width), transform=grid.transform).astype(bool)


def unusable_areas(pair: DatePair) -> tuple[np.ndarray, np.ndarray]:
    """Cells not to be read on each date: its clouds, and the user's masks on both."""
    grid = pair.grid
    user = objects_mask(pair.masks, grid, buffer_m=0.0)
    before = cloud_mask(pair.earlier.rgb, pair.earlier.valid, grid.gsd_m) | user
    after = cloud_mask(pair.later.rgb, pair.later.valid, grid.gsd_m) | user
    return before, after


def refuse_if_clouded(pair: DatePair, unusable_before: np.ndarray, unusable_after: np.ndarray) -> None:
    """An error when (almost) all the ground both dates cover is under cloud on one of them."""
    valid = pair.earlier.valid & pair.later.valid
    if valid.any() and ((unusable_before | unusable_after) & valid).mean() / valid.mean() > MAX_CLOUD_SHARE:
        raise InputError(
            f"{pair.site.name!r}: the site is under cloud on {pair.earlier.observation.acquired[:10]} or "
            f"{pair.later.observation.acquired[:10]}: not observed, nothing can be compared."
        )


def observed_later(pair: DatePair, clouds_later: np.ndarray) -> BaseGeometry:
    """What the later date observed (lon/lat): its valid cover of the site (the site itself when not
    recorded), less its clouds (on its own, unaligned grid cells) and the user's masks."""
    seen = pair.later.observation.observed
    observed = seen if seen is not None else pair.site.aoi
    clouds = mask_to_polygon(clouds_later & pair.later.valid, pair.grid.transform, pair.grid.crs)
    if not clouds.is_empty:
        observed = observed.difference(clouds)
    for m in pair.masks:
        observed = observed.difference(m)
    return observed


def changed_objects(changes: Mapping[str, ObjectChange]) -> tuple[ChangedObject, ...]:
    """The objects that arrived, departed or were not observed, class by class."""
    out: list[ChangedObject] = []
    for ch in changes.values():
        for status, dets in (("arrived", ch.arrived), ("departed", ch.departed), ("not observed", ch.not_observed)):
            out += [
                ChangedObject(
                    status,
                    d.detection.class_name,
                    d.detection.score,
                    d.detection.polygon or shapely.Polygon(),
                    d.acquired,
                )
                for d in dets
            ]
    return tuple(out)


def not_comparable(earlier: Observation, later: Observation) -> dict[str, str]:
    """Classes not observable on either date (too coarse), with why: no comparison for them."""
    return {**earlier.not_observable, **later.not_observable}


def class_summary(
    earlier: Observation, later: Observation, changes: Mapping[str, ObjectChange]
) -> dict[str, dict[str, int]]:
    """Per comparable class: the counts of both dates and how many arrived, departed, stayed or
    were not observed."""
    summary = {}
    unseen = not_comparable(earlier, later)
    for cls in sorted((set(earlier.counts) | set(later.counts) | set(changes)) - set(unseen)):
        got = changes.get(cls)
        summary[cls] = {
            "before": earlier.counts.get(cls, 0),
            "after": later.counts.get(cls, 0),
            "arrived": len(got.arrived) if got else 0,
            "departed": len(got.departed) if got else 0,
            "stayed": len(got.stayed) if got else 0,
            "not_observed": len(got.not_observed) if got else 0,
        }
    return summary


def compare_dates(pair: DatePair) -> Comparison:
    """Everything that changed at a site between the two dates of ``pair``."""
    grid, a, b = pair.grid, pair.earlier, pair.later
    assert pair.site.id is not None
    unusable_a, unusable_b = unusable_areas(pair)
    refuse_if_clouded(pair, unusable_a, unusable_b)
    valid = a.valid & b.valid
    before, after = list(a.detections), list(b.detections)
    movers = objects_mask([d.detection.polygon for d in [*before, *after] if d.detection.polygon is not None], grid)
    moved = coregister(a.rgb, b.rgb, valid, b.valid, unusable_b, unusable_a | unusable_b | movers, grid.gsd_m)
    al = moved.alignment
    usable = a.valid & moved.valid & ~unusable_a & ~moved.clouds
    activity, _ = new_activity(a.rgb, moved.rgb, usable & ~movers, grid)  # detected objects are reported as objects
    observed = observed_later(pair, unusable_b)
    changes = match_objects(
        before, after, misalignment_m=al.residual_m, observed_after=observed, after_offset_m=(al.dx_m, al.dy_m)
    )
    acts = tuple(activity)
    ea, la = a.observation.acquired, b.observation.acquired
    camps = camp_changes(before, after, grid.crs, acts, observed, ea, la)
    return Comparison(
        pair.site.id,
        a.observation,
        b.observation,
        round(al.dx_m, 3),
        round(al.dy_m, 3),
        round(al.residual_m, 3),
        round(float(usable.sum()) / max(1, int(valid.sum())), 4),
        class_summary(a.observation, b.observation, changes),
        changed_objects(changes),
        acts,
        not_comparable(a.observation, b.observation),
        tuple(camps),
    )
