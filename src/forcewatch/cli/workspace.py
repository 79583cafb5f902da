"""``forcewatch init``, ``status`` and ``observations``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from forcewatch.cli.common import CANDIDATES_COLUMN, console, new_table, print_json, print_validation_notes
from forcewatch.cli.options import (
    DistanceToOpt,
    ExampleOpt,
    IncludeUnvalidatedOpt,
    InitFolderArg,
    JsonOpt,
    SiteArg,
    SiteOpt,
    WorkspaceOpt,
)

if TYPE_CHECKING:
    from forcewatch.app.status import SiteStatus

# declared here (not in cli/options.py): only `init` takes it
StoreUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Keep the workspace in a PostgreSQL + PostGIS database: postgresql://USER@HOST:PORT/DATABASE "
        "(password in PGPASSWORD or ~/.pgpass; default: $FORCEWATCH_STORE, else forcewatch.gpkg in FOLDER).",
    ),
]


def init_cmd(
    folder: InitFolderArg,
    example: ExampleOpt = None,
    store: StoreUrlOpt = None,
) -> None:
    """Create a workspace (a GeoPackage store, or a PostGIS one with --store), optionally with example sites."""
    from forcewatch.app.workspace import STORE_NAME, create_workspace

    ready = create_workspace(folder, example, store)
    added = f", {ready.added} added from {example}" if example else ""
    where = "" if ready.store == STORE_NAME else f" on {ready.store}"
    console.print(f"workspace {folder} ready{where} ({ready.sites} sites{added})", highlight=False)


def status_table(rows: list[SiteStatus], include_unvalidated: bool = False) -> Table:
    """One row per site: the latest date's findings, and its unvalidated candidates in their own
    column (merged into the counts, marked, with ``include_unvalidated``)."""
    from forcewatch.app.status import candidates_text, findings_text

    with_distance = any(r.distance is not None for r in rows)
    counts_cols = ("counts (incl. unvalidated)",) if include_unvalidated else ("findings", CANDIDATES_COLUMN)
    numbers = ("observed", "scenes", "obs.", "pending", "km to line")
    columns = ("site", "kind", "latest", *counts_cols, *numbers[:4], *(numbers[4:] if with_distance else ()))
    table = new_table("ForceWatch status", columns, right=numbers)
    for r in rows:
        o = r.latest
        counts = [findings_text(o, include_unvalidated) if o else "-"]
        if not include_unvalidated:
            counts.append(candidates_text(o) if o else "-")
        table.add_row(
            r.site.name,
            r.site.kind,
            o.acquired[:16].replace("T", " ") if o else "never",
            *counts,
            f"{o.share_observed:.0%}" if o else "-",
            str(r.scenes),
            str(r.observations),
            "?" if r.pending is None else str(r.pending),
            *([f"{r.distance.distance_km:.1f}" if r.distance else "-"] if with_distance else []),
        )
    captions = ["pending: scene × site × model pairs a `forcewatch scan` has still to do"]
    if any(r.pending is None for r in rows):
        captions.append("?: a model the site runs has no file (`forcewatch model list`)")
    if with_distance:
        captions.append(f"distances to the {next(r.distance.line for r in rows if r.distance)}")
    table.caption = "; ".join(captions)
    return table


def status_cmd(
    site: SiteOpt = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    distance_to: DistanceToOpt = None,
    include_unvalidated: IncludeUnvalidatedOpt = False,
) -> None:
    """One row per site: latest date, findings, unvalidated candidates apart, share observed, scenes, distance."""
    from forcewatch.app.status import status
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        rows = status(store, distance_to, site_name=site)
    if as_json:
        print_json([r.to_json(include_unvalidated) for r in rows])
        return
    console.print(status_table(rows, include_unvalidated))
    print_validation_notes(include_unvalidated, any(r.latest and r.latest.candidate_counts for r in rows))


def observations_cmd(
    site: SiteArg,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    include_unvalidated: IncludeUnvalidatedOpt = False,
) -> None:
    """A site's timeline: one row per scan, findings (and why validated) apart from unvalidated candidates."""
    from forcewatch.app.status import candidates_text, findings_text, observation_json, site_observations
    from forcewatch.app.status import validated_text as why
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        s, obs = site_observations(store, site)
    if as_json:
        print_json({"site": s.name, "observations": [observation_json(o, include_unvalidated) for o in obs]})
        return
    counts_cols = ("counts (incl. unvalidated)",) if include_unvalidated else ("findings", CANDIDATES_COLUMN)
    table = new_table(f"{s.name}: observations", ("date", "scene", *counts_cols, "validated by", "observed", "model"))
    for o in obs:
        counts = [findings_text(o, include_unvalidated)] + ([] if include_unvalidated else [candidates_text(o)])
        table.add_row(
            o.acquired.replace("T", " ").rstrip("Z"),
            str(o.scene_id),
            *counts,
            why(o.validated),
            f"{o.share_observed:.0%}" if not o.not_observable else "-",
            o.model_id,
        )
    console.print(table)
    if not obs:
        console.print("no observations yet: ingest imagery that covers the site, then run `forcewatch scan`.")
    print_validation_notes(include_unvalidated, any(o.candidate_counts for o in obs))


def register(app: typer.Typer) -> None:
    app.command("init")(init_cmd)
    app.command("status")(status_cmd)
    app.command("observations")(observations_cmd)
