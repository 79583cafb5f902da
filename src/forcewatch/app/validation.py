"""Observations as the analyst's reviews leave them: reviewed classes validated and counted as kept."""

from __future__ import annotations

from forcewatch.assess.validation import class_reviews, rejected_ids, reviewed
from forcewatch.model import Label, Observation, StoredDetection
from forcewatch.store.base import Store


def with_reviews(store: Store, observations: list[Observation]) -> list[Observation]:
    """``observations`` (stored ones, one per model, before any merge by scene) with the classes an
    analyst reviewed in full counted as they kept them and marked validated."""
    out = []
    cache: dict[tuple[int, int], tuple[list[StoredDetection], list[Label]]] = {}
    for o in observations:
        key = (o.site_id, o.scene_id)
        if key not in cache:
            labels = store.labels(scene_id=o.scene_id)
            dets = list(store.detections(o.site_id, o.scene_id)) if labels else []
            cache[key] = (dets, labels)
        dets, labels = cache[key]
        out.append(reviewed(o, class_reviews(o, dets, labels)) if labels else o)
    return out


def reviewed_observations(store: Store, site_id: int | None = None) -> list[Observation]:
    """The stored observations (of one site, if given), with the analysts' reviews applied."""
    return with_reviews(store, store.observations(site_id))


def without_rejected(store: Store, detections: list[StoredDetection]) -> list[StoredDetection]:
    """``detections`` less those an analyst rejected."""
    scenes = {d.scene_id for d in detections}
    rejected = set().union(*(rejected_ids(store.labels(scene_id=s)) for s in scenes)) if scenes else set()
    return [d for d in detections if d.id not in rejected]
