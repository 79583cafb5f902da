"""``forcewatch report`` (the brief: self-contained HTML, with per-site pages beside it for a
watchlist) and ``export``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from forcewatch.cli.common import console
from forcewatch.cli.options import (
    DateFromOpt,
    DateToOpt,
    IncludeUnvalidatedOpt,
    LineOpt,
    ModelOpt,
    SiteOpt,
    WorkspaceOpt,
)

# options of these commands only
BriefOutOpt = Annotated[
    Path,
    typer.Option(
        "--out",
        help="File to write (brief.html; per-site pages go to brief-sites/ beside it), or a folder (brief.html in it).",
    ),
]
BriefFormatOpt = Annotated[str, typer.Option("--format", help="html | pdf (printed by a headless Chromium)")]
ExportFormatOpt = Annotated[str, typer.Option("--format", help="geojson | gpkg | kml | csv")]
ExportOutOpt = Annotated[Path, typer.Option("--out", help="File (gpkg, kml) or folder (geojson, csv).")]
ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force", help="Replace an existing file that ForceWatch did not write (never the workspace's store)."
    ),
]


def report_cmd(
    out: BriefOutOpt,
    site: SiteOpt = None,
    date_from: DateFromOpt = None,
    date_to: DateToOpt = None,
    line: LineOpt = "UKR",
    model: ModelOpt = None,
    fmt: BriefFormatOpt = "html",
    include_unvalidated: IncludeUnvalidatedOpt = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Write the brief: overview map, a table of every site (findings, change, alerts), then headlines,
    annotated chips, timelines and estimates of the sites with change or alerts (the others on their
    own pages), provenance. Findings are validated counts; unvalidated candidates are listed apart."""
    from forcewatch.app.report import write_brief
    from forcewatch.app.workspace import open_workspace
    from forcewatch.assess.validation import INCLUDED_NOTE

    with open_workspace(workspace) as store:
        result = write_brief(
            store,
            out,
            fmt=fmt,
            site_name=site,
            date_from=date_from,
            date_to=date_to,
            line=line,
            model=model,
            include_unvalidated=include_unvalidated,
        )
    console.print(f"wrote {result.path} ({result.size_bytes / 1e6:.1f} MB, self-contained)")
    if result.pages is not None:
        console.print(f"wrote {result.page_count} site page(s) in {result.pages} ({result.pages_bytes / 1e6:.1f} MB)")
    if include_unvalidated:
        console.print(f"the brief {INCLUDED_NOTE}")


def export_cmd(
    fmt: ExportFormatOpt,
    out: ExportOutOpt,
    site: SiteOpt = None,
    force: ForceOpt = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Export sites, scene footprints, detections and observations. Overwrites only an earlier
    ForceWatch export, unless --force; never the workspace's store."""
    from forcewatch.app.report import export_workspace
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        files = export_workspace(store, fmt, out, site, force=force)
    for f in files:
        console.print(f"wrote {f}")


def register(app: typer.Typer) -> None:
    app.command("report")(report_cmd)
    app.command("export")(export_cmd)
