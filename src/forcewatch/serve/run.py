"""Run the dashboard with uvicorn (the one function ``forcewatch serve`` calls)."""

from __future__ import annotations

from pathlib import Path

from forcewatch.app.workspace import resolve
from forcewatch.errors import MissingExtraError


def run(workspace: Path | None, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the workspace's dashboard on ``host:port`` until interrupted."""
    try:
        import uvicorn
    except ImportError:
        raise MissingExtraError("uvicorn", None, "forcewatch serve") from None
    from forcewatch.serve.app import create_app

    uvicorn.run(create_app(resolve(workspace)), host=host, port=port, log_level="info", server_header=False)
