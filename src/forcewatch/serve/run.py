"""Run the dashboard with uvicorn (the one function ``forcewatch serve`` calls)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from forcewatch.app.workspace import resolve
from forcewatch.errors import MissingExtraError


def run(workspace: Path | None, host: str = "127.0.0.1", port: int = 8000, basemaps: Sequence[str] = ()) -> None:
    """Serve the workspace's dashboard on ``host:port`` until interrupted, with ``basemaps`` (each
    ``[NAME=]SOURCE``: see :mod:`forcewatch.serve.basemaps`) beside the bundled borders."""
    from forcewatch.serve.basemaps import parse_basemap

    chosen = [parse_basemap(b) for b in basemaps]  # a wrong one is an error before anything starts
    try:
        import uvicorn
    except ImportError:
        raise MissingExtraError("uvicorn", None, "forcewatch serve") from None
    from forcewatch.serve.app import create_app

    app = create_app(resolve(workspace), chosen)
    uvicorn.run(app, host=host, port=port, log_level="info", server_header=False)
