"""The brief's pure steps: from values read out of the store (:class:`SiteData`, one site at a
time) to what each site section says and shows (:class:`SitePlan`): the headline, per date the
status of each object since the previous date, the notes under the chip and the chip's window in
scene pixels, what changed since the previous date, the site's unvalidated candidates set apart;
and from a plan, the site's row in the watchlist table (:class:`SiteRow`) and its point on the
overview map. Nothing here opens a file; :mod:`forcewatch.report.brief` draws and renders the plan.

Findings are validated counts only (``Observation.validated``): the headline, the captions, the
boxes on the chips, the timeline, the estimate and the map show them. Unvalidated candidates are
listed apart, with why and how to review them; a camp event is a finding only when its classes are
validated on both dates. ``include_unvalidated`` counts the candidates as findings (and says so).

What happened since the previous date (:func:`forcewatch.report.dates.date_status`) comes from the
stored comparison of the two dates where there is one, with its notes; ground the earlier date did
not show is *not observed before*, never *arrived*.

>>> date_text("2022-02-10T09:00:00Z")
'10 February 2022'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from forcewatch.assess.estimate import SiteEstimate
from forcewatch.assess.validation import findings, is_finding
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
    StoredChangedObject,
    StoredComparison,
    StoredDetection,
    camp_validated,
    member_ids,
)
from forcewatch.report.dates import DateStatus, Gone, change_note, comparison_between, date_status, date_text, has_place

#: The longest side of a chip, in pixels of the PNG (the candidates' chip: the smaller).
CHIP_SIDE_PX = 900
CANDIDATE_CHIP_SIDE_PX = 450
#: Ground around the detections (or the site) that a chip shows, in metres.
CHIP_MARGIN_M = 60.0
#: The boxes of the candidates' chip.
CANDIDATE = "candidate"
CANDIDATES = "unvalidated candidates"
REVIEW = (
    'review them with `forcewatch label export "{site}" --date {date} --out labels.gpkg`, '
    "then `forcewatch label import labels.gpkg`"
)


# ---- the input: values read from the store


@dataclass(frozen=True)
class SiteData:
    """What the brief needs of one site, read from the store (detections an analyst rejected left out)."""

    site: Site
    observations: list[Observation]  # merged by scene (one per scene), in date order, within the dates asked
    detections: list[StoredDetection] = field(default_factory=list)
    activity: list[StoredActivity] = field(default_factory=list)  # new-activity areas of its comparisons
    camps: list[StoredCamp] = field(default_factory=list)  # camps of its comparisons
    estimate: SiteEstimate | None = None  # of the latest observation by the brief's model, if any
    comparisons: list[StoredComparison] = field(default_factory=list)  # its stored comparisons
    changed: list[StoredChangedObject] = field(default_factory=list)  # their changed objects
    alerts: list[str] | None = None  # what the workspace's alert rules raise on its comparisons (None: no rules)


@dataclass(frozen=True)
class BriefData:
    """Everything the brief shows, as values: the sites, the scenes by id, the line distances are
    measured to, the model whose quality corrects the estimates, whether unvalidated candidates
    count as findings, and per model id what its scores were measured on (for the candidates)."""

    sites: list[SiteData]
    scenes: dict[int, Scene]
    line: ReferenceLine
    model_id: str = ""
    model_sha256: str = ""
    workspace: Path | None = None  # the workspace folder: scene paths are shown relative to it
    include_unvalidated: bool = False
    model_notes: dict[str, str] = field(default_factory=dict)


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
class DatePlan:
    """One date of a site: its observation, its chip, the caption under it, its counts (findings),
    its unvalidated candidates (and their changes) and the camp events left out of the findings."""

    observation: Observation
    scene: Scene
    chip: ChipPlan
    caption: str
    counts: str = ""
    candidates: str = ""
    candidate_detections: list[StoredDetection] = field(default_factory=list)
    left_out: list[StoredCamp] = field(default_factory=list)
    change: list[str] = field(default_factory=list)  # what changed since the previous date (findings)


@dataclass(frozen=True)
class Timeline:
    """Counts per class over the dates (None: no finding that date, with why in ``gaps``), and the title."""

    dates: list[str]
    series: dict[str, list[int | None]]
    title: str
    gaps: dict[str, list[str]] = field(default_factory=dict)  # per class and date: "n/o" or "unval." where None


@dataclass(frozen=True)
class CandidatesPlan:
    """A site's unvalidated candidates, set apart: per date what was counted (and changed), per
    class why it is not validated and how to review it, what was left out of the findings (camp
    events, estimates), and a chip of the latest date's candidates."""

    dates: list[tuple[str, str]] = field(default_factory=list)  # (acquired, what)
    why: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    chip: ChipPlan | None = None
    included: bool = False  # counted as findings above (--include-unvalidated)

    def __bool__(self) -> bool:
        return bool(self.dates or self.why or self.left_out)


@dataclass(frozen=True)
class SitePlan:
    site: Site
    headline: str
    distance: Distance | None
    observations: list[Observation]
    dates: list[DatePlan]
    timeline: Timeline | None
    estimate: SiteEstimate | None
    candidates: CandidatesPlan = field(default_factory=CandidatesPlan)
    included: bool = False  # unvalidated candidates counted as findings
    alerts: list[str] | None = None  # the alerts the workspace's rules raise on it (None: no rules)

    @property
    def change(self) -> list[str]:
        """What changed at the site since the date before its latest (findings only); empty if nothing."""
        return self.dates[-1].change if self.dates else []

    @property
    def flagged(self) -> bool:
        """Whether the site changed since its previous date or has alerts: a watchlist brief details it."""
        return bool(self.change or self.alerts)


@dataclass(frozen=True)
class SiteRow:
    """A site's row in the watchlist brief's table: its latest date and findings, what changed since
    the date before, its alerts, its distance to the line, its unvalidated candidates, and where its
    detail is (``link``: an anchor in the main file, its own page, or "" for none)."""

    site: Site
    latest: str
    findings: str
    change: list[str]
    alerts: list[str] | None
    distance: Distance | None
    candidates: str = ""
    link: str = ""

    @property
    def flagged(self) -> bool:
        return bool(self.change or self.alerts)


# ---- the steps


def counts_text(observation: Observation, include_unvalidated: bool = False) -> str:
    """The findings of an observation: "12 aircraft" (candidates marked as such when included), or
    "no validated count"."""
    o = observation
    found = findings(o.counts, o.validated, include_unvalidated)
    marks = {c: "" if c in o.validated else f" ({CANDIDATES})" for c in found}
    return ", ".join(f"{n} {c}{marks[c]}" for c, n in sorted(found.items())) or "no validated count"


def headline(site: Site, obs: list[Observation], distance: Distance | None, include_unvalidated: bool = False) -> str:
    """A sentence in the manner of the published analyses, from the stored findings only."""
    if not obs:
        return f"{site.name}: no observation yet."
    last = obs[-1]
    counts = counts_text(last, include_unvalidated)
    where = (
        f"{site.name} ({site.lat:.2f} N, {site.lon:.2f} E)"
        if site.lat is not None and site.lon is not None
        else site.name
    )
    parts = [f"{counts[:1].upper()}{counts[1:]} at {where} on {date_text(last.acquired)}"]
    if last.not_observable:
        parts.append(f"{', '.join(sorted(last.not_observable))} not observable")
    if distance is not None:
        parts.append(f"{distance.distance_km:.0f} km ({distance.distance_miles:.0f} miles) from the {distance.line}")
    if len(obs) >= 2:
        prev = obs[-2]
        now, before = (findings(o.counts, o.validated, include_unvalidated) for o in (last, prev))
        deltas = [f"{now[c] - before[c]:+d} {c}" for c in sorted(now) if c in before]
        if deltas:
            parts.append(f"{', '.join(deltas)} since {date_text(prev.acquired)}")
    parts.append(f"{last.share_observed:.0%} of the site observed")
    return "; ".join(parts) + "."


def detections_of(observation: Observation, detections: list[StoredDetection]) -> list[StoredDetection]:
    """The detections of an observation (of each model merged into it)."""
    ids = member_ids(observation)
    return [d for d in detections if d.observation_id in ids]


def activity_on(observation: Observation, activity: list[StoredActivity]) -> list[Geometry]:
    """The new-activity areas found by the comparison that ended on this date."""
    return [a.polygon for a in activity if a.later == observation.acquired and a.polygon is not None]


def camps_on(observation: Observation, camps: list[StoredCamp]) -> list[StoredCamp]:
    """The camps of this date (with an outline)."""
    return [k for k in camps if k.acquired == observation.acquired and k.polygon is not None]


def camp_is_finding(
    camp: StoredCamp, comparisons: Mapping[int, StoredComparison], include_unvalidated: bool = False
) -> bool:
    """A camp event is a finding when its comparison validates its tents and vehicles on both dates
    (or the user included unvalidated candidates)."""
    c = comparisons.get(camp.comparison_id)
    counts = {"tent": camp.tents, "vehicle": camp.vehicles}
    return include_unvalidated or (c is not None and camp_validated(counts, c.validated))


def date_notes(
    since: DateStatus,
    activity: list[Geometry],
    camps: list[StoredCamp],
    observation: Observation,
    include_unvalidated: bool = False,
    left_out: int = 0,
) -> list[str]:
    """What the caption says happened since the previous date: per class whose changes are findings
    (validated on both dates), the stored comparison's notes, the new-activity areas, the camps that
    changed, how many camp events were left out (not findings), and the classes this date could not see."""
    v = since.validated
    notes = [
        change_note(c, s) + ("" if c in v else f" ({CANDIDATES})")
        for c, s in sorted(since.changes.items())
        if is_finding(c, v, include_unvalidated)
    ]
    notes += [f"{what}: {text}" for what, text in sorted(since.notes.items())]
    if activity:
        notes.append(f"{len(activity)} new-activity area(s) outlined")
    notes += [
        f"{k.kind} {k.status}: {k.tents} tents, {k.vehicles} vehicles on {k.area_m2 / 1e4:.2f} ha"
        for k in camps
        if k.status != "unchanged"
    ]
    if left_out:
        notes.append(f"{left_out} camp event(s) of {CANDIDATES} left out (not findings)")
    notes += [f"{c} not observable ({why})" for c, why in sorted(observation.not_observable.items())]
    return notes


def date_counts(observation: Observation, include_unvalidated: bool = False) -> str:
    """A date's findings and the classes it could not see: "12 aircraft; tent not observable"."""
    unseen = ", ".join(sorted(observation.not_observable))
    return counts_text(observation, include_unvalidated) + (f"; {unseen} not observable" if unseen else "")


def candidate_text(observation: Observation, since: DateStatus) -> str:
    """A date's unvalidated candidates and their changes since the previous date:
    "880 vehicle; since the previous date: vehicle: 315 arrived, 311 departed, 560 stayed" ("" if none)."""
    counts = ", ".join(f"{n} {c}" for c, n in sorted(observation.candidate_counts.items()))
    changes = "; ".join(change_note(c, s) for c, s in sorted(since.changes.items()) if c not in since.validated)
    return "; ".join(t for t in (counts, f"since the previous date: {changes}" if changes else "") if t)


def gone_boxes(scene: Scene, gone: Sequence[Gone]) -> list[tuple[BoxPx, str]]:
    """Where the objects gone since the previous date were (ground polygons, maybe from another
    scene), as boxes in this scene's pixels with their status. One without a place on the ground
    cannot be drawn: the caption counts it."""
    return [
        (geometry_pixel_bounds(scene.crs_wkt, scene.transform, g.polygon), g.status)
        for g in gone
        if g.polygon is not None and has_place(g.polygon)
    ]


def chip_window(scene: Scene, site: Site, boxes_px: list[BoxPx], side_px: int = CHIP_SIDE_PX) -> ChipWindow:
    """The window around the boxes (or, with none, around the part of the site in the scene) with
    a margin of :data:`CHIP_MARGIN_M`, clamped to the scene, scaled to at most ``side_px``."""
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
    scale = min(1.0, side_px / max(x1 - x0, y1 - y0))
    w, h = max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale))
    return ChipWindow(float(x0), float(y0), float(x1), float(y1), scale, w, h)


def chip_caption(scene: Scene, n_detections: int, window: ChipWindow) -> str:
    """The date, the sensor, the GSD, the detections drawn and the ground the chip covers."""
    return (
        f"{date_text(scene.acquired)} — {scene.sensor}, {scene.gsd_m:.2f} m GSD, {n_detections} detections; "
        f"{(window.x1 - window.x0) * scene.gsd_m:.0f} m × {(window.y1 - window.y0) * scene.gsd_m:.0f} m; "
        f"scene sha256 {scene.sha256[:12]}…"
    )


def change_since(
    since: DateStatus,
    observation: Observation,
    earlier: Observation | None,
    activity: Sequence[Geometry] = (),
    camps: Sequence[StoredCamp] = (),
    include_unvalidated: bool = False,
) -> list[str]:
    """What changed since the previous date, in findings only: counts that went up or down
    ("+3 aircraft"), objects that arrived or departed ("aircraft: 3 arrived, 0 departed"), new-activity
    areas and camp events (``camps``: those that are findings). Empty on the first date, and when
    nothing changed (objects not observed, or not observed before, are not a change)."""
    if earlier is None:
        return []
    inc = include_unvalidated
    now, before = (findings(o.counts, o.validated, inc) for o in (observation, earlier))
    out = [f"{now[c] - before[c]:+d} {c}" for c in sorted(now) if c in before and now[c] != before[c]]
    out += [
        f"{c}: {s.get('arrived', 0)} arrived, {s.get('departed', 0)} departed"
        for c, s in sorted(since.changes.items())
        if is_finding(c, since.validated, inc) and (s.get("arrived") or s.get("departed"))
    ]
    if activity:
        out.append(f"{len(activity)} new-activity area(s)")
    return out + [f"{k.kind} {k.status}" for k in camps if k.status != "unchanged"]


def plan_date(
    site: Site,
    scene: Scene,
    observation: Observation,
    detections: list[StoredDetection],
    since: DateStatus,
    activity: list[Geometry],
    camps: list[StoredCamp],
    left_out: Sequence[StoredCamp] = (),
    include_unvalidated: bool = False,
    earlier: Observation | None = None,
) -> DatePlan:
    """The chip and caption of one date, given what happened since the previous date (``earlier``:
    its observation): the boxes of its findings only (unvalidated candidates are set apart), the
    camp events that are findings (``camps``; ``left_out`` are not), and what changed."""
    o, inc = observation, include_unvalidated
    shown = [d for d in detections if is_finding(d.detection.class_name, o.validated, inc)]
    gone = gone_boxes(scene, [g for g in since.gone if is_finding(g.class_name, since.validated, inc)])
    window = chip_window(scene, site, [d.detection.box_px for d in shown] + [b for b, _ in gone])
    boxes = [(d.detection.box_px, since.status.get(d.id, "seen")) for d in shown] + gone
    outlined_camps = [k.polygon for k in camps if k.polygon is not None and not k.polygon.is_empty]
    chip = ChipPlan(scene, window, boxes, activity, outlined_camps)
    summary = "; ".join(date_notes(since, activity, camps, o, inc, len(left_out)))
    caption = chip_caption(scene, len(shown), window) + (f". Since the previous date: {summary}" if summary else "")
    if o.candidate_counts and not inc:
        caption += f". {CANDIDATES.capitalize()} ({', '.join(sorted(o.candidate_counts))}) are not drawn: see below"
    candidates = [d for d in detections if d.detection.class_name not in o.validated]
    change = change_since(since, o, earlier, activity, camps, inc)
    return DatePlan(
        o, scene, chip, caption, date_counts(o, inc), candidate_text(o, since), candidates, list(left_out), change
    )


def measured_on(scores: Mapping[str, object]) -> str:
    """What a model's score entries that do not validate it were measured on (their ``data``), or "".

    >>> measured_on({"holdout": {"data": "SYNTHETIC: tents", "validates": False}})
    'SYNTHETIC: tents'
    """
    data = [
        str(e["data"])
        for e in scores.values()
        if isinstance(e, dict) and e.get("data") and e.get("validates") is not True
    ]
    return "; ".join(dict.fromkeys(data))


def candidate_why(site: Site, date: DatePlan, class_name: str, model_notes: Mapping[str, str] | None = None) -> str:
    """Why a class's counts on a date are unvalidated candidates, and how an analyst validates them."""
    o = date.observation
    models = sorted(
        {d.detection.model_id for d in date.candidate_detections if d.detection.class_name == class_name} - {""}
    ) or [o.model_id]
    measured = "".join(
        f" ({m}'s scores were measured on {(model_notes or {})[m]})" for m in models if m in (model_notes or {})
    )
    review = REVIEW.format(site=site.name, date=o.acquired[:10])
    return (
        f"{class_name}: {' and '.join(models)} has no score on real imagery of {class_name} near "
        f"{date.scene.gsd_m:.2f} m GSD, and no analyst has reviewed them{measured}; {review}."
    )


def candidates_chip(site: Site, dates: Sequence[DatePlan]) -> ChipPlan | None:
    """A small chip of the latest date's unvalidated candidates (boxes marked :data:`CANDIDATE`)."""
    for d in reversed(dates):
        if d.candidate_detections:
            boxes = [c.detection.box_px for c in d.candidate_detections]
            window = chip_window(d.scene, site, boxes, CANDIDATE_CHIP_SIDE_PX)
            return ChipPlan(d.scene, window, [(b, CANDIDATE) for b in boxes])
    return None


def plan_candidates(
    site: Site,
    dates: Sequence[DatePlan],
    estimate_left_out: Sequence[str] = (),
    model_notes: Mapping[str, str] | None = None,
    include_unvalidated: bool = False,
) -> CandidatesPlan:
    """A site's unvalidated candidates, set apart from its findings: per date, per class why (on
    the latest date it was a candidate), and what the findings leave out."""
    latest = {c: d for d in dates for c in d.observation.candidate_counts}
    left = [k for d in dates for k in d.left_out]
    events = "; ".join(
        f"{k.kind} {k.status} on {date_text(k.acquired)} ({k.tents} tents, {k.vehicles} vehicles)" for k in left
    )
    why_left = "their tents or vehicles are not validated on both dates"
    notes = [f"{len(left)} camp event(s) left out of the findings ({why_left}): {events}"] if left else []
    if estimate_left_out:
        notes.append(f"The force estimate leaves out {', '.join(estimate_left_out)}.")
    return CandidatesPlan(
        [(d.observation.acquired, d.candidates) for d in dates if d.candidates],
        [candidate_why(site, d, c, model_notes) for c, d in sorted(latest.items())],
        notes,
        None if include_unvalidated else candidates_chip(site, dates),
        include_unvalidated,
    )


def estimate_findings(
    estimate: SiteEstimate | None, include_unvalidated: bool = False
) -> tuple[SiteEstimate | None, list[str]]:
    """The estimate of the classes that are findings on its observation (None if none is), and the
    classes left out."""
    if estimate is None or estimate.observation is None:
        return None, []
    o = estimate.observation
    kept = [e for e in estimate.classes if is_finding(e.class_name, o.validated, include_unvalidated)]
    left = sorted({e.class_name for e in estimate.classes} - {e.class_name for e in kept})
    return (replace(estimate, classes=kept) if kept or not left else None), left


def timeline(site: Site, observations: list[Observation], include_unvalidated: bool = False) -> Timeline | None:
    """The findings per class over the dates; None (a gap, never zero) where a class was not
    observable or not counted ("n/o"), or an unvalidated candidate that date ("unval.")."""
    found = [findings(o.counts, o.validated, include_unvalidated) for o in observations]
    classes = sorted({c for f in found for c in f})
    if not classes:
        return None
    gaps = {
        c: ["" if c in f else "unval." if c in o.counts else "n/o" for o, f in zip(observations, found, strict=True)]
        for c in classes
    }
    return Timeline(
        [o.acquired for o in observations],
        {c: [f.get(c) for f in found] for c in classes},
        f"{site.name}: " + (f"counts, {CANDIDATES} included" if include_unvalidated else "validated counts"),
        gaps,
    )


def plan_site(
    data: SiteData,
    scenes: dict[int, Scene],
    line: ReferenceLine,
    include_unvalidated: bool = False,
    model_notes: Mapping[str, str] | None = None,
) -> SitePlan:
    """A site's section: the headline, then date by date the chip and what changed since the last,
    and the unvalidated candidates apart."""
    site, obs, inc = data.site, data.observations, include_unvalidated
    distance = distance_to(site.aoi, line)
    by_id = {c.id: c for c in data.comparisons}
    dates: list[DatePlan] = []
    previous: list[StoredDetection] | None = None
    earlier: Observation | None = None
    for o in obs:
        mine = detections_of(o, data.detections)
        compared = comparison_between(data.comparisons, earlier, o) if earlier is not None else None
        since = date_status(previous, mine, o, earlier, compared, data.changed)
        today = camps_on(o, data.camps)
        found = [camp_is_finding(k, by_id, inc) for k in today]
        camps = [k for k, ok in zip(today, found, strict=True) if ok]
        left_out = [k for k, ok in zip(today, found, strict=True) if not ok]
        scene = scenes[o.scene_id]
        activity = activity_on(o, data.activity)
        dates.append(plan_date(site, scene, o, mine, since, activity, camps, left_out, inc, earlier))
        previous, earlier = since.following, o
    estimate, left = estimate_findings(data.estimate if obs else None, inc)
    return SitePlan(
        site,
        headline(site, obs, distance, inc),
        distance,
        obs,
        dates,
        timeline(site, obs, inc),
        estimate,
        plan_candidates(site, dates, left, model_notes, inc),
        inc,
        data.alerts,
    )


def site_row(plan: SitePlan, link: str = "") -> SiteRow:
    """A site's row in the watchlist table; ``link``: where its detail is."""
    last = plan.observations[-1] if plan.observations else None
    if last is None:
        return SiteRow(plan.site, "", "no observation yet", [], plan.alerts, plan.distance, "", link)
    candidates = "" if plan.included else ", ".join(f"{n} {c}" for c, n in sorted(last.candidate_counts.items()))
    found = date_counts(last, plan.included)
    return SiteRow(plan.site, last.acquired, found, plan.change, plan.alerts, plan.distance, candidates, link)


def map_point(row: SiteRow) -> tuple[str, float, float, str]:
    """A site's point on the overview map: (name, lat, lon, latest findings)."""
    return (row.site.name, row.site.lat or 0.0, row.site.lon or 0.0, row.findings if row.latest else "no data")


def map_points(plans: list[SitePlan]) -> list[tuple[str, float, float, str]]:
    """The overview map's points: (name, lat, lon, latest findings) per site."""
    return [map_point(site_row(p)) for p in plans]


def scenes_shown(plans: list[SitePlan]) -> list[Scene]:
    """The scenes the chips show, once each, in date order (for the provenance table)."""
    return sorted({d.scene.id: d.scene for p in plans for d in p.dates}.values(), key=lambda s: s.acquired)
