"""``forcewatch init``, ``status`` and ``observations``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.table import Table

from forcewatch.cli.common import console, new_table, print_json
from forcewatch.cli.options import DistanceToOpt, ExampleOpt, InitFolderArg, JsonOpt, SiteArg, WorkspaceOpt

if TYPE_CHECKING:
    from forcewatch.app.status import SiteStatus


def init_cmd(
    folder: InitFolderArg,
    example: ExampleOpt = None,
) -> None:
    """Create a workspace (a GeoPackage store), optionally with example sites."""
    from forcewatch.app.workspace import create_workspace

    ready = create_workspace(folder, example)
    added = f", {ready.added} added from {example}" if example else ""
    console.print(f"workspace {folder} ready ({ready.sites} sites{added})")


def status_table(rows: list[SiteStatus]) -> Table:
    table = Table(title="ForceWatch status")
    with_distance = any(r.distance is not None for r in rows)
    for col in (
        "site",
        "kind",
        "latest",
        "counts",
        "observed",
        "scenes",
        "obs.",
        *(["km to line"] if with_distance else []),
    ):
        table.add_column(col, justify="right" if col in ("observed", "scenes", "obs.", "km to line") else "left")
    for r in rows:
        o = r.latest
        counts = o.count_text() if o else "-"
        table.add_row(
            r.site.name,
            r.site.kind,
            o.acquired[:16].replace("T", " ") if o else "never",
            counts,
            f"{o.share_observed:.0%}" if o else "-",
            str(r.scenes),
            str(r.observations),
            *([f"{r.distance.distance_km:.1f}" if r.distance else "-"] if with_distance else []),
        )
    if with_distance:
        table.caption = f"distances to the {next(r.distance.line for r in rows if r.distance)}"
    return table


def status_cmd(workspace: WorkspaceOpt = None, as_json: JsonOpt = False, distance_to: DistanceToOpt = None) -> None:
    """One row per site: latest date, counts, share observed, scenes (and distance to a line)."""
    from forcewatch.app.status import status
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        rows = status(store, distance_to)
    if as_json:
        print_json([r.to_json() for r in rows])
    else:
        console.print(status_table(rows))


def observations_cmd(site: SiteArg, workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """A site's timeline: one row per scan."""
    from forcewatch.app.status import site_observations
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        s, obs = site_observations(store, site)
    if as_json:
        print_json({"site": s.name, "observations": [o.to_json() for o in obs]})
        return
    table = new_table(f"{s.name}: observations", ("date", "scene", "counts", "observed", "model"))
    for o in obs:
        table.add_row(
            o.acquired.replace("T", " ").rstrip("Z"),
            str(o.scene_id),
            o.count_text(),
            f"{o.share_observed:.0%}" if not o.not_observable else "-",
            o.model_id,
        )
    console.print(table)
    if not obs:
        console.print("no observations yet: ingest imagery that covers the site, then run `forcewatch scan`.")


def register(app: typer.Typer) -> None:
    app.command("init")(init_cmd)
    app.command("status")(status_cmd)
    app.command("observations")(observations_cmd)
