"""``forcewatch report`` (the brief as one self-contained HTML file) and ``export``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from forcewatch.cli.common import console
from forcewatch.cli.options import WorkspaceOpt


def report_cmd(
    out: Annotated[Path, typer.Option("--out", help="The HTML file to write.")],
    site: Annotated[str | None, typer.Option("--site", help="Only this site.")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First date (YYYY-MM-DD).")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last date (YYYY-MM-DD).")] = None,
    line: Annotated[str, typer.Option("--line", help="Border or line file to measure distances to.")] = "UKR",
    model: Annotated[
        str | None, typer.Option("--model", help="The model whose quality corrects the estimates.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="html | pdf (printed by a headless Chromium)")] = "html",
    workspace: WorkspaceOpt = None,
) -> None:
    """Write the brief: overview map, headlines, annotated chips, timelines, estimates, provenance."""
    from forcewatch.app.workspace import open_workspace
    from forcewatch.detect.registry import load_detector
    from forcewatch.errors import InputError
    from forcewatch.report.brief import build_brief

    if fmt not in ("html", "pdf"):
        raise InputError(f"--format {fmt!r}: use html or pdf.")
    detector = load_detector(model)
    store = open_workspace(workspace)
    try:
        html = build_brief(
            store,
            site_name=site,
            date_from=date_from,
            date_to=date_to,
            line=line,
            model_id=detector.model_id,
            model_sha256=detector.sha256,
            model_scores=detector.meta.scores,
        )
    finally:
        store.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "pdf":
        from forcewatch.report.pdf import html_to_pdf

        html_to_pdf(html, out)
    else:
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(html, encoding="utf-8")
        tmp.replace(out)
    console.print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB, self-contained)")


def export_cmd(
    fmt: Annotated[str, typer.Option("--format", help="geojson | gpkg | kml | csv")],
    out: Annotated[Path, typer.Option("--out", help="File (gpkg, kml) or folder (geojson, csv).")],
    site: Annotated[str | None, typer.Option("--site", help="Only this site.")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Export sites, scene footprints, detections and observations."""
    from forcewatch.app.workspace import open_workspace
    from forcewatch.report.export import export

    store = open_workspace(workspace)
    files = export(store, fmt, out, site)
    store.close()
    for f in files:
        console.print(f"wrote {f}")


def register(app: typer.Typer) -> None:
    app.command("report")(report_cmd)
    app.command("export")(export_cmd)
