"""The brief: self-contained HTML (images embedded as data URIs, no network) that leads with what
changed. The main file has an overview map, a table of every site (latest date, findings, change
since the previous date, alerts, distance to the line, unvalidated candidates), then the full
section of each site that changed or has alerts: a headline sentence, annotated JPEG chips per
date, a counts timeline, the force estimate with its assumptions, its alerts, its unvalidated
candidates set apart (never findings, unless the brief says in its header that it includes them);
and provenance so that every number can be re-derived. Every other observed site gets its own page
beside the main file (``brief.html`` → ``brief-sites/<site>-<id>.html``), linked from its row. A
brief of one site (``--site``) is one file with that site's section, as are :func:`build_brief`'s.

Memory stays flat in the number of sites: :class:`BriefWriter` plans, draws and writes one site at a
time (the sections of the main file go to a temporary file, copied in after the table), keeping
only each site's row and provenance. Files are written atomically (temporary names, renamed at the
end): a failure leaves neither half a file nor half the pages.

The steps: :mod:`forcewatch.report.brief_plan` turns the values read from the store
(:class:`SiteData`) into site plans (pure); here the chips are drawn from pixels read by the
caller's ``read_window`` (:mod:`forcewatch.report.chips`), the figures drawn, the templates rendered.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import functools
import io
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

import jinja2

from forcewatch import __version__
from forcewatch.assess.estimate import SiteEstimate
from forcewatch.assess.validation import INCLUDED_NOTE
from forcewatch.errors import InputError
from forcewatch.geo.borders import ReferenceLine
from forcewatch.geo.distance import Distance
from forcewatch.model import Observation, Scene, Site
from forcewatch.report.brief_plan import (
    BriefData,
    CandidatesPlan,
    SiteData,
    SitePlan,
    SiteRow,
    headline,
    map_point,
    plan_site,
    scenes_shown,
    site_row,
)
from forcewatch.report.charts import counts_timeline, overview_map
from forcewatch.report.chips import ReadWindow, chip_jpeg
from forcewatch.report.dates import date_text
from forcewatch.report.files import check_folder_for, refuse_store, shown_path, write_atomic, writing

__all__ = [
    "BriefData",
    "BriefFiles",
    "BriefLayout",
    "BriefSettings",
    "BriefWriter",
    "DateChip",
    "PageFolder",
    "SiteSection",
    "build_brief",
    "data_uri",
    "headline",
    "page_name",
    "pages_folder",
    "render_section",
    "stream_brief",
    "write_brief",
    "write_brief_file",
]

FORMATS = ("html", "pdf")
#: The main file of a watchlist brief details the sites with change or alerts until their sections
#: reach this size; the others' detail goes to their own pages (a PDF: their rows only).
DETAIL_BUDGET_BYTES = 40_000_000
#: With more sites than this, the overview map names only the sites with change or alerts (dots: the others).
MAP_NAMED_SITES = 30
#: The main file's name (less its suffix, that of the format) when ``--out`` is a folder.
MAIN_NAME = "brief"
#: The generator every page names: a pages folder holding only such pages is ForceWatch's to replace.
GENERATOR = "ForceWatch"


@dataclass(frozen=True)
class BriefSettings:
    """What every page of a brief shares: the line distances are measured to, the model whose
    quality corrects the estimates, the workspace folder (scene paths are shown relative to it),
    whether unvalidated candidates count as findings, and per model id what its scores were
    measured on (for the candidates)."""

    line: ReferenceLine
    model_id: str = ""
    model_sha256: str = ""
    workspace: Path | None = None
    include_unvalidated: bool = False
    model_notes: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, data: BriefData) -> BriefSettings:
        d = data
        return cls(d.line, d.model_id, d.model_sha256, d.workspace, d.include_unvalidated, d.model_notes)


@dataclass
class DateChip:
    """A chip as the template shows it: the image (JPEG), its caption and the date's findings."""

    acquired: str
    scene: Scene
    observation: Observation
    image: bytes
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
    candidates_image: bytes | None = None  # the latest date's unvalidated candidates, on their own chip
    alerts: list[str] | None = None


@dataclass(frozen=True)
class BriefFiles:
    """What a brief wrote: the main file, the folder of per-site pages (None: none written) and how
    many pages, and their sizes."""

    main: Path
    main_bytes: int
    pages: Path | None = None
    page_count: int = 0
    pages_bytes: int = 0


def data_uri(image: bytes) -> str:
    """An image (PNG or JPEG bytes) as a ``data:`` URI."""
    mime = "image/jpeg" if image[:2] == b"\xff\xd8" else "image/png"
    return f"data:{mime};base64," + base64.b64encode(image).decode("ascii")


def render_section(plan: SitePlan, read_window: ReadWindow) -> SiteSection:
    """Draw a site's chips (pixels from ``read_window``), its counts timeline and its candidates' chip."""
    chips = [
        DateChip(d.observation.acquired, d.scene, d.observation, chip_jpeg(d.chip, read_window), d.caption, d.counts)
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
        chip_jpeg(cands.chip, read_window) if cands.chip is not None else None,
        plan.alerts,
    )


@functools.cache
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


def _render(template: str, **values: object) -> str:
    return _environment().get_template(template).render(**values)


def page_name(name: str, site_id: int | None) -> str:
    """The file name of a site's own page: its name in ASCII letters and digits, and its id.

    >>> page_name("Luninets airfield", 3), page_name("Ельск", 4)
    ('luninets-airfield-3.html', 'site-4.html')
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60] or "site"
    return f"{slug}-{site_id}.html"


@dataclass(frozen=True)
class PageFolder:
    """Where the per-site pages are written now (``path``) and how the main file links to them (``href``)."""

    path: Path
    href: str


@dataclass(frozen=True)
class BriefLayout:
    """How a brief is laid out: the folder its per-site pages are written to (None: no pages), the
    main file's name (the pages link back to it), whether every site's section goes in the main
    file (no table: a brief of one site, or of values), how many bytes of sections the main file
    holds at most, and when it was generated (default: now)."""

    pages: PageFolder | None = None
    main_name: str = f"{MAIN_NAME}.html"
    detail_all: bool = False
    budget_bytes: int = DETAIL_BUDGET_BYTES
    generated: dt.datetime | None = None


class BriefWriter:
    """A brief written site by site: :meth:`add` plans and draws one site, writes its section
    (to ``sections``, a temporary file, or to its own page) and keeps only its row and provenance;
    :meth:`finish` writes the main file to ``main``: header, map, table (unless the layout's
    ``detail_all``), the sections, provenance. :func:`stream_brief` runs it.

    With ``detail_all``, every site's section is in the main file; else only the sites with change
    or alerts (up to the layout's ``budget_bytes`` of sections), the others observed on their own
    page (without a pages folder, as in a PDF: their row only)."""

    def __init__(
        self,
        settings: BriefSettings,
        read_window: ReadWindow,
        main: TextIO,
        sections: TextIO,
        layout: BriefLayout | None = None,
    ) -> None:
        self.settings = settings
        self.read_window = read_window
        self.main = main
        self.layout = layout = layout or BriefLayout()
        self.pages = layout.pages
        self.generated = (layout.generated or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
        self.rows: list[SiteRow] = []
        self.detail_bytes = 0
        self.page_count = 0
        self.pages_bytes = 0
        self._overflow = 0
        self._sections = sections
        self._scenes: dict[int | None, Scene] = {}
        self._observations: list[tuple[str, Observation]] = []

    def add(self, data: SiteData, scenes: Mapping[int, Scene]) -> SiteRow:
        """Plan, draw and write one site; its row in the table."""
        s = self.settings
        plan = plan_site(data, dict(scenes), s.line, s.include_unvalidated, s.model_notes)
        index = len(self.rows) + 1
        link = ""
        lay = self.layout
        if lay.detail_all or (plan.observations and plan.flagged and self.detail_bytes < lay.budget_bytes):
            html = self._section(plan, index)
            self._sections.write(html)
            self.detail_bytes += len(html)
            link = f"#site-{index}"
        elif plan.observations:
            self._overflow += plan.flagged
            link = self._page(plan, index) if self.pages is not None else ""
        shown = scenes_shown([plan])
        self._scenes.update({sc.id: sc for sc in shown})
        self._observations += [(plan.site.name, replace(o, observed=None)) for o in plan.observations]
        row = site_row(plan, link)
        self.rows.append(row)
        return row

    def _section(self, plan: SitePlan, index: int) -> str:
        section = render_section(plan, self.read_window)
        return _render("site.html.j2", s=section, index=index, included_note=self._included_note)

    @property
    def _included_note(self) -> str:
        return INCLUDED_NOTE if self.settings.include_unvalidated else ""

    def _head(self, title: str, scenes: Iterable[Scene], back: str = "") -> str:
        return _render(
            "head.html.j2",
            generator=f"{GENERATOR} {__version__}",
            title=title,
            back=back,
            generated=self.generated,
            version=__version__,
            line=self.settings.line,
            synthetic=any("synthetic" in sc.sensor.lower() for sc in scenes),
            included_note=self._included_note,
        )

    def _tail(self, scenes: Iterable[Scene], observations: Sequence[tuple[str, Observation]]) -> str:
        shown = sorted(scenes, key=lambda sc: sc.acquired)
        return _render(
            "tail.html.j2",
            scenes=shown,
            scene_paths={sc.id: shown_path(sc.path, self.settings.workspace) for sc in shown},
            observations=observations,
            model_id=self.settings.model_id,
            model_sha256=self.settings.model_sha256,
        )

    def _page(self, plan: SitePlan, index: int) -> str:
        """Write the site's own page; the main file's link to it."""
        assert self.pages is not None
        name = page_name(plan.site.name, plan.site.id)
        scenes = scenes_shown([plan])
        html = (
            self._head(f"{plan.site.name} — ForceWatch brief", scenes, back=f"../{quote(self.layout.main_name)}")
            + self._section(plan, index)
            + self._tail(scenes, [(plan.site.name, o) for o in plan.observations])
        )
        path = self.pages.path / name
        path.write_text(html, encoding="utf-8")
        self.page_count += 1
        self.pages_bytes += path.stat().st_size
        return f"{self.pages.href}/{name}"

    def finish(self) -> None:
        """Write the main file: header, overview map, the table (sites with change or alerts first),
        the sections written so far, provenance."""
        rows = sorted(self.rows, key=lambda r: not r.flagged)
        every = len(rows) <= MAP_NAMED_SITES
        named = [r for r in rows if every or r.flagged]
        unnamed = [(r.site.lat or 0.0, r.site.lon or 0.0) for r in rows if not (every or r.flagged)]
        self.main.write(self._head("ForceWatch brief", self._scenes.values()))
        self.main.write(
            _render(
                "watchlist.html.j2",
                map_png=overview_map([map_point(r) for r in named], unnamed=unnamed),
                unnamed=len(unnamed),
                rows=[] if self.layout.detail_all else rows,
                flagged=sum(r.flagged for r in rows),
                detailed=sum(r.link.startswith("#") for r in rows),
                overflow=self._overflow,
                budget_mb=self.layout.budget_bytes // 1_000_000,
                paged=self.page_count,
                rules=any(r.alerts is not None for r in rows),
                line=self.settings.line,
                included_note=self._included_note,
            )
        )
        self._sections.seek(0)
        shutil.copyfileobj(self._sections, self.main)
        self.main.write(self._tail(self._scenes.values(), self._observations))


def stream_brief(
    sites: Iterable[tuple[SiteData, Mapping[int, Scene]]],
    settings: BriefSettings,
    read_window: ReadWindow,
    main: TextIO,
    layout: BriefLayout | None = None,
) -> BriefWriter:
    """Write the brief of ``sites`` (each site's values and its scenes by id, taken one at a time)
    to ``main`` (and its pages where ``layout`` says) with a :class:`BriefWriter`; returns it (its
    rows and sizes)."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as sections:
        writer = BriefWriter(settings, read_window, main, sections, layout)
        for data, scenes in sites:
            writer.add(data, scenes)
        writer.finish()
    return writer


def build_brief(data: BriefData, read_window: ReadWindow, *, generated: dt.datetime | None = None) -> str:
    """The brief of values (every site's section, no table) as an HTML string; ``read_window``
    gives the pixels of each chip's window."""
    out = io.StringIO()
    sites = ((s, data.scenes) for s in data.sites)
    stream_brief(sites, BriefSettings.of(data), read_window, out, BriefLayout(detail_all=True, generated=generated))
    return out.getvalue()


def pages_folder(main: Path) -> Path:
    """The folder of a brief's per-site pages, beside its main file: ``brief.html`` → ``brief-sites``."""
    return main.with_name(main.stem + "-sites")


def _ours(folder: Path) -> bool:
    """Whether ``folder`` holds only pages a brief wrote (each names ForceWatch as its generator)."""
    mark = f'<meta name="generator" content="{GENERATOR} '
    for p in folder.iterdir():
        if not (p.is_file() and p.suffix == ".html"):
            return False
        with p.open(encoding="utf-8", errors="replace") as f:
            if mark not in f.read(1024):
                return False
    return True


def _check_pages_folder(folder: Path, out: Path) -> None:
    if folder.exists() and not (folder.is_dir() and _ours(folder)):
        raise InputError(
            f"--out {out}: the brief writes its per-site pages to {folder}, which holds files ForceWatch did not "
            "write. Fix: move them, or choose another --out."
        )


def _replace_folder(new: Path, folder: Path) -> None:
    """Put the pages written in ``new`` in place of ``folder`` (removed when no page was written)."""
    if not any(new.iterdir()):
        shutil.rmtree(folder, ignore_errors=True)
        return
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    new.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def _brief_output(out: Path, pages: Path | None, keep: Sequence[Path]) -> Iterator[tuple[TextIO, PageFolder | None]]:
    """The main file and the pages folder open under temporary names; both put in place when the
    body ends without an error, else removed (the old brief left as it was)."""
    check_folder_for(out)
    refuse_store(out, keep)
    if pages is not None:
        _check_pages_folder(pages, out)
    tmp = out.with_name(out.name + ".tmp")
    tmp_pages = pages.with_name(pages.name + ".tmp") if pages is not None else None
    try:
        with writing(out):
            out.parent.mkdir(parents=True, exist_ok=True)
            if tmp_pages is not None:
                shutil.rmtree(tmp_pages, ignore_errors=True)
                tmp_pages.mkdir()
            f = tmp.open("w", encoding="utf-8")
        with f:
            yield f, PageFolder(tmp_pages, quote(pages.name)) if pages is not None and tmp_pages is not None else None
        with writing(out):
            if pages is not None and tmp_pages is not None:
                _replace_folder(tmp_pages, pages)
            tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
        if tmp_pages is not None:
            shutil.rmtree(tmp_pages, ignore_errors=True)


def write_brief(
    sites: Iterable[tuple[SiteData, Mapping[int, Scene]]],
    settings: BriefSettings,
    read_window: ReadWindow,
    out: Path,
    fmt: str = "html",
    *,
    detail_all: bool = False,
    keep: Sequence[Path] = (),
) -> BriefFiles:
    """Write the brief of ``sites`` (each site's values and its scenes by id, gathered one at a time
    as the writer asks for them) to ``out`` (a file, or a folder: ``brief.html`` or ``brief.pdf`` in it) as
    ``fmt``: HTML with the per-site pages beside it (:func:`pages_folder`; none with
    ``detail_all``), or a PDF of the main file. Atomic; never over a store (``keep``, or any)."""
    main = out / f"{MAIN_NAME}.{fmt}" if out.is_dir() else out
    if fmt == "pdf":
        text = io.StringIO()
        stream_brief(sites, settings, read_window, text, BriefLayout(detail_all=detail_all))
        write_brief_file(text.getvalue(), main, "pdf", keep=keep)
        return BriefFiles(main, main.stat().st_size)
    folder = None if detail_all else pages_folder(main)
    with _brief_output(main, folder, keep) as (f, pages):
        writer = stream_brief(sites, settings, read_window, f, BriefLayout(pages, main.name, detail_all))
    written = folder if writer.page_count else None
    return BriefFiles(main, main.stat().st_size, written, writer.page_count, writer.pages_bytes)


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
