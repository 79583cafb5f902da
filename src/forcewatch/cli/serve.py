"""``forcewatch serve``: the dashboard in a browser (accounts: `forcewatch user add`)."""

from __future__ import annotations

from typing import Annotated

import typer

from forcewatch.cli.common import console
from forcewatch.cli.options import WorkspaceOpt

# options of this command only
HostOpt = Annotated[str, typer.Option("--host", help="Address to listen on (default: this machine only).")]
PortOpt = Annotated[int, typer.Option("--port", help="TCP port.", min=1, max=65535)]
_BASEMAP = (
    "A basemap beside the bundled borders (repeatable): [NAME=]SOURCE, an XYZ URL (https://host/{z}/{x}/{y}.png), a "
    "folder of XYZ tiles (/data/tiles/{z}/{x}/{y}.png) or a PMTiles archive (file or URL; raster, or Protomaps "
    "vector). Files are served by the dashboard: they work offline."
)
BasemapOpt = Annotated[list[str] | None, typer.Option("--basemap", help=_BASEMAP)]


def serve_cmd(
    host: HostOpt = "127.0.0.1", port: PortOpt = 8000, basemap: BasemapOpt = None, workspace: WorkspaceOpt = None
) -> None:
    """Serve the workspace's dashboard: map, sites, review (log in with an account of `forcewatch user add`)."""
    from forcewatch.serve.run import run

    console.print(f"ForceWatch dashboard on http://{host}:{port}/ (Ctrl+C stops it)")
    run(workspace, host, port, basemap or ())


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_cmd)
