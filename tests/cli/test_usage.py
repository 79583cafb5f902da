"""Slips on the command line: a usage message and exit 2, never a traceback; --version."""

from __future__ import annotations

from pathlib import Path

import pytest

from forcewatch import __version__
from forcewatch.cli import main


def _run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.setattr("sys.argv", ["forcewatch", *args])
    code = 0
    try:
        main()
    except SystemExit as stop:
        code = int(stop.code or 0)
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("scan", "--nosuch"), "No such option: --nosuch"),
        (("nosuchcommand",), "No such command 'nosuchcommand'"),
        (("compare",), "Missing argument"),
        (("site", "add"), "Missing argument"),
        (("status", "--json", "extra"), "unexpected extra argument"),
        (("detect", "x.tif", "--threshold", "high"), "Invalid value for '--threshold'"),
    ],
)
def test_a_slip_prints_the_usage_and_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], message: str
) -> None:
    code, text = _run(capsys, monkeypatch, *args)
    assert code == 2
    assert message in text
    assert "Usage:" in text and "Traceback" not in text


def test_version(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, text = _run(capsys, monkeypatch, "--version")
    assert code == 0 and text.strip() == f"forcewatch {__version__}"


def test_a_forcewatch_error_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    code, text = _run(capsys, monkeypatch, "status", "-w", str(tmp_path))
    assert code == 2 and "error:" in text and "not a ForceWatch workspace" in text and "Traceback" not in text


def test_piped_tables_are_not_cut(tmp_path: Path) -> None:
    """Piped into a file or another program (no terminal, no $COLUMNS), rows keep their whole text."""
    import os
    import subprocess
    import sys

    name = "A site with a long name to see whether the table keeps it whole on one line " * 2
    ws = tmp_path / "ws"
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    cli = [sys.executable, "-c", "from forcewatch.cli import main; main()"]
    subprocess.run([*cli, "init", str(ws)], check=True, capture_output=True, env=env)
    subprocess.run(
        [*cli, "site", "add", name.strip(), "--lat", "52", "--lon", "27", "-w", str(ws)],
        check=True,
        capture_output=True,
        env=env,
    )
    out = subprocess.run([*cli, "status", "-w", str(ws)], check=True, capture_output=True, text=True, env=env).stdout
    assert any(name.strip() in line for line in out.splitlines()), out
