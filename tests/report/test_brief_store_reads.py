"""The brief reads the store site by site: each site's own rows (observations, scenes, detections of
its scenes, comparisons, changed objects, activity, camps), never a whole table, so ``report
--site`` costs the same beside 10 or 1,000 other sites (bench/brief_scale.py --compare-sizes
measures it). And the workspace's alert rules (``alerts.yaml``) are counted in the table and listed
in the sections. A GeoPackage workspace built in code: three sites on one scene of two dates."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from forcewatch.app.report import write_brief
from forcewatch.app.workspace import init
from forcewatch.geo.convert import box_to_lonlat
from forcewatch.imagery.scene import describe
from forcewatch.imagery.synthetic import write_geotiff
from forcewatch.model import Comparison, Detection, Observation, Site
from forcewatch.store.base import Store
from forcewatch.store.gpkg import STORE_NAME
from tests.report.values import D1, D2

RULES = "rules:\n  - name: aircraft build-up\n    when: count_increase\n    class: aircraft\n    min_increase: 1\n"
#: Per site: its aircraft on each date (scene pixels); Busy gains two
AIRCRAFT = {
    "Busy": ([(100, 100, 140, 140)], [(100, 100, 140, 140), (200, 100, 240, 140), (300, 100, 340, 140)]),
    "Calm": ([(100, 500, 140, 540)], [(100, 500, 140, 540)]),
    "Empty": ([], []),
}
#: Per site: its area in scene pixels (one scene of 800 × 800 at 0.5 m)
AREAS = {"Busy": (50, 50, 400, 350), "Calm": (50, 450, 400, 750), "Empty": (450, 450, 750, 750)}


def _workspace(folder: Path) -> None:
    store, _ = init(folder)
    (folder / "alerts.yaml").write_text(RULES)
    rgb = np.full((800, 800, 3), 90, np.uint8)
    with store:
        for date in (D1, D2):
            path = write_geotiff(rgb, folder / f"{date[:10]}.tif", 52.25, 26.80, 0.5, date)
            scene = describe(path)
            with store.transaction():
                scene = store.add_scene(scene)
                for name, area in AREAS.items():
                    site = next((s for s in store.sites() if s.name == name), None)
                    if site is None:
                        aoi = box_to_lonlat(scene.crs_wkt, scene.transform, area)
                        site = store.add_site(Site(name, aoi, kind="airfield", lat=52.25, lon=26.8))
                    assert site.id is not None and scene.id is not None
                    store.link(scene.id, site.id, 1.0)
                    boxes = AIRCRAFT[name][date == D2]
                    dets = [
                        Detection(
                            "aircraft",
                            0.9,
                            b,
                            20,
                            20,
                            "medium",
                            "aircraft-1m-v1",
                            scene.id,
                            box_to_lonlat(scene.crs_wkt, scene.transform, b),
                        )
                        for b in boxes
                    ]
                    obs = Observation(
                        site.id,
                        scene.id,
                        date,
                        {"aircraft": len(dets)},
                        1.0,
                        site.aoi,
                        "aircraft-1m-v1",
                        "s" * 64,
                        {"aircraft": 0.5},
                        "0",
                        validated={"aircraft": "scored on real 0.5 m imagery"},
                    )
                    store.add_observation(obs, dets)
        with store.transaction():
            for site in store.sites():
                assert site.id is not None
                earlier, later = store.observations(site.id)
                summary = {"aircraft": {"before": earlier.counts["aircraft"], "after": later.counts["aircraft"]}}
                validated = {"aircraft": "scored on real 0.5 m imagery"}
                store.add_comparison(
                    Comparison(site.id, earlier, later, 0.0, 0.0, 0.5, 1.0, summary, validated=validated)
                )


class Recording:
    """A store that records every call made to it (method name and arguments)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._store, name)
        if not callable(value):
            return value

        def record(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args, kwargs))
            return value(*args, **kwargs)

        return record

    def named(self, name: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        return [(a, k) for n, a, k in self.calls if n == name]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("reads") / "ws"
    _workspace(folder)
    return folder


def _brief(workspace: Path, out: Path, site: str | None = None) -> tuple[Recording, dict[str, int | None]]:
    """Write a brief from a recording store; what it called, and the sites' ids by name."""
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        recording = Recording(store)
        write_brief(recording, out, site_name=site)  # type: ignore[arg-type]
        return recording, {s.name: s.id for s in store.sites()}


WHOLE_TABLES: dict[str, Callable[[tuple[Any, ...], dict[str, Any]], bool]] = {
    "scenes": lambda a, k: True,
    "observations": lambda a, k: not a and k.get("site_id") is None,
    "detections": lambda a, k: not a and k.get("site_id") is None,
    "changed_objects": lambda a, k: not a and not k.get("site_ids"),
    "activity": lambda a, k: not a and not k.get("site_ids"),
    "camps": lambda a, k: not a and not k.get("site_ids"),
    "labels": lambda a, k: not a and k.get("scene_id") is None and k.get("site_id") is None,
}


def test_one_sites_brief_reads_only_its_rows(workspace: Path, tmp_path: Path) -> None:
    rec, ids = _brief(workspace, tmp_path / "busy.html", "Busy")
    busy = ids["Busy"]
    assert not [(n, a, k) for n, a, k in rec.calls if n in WHOLE_TABLES and WHOLE_TABLES[n](a, k)]
    assert not rec.named("sites")  # the site by its name only
    assert [a for a, _ in rec.named("observations")] == [(busy,)]
    assert [a for a, _ in rec.named("scenes_of_site")] == [(busy,)]
    assert {a[0] for a, _ in rec.named("detections")} == {busy}  # by site and scene
    for method in ("changed_objects", "activity", "camps"):
        assert [a for a, _ in rec.named(method)] == [({busy},)]
    assert [a for a, _ in rec.named("comparisons")] == [(busy,)]
    html = (tmp_path / "busy.html").read_text()
    assert "aircraft build-up: aircraft at Busy up from 1 to 3 (+2)" in html[html.index('class="alerts"') :]


def test_the_watchlist_brief_reads_site_by_site_and_counts_alerts(workspace: Path, tmp_path: Path) -> None:
    rec, ids = _brief(workspace, tmp_path / "brief.html")
    assert not [(n, a, k) for n, a, k in rec.calls if n in WHOLE_TABLES and WHOLE_TABLES[n](a, k)]
    assert [a for a, _ in rec.named("observations")] == [(ids[n],) for n in ("Busy", "Calm", "Empty")]
    html = (tmp_path / "brief.html").read_text()
    table = html[html.index('<table class="sites"') :]
    cells = [
        re.findall(r"<td>(.*?)</td>", tr) for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", table[: table.index("</table>")])
    ]
    rows = {re.sub(r"<[^>]+>", "", c[0]): c for c in cells if c}
    assert rows["Busy"][4:6] == ["+2 aircraft", "1"] and rows["Calm"][4:6] == ["no change", "0"]
    assert rows["Empty"][3:6] == ["0 aircraft", "no change", "0"]
    assert html.count('<section class="site"') == 1 and (tmp_path / "brief-sites").is_dir()
    assert (workspace / STORE_NAME).is_file() and not (workspace / "brief-sites").exists()


def test_a_workspace_without_rules_says_so(workspace: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    bare.mkdir()
    for f in workspace.iterdir():
        if f.name != "alerts.yaml":
            (bare / f.name).write_bytes(f.read_bytes())
    _brief(bare, tmp_path / "brief.html")
    html = (tmp_path / "brief.html").read_text()
    assert "(none: no alerts.yaml in the workspace)" in html and 'class="alerts"' not in html


def test_detections_of_dates_outside_the_brief_are_not_read(workspace: Path, tmp_path: Path) -> None:
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        rec = Recording(store)
        write_brief(rec, tmp_path / "b.html", site_name="Busy", date_from=D2[:10])  # type: ignore[arg-type]
        later = [sc.id for sc in store.scenes_of_site(store.site("Busy").id or 0) if sc.acquired == D2]
    assert [a[1] for a, _ in rec.named("detections")] == later
