"""The brief as a download: :func:`forcewatch.app.report.write_brief` (what ``forcewatch report``
runs) into a temporary folder of the server's own, read back and deleted. A brief of one file
comes back as that HTML file; a watchlist brief that gives some sites their own pages (beside the
main file) comes back as a ZIP of the main file and its pages, so that its links work. Nothing is
ever written where a request says: the file name of the download is made from the site's name."""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from forcewatch.app.report import write_brief
from forcewatch.errors import InputError
from forcewatch.store.base import Store

#: What a ``line`` of a request may look like: an ISO-3 code or a country's name, never a file.
_LINE = re.compile(r"^[A-Za-z][A-Za-z0-9 '(),-]{1,60}$")


@dataclass(frozen=True)
class Download:
    body: bytes
    media_type: str
    filename: str


def line_code(text: str) -> str:
    """A border line of the bundled borders (ISO-3 code, UKR-1991, or a country's name) as its code;
    anything else (a file name, a path) is an error that lists what is accepted."""
    from forcewatch.geo.borders import borders

    if not _LINE.match(text):
        raise InputError(f"line {text!r}: not a country. Fix: use an ISO-3 code (UKR, BLR, RUS, UKR-1991, …).")
    return borders().resolve(text)


def slug(name: str) -> str:
    """A file-name-safe form of a site's name (letters, digits, '-')."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "site"


def brief_download(
    store: Store,
    site_name: str | None,
    *,
    line: str = "UKR",
    date_from: str | None = None,
    date_to: str | None = None,
    include_unvalidated: bool = False,
) -> Download:
    """The brief of one site (``site_name``) or of the whole watchlist, as a download."""
    code = line_code(line)
    base = f"forcewatch-brief-{slug(site_name)}" if site_name else "forcewatch-brief"
    with tempfile.TemporaryDirectory(prefix="forcewatch-brief-") as tmp:
        out = Path(tmp) / f"{base}.html"
        result = write_brief(
            store,
            out,
            site_name=site_name,
            line=code,
            date_from=date_from,
            date_to=date_to,
            include_unvalidated=include_unvalidated,
        )
        if result.pages is None or not result.page_count:
            return Download(result.path.read_bytes(), "text/html; charset=utf-8", f"{base}.html")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(result.path, result.path.name)
            for page in sorted(result.pages.rglob("*")):
                if page.is_file():
                    zf.write(page, page.relative_to(result.path.parent).as_posix())
        return Download(buffer.getvalue(), "application/zip", f"{base}.zip")
