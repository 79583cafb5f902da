"""The brief of a watchlist, from values (no store, no raster files): it leads with what changed (a
map, a table of every site, the sections of the sites with change or alerts), every other observed
site has its own page beside the main file, the main file holds a bounded amount of detail, and
the files are written atomically (a failure leaves the old brief and no temporary file)."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from forcewatch.errors import InputError
from forcewatch.model import BoxPx, Scene
from forcewatch.report.brief import BriefLayout, BriefSettings, BriefWriter, PageFolder, page_name, write_brief
from forcewatch.report.brief_plan import SiteData, change_since
from forcewatch.report.chips import ReadWindow
from forcewatch.report.dates import DateStatus
from tests.report.brief_values import D1, D2, REVIEWED_TENTS, SCORED, compared, observation
from tests.report.brief_values import two_dates as changed_site
from tests.report.values import LINE, GreyReader, camp, detection, scene, site

SCENES = {1: scene(1, D1), 2: scene(2, D2)}
ALERT = "aircraft build-up: +4 aircraft at Zyabrovka between 20 January 2022 and 10 February 2022"


def quiet_site(name: str, site_id: int, alerts: list[str] | None = None) -> SiteData:
    """A site seen on two dates with the same two aircraft in the same places: no change."""
    o1, o2 = observation(1, D1, {"aircraft": 2}), observation(2, D2, {"aircraft": 2})
    boxes: list[BoxPx] = [(300, 300, 330, 330), (500, 300, 530, 330)]
    dets = [detection(10 * o.scene_id + k, o, b) for o in (o1, o2) for k, b in enumerate(boxes)]
    return SiteData(replace(site(), name=name, id=site_id), [o1, o2], dets, alerts=alerts or [])


def watchlist() -> list[tuple[SiteData, Mapping[int, Scene]]]:
    return [
        (replace(compared(changed_site(), REVIEWED_TENTS), alerts=[]), SCENES),  # 1 arrived, 1 departed
        (quiet_site("Yelsk", 2), SCENES),
        (SiteData(replace(site(), name="Rechitsa", id=3), [], alerts=[]), {}),  # never observed
        (quiet_site("Zyabrovka", 4, [ALERT]), SCENES),
    ]


def _rows(html: str) -> list[list[str]]:
    table = html[html.index('<table class="sites"') : html.index("</table>", html.index('<table class="sites"'))]
    rows = re.findall(r"<tr(?: class=\"flagged\")?><td>(.*?)</td></tr>", table, re.S)
    return [[re.sub(r"<[^>]+>", "", cell) for cell in r.split("</td><td>")] for r in rows]


def _links(html: str) -> dict[str, str]:
    return dict((name, href) for href, name in re.findall(r'<td><a href="([^"]+)">([^<]+)</a></td>', html))


def test_a_watchlist_brief_leads_with_what_changed(tmp_path: Path) -> None:
    out = tmp_path / "out" / "brief.html"
    files = write_brief(watchlist(), BriefSettings(LINE, "aircraft-test", "a" * 64), GreyReader(), out)
    html = out.read_text()
    pages = tmp_path / "out" / "brief-sites"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["brief-sites", "brief.html"]  # no temporary
    assert files.pages == pages and files.page_count == 1 and [p.name for p in pages.iterdir()] == ["yelsk-2.html"]
    assert files.main_bytes == out.stat().st_size and files.pages_bytes == (pages / "yelsk-2.html").stat().st_size

    assert html.index('id="overview-map"') < html.index('id="sites"') < html.index('<section class="site"')
    assert "Watchlist: 4 sites, 2 with change or alerts" in html
    rows = _rows(html)
    assert [r[0] for r in rows] == ["Luninets airfield", "Zyabrovka", "Yelsk", "Rechitsa"]  # change or alerts first
    luninets, zyabrovka, yelsk, rechitsa = rows
    assert luninets[1:6] == ["airfield", "10 February 2022", "2 aircraft", "aircraft: 1 arrived, 1 departed", "0"]
    assert zyabrovka[4:6] == ["no change", "1"] and yelsk[4:6] == ["no change", "0"]
    assert rechitsa[2:6] == ["–", "no observation yet", "–", "0"]
    assert all(r[6] == "47 km" for r in rows)  # to the test line at 27.5 E
    links = _links(html)
    assert links == {"Luninets airfield": "#site-1", "Zyabrovka": "#site-4", "Yelsk": "brief-sites/yelsk-2.html"}

    # detail in the main file for the two flagged sites only: chips as JPEG, the alert listed
    assert html.count('<section class="site"') == 2 and 'id="site-2"' not in html
    assert html.count('class="chip" src="data:image/jpeg;base64,') == 4
    alerts = html[html.index('id="alerts-4"') :]
    assert ALERT in alerts[: alerts.index("</div>")]
    assert html.count("<td>/nowhere/") == 2  # provenance: each scene once

    page = (pages / "yelsk-2.html").read_text()
    assert '<a href="../brief.html">' in page and '<meta name="generator" content="ForceWatch ' in page
    assert "2 aircraft at Yelsk (52.25 N, 26.80 E) on 10 February 2022" in page
    assert page.count('class="chip" src="data:image/jpeg;base64,') == 2 and 'id="sites"' not in page
    assert "<td>Yelsk</td><td>2022-02-10T09:00:00Z</td>" in page and "Luninets" not in page


def test_one_site_is_one_file_with_its_section(tmp_path: Path) -> None:
    out = tmp_path / "one.html"
    files = write_brief(watchlist()[1:2], BriefSettings(LINE), GreyReader(), out, detail_all=True)
    html = out.read_text()
    assert files.pages is None and [p.name for p in tmp_path.iterdir()] == ["one.html"]
    assert html.count('<section class="site"') == 1 and 'id="sites"' not in html  # no table, as before
    assert "2 aircraft at Yelsk" in html and html.count('src="data:image/jpeg') == 2


def test_out_as_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "briefs"
    folder.mkdir()
    files = write_brief(watchlist(), BriefSettings(LINE), GreyReader(), folder)
    assert files.main == folder / "brief.html" and files.pages == folder / "brief-sites"
    assert (folder / "brief-sites" / "yelsk-2.html").is_file()


class FailingReader:
    """A ``read_window`` that fails on its ``n``-th call."""

    def __init__(self, n: int) -> None:
        self.n, self.grey = n, GreyReader()

    def __call__(self, scene: Scene, window_px: BoxPx, out_width: int, out_height: int) -> np.ndarray:
        if len(self.grey.calls) + 1 == self.n:
            raise OSError("the disk went away")
        return self.grey(scene, window_px, out_width, out_height)


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*.*")}


@pytest.mark.parametrize("fail_on", [1, 3, 6])  # the first chip, Yelsk's page, the last chip
def test_a_failure_leaves_the_old_brief_and_no_temporary_file(tmp_path: Path, fail_on: int) -> None:
    out = tmp_path / "brief.html"
    write_brief(watchlist(), BriefSettings(LINE), GreyReader(), out)
    before = _digests(tmp_path)
    with pytest.raises(OSError, match="the disk went away"):
        write_brief(watchlist(), BriefSettings(LINE), FailingReader(fail_on), out)
    assert _digests(tmp_path) == before  # the same files, unchanged, and nothing else


def test_a_failure_on_a_first_brief_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        write_brief(watchlist(), BriefSettings(LINE), FailingReader(5), tmp_path / "brief.html")
    assert list(tmp_path.iterdir()) == []


def test_a_pages_folder_of_other_files_is_never_replaced(tmp_path: Path) -> None:
    mine = tmp_path / "brief-sites"
    mine.mkdir()
    (mine / "notes.txt").write_text("my notes")
    with pytest.raises(InputError, match="holds files ForceWatch did not write. Fix: move them"):
        write_brief(watchlist(), BriefSettings(LINE), GreyReader(), tmp_path / "brief.html")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["brief-sites", "notes.txt"]


def test_a_new_brief_replaces_the_old_pages(tmp_path: Path) -> None:
    out = tmp_path / "brief.html"
    quiet = [(quiet_site(name, i), SCENES) for i, name in enumerate(["Yelsk", "Rechitsa", "Yelnya"], start=2)]
    write_brief(quiet, BriefSettings(LINE), GreyReader(), out)
    assert len(list((tmp_path / "brief-sites").iterdir())) == 3
    write_brief(quiet[:1], BriefSettings(LINE), GreyReader(), out)
    assert [p.name for p in (tmp_path / "brief-sites").iterdir()] == ["yelsk-2.html"]  # no stale page
    write_brief(watchlist()[:1], BriefSettings(LINE), GreyReader(), out)
    assert not (tmp_path / "brief-sites").exists()  # nothing to page: the old pages are gone


def test_the_main_file_holds_a_bounded_amount_of_detail(tmp_path: Path) -> None:
    changed = [
        (replace(changed_site(), site=replace(site(), name=f"Camp {i}", id=i), alerts=[]), SCENES) for i in range(1, 4)
    ]
    main = io.StringIO()
    reader: ReadWindow = GreyReader()
    with io.StringIO() as sections:
        layout = BriefLayout(PageFolder(tmp_path, "pages"), budget_bytes=1)
        writer = BriefWriter(BriefSettings(LINE), reader, main, sections, layout)
        rows = [writer.add(data, scenes) for data, scenes in changed]
        writer.finish()
    html = main.getvalue()
    assert [r.link for r in rows] == ["#site-1", "pages/camp-2-2.html", "pages/camp-3-3.html"]
    assert all(r.flagged for r in rows) and html.count('<section class="site"') == 1
    assert "2 more have their detail on their own page (the main file holds 0 MB of detail at most)" in html
    assert sorted(p.name for p in tmp_path.iterdir()) == ["camp-2-2.html", "camp-3-3.html"]


def test_what_counts_as_a_change() -> None:
    o1, o2 = observation(1, D1, {"aircraft": 2, "vehicle": 3}), observation(2, D2, {"aircraft": 5, "vehicle": 9})
    unseen = {"arrived": 0, "departed": 0, "stayed": 2, "not_observed": 2, "not_observed_before": 3}
    since = DateStatus({}, [], {"aircraft": unseen}, [], {"aircraft": SCORED})
    assert change_since(since, o2, None) == []  # the first date
    assert change_since(since, o2, o1) == ["+3 aircraft"]  # not observed is no change; vehicles are candidates
    assert change_since(since, o2, o1, include_unvalidated=True) == ["+3 aircraft", "+6 vehicle"]
    assert o1.observed is not None
    camps = [camp(D2), camp(D2, status="unchanged")]
    assert change_since(since, o1, o1, [o1.observed], camps) == ["1 new-activity area(s)", "tent camp new"]


def test_page_names() -> None:
    assert page_name("Luninets airfield", 1) == "luninets-airfield-1.html"
    assert page_name("Ельск", 7) == "site-7.html" and page_name("Zyabrovka / Gomel", 3) == "zyabrovka-gomel-3.html"


def test_a_large_watchlist_map_names_the_flagged_sites_only(tmp_path: Path) -> None:
    one_date = [observation(1, D1, {})]  # a date with nothing counted: one chip, no timeline (quick to draw)
    many = [(SiteData(replace(site(), name=f"Site {i}", id=i), one_date, alerts=[]), SCENES) for i in range(2, 33)]
    changed = (replace(changed_site(), alerts=[]), SCENES)
    files = write_brief(iter([changed, *many]), BriefSettings(LINE), GreyReader(), tmp_path / "b.html")
    html = files.main.read_text()
    assert "(named: the sites with change or alerts; dots: the 31 others)" in html
    assert "Watchlist: 32 sites, 1 with change or alerts" in html and files.page_count == 31


def test_sites_are_taken_one_at_a_time(tmp_path: Path) -> None:
    """The writer asks for a site only once it has written the one before (the app gathers each
    site from the store as it is asked): nothing holds every site's chips."""
    seen: list[str] = []

    def gathered() -> Iterator[tuple[SiteData, Mapping[int, Scene]]]:
        for data, scenes in watchlist():
            if data.site.name == "Rechitsa":
                assert (tmp_path / "brief-sites.tmp" / "yelsk-2.html").is_file()  # Yelsk's page is written
            seen.append(data.site.name)
            yield data, scenes

    write_brief(gathered(), BriefSettings(LINE), GreyReader(), tmp_path / "brief.html")
    assert seen == ["Luninets airfield", "Yelsk", "Rechitsa", "Zyabrovka"]
