"""The brief: one self-contained HTML file (images embedded as data URIs, no network) with an
overview map, and per site a headline sentence, annotated image chips per date, a counts timeline,
the force estimate with its assumptions, and provenance so that every number can be re-derived."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import jinja2
import numpy as np
import shapely
from affine import Affine
from shapely.geometry.base import BaseGeometry

from forcewatch import __version__
from forcewatch.assess.estimate import SiteEstimate, load_doctrine, site_estimate
from forcewatch.change.match import match_objects
from forcewatch.change.tracks import split_unseen
from forcewatch.geo.convert import pixel_bounds
from forcewatch.geo.distance import Distance, distance_to, reference_line
from forcewatch.imagery.raster import RasterReader
from forcewatch.model import Observation, Scene, Site, member_ids, merge_by_scene
from forcewatch.report.charts import counts_timeline, overview_map
from forcewatch.store.base import Store, StoredDetection

CHIP_SIDE_PX = 900
CHIP_MARGIN_M = 60.0
#: BGR colours of the boxes by what happened to the object since the previous date.
STATUS_COLOURS = {
    "seen": (0, 200, 255),
    "stayed": (255, 128, 0),
    "arrived": (0, 0, 230),
    "departed": (230, 0, 230),
    "not observed": (150, 150, 150),
}
STATUS_COLORS_ACTIVITY = (0, 255, 255)  # BGR yellow: new-activity outlines
CAMP_COLOUR = (80, 200, 0)  # BGR green: camps (clusters of tents and vehicles)


@dataclass
class DateChip:
    acquired: str
    scene: Scene
    observation: Observation
    png: bytes
    caption: str


@dataclass
class SiteSection:
    site: Site
    headline: str
    distance: Distance | None
    chips: list[DateChip] = field(default_factory=list)
    timeline_png: bytes | None = None
    estimate: SiteEstimate | None = None
    observations: list[Observation] = field(default_factory=list)


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _date(iso: str) -> str:
    return dt.datetime.strptime(iso[:10], "%Y-%m-%d").strftime("%-d %B %Y")


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
    parts = [f"{counts} at {where} on {_date(last.acquired)}"]
    if distance is not None:
        parts.append(f"{distance.distance_km:.0f} km ({distance.distance_miles:.0f} miles) from the {distance.line}")
    if len(obs) >= 2:
        prev = obs[-2]
        deltas = [f"{last.counts[c] - prev.counts[c]:+d} {c}" for c in sorted(last.counts) if c in prev.counts]
        if deltas:
            parts.append(f"{', '.join(deltas)} since {_date(prev.acquired)}")
    parts.append(f"{last.share_observed:.0%} of the site observed")
    return "; ".join(parts) + "."


def _boxes_in_scene(scene: Scene, dets: list[StoredDetection]) -> list[tuple[float, float, float, float]]:
    """Ground polygons of detections (maybe from another scene) as boxes in this scene's pixels."""
    return [
        pixel_bounds(
            scene.crs_wkt,
            scene.transform,
            *np.asarray((d.detection.polygon or shapely.Polygon()).exterior.coords.xy),
        )
        for d in dets
    ]


def chip(
    scene: Scene,
    site: Site,
    detections: list[StoredDetection],
    status: dict[int, str] | None = None,
    gone: list[tuple[str, StoredDetection]] | None = None,
    activity: list[BaseGeometry] | None = None,
    camps: list[BaseGeometry] | None = None,
) -> tuple[bytes, str]:
    """The part of the scene around the site's detections (or the site), boxes drawn and coloured
    by what happened since the previous date (``status`` by detection id; ``gone``: objects of the
    previous date that departed or were not observed, drawn where they were)."""
    aff = Affine(*scene.transform)
    inv = ~aff
    margin_px = CHIP_MARGIN_M / scene.gsd_m
    gone = gone or []
    gone_boxes = _boxes_in_scene(scene, [d for _, d in gone]) if gone else []
    if detections or gone_boxes:
        boxes = np.array([d.detection.box_px for d in detections] + gone_boxes)
        x0, y0 = boxes[:, 0].min() - margin_px, boxes[:, 1].min() - margin_px
        x1, y1 = boxes[:, 2].max() + margin_px, boxes[:, 3].max() + margin_px
    else:
        aoi = site.aoi.intersection(scene.footprint)
        if aoi.is_empty:
            aoi = scene.footprint
        x0, y0, x1, y1 = pixel_bounds(scene.crs_wkt, scene.transform, *np.asarray(aoi.envelope.exterior.coords.xy))
    x0, y0 = max(0.0, x0), max(0.0, y0)
    x1, y1 = min(float(scene.width_px), x1), min(float(scene.height_px), y1)
    scale = min(1.0, CHIP_SIDE_PX / max(x1 - x0, y1 - y0))
    w, h = max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale))
    with RasterReader(Path(scene.path)) as reader:
        rgb, _ = reader.read((x0, y0, x1, y1), w, h)
    img = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    drawn = [(d.detection.box_px, (status or {}).get(d.id, "seen")) for d in detections]
    drawn += [(b, what) for b, (what, _) in zip(gone_boxes, gone, strict=True)]
    for (bx0, by0, bx1, by1), what in drawn:
        p0 = (round((bx0 - x0) * scale), round((by0 - y0) * scale))
        p1 = (round((bx1 - x0) * scale), round((by1 - y0) * scale))
        cv2.rectangle(img, p0, p1, STATUS_COLOURS[what], 1 if what in ("departed", "not observed") else 2)
    # new-activity areas and camps, from the stored comparison with the previous date
    outlines = [(g, STATUS_COLORS_ACTIVITY) for g in activity or []] + [(g, CAMP_COLOUR) for g in camps or []]
    if outlines:
        from pyproj import CRS, Transformer

        to_scene = Transformer.from_crs(4326, CRS.from_wkt(scene.crs_wkt), always_xy=True)
        for poly, colour in outlines:
            for part in getattr(poly, "geoms", [poly]):
                xs, ys = to_scene.transform(*np.asarray(part.exterior.coords.xy))
                pts = [inv @ (x, y) for x, y in zip(xs, ys, strict=True)]
                ring = np.array([[(c - x0) * scale, (r - y0) * scale] for c, r in pts], np.int32)
                cv2.polylines(img, [ring], True, colour, 2)
    ok, png = cv2.imencode(".png", img)
    assert ok
    caption = (
        f"{_date(scene.acquired)} — {scene.sensor}, {scene.gsd_m:.2f} m GSD, {len(detections)} detections; "
        f"{(x1 - x0) * scene.gsd_m:.0f} m × {(y1 - y0) * scene.gsd_m:.0f} m; scene sha256 {scene.sha256[:12]}…"
    )
    return png.tobytes(), caption


def build_brief(
    store: Store,
    *,
    site_name: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    line: str = "UKR",
    model_id: str = "",
    model_sha256: str = "",
    model_scores: dict[str, object] | None = None,
) -> str:
    """The brief as an HTML string."""
    ref = reference_line(line)
    sites = [store.site(site_name)] if site_name else store.sites()
    scenes = {s.id: s for s in store.scenes()}
    sections = []
    for site in sites:
        assert site.id is not None
        obs = [
            o
            for o in merge_by_scene(store.observations(site.id))
            if (not date_from or o.acquired >= date_from) and (not date_to or o.acquired[:10] <= date_to[:10])
        ]
        dist = distance_to(site.aoi, ref)
        section = SiteSection(site, headline(site, obs, dist), dist, observations=obs)
        dets = list(store.detections(site.id))
        activity_rows = store.activity({site.id})
        camp_rows = store.camps({site.id})
        previous: list[StoredDetection] | None = None
        for o in obs:
            scene = scenes[o.scene_id]
            ids = member_ids(o)
            mine = [d for d in dets if d.observation_id in ids]
            status: dict[int, str] = {}
            gone: list[tuple[str, StoredDetection]] = []
            notes: list[str] = []
            carried: list[StoredDetection] = []
            if previous is not None:  # classes this date cannot see are carried, not departed
                previous, carried = split_unseen(previous, o)
                changes = match_objects(previous, mine, observed_after=o.observed)
                for ch in changes.values():
                    status.update({b.id: "stayed" for _, b in ch.stayed})
                    status.update({d.id: "arrived" for d in ch.arrived})
                    gone += [("departed", d) for d in ch.departed] + [("not observed", d) for d in ch.not_observed]
                notes += [
                    f"{c.class_name}: {len(c.arrived)} arrived, {len(c.departed)} departed, {len(c.stayed)} stayed"
                    + (f", {len(c.not_observed)} not observed" if c.not_observed else "")
                    for c in changes.values()
                ]
            activity = [a.polygon for a in activity_rows if a.later == o.acquired and a.polygon is not None]
            camps = [k for k in camp_rows if k.acquired == o.acquired and k.polygon is not None]
            png, caption = chip(scene, site, mine, status, gone, activity, [k.polygon for k in camps if k.polygon])
            if activity:
                notes.append(f"{len(activity)} new-activity area(s) outlined")
            notes += [
                f"{k.kind} {k.status}: {k.tents} tents, {k.vehicles} vehicles on {k.area_m2 / 1e4:.2f} ha"
                for k in camps
                if k.status != "unchanged"
            ]
            notes += [f"{c} not observable ({why})" for c, why in sorted(o.not_observable.items())]
            summary = "; ".join(notes)
            section.chips.append(
                DateChip(
                    o.acquired, scene, o, png, caption + (f". Since the previous date: {summary}" if summary else "")
                )
            )
            previous = mine + carried
        if obs:
            classes = sorted({c for o in obs for c in o.counts})
            section.timeline_png = counts_timeline(
                [o.acquired for o in obs],
                {c: [o.counts.get(c) for o in obs] for c in classes},  # None: not observable that date
                f"{site.name}: counts",
            )
            if model_scores is not None:
                est = site_estimate(
                    site.name, store.observations(site.id), model_id, model_sha256, model_scores, load_doctrine()
                )
                section.estimate = est if est.observation is not None else None
        sections.append(section)
    points = []
    for s in sections:
        label = s.observations[-1].count_text() if s.observations else "no data"
        points.append((s.site.name, s.site.lat or 0.0, s.site.lon or 0.0, label))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["uri"] = data_uri
    env.filters["date"] = _date
    used_scenes = sorted({c.scene.id: c.scene for s in sections for c in s.chips}.values(), key=lambda s: s.acquired)
    return env.get_template("brief.html.j2").render(
        title="ForceWatch brief",
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=__version__,
        map_png=overview_map(points),
        sections=sections,
        line=ref,
        scenes=used_scenes,
        model_id=model_id,
        model_sha256=model_sha256,
        synthetic=any("synthetic" in sc.sensor.lower() for sc in used_scenes),
    )
