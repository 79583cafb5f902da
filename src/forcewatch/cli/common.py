"""Shared CLI helpers: progress bars, JSON output, option parsing."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

#: Width of tables written to a pipe or file: wide enough that rows are never cut or folded
#: (a terminal uses its own width; $COLUMNS still wins).
PIPED_WIDTH = 400


def _stdout_console() -> Console:
    if os.environ.get("COLUMNS") or sys.stdout.isatty():
        return Console()
    return Console(width=PIPED_WIDTH)


console = _stdout_console()
err_console = Console(stderr=True)


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int, dict[str, float]], None]]:
    """A rich progress bar on stderr; yields ``update(done, total, stats)``."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[stats]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
    ) as prog:
        task = prog.add_task(label, total=None, stats="")

        def update(done: int, total: int, stats: dict[str, float]) -> None:
            text = " ".join(f"{k} {v:.3f}" for k, v in stats.items())
            prog.update(task, completed=done, total=total, stats=text)

        yield update


@contextmanager
def steps_progress(label: str, enabled: bool = True) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar for ``progress(done, total)`` callbacks; yields None when not ``enabled``
    (e.g. with --json, where stderr stays quiet)."""
    if not enabled:
        yield None
        return
    with progress_bar(label) as update:
        yield lambda done, total: update(done, total, {})


@contextmanager
def scan_progress() -> Iterator[Callable[[str, int, int], None]]:
    """Two bars: scenes (label "scenes") and the tiles of the current scene × site pair."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
    ) as prog:
        scenes = prog.add_task("scene × site pairs", total=None)
        tiles = prog.add_task("tiles", total=None)

        def update(label: str, done: int, total: int) -> None:
            if label == "scenes":
                prog.update(scenes, completed=done, total=total)
            else:
                prog.update(tiles, completed=done, total=total, description=f"tiles of {label}")

        yield update


def new_table(title: str, columns: tuple[str, ...], right: tuple[str, ...] = ()) -> Table:
    """A table with these columns (those in ``right`` aligned right, numbers)."""
    table = Table(title=title)
    for col in columns:
        table.add_column(col, justify="right" if col in right else "left")
    return table


def print_json(doc: Any) -> None:
    print(json.dumps(doc, indent=2, ensure_ascii=False))


#: The column of a table that sets unvalidated candidates apart from the findings.
CANDIDATES_COLUMN = "candidates (unvalidated)"
#: Printed under a table that sets unvalidated candidates apart.
CANDIDATES_NOTE = (
    f"{CANDIDATES_COLUMN}: counts no score on real imagery of that GSD and no analyst review validates: "
    "not findings. Review them (`forcewatch label export`) or pass --include-unvalidated."
)


def print_validation_notes(include_unvalidated: bool, candidates: bool, marked: bool | None = None) -> None:
    """The lines under a table with unvalidated ``candidates``: that they are included (and not
    findings) with ``include_unvalidated``; the legend of their mark where they are ``marked``
    (default: when included, merged with the findings); else what the candidates column means."""
    from forcewatch.app.status import UNVALIDATED_LEGEND
    from forcewatch.assess.validation import INCLUDED_NOTE

    if include_unvalidated:
        console.print(INCLUDED_NOTE)
    if not candidates:
        return
    console.print(UNVALIDATED_LEGEND if (include_unvalidated if marked is None else marked) else CANDIDATES_NOTE)
