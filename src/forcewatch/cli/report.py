"""``forcewatch report``: the brief as one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from forcewatch.cli.common import console
from forcewatch.cli.common_ws import WorkspaceOpt


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
    from forcewatch.detect.registry import load_detector
    from forcewatch.errors import InputError
    from forcewatch.report.brief import build_brief
    from forcewatch.workspace import open_workspace

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


def register(app: typer.Typer) -> None:
    app.command("report")(report_cmd)
