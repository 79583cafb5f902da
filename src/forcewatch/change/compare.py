"""Compare two observations of a site: co-register the scenes on the site, match objects, find new
activity, and say what could not be observed.

Pure: the caller (``forcewatch.app.compare``) reads the store and the rasters and hands over values.
:func:`pick_observations` chooses the dates, :func:`overlap` checks that their scenes share ground,
and :func:`compare_dates` runs the steps below on a :class:`DatePair` read onto one grid:

1. :func:`unusable_areas`: each date's clouds, plus the user's masks;
2. :func:`refuse_if_clouded`: a site under cloud on either date is not observed;
3. :func:`objects_mask`: the detected objects (they move between dates: align on the ground);
4. :func:`forcewatch.imagery.coreg.coregister`: the later date moved onto the earlier;
5. :func:`activity`: change where no detector looks (:func:`forcewatch.change.area.new_activity`),
   at the coarser date's resolution and more strictly when the sensors differ
   (:mod:`forcewatch.change.sensors`);
6. :func:`observed_by`: what each date saw (its valid cover, less its clouds and the masks);
7. :func:`forcewatch.change.match.match_objects` on the classes both dates can see, then
   :func:`look_again` (hysteresis: :mod:`forcewatch.change.hysteresis`), :func:`changed_objects`
   and :func:`class_summary`;
8. :func:`camps_between` (:func:`forcewatch.change.camps.camp_changes`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import shapely
from rasterio import features
from shapely.geometry.base import BaseGeometry

from forcewatch.change.area import SAME_SENSOR, new_activity
from forcewatch.change.camps import camp_changes
from forcewatch.change.frames import opposite, shifted, shifted_detections
from forcewatch.change.hysteresis import LookAgain, confirmed, hold_over, looks_for
from forcewatch.change.match import ObjectChange, match_objects
from forcewatch.change.sensors import ACROSS_SENSORS, NEW_ACTIVITY, SensorChange, at_common_resolution, sensor_change
from forcewatch.errors import InputError
from forcewatch.geo.convert import mask_to_polygon, reprojector
from forcewatch.imagery.clouds import cloud_mask
from forcewatch.imagery.coreg import Grid, coregister
from forcewatch.model import (
    ActivityPolygon,
    CampChange,
    ChangedObject,
    Comparison,
    Observation,
    Scene,
    Site,
    StoredDetection,
    member_ids,
    validated_on_both,
)

#: Share of the commonly valid grid under cloud (or masked) on either date above which nothing is compared.
MAX_CLOUD_SHARE = 0.95
#: Margin (metres) around each detected object left out of the alignment and of the new activity.
OBJECT_MARGIN_M = 5.0
#: The key of the comparison's ``notes`` that says which objects could not be looked at again.
REEXAMINATION = "re-examination"


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
    """Everything :func:`compare_dates` needs, already read: the site, the common grid, both dates,
    the user's masks (lon/lat polygons: areas not to be read, neither change nor absence) and a way
    to look at a date again where an object arrived or departed (none: no hysteresis)."""

    site: Site
    grid: Grid
    earlier: DateView
    later: DateView
    masks: tuple[BaseGeometry, ...] = ()
    look_again: LookAgain | None = None


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


def observed_by(pair: DatePair, date: DateView, unusable: np.ndarray) -> BaseGeometry:
    """What one date observed (lon/lat, in its own frame): its valid cover of the site (the site
    itself when not recorded), less the grid cells where it has no valid pixel or cloud (on its own,
    unaligned grid cells) and the user's masks."""
    seen = date.observation.observed
    observed = seen if seen is not None else pair.site.aoi
    hidden = mask_to_polygon(unusable | ~date.valid, pair.grid.transform, pair.grid.crs)
    if not hidden.is_empty:
        observed = observed.difference(hidden)
    for m in pair.masks:
        observed = observed.difference(m)
    return observed


def comparable(detections: Sequence[StoredDetection], unseen: Mapping[str, str]) -> list[StoredDetection]:
    """The detections of classes both dates can see (``unseen``: the classes one of them cannot)."""
    return [d for d in detections if d.detection.class_name not in unseen]


def activity(
    pair: DatePair, moved_later: np.ndarray, usable: np.ndarray, sensors: SensorChange
) -> list[ActivityPolygon]:
    """New activity between the earlier date and the later one moved onto it, on the usable cells:
    at the coarser date's sharpness, and with a higher threshold when the sensors differ."""
    blur_a, blur_b = sensors.blurred(pair.grid.gsd_m)
    before = at_common_resolution(pair.earlier.rgb, blur_a)
    after = at_common_resolution(moved_later, blur_b)
    threshold = ACROSS_SENSORS if sensors.differs else SAME_SENSOR
    found, _ = new_activity(before, after, usable, pair.grid, threshold=threshold)
    return found


def look_again(
    pair: DatePair,
    changes: Mapping[str, ObjectChange],
    offset_m: tuple[float, float],
    misalignment_m: float,
) -> tuple[dict[str, ObjectChange], str]:
    """Hysteresis: the departed looked for again on the later date, the arrived on the earlier one,
    with a low threshold (``pair.look_again`` runs the detector); those seen again stayed. Returns
    the changes and what could not be looked at again ("" if all could, or nothing needed to be)."""
    if pair.look_again is None:
        return dict(changes), ""
    looks = looks_for(changes, offset_m, misalignment_m, pair.grid.crs)
    if not looks:
        return dict(changes), ""
    looked = pair.look_again(looks)
    held = confirmed(looks, looked, changes)
    return hold_over(changes, looks, held), looked.note


def camps_between(
    pair: DatePair,
    changes: Mapping[str, ObjectChange],
    offset_m: tuple[float, float],
    activity: Sequence[ActivityPolygon],
    observed: tuple[BaseGeometry, BaseGeometry],
) -> list[CampChange]:
    """Camp changes on the earlier date's ground: the later date's objects moved onto it; on each
    date the objects it showed, and those seen again below the threshold (they stayed). Camps are
    made of the compared classes only; ``observed`` is what each date saw (its own frame). The later
    date's camps are reported where that date shows them."""
    crs = pair.grid.crs
    before = [d for ch in changes.values() for d in ch.earlier_objects()]
    after = shifted_detections([d for ch in changes.values() for d in ch.later_objects()], offset_m, crs)
    before += shifted_detections([d for ch in changes.values() for d in ch.already_there], offset_m, crs)
    after += [d for ch in changes.values() for d in ch.still_there]
    seen_before, seen_after = observed[0], shifted(observed[1], offset_m, crs)
    ea, la = pair.earlier.observation.acquired, pair.later.observation.acquired
    camps = camp_changes(before, after, crs, activity, seen_after, ea, la, observed_earlier=seen_before)
    back = opposite(offset_m)
    return [k if k.status == "gone" else replace(k, polygon=shifted(k.polygon, back, crs)) for k in camps]


def changed_objects(changes: Mapping[str, ObjectChange]) -> tuple[ChangedObject, ...]:
    """The objects that arrived, departed, were not observed or were not observed before, class by class."""
    out: list[ChangedObject] = []
    for ch in changes.values():
        for status, dets in (
            ("arrived", ch.arrived),
            ("departed", ch.departed),
            ("not observed", ch.not_observed),
            ("not observed before", ch.not_observed_before),
        ):
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
    """Per comparable class: the counts of both dates and how many arrived, departed, stayed, were
    not observed (on the later date) or were not observed before (on the earlier date)."""
    summary = {}
    unseen = not_comparable(earlier, later)
    for cls in sorted((set(earlier.counts) | set(later.counts) | set(changes)) - set(unseen)):
        got = changes.get(cls)
        summary[cls] = {
            "before": earlier.counts.get(cls, 0),
            "after": later.counts.get(cls, 0),
            "arrived": len(got.arrived) if got else 0,
            "departed": len(got.departed) if got else 0,
            "stayed": got.stayed_count if got else 0,
            "not_observed": len(got.not_observed) if got else 0,
            "not_observed_before": len(got.not_observed_before) if got else 0,
        }
    return summary


def compare_dates(pair: DatePair) -> Comparison:
    """Everything that changed at a site between the two dates of ``pair``."""
    grid, a, b = pair.grid, pair.earlier, pair.later
    assert pair.site.id is not None
    unusable_a, unusable_b = unusable_areas(pair)
    refuse_if_clouded(pair, unusable_a, unusable_b)
    valid = a.valid & b.valid
    unseen = not_comparable(a.observation, b.observation)
    everything = [d.detection.polygon for d in [*a.detections, *b.detections] if d.detection.polygon is not None]
    movers = objects_mask(everything, grid)
    moved = coregister(a.rgb, b.rgb, valid, b.valid, unusable_b, unusable_a | unusable_b | movers, grid.gsd_m)
    al = moved.alignment
    offset = (al.dx_m, al.dy_m)
    usable = a.valid & moved.valid & ~unusable_a & ~moved.clouds
    sensors = sensor_change(a.scene, b.scene)
    acts = tuple(activity(pair, moved.rgb, usable & ~movers, sensors))  # detected objects are reported as objects
    observed = observed_by(pair, a, unusable_a), observed_by(pair, b, unusable_b)
    changes = match_objects(
        comparable(a.detections, unseen),
        comparable(b.detections, unseen),
        misalignment_m=al.residual_m,
        observed_after=observed[1],
        after_offset_m=offset,
        observed_before=observed[0],
    )
    changes, unexamined = look_again(pair, changes, offset, al.residual_m)
    notes = {NEW_ACTIVITY: sensors.note(grid.gsd_m)} if sensors.differs else {}
    if unexamined:
        notes[REEXAMINATION] = unexamined
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
        unseen,
        tuple(camps_between(pair, changes, offset, acts, observed)),
        notes,
        validated_on_both(a.observation, b.observation),
    )
