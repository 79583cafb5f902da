"""Compare two observations of a site: co-register the scenes on the site, match objects, find new
activity, and say what could not be observed."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import shapely
from rasterio import features
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from forcewatch.change.area import new_activity
from forcewatch.change.camps import camp_changes
from forcewatch.change.match import match_objects
from forcewatch.errors import InputError
from forcewatch.geo.convert import reprojector
from forcewatch.imagery.clouds import cloud_mask
from forcewatch.imagery.coreg import (
    Grid,
    common_grid,
    estimate_shift,
    grey,
    read_on_grid,
    refine_locally,
    shift_image,
    warp,
)
from forcewatch.model import ActivityPolygon, ChangedObject, Comparison, Observation, member_ids, merge_by_scene
from forcewatch.store.base import Store


def pick_observations(
    store: Store, site_name: str, date_from: str | None, date_to: str | None
) -> tuple[Observation, Observation]:
    """The earlier and later observations to compare (each merges the models run on its scene)."""
    site = store.site(site_name)
    assert site.id is not None
    obs = merge_by_scene(store.observations(site.id))
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


def _mask_polygon(mask: np.ndarray, grid: Grid) -> shapely.Geometry:
    polys = [shape(g) for g, v in features.shapes(mask.astype(np.uint8), mask=mask, transform=grid.transform) if v == 1]
    if not polys:
        return shapely.Polygon()
    return reprojector(grid.crs, 4326)(unary_union(polys))


def _objects_mask(polygons: list[BaseGeometry], grid: Grid, buffer_m: float = 5.0) -> np.ndarray:
    """Grid cells covered by lon/lat polygons (detected objects, masks), with a margin."""
    if not polygons:
        return np.zeros((grid.height, grid.width), bool)
    to_grid = reprojector(4326, grid.crs)
    shapes = [(to_grid(p).buffer(buffer_m), 1) for p in polygons]
    return features.rasterize(shapes, out_shape=(grid.height, grid.width), transform=grid.transform).astype(bool)


def compare(
    store: Store,
    site_name: str,
    date_from: str | None = None,
    date_to: str | None = None,
    masks: list[BaseGeometry] | None = None,
) -> Comparison:
    """Everything that changed at a site between two of its observations. ``masks`` (lon/lat
    polygons) are areas the user does not want read: not observed, neither change nor absence."""
    earlier, later = pick_observations(store, site_name, date_from, date_to)
    site = store.site(site_name)
    scenes = {s.id: s for s in store.scenes()}
    sa, sb = scenes[earlier.scene_id], scenes[later.scene_id]
    aoi = site.aoi
    both = aoi.intersection(sa.footprint).intersection(sb.footprint)
    if both.is_empty or both.area == 0:
        raise InputError(
            f"the scenes of {earlier.acquired[:10]} and {later.acquired[:10]} do not overlap over "
            f"{site_name!r}: nothing to compare there."
        )
    grid = common_grid(both, max(sa.gsd_m, sb.gsd_m))
    ra, va = read_on_grid(sa, grid)
    rb, vb = read_on_grid(sb, grid)
    ca, cb = cloud_mask(ra, va, grid.gsd_m), cloud_mask(rb, vb, grid.gsd_m)
    user_mask = _objects_mask(list(masks or []), grid, buffer_m=0.0)
    ca, cb = ca | user_mask, cb | user_mask
    valid = va & vb
    if valid.any() and ((ca | cb) & valid).mean() / valid.mean() > 0.95:
        raise InputError(
            f"{site_name!r}: the site is under cloud on {earlier.acquired[:10]} or {later.acquired[:10]}: "
            "not observed, nothing can be compared."
        )
    dets = list(store.detections(site.id))
    ids_before, ids_after = member_ids(earlier), member_ids(later)
    before = [d for d in dets if d.observation_id in ids_before]
    after = [d for d in dets if d.observation_id in ids_after]
    # objects move between dates: align on the ground, not on them
    movers = _objects_mask([d.detection.polygon for d in [*before, *after] if d.detection.polygon is not None], grid)
    al = estimate_shift(grey(ra), grey(rb), valid, grid.gsd_m, unusable=ca | cb | movers)
    fit = refine_locally(grey(ra), grey(rb), valid & ~(ca | cb | movers), al, grid.gsd_m)
    if fit is not None and fit.residual_px < 1.0:
        rb2 = np.stack([warp(rb[..., i], fit) for i in range(3)], axis=2)
        vb2 = warp(vb.astype(np.float32), fit) > 0.99
        cb2 = warp(cb.astype(np.float32), fit) > 0.01
        al = replace(al, residual_m=max(al.residual_m * 0.5, fit.residual_px * grid.gsd_m))
    else:
        rb2 = np.stack([shift_image(rb[..., i], al.dx_m, al.dy_m, grid.gsd_m) for i in range(3)], axis=2)
        vb2 = shift_image(vb.astype(np.float32), al.dx_m, al.dy_m, grid.gsd_m) > 0.99
        cb2 = shift_image(cb.astype(np.float32), al.dx_m, al.dy_m, grid.gsd_m) > 0.01
    usable = va & vb2 & ~ca & ~cb2
    activity, _ = new_activity(ra, rb2, usable & ~movers, grid)  # detected objects are reported as objects
    # what the later date could not see: outside its valid pixels, or under its clouds
    observed_later = later.observed if later.observed is not None else aoi
    clouds_later = _mask_polygon(cb & vb, grid)
    if not clouds_later.is_empty:
        observed_later = observed_later.difference(clouds_later)
    for m in masks or []:
        observed_later = observed_later.difference(m)
    changes = match_objects(
        before,
        after,
        misalignment_m=al.residual_m,
        observed_after=observed_later,
        after_offset_m=(al.dx_m, al.dy_m),
    )
    objects: list[ChangedObject] = []
    for ch in changes.values():
        objects += [
            ChangedObject(
                "arrived",
                d.detection.class_name,
                d.detection.score,
                d.detection.polygon or shapely.Polygon(),
                d.acquired,
            )
            for d in ch.arrived
        ]
        objects += [
            ChangedObject(
                "departed",
                d.detection.class_name,
                d.detection.score,
                d.detection.polygon or shapely.Polygon(),
                d.acquired,
            )
            for d in ch.departed
        ]
        objects += [
            ChangedObject(
                "not observed",
                d.detection.class_name,
                d.detection.score,
                d.detection.polygon or shapely.Polygon(),
                d.acquired,
            )
            for d in ch.not_observed
        ]
    area_usable = float(usable.sum()) / max(1, int(valid.sum()))
    summary = {}
    unseen = {**earlier.not_observable, **later.not_observable}  # on either date: no comparison
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
    assert site.id is not None
    acts = tuple(ActivityPolygon(a.polygon, a.area_m2, a.confidence) for a in activity)
    camps = camp_changes(before, after, grid.crs, acts, observed_later, earlier.acquired, later.acquired)
    return Comparison(
        site.id,
        earlier,
        later,
        round(al.dx_m, 3),
        round(al.dy_m, 3),
        round(al.residual_m, 3),
        round(area_usable, 4),
        summary,
        tuple(objects),
        acts,
        unseen,
        tuple(camps),
    )
