"""Frozen value types shared by the pipeline.

Boxes are always (minx, miny, maxx, maxy) in pixels of the image they were found in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeAlias

from shapely.geometry.base import BaseGeometry

BoxPx = tuple[float, float, float, float]
#: A shapely geometry; every geometry in these types is in EPSG:4326 (lon, lat) unless named otherwise.
Geometry: TypeAlias = BaseGeometry


@dataclass(frozen=True)
class Detection:
    """One object found by a detector in one image.

    ``box_px`` is in pixels of the input image; ``length_m`` and ``width_m`` are the long and
    short side of the box on the ground; ``size_class`` is the class-specific size bucket
    (for aircraft: small < 20 m, medium 20–40 m, large > 40 m).
    """

    class_name: str
    score: float
    box_px: BoxPx
    length_m: float
    width_m: float
    size_class: str
    model_id: str = ""
    scene_id: int | None = None
    polygon: Geometry | None = None  # the box on the ground, EPSG:4326 (once georeferenced)

    def to_json(self) -> dict[str, object]:
        return {
            "class": self.class_name,
            "score": round(self.score, 4),
            "box": [round(v, 1) for v in self.box_px],
            "length_m": round(self.length_m, 1),
            "width_m": round(self.width_m, 1),
            "size_class": self.size_class,
        }


@dataclass(frozen=True)
class Site:
    """A watched place: an area of interest in EPSG:4326 (a polygon) and what it is.

    ``models`` names the detectors a scan runs on it (bundled or workspace models); ``None`` means
    the defaults of its kind (see :data:`KIND_MODELS`)."""

    name: str
    aoi: Geometry
    kind: str = "other"
    notes: str = ""
    lat: float | None = None
    lon: float | None = None
    radius_m: float | None = None
    id: int | None = None
    models: tuple[str, ...] | None = None


#: The models a site of each kind runs when it names none: aircraft at airfields, ground forces
#: (vehicles and tents) at garrisons, camps, training grounds and depots; every model elsewhere.
KIND_MODELS: dict[str, tuple[str, ...]] = {
    "airfield": ("aircraft",),
    "garrison": ("vehicle", "tent"),
    "camp": ("vehicle", "tent"),
    "training-ground": ("vehicle", "tent"),
    "depot": ("vehicle", "tent"),
}


@dataclass(frozen=True)
class Scene:
    """One ingested image: where it is, when, at what GSD, and how it was georeferenced."""

    path: str
    sha256: str
    acquired: str  # ISO 8601, UTC, ending in Z
    sensor: str
    crs_wkt: str
    transform: tuple[float, float, float, float, float, float]
    width_px: int
    height_px: int
    gsd_m: float
    footprint: Geometry  # EPSG:4326
    georef: str  # embedded | stac | world-file | centre | gcps
    properties: dict[str, object] | None = None  # STAC extras: off-nadir, cloud cover, …
    id: int | None = None


@dataclass(frozen=True)
class Observation:
    """One scan of one site in one scene: counts, the share of the site seen, provenance."""

    site_id: int
    scene_id: int
    acquired: str
    counts: dict[str, int]
    share_observed: float
    observed: Geometry | None  # the part of the site the scene covered with valid pixels (EPSG:4326)
    model_id: str
    model_sha256: str
    thresholds: dict[str, float]
    software_version: str
    id: int | None = None
    #: classes this model cannot see in this scene (too coarse), with why: never a count of zero
    not_observable: dict[str, str] = field(default_factory=dict)
    #: ids of the observations (one per model) merged into this one by :func:`merge_by_scene`
    members: tuple[int, ...] = ()
    #: counted classes that are *validated*, with why (the model's score on real imagery of this GSD,
    #: or an analyst's review); every other counted class is an unvalidated candidate
    validated: dict[str, str] = field(default_factory=dict)

    @property
    def validated_counts(self) -> dict[str, int]:
        """Counts of the validated classes: the only ones that are findings."""
        return {c: n for c, n in self.counts.items() if c in self.validated}

    @property
    def candidate_counts(self) -> dict[str, int]:
        """Counts of the unvalidated classes: candidates to review, never findings."""
        return {c: n for c, n in self.counts.items() if c not in self.validated}

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "acquired": self.acquired,
            "scene_id": self.scene_id,
            "counts": self.counts,
            "validated": self.validated,
            "unvalidated_candidates": self.candidate_counts,
            "not_observable": self.not_observable,
            "share_observed": self.share_observed,
            "model": self.model_id,
            "model_sha256": self.model_sha256,
            "thresholds": self.thresholds,
            "software_version": self.software_version,
        }

    def count_text(self, include_unvalidated: bool = True) -> str:
        """ "12 aircraft; unvalidated candidates: 880 vehicle; tent not observable" — validated counts,
        then the candidates set apart (left out with ``include_unvalidated=False``), then what could
        not be seen."""
        seen = ", ".join(f"{n} {c}" for c, n in sorted(self.validated_counts.items()))
        cands = ", ".join(f"{n} {c}" for c, n in sorted(self.candidate_counts.items()))
        unseen = ", ".join(sorted(self.not_observable))
        parts = (
            seen,
            f"unvalidated candidates: {cands}" if cands and include_unvalidated else "",
            f"{unseen} not observable" if unseen else "",
        )
        return "; ".join(t for t in parts if t) or "-"


@dataclass(frozen=True)
class ChangedObject:
    """An object that arrived, departed or could not be observed between two dates."""

    status: str  # arrived | departed | not observed
    class_name: str
    score: float
    polygon: Geometry  # EPSG:4326
    acquired: str  # the date it was seen


@dataclass(frozen=True)
class ActivityPolygon:
    polygon: Geometry  # EPSG:4326
    area_m2: float
    confidence: float


@dataclass(frozen=True)
class CampChange:
    """A camp (cluster of tents and vehicles) on the later date, or one gone since the earlier."""

    status: str  # new | grown | shrunk | unchanged | gone
    kind: str  # tent camp | vehicle park
    counts: dict[str, int]  # objects in the camp on its date (the earlier one for "gone")
    objects_before: int  # objects of the earlier date's camps it overlaps
    area_m2: float
    activity_m2: float  # new-activity area inside the camp's outline (ground disturbed, new tents)
    polygon: Geometry  # EPSG:4326
    acquired: str

    def to_json(self) -> dict[str, object]:
        n = sum(self.counts.values())
        return {
            "status": self.status,
            "kind": self.kind,
            "objects": n,
            "counts": dict(sorted(self.counts.items())),
            "objects_before": self.objects_before,
            "area_ha": round(self.area_m2 / 1e4, 2),
            "density_per_ha": round(n / max(self.area_m2 / 1e4, 1e-9), 1),
            "new_activity_ha": round(self.activity_m2 / 1e4, 3),
            "polygon_wkt": self.polygon.wkt,
            "acquired": self.acquired,
        }


@dataclass(frozen=True)
class Comparison:
    """Two observations of a site compared: misalignment, per-class changes, new activity."""

    site_id: int
    earlier: Observation
    later: Observation
    shift_east_m: float
    shift_north_m: float
    residual_m: float
    share_usable: float
    summary: dict[str, dict[str, int]]  # class → before, after, arrived, departed, stayed, not_observed
    objects: tuple[ChangedObject, ...] = ()
    activity: tuple[ActivityPolygon, ...] = ()
    not_observable: dict[str, str] = field(default_factory=dict)  # class → why it cannot be compared
    camps: tuple[CampChange, ...] = ()
    #: notes on the comparison as a whole (a sensor change, objects that could not be looked at again)
    notes: dict[str, str] = field(default_factory=dict)
    #: classes validated on both dates, with why: the others' changes are unvalidated candidates
    validated: dict[str, str] = field(default_factory=dict)


def validated_on_both(earlier: Observation, later: Observation) -> dict[str, str]:
    """The classes validated on both dates of a comparison, with the later date's reason (and the
    earlier's when it differs)."""
    out = {}
    for cls in sorted(set(earlier.validated) & set(later.validated)):
        a, b = earlier.validated[cls], later.validated[cls]
        out[cls] = b if a == b else f"{a}; {b}"
    return out


def camp_validated(counts: Mapping[str, int], validated: Mapping[str, str]) -> bool:
    """Whether a camp made of ``counts`` (class → objects) is a finding: every class in it validated."""
    return all(cls in validated for cls, n in counts.items() if n)


def merge_by_scene(observations: list[Observation]) -> list[Observation]:
    """One observation per scene of a site, merging the models that scanned it (aircraft, vehicle,
    tent): counts side by side, and a class counted by none but not observable by one stays "not
    observable". Of one model's several runs on a scene, the latest counts. Date order is kept."""
    groups: dict[int, dict[str, Observation]] = {}
    for o in observations:  # in acquisition then id order: later runs replace earlier ones
        groups.setdefault(o.scene_id, {})[o.model_id] = o
    merged = []
    for by_model in groups.values():
        parts = sorted(by_model.values(), key=lambda o: (-o.share_observed, o.id or 0))
        first = parts[0]
        counts: dict[str, int] = {}
        unseen: dict[str, str] = {}
        validated: dict[str, str] = {}
        for o in parts:
            counts.update(o.counts)
            unseen.update(o.not_observable)
            validated.update(o.validated)
        for cls in counts:
            unseen.pop(cls, None)
        merged.append(
            replace(
                first,
                counts=counts,
                not_observable=unseen,
                validated={c: why for c, why in validated.items() if c in counts},
                model_id="+".join(sorted(by_model)),
                members=tuple(sorted(o.id for o in parts if o.id is not None)),
            )
        )
    return sorted(merged, key=lambda o: (o.acquired, o.id or 0))


def member_ids(observation: Observation) -> set[int]:
    """The stored observations behind ``observation`` (itself, or those merged into it)."""
    return set(observation.members) or ({observation.id} if observation.id is not None else set())


@dataclass(frozen=True)
class StoredDetection:
    """A detection as stored: with its observation, scene, site and ground polygon."""

    id: int
    observation_id: int
    scene_id: int
    site_id: int
    detection: Detection
    acquired: str


@dataclass(frozen=True)
class StoredComparison:
    """A comparison as stored: the two dates, the misalignment, and the per-class summary."""

    id: int
    site_id: int
    earlier_observation: int
    later_observation: int
    earlier: str  # acquisition time of the earlier observation (ISO 8601)
    later: str
    shift_east_m: float
    shift_north_m: float
    residual_m: float
    share_usable: float
    summary: dict[str, dict[str, int]]
    not_observable: dict[str, str]
    created: str
    notes: dict[str, str] = field(default_factory=dict)
    validated: dict[str, str] = field(default_factory=dict)

    @property
    def unvalidated(self) -> list[str]:
        """The compared classes whose changes are unvalidated candidates."""
        return [c for c in self.summary if c not in self.validated]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "site_id": self.site_id,
            "earlier_observation": self.earlier_observation,
            "later_observation": self.later_observation,
            "earlier": self.earlier,
            "later": self.later,
            "shift_east_m": self.shift_east_m,
            "shift_north_m": self.shift_north_m,
            "residual_m": self.residual_m,
            "share_usable": self.share_usable,
            "summary": self.summary,
            "created": self.created,
            "not_observable": self.not_observable,
            "notes": self.notes,
            "validated": self.validated,
            "unvalidated": self.unvalidated,
        }


@dataclass(frozen=True)
class StoredChangedObject:
    """An object that arrived, departed or was not observed, in a stored comparison."""

    id: int
    comparison_id: int
    site_id: int
    status: str
    class_name: str
    score: float
    acquired: str
    polygon: Geometry | None


@dataclass(frozen=True)
class StoredActivity:
    """A new-activity area of a stored comparison (``earlier`` → ``later``)."""

    id: int
    comparison_id: int
    site_id: int
    area_m2: float
    confidence: float
    earlier: str
    later: str
    polygon: Geometry | None


@dataclass(frozen=True)
class StoredCamp:
    """A camp of a stored comparison: new, grown, shrunk, unchanged or gone."""

    id: int
    comparison_id: int
    site_id: int
    status: str
    kind: str
    objects: int
    tents: int
    vehicles: int
    objects_before: int
    area_m2: float
    activity_m2: float
    acquired: str
    polygon: Geometry | None


@dataclass(frozen=True)
class QueuedAlert:
    """An alert raised by a rule, with what has been delivered where."""

    id: int
    rule: str
    comparison_id: int
    site: str
    message: str
    payload: dict[str, Any]
    created: str
    console_done: bool
    jsonl_done: bool
    webhook_done: bool
    last_error: str | None = None


LABEL_STATUSES = ("candidate", "accepted", "rejected", "added")


@dataclass(frozen=True)
class Label:
    """An analyst's verdict on a detection, or an object the analyst drew: the truth of a theatre.

    ``status``: accepted (the detection is right), rejected (it is not that class: a hard negative),
    added (a missed object, drawn), candidate (not reviewed yet). ``polygon`` is the object on the
    ground (EPSG:4326)."""

    scene_id: int
    class_name: str
    status: str
    polygon: Geometry
    who: str
    when: str  # ISO 8601 UTC
    site_id: int | None = None
    detection_id: int | None = None
    source: str = ""  # the file the labels came from
    id: int | None = None


@dataclass(frozen=True)
class ModelEntry:
    """A detector of the workspace: fine-tuned (or any ForceWatch model file) and registered by name.

    ``path`` is relative to the workspace folder; ``sites`` limits it to those sites (empty: any
    site that names it). ``scores`` are its measured scores (from its card)."""

    name: str
    path: str
    sha256: str
    model_id: str
    classes: tuple[str, ...]
    gsd_m: float
    sees_to_gsd_m: float
    scores: dict[str, Any] = field(default_factory=dict)
    sites: tuple[str, ...] = ()
    added: str = ""
    id: int | None = None
