"""``forcewatch estimate``: force estimates with ranges and every assumption."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from forcewatch.cli.common import console, print_json
from forcewatch.cli.common_ws import WorkspaceOpt


def estimate_cmd(
    site: Annotated[str | None, typer.Option("--site", help="Only this site.")] = None,
    doctrine: Annotated[
        Path | None, typer.Option("--doctrine", help="An edited copy of the doctrine table (YAML).")
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", help="The model whose measured quality corrects the counts.")
    ] = None,
    workspace: WorkspaceOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """From each site's latest counts to unit equivalents and personnel: low / central / high."""
    from forcewatch.assess.estimate import DOCTRINE, site_estimates
    from forcewatch.detect.registry import load_detector
    from forcewatch.workspace import open_workspace

    detector = load_detector(model)
    store = open_workspace(workspace)
    try:
        results = site_estimates(store, detector.model_id, detector.sha256, detector.meta.scores, doctrine, site)
    finally:
        store.close()
    if as_json:
        print_json(
            {"doctrine": str(doctrine or DOCTRINE), "model": detector.model_id, "sites": [r.to_json() for r in results]}
        )
        return
    table = Table(
        title=f"Force estimates (doctrine: {doctrine or 'bundled'}; counts corrected for {detector.model_id})"
    )
    for col in (
        "site",
        "date",
        "observed",
        "class",
        "detected",
        "corrected (low–high)",
        "units (low–high)",
        "personnel (low–high)",
    ):
        table.add_column(col)
    notes: list[str] = []
    for r in results:
        if r.observation is None:
            table.add_row(r.site, "-", "-", "-", "-", f"no observation with {detector.model_id} yet", "", "")
            continue
        o = r.observation
        for e in r.classes:
            u, p, c = e.units, e.personnel, e.corrected
            table.add_row(
                r.site,
                o.acquired[:10],
                f"{o.share_observed:.0%}",
                e.class_name,
                str(e.detected),
                f"{c.central:.0f} ({c.low:.0f}–{c.high:.0f})",
                f"{u.central:.1f} {e.unit} ({u.low:.1f}–{u.high:.1f})" if u else "-",
                f"{p.central:,.0f} ({p.low:,.0f}–{p.high:,.0f})" if p else "-",
            )
            notes.extend(a for a in e.assumptions if a not in notes)
    console.print(table)
    console.print("Estimates cover the observed share of each site only.")
    for n in notes:
        console.print(f"- {n}")


def register(app: typer.Typer) -> None:
    app.command("estimate")(estimate_cmd)
