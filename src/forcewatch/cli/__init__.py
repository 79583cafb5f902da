"""The ``forcewatch`` command line: one module per command group, each thin."""

from __future__ import annotations

import sys

import typer

from forcewatch.errors import ForceWatchError

app = typer.Typer(
    name="forcewatch",
    help="Monitor military build-ups from satellite imagery: detect, count, compare, assess.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _register() -> None:
    from forcewatch.cli import assess, change, demo, detect, evaluate, ingest, report, sites, synth, train, workspace

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


def main() -> None:
    """Entry point: run the app; ForceWatch errors print one clear line and exit 2."""
    _register()
    try:
        app(standalone_mode=False)
    except ForceWatchError as exc:
        from rich.console import Console

        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(1)
    except Exception as exc:
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
