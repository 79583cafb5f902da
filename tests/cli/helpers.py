"""Running the CLI in tests."""

from __future__ import annotations

from typer.testing import CliRunner

from forcewatch.cli import _register, app


def run_ok(*args: str) -> str:
    """Run ``forcewatch ARGS``; fail the test with its output unless it exits 0. Returns the output."""
    _register()
    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == 0, f"{args}: {res.output} {res.exception!r}"
    return res.output
