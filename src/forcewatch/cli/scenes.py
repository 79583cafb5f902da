"""``forcewatch scene list | remove | set-date | relocate`` (the workspace's scenes) and
``forcewatch fetch --stac URL --collection C`` (new imagery of the sites from a STAC API)."""

from __future__ import annotations

from typing import Annotated

import typer

from forcewatch.cli.common import console, new_table, print_json, steps_progress
from forcewatch.cli.options import JsonOpt, SiteOpt, WorkspaceOpt

# this module's own arguments and options
SceneIdArg = Annotated[int, typer.Argument(help="Scene id (`forcewatch scene list`).", show_default=False)]
YesOpt = Annotated[
    bool, typer.Option("--yes", help="Remove it. Without --yes, only say what would be removed (nothing changes).")
]
SceneDateArg = Annotated[
    str, typer.Argument(help="The acquisition time, ISO 8601 (UTC if no zone).", show_default=False)
]
NewPlaceArg = Annotated[
    str,
    typer.Argument(
        help="Where the image is now: a file, the folder that holds it under the same name, or an http(s) URL.",
        show_default=False,
    ),
]
StacOpt = Annotated[str, typer.Option("--stac", help="The STAC API's root URL.", show_default=False)]
CollectionOpt = Annotated[
    str, typer.Option("--collection", help="The collection to search (its id).", show_default=False)
]
SinceOpt = Annotated[
    str | None, typer.Option("--since", help="Only imagery acquired since this date (ISO 8601, UTC if no zone).")
]
MaxCloudOpt = Annotated[
    float | None, typer.Option("--max-cloud", help="Only imagery with a cloud cover under this many percent.")
]
AssetOpt = Annotated[
    str | None,
    typer.Option("--asset", help="The item asset to read (default: visual, image, …, or the first GeoTIFF/COG asset)."),
]

scene_app = typer.Typer(
    help="The workspace's scenes: list, remove, correct the date, record where a file went.", no_args_is_help=True
)


@scene_app.command("list")
def list_cmd(workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Every scene with its date, GSD, file (relative to the workspace where it lies inside it; 'missing'
    when it is not there) and what depends on it."""
    from forcewatch.app.scenes import list_scenes
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        entries = list_scenes(store)
    if as_json:
        print_json([e.to_json() for e in entries])
        return
    counts = ("sites", "observations", "detections", "comparisons", "labels")
    table = new_table("Scenes", ("id", "acquired", "sensor", "GSD m", "file", *counts), right=("id", *counts))
    for e in entries:
        s = e.scene
        where = e.path + (" (missing)" if e.present is False else "")
        table.add_row(str(s.id), s.acquired, s.sensor, f"{s.gsd_m:.2f}", where, *(str(e.counts[c]) for c in counts))
    console.print(table)
    if not entries:
        console.print("no scenes yet: `forcewatch ingest FILES|FOLDER|URL` or `forcewatch fetch --stac URL`.")


@scene_app.command("remove")
def remove_cmd(scene_id: SceneIdArg, yes: YesOpt = False, workspace: WorkspaceOpt = None) -> None:
    """Remove a scene with its observations, detections, comparisons (and their alerts) and labels,
    in one transaction. Asks for --yes: without it, says what would go and changes nothing (exit 1)."""
    from forcewatch.app.scenes import dependents_text, remove_scene, scene_text
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        done = remove_scene(store, scene_id, yes=yes)
    what = dependents_text(done.counts)
    if not done.removed:
        console.print(
            f"would remove {scene_text(done.scene)} with {what}. Nothing changed: run "
            f"`forcewatch scene remove {scene_id} --yes` to remove it.",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(1)
    console.print(f"removed {scene_text(done.scene)} with {what}.", highlight=False, markup=False)
    if done.deleted_copy:
        console.print(f"deleted the workspace's copy {done.deleted_copy}", highlight=False, markup=False)


@scene_app.command("set-date")
def set_date_cmd(scene_id: SceneIdArg, acquired: SceneDateArg, workspace: WorkspaceOpt = None) -> None:
    """Correct a scene's acquisition time; its comparisons are removed (run `forcewatch compare` again)."""
    from forcewatch.app.scenes import scene_text, set_scene_date
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        done = set_scene_date(store, scene_id, acquired)
    console.print(f"{scene_text(done.scene)}: acquired {done.scene.acquired} (was {done.before})", highlight=False)
    if done.comparisons_removed:
        console.print(
            f"{done.comparisons_removed} comparison(s) with it removed: run `forcewatch compare` to make them again.",
            highlight=False,
            markup=False,
        )


@scene_app.command("relocate")
def relocate_cmd(scene_id: SceneIdArg, new: NewPlaceArg, workspace: WorkspaceOpt = None) -> None:
    """Record where a scene's image is now (checked to be the same image, by its hash)."""
    from forcewatch.app.scenes import relocate_scene, scene_text
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        done = relocate_scene(store, scene_id, new)
    console.print(f"{scene_text(done.scene)}: now {done.scene.path} (was {done.before})", highlight=False, markup=False)


def fetch_cmd(
    stac: StacOpt,
    collection: CollectionOpt,
    since: SinceOpt = None,
    max_cloud: MaxCloudOpt = None,
    asset: AssetOpt = None,
    site: SiteOpt = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Search a STAC API over the watched sites (one query per group of nearby sites) and ingest the
    new imagery where it lives (COGs read by range requests). Running it again ingests nothing new."""
    from forcewatch.app.fetch import fetch_stac
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store, steps_progress("searching", not as_json) as update:
        done = fetch_stac(
            store, stac, collection, since=since, max_cloud_pct=max_cloud, asset=asset, site_name=site, progress=update
        )
    if as_json:
        print_json(done.to_json())
        return
    console.print(
        f"{done.groups} site group(s), {done.groups} search(es), {done.pages} page(s) of results: {done.found} item(s) "
        f"over the sites, {done.known} already in the workspace, {len(done.results)} new.",
        highlight=False,
    )
    if done.results:
        table = new_table("Fetched", ("item", "status", "scene", "acquired", "GSD m", "sites"))
        for r in done.results:
            s = r.scene
            item = str((s.properties or {}).get("stac_id", r.name)) if s else r.name
            table.add_row(
                item,
                r.status,
                str(s.id) if s else "",
                s.acquired if s else "",
                f"{s.gsd_m:.2f}" if s else "",
                r.message,
            )
        console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(scene_app, name="scene")
    app.command("fetch")(fetch_cmd)
