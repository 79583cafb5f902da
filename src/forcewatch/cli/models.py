"""``forcewatch model add | list | remove``: the workspace's own detectors."""

from __future__ import annotations

import typer

from forcewatch.cli.common import console, new_table, print_json
from forcewatch.cli.options import JsonOpt, ModelFileArg, ModelNameArg, ModelNameOpt, ModelSitesOpt, WorkspaceOpt

model_app = typer.Typer(help="The workspace's own detectors (fine-tuned on its labels).", no_args_is_help=True)


@model_app.command("add")
def add_cmd(file: ModelFileArg, name: ModelNameOpt, site: ModelSitesOpt = None, workspace: WorkspaceOpt = None) -> None:
    """Copy a ForceWatch model into the workspace under NAME; --site adds it to those sites' models."""
    from forcewatch.app.models import add_model
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        added = add_model(store, file, name, site or [])
    e = added.entry
    console.print(f"added model {e.name!r}: {e.model_id}, classes {', '.join(e.classes)}, {e.gsd_m:g} m GSD")
    for s in added.sites:
        console.print(f"site {s!r} now runs it")


@model_app.command("list")
def list_cmd(workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """The bundled models and the workspace's, with their classes, GSD, sites and scores."""
    from forcewatch.app.models import list_models
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        entries, bundled = list_models(store)
    if as_json:
        print_json({"bundled": sorted(bundled), "workspace": [e.__dict__ | {"scores": e.scores} for e in entries]})
        return
    table = new_table("Models", ("name", "source", "model id", "classes", "GSD m", "sites", "sha256"))
    for n in sorted(bundled):
        table.add_row(n, "bundled", "", "", "", "by site kind", "")
    for e in entries:
        table.add_row(
            e.name, e.path, e.model_id, ", ".join(e.classes), f"{e.gsd_m:g}", ", ".join(e.sites), e.sha256[:12]
        )
    console.print(table)


@model_app.command("remove")
def remove_cmd(name: ModelNameArg, workspace: WorkspaceOpt = None) -> None:
    """Unregister a workspace model (its copy is deleted; sites stop running it)."""
    from forcewatch.app.models import remove_model
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        remove_model(store, name)
    console.print(f"removed model {name!r}")


def register(app: typer.Typer) -> None:
    app.add_typer(model_app, name="model")
