"""``forcewatch store copy SRC DST``: move a workspace between GeoPackage and PostGIS."""

from __future__ import annotations

from typing import Annotated

import typer

from forcewatch.cli.common import console, print_json
from forcewatch.cli.options import JsonOpt

# declared here (not in cli/options.py): only this command takes them
StoreSrcArg = Annotated[str, typer.Argument(help="Workspace folder or postgresql://USER@HOST:PORT/DATABASE to copy.")]
StoreDstArg = Annotated[
    str,
    typer.Argument(
        help="A new workspace folder (GeoPackage), a folder made by `init --store`, or a postgresql:// URL "
        "of an empty database."
    ),
]

store_app = typer.Typer(help="The workspace's store: GeoPackage or PostgreSQL + PostGIS.", no_args_is_help=True)


@store_app.command("copy")
def copy_cmd(src: StoreSrcArg, dst: StoreDstArg, as_json: JsonOpt = False) -> None:
    """Copy a whole workspace (every table, ids kept) from SRC into DST, which must hold no data.
    GeoPackage to PostGIS, PostGIS to GeoPackage, or between two of a kind; all of it lands, or none."""
    from forcewatch.app.store_copy import copy_workspace

    done = copy_workspace(src, dst)
    if as_json:
        print_json(done.to_json())
        return
    rows = ", ".join(f"{n} {table}" for table, n in done.rows.items() if n) or "no rows (an empty workspace)"
    console.print(f"copied {done.source} to {done.destination}: {rows}", highlight=False, soft_wrap=True)
    for name in done.files:
        console.print(f"copied {name}", highlight=False)
    for name in done.files_left:
        console.print(
            f"{name}: not copied (no folder at one end, or a different file there): put it in the destination "
            "workspace's folder by hand",
            highlight=False,
            soft_wrap=True,
        )


def register(app: typer.Typer) -> None:
    app.add_typer(store_app, name="store")
