"""The brief as PDF, printed by a headless Chromium (Debian's ``chromium`` package)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from forcewatch.errors import ForceWatchError

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
]


def find_chromium() -> str | None:
    """The path of a Chromium-family browser, if one is installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def html_to_pdf(html: str, out: Path, timeout_s: int = 180) -> Path:
    browser = find_chromium()
    if browser is None:
        raise ForceWatchError(
            "--format pdf prints the brief with a headless Chromium, which is not installed. Fix: "
            "apt-get install chromium (or write --format html and print it from any browser)."
        )
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "brief.html"
        page.write_text(html, encoding="utf-8")
        target = Path(tmp) / "brief.pdf"
        run = subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}", f"--print-to-pdf={target}", page.as_uri()],
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
        if run.returncode != 0 or not target.exists():
            raise ForceWatchError(f"Chromium could not print the brief (exit {run.returncode}): {run.stderr[-500:]}")
        out.write_bytes(target.read_bytes())
    return out
