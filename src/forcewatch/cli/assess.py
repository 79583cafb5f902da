"""``forcewatch estimate``, ``claims`` and ``alerts``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from forcewatch.assess.claims import ClaimsFound
from forcewatch.cli.common import console, print_json
from forcewatch.cli.options import WorkspaceOpt


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
    from forcewatch.app.workspace import open_workspace
    from forcewatch.assess.estimate import DOCTRINE, load_doctrine, site_estimate
    from forcewatch.detect.registry import load_detector

    detector = load_detector(model)
    store = open_workspace(workspace)
    try:
        rules = load_doctrine(doctrine)
        results = [
            site_estimate(
                s.name, store.observations(s.id), detector.model_id, detector.sha256, detector.meta.scores, rules
            )
            for s in ([store.site(site)] if site else store.sites())
        ]
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
        for cls, why in sorted(o.not_observable.items()):
            table.add_row(r.site, o.acquired[:10], "-", cls, "not observable", "-", "-", "-")
            notes.append(f"{r.site} {o.acquired[:10]}: {cls} not observable: {why}")
    console.print(table)
    console.print("Estimates cover the observed share of each site only.")
    for n in notes:
        console.print(f"- {n}")


def claims_cmd(
    article: Annotated[Path, typer.Argument(help="A news text (UTF-8 .txt).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    add_sites: Annotated[bool, typer.Option("--add-sites", help="Add the places found as watched sites.")] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Find place-and-distance and equipment-count statements in ARTICLE and check the distances."""
    from forcewatch.assess.claims import check_distance, find_claims
    from forcewatch.errors import InputError

    if not article.is_file():
        raise InputError(f"{article}: no such file. Fix: give the path of a text file.")
    found = find_claims(article.read_text(encoding="utf-8"))
    checked = [check_distance(c) for c in found.distances]
    added: list[str] = []
    if add_sites:
        added = _add_claim_sites(found, workspace)
    if as_json:
        print_json(
            {
                "article": str(article),
                "subject_country": found.subject_country,
                "subject_why": found.subject_why,
                "distances": [c.to_json() for c in checked],
                "equipment": [e.to_json() for e in found.equipment],
                "sites_added": added,
            }
        )
        return
    table = Table(title=f"Distance claims in {article.name}")
    for col in ("place", "claim", "measured km", "difference km", "verdict", "border"):
        table.add_column(col)
    lines: dict[str, str] = {}
    for c in checked:
        p = c.claim.place
        table.add_row(
            f"{p.text} → {p.place.name} ({p.place.country})" if p else "-",
            c.claim.text,
            f"{c.measured_km:.1f}" if c.measured_km is not None else "-",
            f"{c.difference_km:+.1f}" if c.difference_km is not None else "-",
            c.verdict,
            c.claim.border_code,
        )
        lines.setdefault(f"{c.claim.border_code}: {c.line}", c.claim.border_why)
    console.print(table)
    for line, why in lines.items():
        console.print(f"{line} — chosen because {why}")
    eq = Table(title="Equipment and counts")
    for col in ("statement", "count", "type", "category", "place"):
        eq.add_column(col)
    for e in found.equipment:
        lo, hi = e.count
        eq.add_row(
            e.text,
            f"{lo:,.0f}" if lo == hi else f"{lo:,.0f}–{hi:,.0f}",
            e.type or "-",
            e.category,
            f"{e.place.place.name} ({e.place.place.country})" if e.place else "-",
        )
    console.print(eq)
    for name in added:
        console.print(f"added site {name!r}")


def _add_claim_sites(found: ClaimsFound, workspace: Path | None) -> list[str]:
    from forcewatch.app.workspace import open_workspace
    from forcewatch.assess.claims import places_as_sites

    store = open_workspace(workspace)
    added = []
    try:
        with store.transaction():
            existing = {s.name for s in store.sites()}
            for site in places_as_sites(found):
                if site.name not in existing:
                    store.add_site(site)
                    added.append(site.name)
            store.log("claims", f"added sites {added}")
    finally:
        store.close()
    return added


def alerts_cmd(
    rules: Annotated[
        Path | None, typer.Option("--rules", help="Rules file (YAML); default: alerts.yaml in the workspace.")
    ] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Evaluate the rules on stored comparisons and deliver each new alert once (console, JSON lines, webhook)."""
    from forcewatch.app.workspace import open_workspace, resolve
    from forcewatch.assess.alerts import load_rules, run_alerts
    from forcewatch.errors import InputError

    path = rules or resolve(workspace) / "alerts.yaml"
    if not path.is_file():
        raise InputError(
            f"{path}: no rules file. Fix: write one (see the example in forcewatch.assess.alerts) or pass --rules FILE."
        )
    ruleset = load_rules(path)
    store = open_workspace(workspace)
    try:
        result = run_alerts(store, ruleset)
    finally:
        store.close()
    for message in result.console:
        console.print(f"[bold red]ALERT[/] {message}")
    console.print(
        f"{len(result.raised)} new alert(s); delivered: {result.delivered_jsonl} to JSON lines, "
        f"{result.delivered_webhook} to the webhook"
    )
    for p in result.pending:
        console.print(f"[yellow]queued, will retry:[/] {p}")


def register(app: typer.Typer) -> None:
    app.command("estimate")(estimate_cmd)
    app.command("claims")(claims_cmd)
    app.command("alerts")(alerts_cmd)
