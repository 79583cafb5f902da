"""``forcewatch label export | import``: review detections in QGIS, bring the verdicts back."""

from __future__ import annotations

import typer

from forcewatch.cli.common import console
from forcewatch.cli.options import ForceOpt, LabelDateOpt, LabelFileArg, LabelOutOpt, SiteArg, WhoOpt, WorkspaceOpt

label_app = typer.Typer(help="Labels: analysts' verdicts on detections, and objects they drew.", no_args_is_help=True)


@label_app.command("export")
def export_cmd(
    site: SiteArg, out: LabelOutOpt, date: LabelDateOpt = None, force: ForceOpt = False, workspace: WorkspaceOpt = None
) -> None:
    """Write SITE's detections as an editable GeoPackage layer (status: candidate) for QGIS."""
    from forcewatch.app.labels import export_labels
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        done = export_labels(store, site, out, date=date, force=force)
    console.print(f"wrote {done.features} features to {done.path} ({done.reviewed} already reviewed)")
    console.print(
        "In QGIS: delete false detections or set status 'rejected', set 'accepted' on checked ones, draw "
        "missed objects (status 'added', with class and scene_id), then `forcewatch label import`."
    )


@label_app.command("import")
def import_cmd(file: LabelFileArg, who: WhoOpt = None, workspace: WorkspaceOpt = None) -> None:
    """Store the verdicts of an edited label file in the workspace (all, or on any error none)."""
    from forcewatch.app.labels import import_labels
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        done = import_labels(store, file, who=who)
    counts = ", ".join(f"{n} {status}" for status, n in done.counts.items())
    console.print(f"stored labels from {file}: {counts}; {done.unreviewed} not reviewed yet")


def register(app: typer.Typer) -> None:
    app.add_typer(label_app, name="label")
