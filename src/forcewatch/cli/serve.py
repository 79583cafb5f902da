"""``forcewatch serve``: the dashboard in a browser (accounts: `forcewatch user add`)."""

from __future__ import annotations

from typing import Annotated

import typer

from forcewatch.cli.common import console
from forcewatch.cli.options import WorkspaceOpt

# options of this command only
HostOpt = Annotated[str, typer.Option("--host", help="Address to listen on (default: this machine only).")]
PortOpt = Annotated[int, typer.Option("--port", help="TCP port.", min=1, max=65535)]


def serve_cmd(host: HostOpt = "127.0.0.1", port: PortOpt = 8000, workspace: WorkspaceOpt = None) -> None:
    """Serve the workspace's dashboard: map, sites, review (log in with an account of `forcewatch user add`)."""
    from forcewatch.serve.run import run

    console.print(f"ForceWatch dashboard on http://{host}:{port}/ (Ctrl+C stops it)")
    run(workspace, host, port)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_cmd)
