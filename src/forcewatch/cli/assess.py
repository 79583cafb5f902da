"""``forcewatch estimate``, ``claims`` and ``alerts``: parse, call one function of
:mod:`forcewatch.app.assess`, print."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from forcewatch.cli.common import console, print_json
from forcewatch.cli.options import IncludeUnvalidatedOpt, JsonOpt, SiteOpt, WorkspaceOpt

if TYPE_CHECKING:
    from forcewatch.assess.claims import ResolvedPlace
    from forcewatch.assess.estimate import SiteEstimate

# options of these commands only
DoctrineOpt = Annotated[Path | None, typer.Option("--doctrine", help="An edited copy of the doctrine table (YAML).")]
ArticleArg = Annotated[Path, typer.Argument(help="A news text (UTF-8 .txt).")]
AddSitesOpt = Annotated[bool, typer.Option("--add-sites", help="Add the places found as watched sites.")]
ArticleDateOpt = Annotated[
    str | None,
    typer.Option(
        "--date",
        help="The article's date (YYYY-MM-DD): counts are compared with observations on or before it "
        "(default: the latest date the text names).",
    ),
]
RulesOpt = Annotated[
    Path | None, typer.Option("--rules", help="Rules file (YAML); default: alerts.yaml in the workspace.")
]
EstimateModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        help="Only the counts of this model (a workspace model's name, a bundled one's, or a model file); default: "
        "every model's, each corrected with the scores of the model that made it.",
    ),
]

ESTIMATE_COLUMNS = (
    "site",
    "date",
    "observed",
    "class",
    "model",
    "detected",
    "corrected (low–high)",
    "units (low–high)",
    "personnel (low–high)",
)


def _estimate_rows(r: SiteEstimate, table: Table, notes: list[str]) -> None:
    """The rows of one site's estimate by one model, and its notes (each once)."""
    o = r.observation
    if o is None:
        table.add_row(r.site, "-", "-", "-", "-", "-", "no observation yet", "", "")
        return
    day = o.acquired[:10]
    for e in r.classes:
        u, p, c = e.units, e.personnel, e.corrected
        table.add_row(
            r.site,
            day,
            f"{o.share_observed:.0%}",
            e.class_name if e.validated else f"{e.class_name} (unvalidated)",
            o.model_id,
            str(e.detected),
            f"{c.central:.0f} ({c.low:.0f}–{c.high:.0f})",
            f"{u.central:.1f} {e.unit} ({u.low:.1f}–{u.high:.1f})" if u else "-",
            f"{p.central:,.0f} ({p.low:,.0f}–{p.high:,.0f})" if p else "-",
        )
        notes.extend(a for a in e.assumptions if a not in notes)
    for n in r.not_estimated:
        table.add_row(
            r.site, day, f"{o.share_observed:.0%}", n.class_name, o.model_id, str(n.detected), n.text(), "-", "-"
        )
        notes.append(f"{r.site} {day}: {n.class_name} {n.text()}: {n.why}")
    for cls, why in sorted(o.not_observable.items()):
        table.add_row(r.site, day, "-", cls, o.model_id, "not observable", "-", "-", "-")
        notes.append(f"{r.site} {day}: {cls} not observable: {why}")


def estimate_cmd(
    site: SiteOpt = None,
    doctrine: DoctrineOpt = None,
    model: EstimateModelOpt = None,
    include_unvalidated: IncludeUnvalidatedOpt = False,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """From each site's latest validated counts to unit equivalents and personnel: low / central / high."""
    from forcewatch.app.assess import estimate
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        result = estimate(store, model, doctrine, site, include_unvalidated)
    if as_json:
        print_json(result.to_json())
        return
    corrected = f"counts corrected for {result.model_id}" if result.model_id else "each count corrected for its model"
    title = f"Force estimates (doctrine: {doctrine or 'bundled'}; {corrected})"
    table = Table(title=title + (f"; {result.note}" if result.note else ""))
    for col in ESTIMATE_COLUMNS:
        table.add_column(col)
    notes: list[str] = []
    for r in result.sites:
        _estimate_rows(r, table, notes)
    console.print(table)
    if result.note:
        console.print(f"Estimates cover the observed share of each site only. [yellow]Note: {result.note}.[/]")
    else:
        console.print("Estimates cover the observed share of each site only, and validated counts only.")
    for n in notes:
        console.print(f"- {n}")


def _place_cell(p: ResolvedPlace | None) -> str:
    return f"{p.text} → {p.place.name} ({p.place.country})" if p else "-"


def _match_cell(p: ResolvedPlace | None) -> str:
    return f"{p.matched or p.place.name} ({p.score:.0f})" if p else "-"


def claims_cmd(
    article: ArticleArg,
    as_json: JsonOpt = False,
    add_sites: AddSitesOpt = False,
    article_date: ArticleDateOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Find place-and-distance and equipment statements in ARTICLE, check the distances, and compare
    the counts with what the workspace observed (when a workspace is given or found)."""
    from forcewatch.app.assess import claims

    result = claims(article, add_sites, workspace, article_date)
    if as_json:
        print_json(result.to_json())
        return
    table = Table(title=f"Distance claims in {article.name}")
    for col in ("place", "claim", "measured km", "difference km", "verdict", "border", "match (score)"):
        table.add_column(col)
    lines: dict[str, str] = {}
    views: list[str] = []
    for c in result.checked:
        p = c.claim.place
        table.add_row(
            _place_cell(p),
            c.claim.text,
            f"{c.measured_km:.1f}" if c.measured_km is not None else "-",
            f"{c.difference_km:+.1f}" if c.difference_km is not None else "-",
            c.verdict,
            c.claim.border_code,
            _match_cell(p),
        )
        lines.setdefault(f"{c.claim.border_code}: {c.line}", c.claim.border_why)
        if p and c.views:
            inside = " (inside it: the distance is to its land border)"
            seen = "; ".join(f"{v.measured_km:.1f} km from {v.border}{inside if v.inside else ''}" for v in c.views)
            views.append(f"{p.place.name} is in Crimea: {seen}")
            for v in c.views:
                lines.setdefault(f"{v.border}: {v.line}", "the place is in Crimea: both views are shown")
    console.print(table)
    for line, why in lines.items():
        console.print(f"{line} — chosen because {why}")
    for line in dict.fromkeys(views):
        console.print(line)
    eq = Table(title="Equipment and counts")
    columns = ["statement", "count", "type", "category", "place", "counted as", "match (score)"]
    for col in columns + (["observed"] if result.workspace else []):
        eq.add_column(col)
    observed = result.observed or [None] * len(result.found.equipment)
    for e, o in zip(result.found.equipment, observed, strict=True):
        lo, hi = e.count or (0.0, 0.0)
        row = [
            e.text,
            "-" if e.count is None else f"{lo:,.0f}" if lo == hi else f"{lo:,.0f}–{hi:,.0f}",
            e.type or "-",
            e.category,
            f"{e.place.place.name} ({e.place.place.country})" if e.place else "-",
            e.observable or "not counted",
            _match_cell(e.place),
        ]
        if result.workspace:
            row.append("-" if o is None else o.status if o.count is None else f"{o.count} ({o.status})")
        eq.add_row(*row)
    console.print(eq)
    if result.workspace:
        when = f"on or before {result.article_date}" if result.article_date else "latest"
        console.print(f"Against workspace {result.workspace} ({when}):")
        for o in observed:
            if o is not None:
                console.print(f"- {o.text()}")
    for name in result.sites_added:
        console.print(f"added site {name!r}")


def alerts_cmd(
    rules: RulesOpt = None, include_unvalidated: IncludeUnvalidatedOpt = False, workspace: WorkspaceOpt = None
) -> None:
    """Evaluate the rules on stored comparisons and deliver each new alert once (console, JSON lines,
    webhook). Counts and camps fire only when validated, unless --include-unvalidated."""
    from forcewatch.app.assess import alerts_from_file

    result = alerts_from_file(rules, workspace, include_unvalidated)
    for message in result.console:
        console.print(f"[bold red]ALERT[/] {escape(message)}")
    console.print(
        f"{len(result.raised)} new alert(s); delivered: {result.delivered_jsonl} to JSON lines, "
        f"{result.delivered_webhook} to the webhook"
    )
    for p in result.pending:
        console.print(f"[yellow]queued, will retry:[/] {escape(p)}")
    for w in result.withheld:
        console.print(f"not raised (unvalidated candidates; --include-unvalidated raises it): {escape(w)}")


def register(app: typer.Typer) -> None:
    app.command("estimate")(estimate_cmd)
    app.command("claims")(claims_cmd)
    app.command("alerts")(alerts_cmd)
