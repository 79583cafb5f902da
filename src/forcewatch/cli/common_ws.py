"""The -w/--workspace option shared by every workspace command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

WorkspaceOpt = Annotated[
    Path | None,
    typer.Option(
        "-w",
        "--workspace",
        help="Workspace folder (default: $FORCEWATCH_WORKSPACE or the current folder).",
    ),
]
