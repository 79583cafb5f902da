"""The brief: one self-contained HTML file (images embedded as data URIs, no network) with an
overview map, and per site a headline sentence, annotated image chips per date, a counts timeline,
the force estimate with its assumptions, its unvalidated candidates set apart (never findings,
unless the brief says in its header that it includes them), and provenance so that every number
can be re-derived.

The steps: :mod:`forcewatch.report.brief_plan` turns the values read from the store
(:class:`BriefData`) into site plans (pure); here the chips are drawn from pixels read by the
caller's ``read_window`` (:mod:`forcewatch.report.chips`), the figures drawn, the template rendered.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from forcewatch import __version__
from forcewatch.assess.estimate import SiteEstimate
from forcewatch.assess.validation import INCLUDED_NOTE
from forcewatch.geo.distance import Distance
from forcewatch.model import Observation, Scene, Site
from forcewatch.report.brief_plan import (
    BriefData,
    CandidatesPlan,
    SitePlan,
    headline,
    map_points,
    plan_site,
    scenes_shown,
)
from forcewatch.report.charts import counts_timeline, overview_map
from forcewatch.report.chips import ReadWindow, chip_png
from forcewatch.report.dates import date_text
from forcewatch.report.files import check_folder_for, refuse_store, shown_path, write_atomic, writing

__all__ = [
    "BriefData",
    "DateChip",
    "SiteSection",
    "build_brief",
    "data_uri",
    "headline",
    "render_section",
    "write_brief_file",
]

FORMATS = ("html", "pdf")


@dataclass
class DateChip:
    """A chip as the template shows it: the PNG, its caption and the date's findings."""

    acquired: str
    scene: Scene
    observation: Observation
    png: bytes
    caption: str
    counts: str = ""


@dataclass
class SiteSection:
    """A site's section as the template shows it."""

    site: Site
    headline: str
    distance: Distance | None
    chips: list[DateChip] = field(default_factory=list)
    timeline_png: bytes | None = None
    estimate: SiteEstimate | None = None
    observations: list[Observation] = field(default_factory=list)
    candidates: CandidatesPlan = field(default_factory=CandidatesPlan)
    candidates_png: bytes | None = None  # the latest date's unvalidated candidates, on their own chip


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def render_section(plan: SitePlan, read_window: ReadWindow) -> SiteSection:
    """Draw a site's chips (pixels from ``read_window``), its counts timeline and its candidates' chip."""
    chips = [
        DateChip(d.observation.acquired, d.scene, d.observation, chip_png(d.chip, read_window), d.caption, d.counts)
        for d in plan.dates
    ]
    tl = plan.timeline
    timeline_png = counts_timeline(tl.dates, tl.series, tl.title, tl.gaps) if tl is not None else None
    cands = plan.candidates
    return SiteSection(
        plan.site,
        plan.headline,
        plan.distance,
        chips,
        timeline_png,
        plan.estimate,
        plan.observations,
        cands,
        chip_png(cands.chip, read_window) if cands.chip is not None else None,
    )


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["uri"] = data_uri
    env.filters["date"] = date_text
    return env


def build_brief(data: BriefData, read_window: ReadWindow, *, generated: dt.datetime | None = None) -> str:
    """The brief as an HTML string; ``read_window`` gives the pixels of each chip's window."""
    plans = [plan_site(s, data.scenes, data.line, data.include_unvalidated, data.model_notes) for s in data.sites]
    sections = [render_section(p, read_window) for p in plans]
    used_scenes = scenes_shown(plans)
    return (
        _environment()
        .get_template("brief.html.j2")
        .render(
            title="ForceWatch brief",
            generated=(generated or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC"),
            version=__version__,
            map_png=overview_map(map_points(plans)),
            sections=sections,
            line=data.line,
            scenes=used_scenes,
            scene_paths={sc.id: shown_path(sc.path, data.workspace) for sc in used_scenes},
            model_id=data.model_id,
            model_sha256=data.model_sha256,
            synthetic=any("synthetic" in sc.sensor.lower() for sc in used_scenes),
            included_note=INCLUDED_NOTE if data.include_unvalidated else "",
        )
    )


def write_brief_file(html: str, out: Path, fmt: str = "html", *, keep: Sequence[Path] = ()) -> Path:
    """Write the brief as ``fmt`` (html, or pdf printed by a headless Chromium) to ``out``
    atomically: a reader never sees half a file. Never over a store (``keep``, or any); a folder
    that cannot hold ``out`` is an :class:`~forcewatch.errors.InputError`."""
    if fmt == "pdf":
        from forcewatch.report.pdf import html_to_pdf

        check_folder_for(out)
        refuse_store(out, keep)
        tmp = out.with_name(out.name + ".tmp")
        with writing(out):
            out.parent.mkdir(parents=True, exist_ok=True)
            try:
                html_to_pdf(html, tmp)
                tmp.replace(out)
            finally:
                tmp.unlink(missing_ok=True)
        return out
    return write_atomic(out, html, keep=keep)
