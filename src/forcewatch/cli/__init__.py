"""The ``forcewatch`` command line: one module per command group, each thin."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from forcewatch import __version__
from forcewatch.errors import ForceWatchError

app = typer.Typer(
    name="forcewatch",
    help="Monitor military build-ups from satellite imagery: detect, count, compare, assess.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        print(f"forcewatch {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", callback=_version, is_eager=True)
    ] = False,
) -> None:
    """Monitor military build-ups from satellite imagery: detect, count, compare, assess."""


_registered = False


def _register() -> None:
    """Add every command group to the app (once; later calls do nothing)."""
    global _registered
    if _registered:
        return
    _registered = True
    from forcewatch.cli import (
        assess,
        change,
        demo,
        detect,
        evaluate,
        ingest,
        labels,
        models,
        report,
        scenes,
        serve,
        sites,
        store,
        synth,
        train,
        users,
        workspace,
    )

    workspace.register(app)
    sites.register(app)
    ingest.register(app)
    detect.register(app)
    evaluate.register(app)
    train.register(app)
    synth.register(app)
    change.register(app)
    assess.register(app)
    report.register(app)
    demo.register(app)
    models.register(app)
    labels.register(app)
    store.register(app)
    scenes.register(app)
    users.register(app)
    serve.register(app)


def _usage_error_types() -> tuple[type[Exception], ...]:
    """The exception classes of command-line slips: click's, and the copy that typer vendors."""
    import click

    types: list[type[Exception]] = [click.ClickException]
    try:
        from typer._click.exceptions import ClickException as VendoredClickException

        types.append(VendoredClickException)
    except ImportError:  # an older typer uses click itself
        pass
    return tuple(types)


def main() -> None:
    """Entry point: run the app. A ForceWatch error prints one clear line and exits 2; a slip on the
    command line prints the usage and exits 2 (as click does): never a traceback."""
    _register()
    try:
        code = app(standalone_mode=False)  # a command's typer.Exit(n) comes back as n here
    except ForceWatchError as exc:
        from rich.console import Console

        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        print("Aborted.", file=sys.stderr)
        sys.exit(1)
    except _usage_error_types() as exc:
        exc.show()  # type: ignore[attr-defined]
        sys.exit(getattr(exc, "exit_code", 2))
    if isinstance(code, int) and code:
        sys.exit(code)
