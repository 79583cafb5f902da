"""The brief's pure steps: from values read out of the store (:class:`BriefData`) to what each site
section says and shows (:class:`SitePlan`): the headline, per date the status of each object since
the previous date, the notes under the chip and the chip's window in scene pixels, and the overview
map's points. Nothing here opens a file; :mod:`forcewatch.report.brief` draws and renders the plan.

>>> date_text("2022-02-10T09:00:00Z")
'10 February 2022'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from forcewatch.assess.estimate import SiteEstimate
from forcewatch.change.match import ObjectChange, match_objects
from forcewatch.change.tracks import split_unseen
from forcewatch.errors import StoreError
from forcewatch.geo.borders import ReferenceLine
from forcewatch.geo.convert import geometry_pixel_bounds
from forcewatch.geo.distance import Distance, distance_to
from forcewatch.model import (
    BoxPx,
    Geometry,
    Observation,
    Scene,
    Site,
    StoredActivity,
    StoredCamp,
    StoredDetection,
    member_ids,
)
from forcewatch.report.dates import date_text

#: The longest side of a chip, in pixels of the PNG.
CHIP_SIDE_PX = 900
#: Ground around the detections (or the site) that a chip shows, in metres.
CHIP_MARGIN_M = 60.0
#: What happened to an object since the previous date; "seen" on the first date.
STATUSES = ("seen", "stayed", "arrived", "departed", "not observed")


# ---- the input: values read from the store


@dataclass(frozen=True)
class SiteData:
    """What the brief needs of one site, read from the store."""

    site: Site
    observations: list[Observation]  # merged by scene (one per scene), in date order, within the dates asked
    detections: list[StoredDetection] = field(default_factory=list)
    activity: list[StoredActivity] = field(default_factory=list)  # new-activity areas of its comparisons
    camps: list[StoredCamp] = field(default_factory=list)  # camps of its comparisons
    estimate: SiteEstimate | None = None  # of the latest observation by the brief's model, if any


@dataclass(frozen=True)
class BriefData:
    """Everything the brief shows, as values: the sites, the scenes by id, the line distances are
    measured to, and the model whose quality corrects the estimates."""

    sites: list[SiteData]
    scenes: dict[int, Scene]
    line: ReferenceLine
    model_id: str = ""
    model_sha256: str = ""
    workspace: Path | None = None  # the workspace folder: scene paths are shown relative to it


# ---- the output: what a site section says and shows


@dataclass(frozen=True)
class ChipWindow:
    """The part of a scene a chip shows (scene pixels, clamped to the scene) and the chip's size."""

    x0: float
    y0: float
    x1: float
    y1: float
    scale: float  # chip pixels per scene pixel (at most 1)
    width_px: int
    height_px: int

    @property
    def box_px(self) -> BoxPx:
        return (self.x0, self.y0, self.x1, self.y1)


@dataclass(frozen=True)
class ChipPlan:
    """A chip to draw: the window of the scene, the boxes (scene pixels) with their status, and
    the new-activity and camp outlines (lon/lat)."""

    scene: Scene
    window: ChipWindow
    boxes: list[tuple[BoxPx, str]]
    activity: list[Geometry] = field(default_factory=list)
    camps: list[Geometry] = field(default_factory=list)


@dataclass(frozen=True)
class DateStatus:
    """What happened since the previous date: the status of this date's detections by id, the
    previous date's objects now gone (drawn where they were), one note per class, and the objects
    the next date is compared with (this date's, plus those of classes this date could not see)."""

    status: dict[int, str]
    gone: list[tuple[str, StoredDetection]]
    notes: list[str]
    following: list[StoredDetection]


@dataclass(frozen=True)
class DatePlan:
    """One date of a site: its observation, its chip and the caption under it."""

    observation: Observation
    scene: Scene
    chip: ChipPlan
    caption: str


@dataclass(frozen=True)
class Timeline:
    """Counts per class over the dates (None: not observable that date), and the chart's title."""

    dates: list[str]
    series: dict[str, list[int | None]]
    title: str


@dataclass(frozen=True)
class SitePlan:
    site: Site
    headline: str
    distance: Distance | None
    observations: list[Observation]
    dates: list[DatePlan]
    timeline: Timeline | None
    estimate: SiteEstimate | None


# ---- the steps


def observations_between(
    observations: list[Observation], date_from: str | None = None, date_to: str | None = None
) -> list[Observation]:
    """The observations from ``date_from`` (inclusive) to ``date_to`` (its whole day)."""
    return [
        o
        for o in observations
        if (not date_from or o.acquired >= date_from) and (not date_to or o.acquired[:10] <= date_to[:10])
    ]


def headline(site: Site, obs: list[Observation], distance: Distance | None) -> str:
    """A sentence in the manner of the published analyses, from the stored data only."""
    if not obs:
        return f"{site.name}: no observation yet."
    last = obs[-1]
    counts = last.count_text()
    where = (
        f"{site.name} ({site.lat:.2f} N, {site.lon:.2f} E)"
        if site.lat is not None and site.lon is not None
        else site.name
    )
    parts = [f"{counts} at {where} on {date_text(last.acquired)}"]
    if distance is not None:
        parts.append(f"{distance.distance_km:.0f} km ({distance.distance_miles:.0f} miles) from the {distance.line}")
    if len(obs) >= 2:
        prev = obs[-2]
        deltas = [f"{last.counts[c] - prev.counts[c]:+d} {c}" for c in sorted(last.counts) if c in prev.counts]
        if deltas:
            parts.append(f"{', '.join(deltas)} since {date_text(prev.acquired)}")
    parts.append(f"{last.share_observed:.0%} of the site observed")
    return "; ".join(parts) + "."


def detections_of(observation: Observation, detections: list[StoredDetection]) -> list[StoredDetection]:
    """The detections of an observation (of each model merged into it)."""
    ids = member_ids(observation)
    return [d for d in detections if d.observation_id in ids]


def change_note(change: ObjectChange) -> str:
    """ "aircraft: 3 arrived, 2 departed, 3 stayed" (and how many were not observed, if any)."""
    c = change
    return f"{c.class_name}: {len(c.arrived)} arrived, {len(c.departed)} departed, {len(c.stayed)} stayed" + (
        f", {len(c.not_observed)} not observed" if c.not_observed else ""
    )


def date_status(
    previous: list[StoredDetection] | None, detections: list[StoredDetection], observation: Observation
) -> DateStatus:
    """Match this date's detections with the previous date's objects (``None`` on the first date).
    Classes this date cannot see are carried to the next date: neither stayed nor departed."""
    if previous is None:
        return DateStatus({}, [], [], list(detections))
    comparable, carried = split_unseen(previous, observation)
    changes = match_objects(comparable, detections, observed_after=observation.observed)
    status: dict[int, str] = {}
    gone: list[tuple[str, StoredDetection]] = []
    for ch in changes.values():
        status.update({b.id: "stayed" for _, b in ch.stayed})
        status.update({d.id: "arrived" for d in ch.arrived})
        gone += [("departed", d) for d in ch.departed] + [("not observed", d) for d in ch.not_observed]
    return DateStatus(status, gone, [change_note(c) for c in changes.values()], [*detections, *carried])


def activity_on(observation: Observation, activity: list[StoredActivity]) -> list[Geometry]:
    """The new-activity areas found by the comparison that ended on this date."""
    return [a.polygon for a in activity if a.later == observation.acquired and a.polygon is not None]


def camps_on(observation: Observation, camps: list[StoredCamp]) -> list[StoredCamp]:
    """The camps of this date (with an outline)."""
    return [k for k in camps if k.acquired == observation.acquired and k.polygon is not None]


def date_notes(
    change_notes: list[str], activity: list[Geometry], camps: list[StoredCamp], observation: Observation
) -> list[str]:
    """What the caption says happened since the previous date: per class, the new-activity areas,
    the camps that changed, and the classes this date could not see."""
    notes = list(change_notes)
    if activity:
        notes.append(f"{len(activity)} new-activity area(s) outlined")
    notes += [
        f"{k.kind} {k.status}: {k.tents} tents, {k.vehicles} vehicles on {k.area_m2 / 1e4:.2f} ha"
        for k in camps
        if k.status != "unchanged"
    ]
    notes += [f"{c} not observable ({why})" for c, why in sorted(observation.not_observable.items())]
    return notes


def boxes_in_scene(scene: Scene, detections: list[StoredDetection]) -> list[BoxPx]:
    """Ground polygons of detections (maybe from another scene) as boxes in this scene's pixels."""
    boxes = []
    for d in detections:
        if d.detection.polygon is None:
            raise StoreError(
                f"detection {d.id} has no ground polygon, so the brief cannot place it in scene {scene.path}. "
                "Fix: scan the site again (forcewatch scan) so that its detections are georeferenced."
            )
        boxes.append(geometry_pixel_bounds(scene.crs_wkt, scene.transform, d.detection.polygon))
    return boxes


def chip_window(scene: Scene, site: Site, boxes_px: list[BoxPx]) -> ChipWindow:
    """The window around the boxes (or, with none, around the part of the site in the scene) with
    a margin of :data:`CHIP_MARGIN_M`, clamped to the scene, scaled to at most :data:`CHIP_SIDE_PX`."""
    if boxes_px:
        margin_px = CHIP_MARGIN_M / scene.gsd_m
        boxes = np.array(boxes_px)
        x0, y0 = boxes[:, 0].min() - margin_px, boxes[:, 1].min() - margin_px
        x1, y1 = boxes[:, 2].max() + margin_px, boxes[:, 3].max() + margin_px
    else:
        aoi = site.aoi.intersection(scene.footprint)
        if aoi.is_empty:
            aoi = scene.footprint
        x0, y0, x1, y1 = geometry_pixel_bounds(scene.crs_wkt, scene.transform, aoi.envelope)
    x0, y0 = max(0.0, x0), max(0.0, y0)
    x1, y1 = min(float(scene.width_px), x1), min(float(scene.height_px), y1)
    scale = min(1.0, CHIP_SIDE_PX / max(x1 - x0, y1 - y0))
    w, h = max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale))
    return ChipWindow(float(x0), float(y0), float(x1), float(y1), scale, w, h)


def chip_caption(scene: Scene, n_detections: int, window: ChipWindow) -> str:
    """The date, the sensor, the GSD, the detections and the ground the chip covers."""
    return (
        f"{date_text(scene.acquired)} — {scene.sensor}, {scene.gsd_m:.2f} m GSD, {n_detections} detections; "
        f"{(window.x1 - window.x0) * scene.gsd_m:.0f} m × {(window.y1 - window.y0) * scene.gsd_m:.0f} m; "
        f"scene sha256 {scene.sha256[:12]}…"
    )


def plan_date(
    site: Site,
    scene: Scene,
    observation: Observation,
    detections: list[StoredDetection],
    since: DateStatus,
    activity: list[Geometry],
    camps: list[StoredCamp],
) -> DatePlan:
    """The chip and caption of one date, given what happened since the previous date."""
    gone_boxes = boxes_in_scene(scene, [d for _, d in since.gone])
    window = chip_window(scene, site, [d.detection.box_px for d in detections] + gone_boxes)
    boxes = [(d.detection.box_px, since.status.get(d.id, "seen")) for d in detections]
    boxes += [(b, what) for b, (what, _) in zip(gone_boxes, since.gone, strict=True)]
    outlined_camps = [k.polygon for k in camps if k.polygon is not None and not k.polygon.is_empty]
    chip = ChipPlan(scene, window, boxes, activity, outlined_camps)
    summary = "; ".join(date_notes(since.notes, activity, camps, observation))
    caption = chip_caption(scene, len(detections), window) + (
        f". Since the previous date: {summary}" if summary else ""
    )
    return DatePlan(observation, scene, chip, caption)


def timeline(site: Site, observations: list[Observation]) -> Timeline | None:
    """The counts per class over the dates; None where a class was not observable (never zero)."""
    if not observations:
        return None
    classes = sorted({c for o in observations for c in o.counts})
    return Timeline(
        [o.acquired for o in observations],
        {c: [o.counts.get(c) for o in observations] for c in classes},
        f"{site.name}: counts",
    )


def plan_site(data: SiteData, scenes: dict[int, Scene], line: ReferenceLine) -> SitePlan:
    """A site's section: the headline, then date by date the chip and what changed since the last."""
    site, obs = data.site, data.observations
    distance = distance_to(site.aoi, line)
    dates: list[DatePlan] = []
    previous: list[StoredDetection] | None = None
    for o in obs:
        mine = detections_of(o, data.detections)
        since = date_status(previous, mine, o)
        dates.append(
            plan_date(site, scenes[o.scene_id], o, mine, since, activity_on(o, data.activity), camps_on(o, data.camps))
        )
        previous = since.following
    estimate = data.estimate if obs and data.estimate is not None and data.estimate.observation is not None else None
    return SitePlan(site, headline(site, obs, distance), distance, obs, dates, timeline(site, obs), estimate)


def map_points(plans: list[SitePlan]) -> list[tuple[str, float, float, str]]:
    """The overview map's points: (name, lat, lon, latest counts) per site."""
    return [
        (
            p.site.name,
            p.site.lat or 0.0,
            p.site.lon or 0.0,
            p.observations[-1].count_text() if p.observations else "no data",
        )
        for p in plans
    ]


def scenes_shown(plans: list[SitePlan]) -> list[Scene]:
    """The scenes the chips show, once each, in date order (for the provenance table)."""
    return sorted({d.scene.id: d.scene for p in plans for d in p.dates}.values(), key=lambda s: s.acquired)
