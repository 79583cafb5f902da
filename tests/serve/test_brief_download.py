"""The brief as a download: what ``forcewatch report`` writes, for one site or the watchlist, written
to a temporary folder (left empty afterwards) and sent as an attachment; viewers may download it."""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from forcewatch.app.workspace import open_workspace
from forcewatch.serve.app import create_app
from tests.serve.conftest import log_in
from tests.serve.imagery_ws import make_small_workspace


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_small_workspace(tmp_path_factory.mktemp("brief") / "ws")


@pytest.fixture
def vera(small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """A viewer's client; temporary files go to ``tmp_path/tmp`` (checked empty by the tests)."""
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    with TestClient(create_app(small), raise_server_exceptions=False) as c:
        log_in(c, "vera")
        yield c


def _site_id(ws: Path) -> int:
    with open_workspace(ws) as store:
        site_id = store.site("Luninets airfield").id
    assert site_id is not None
    return site_id


def test_a_viewer_downloads_the_brief_of_a_site(vera: TestClient, small: Path, tmp_path: Path) -> None:
    done = vera.get(f"/api/sites/{_site_id(small)}/brief")
    assert done.status_code == 200, done.text
    assert done.headers["content-type"].startswith("text/html")
    assert done.headers["content-disposition"] == 'attachment; filename="forcewatch-brief-luninets-airfield.html"'
    html = done.text
    assert html.lstrip().lower().startswith("<!doctype html") and "Luninets airfield" in html
    assert "Yelsk" not in html  # one site's brief
    assert 'src="http' not in html and "<script src" not in html  # self-contained: works offline
    assert "SYNTHETIC" in html.upper()  # the imagery is synthetic, and the brief says so
    assert str(small) not in html  # never a path of this machine
    assert list((tmp_path / "tmp").iterdir()) == []  # the temporary folder is gone


def test_the_watchlist_brief_and_its_line(vera: TestClient, small: Path, tmp_path: Path) -> None:
    done = vera.get("/api/brief?line=BLR")
    assert done.status_code == 200, done.text
    name = done.headers["content-disposition"].split('filename="')[1].rstrip('"')
    if name.endswith(".zip"):  # sites with their own pages come beside the main file
        with zipfile.ZipFile(io.BytesIO(done.content)) as zf:
            html = zf.read("forcewatch-brief.html").decode()
    else:
        assert name == "forcewatch-brief.html"
        html = done.text
    assert "Luninets airfield" in html and "Yelsk" in html  # every site of the watchlist
    assert "Belarus" in html  # distances to the line asked for
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_watchlist_brief_with_site_pages_is_a_zip_whose_links_work(tmp_path: Path) -> None:
    ws = make_small_workspace(tmp_path / "one", dates=1)  # one date: no change, so no section in the main file
    with TestClient(create_app(ws)) as c:
        log_in(c, "vera")
        done = c.get("/api/brief")
    assert done.status_code == 200 and done.headers["content-type"] == "application/zip"
    assert done.headers["content-disposition"] == 'attachment; filename="forcewatch-brief.zip"'
    with zipfile.ZipFile(io.BytesIO(done.content)) as zf:
        names = zf.namelist()
        main = zf.read("forcewatch-brief.html").decode()
    pages = [n for n in names if n != "forcewatch-brief.html"]
    assert pages and all(n.startswith("forcewatch-brief-sites/") and n.endswith(".html") for n in pages)
    for page in pages:
        assert f'href="{page}"' in main  # the main file links to each page, relative


@pytest.mark.parametrize(
    "query, message",
    [
        ("line=../../etc/passwd", "not a country"),
        ("line=lines.geojson", "not a country"),
        ("line=Atlantis", "no country 'Atlantis'"),
        ("from=2022-13-01", "--from"),
        ("from=2022-02-10&to=2022-01-01", "is after --to"),
    ],
)
def test_a_wrong_query_answers_422_and_writes_nothing(vera: TestClient, small: Path, tmp_path: Path, query: str,
                                                      message: str) -> None:  # fmt: skip
    done = vera.get(f"/api/sites/{_site_id(small)}/brief?{query}")
    assert done.status_code == 422 and message in done.json()["detail"], done.text
    assert list((tmp_path / "tmp").iterdir()) == []
