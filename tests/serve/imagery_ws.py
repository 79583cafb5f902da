"""Dashboard workspaces with real pixels, on the example watchlist (ukraine-2022).

:func:`make_imagery_workspace`: the demo's two SYNTHETIC dates of Luninets airfield (GeoTIFFs at
0.5 m), ingested, scanned with the bundled aircraft model and compared; the stored comparison then
gets a new-activity area and a camp (the synthetic airfield has neither), so that every overlay of
the site page has something to draw. About 10 s: for slow tests only.

:func:`make_small_workspace`: smaller synthetic images of the same site (800 × 500 px), ingested and
scanned, not compared. About 2 s."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from shapely.geometry import box

from forcewatch.app.compare import compare_site
from forcewatch.app.demo import DEMO_LAT, DEMO_LON, DEMO_SITE_NAME, SYNTHETIC_DATES, _layout, render_synthetic
from forcewatch.app.ingest import ingest
from forcewatch.app.scan import scan
from forcewatch.app.workspace import init
from forcewatch.detect.registry import load_detector
from forcewatch.imagery.synthetic import render_airfield, write_geotiff
from forcewatch.model import ActivityPolygon, CampChange
from forcewatch.serve.accounts import add_user
from forcewatch.store.base import Store
from tests.serve.conftest import PASSWORDS

#: A new-activity area and a camp placed beside the runway, in degrees from the site's centre.
ACTIVITY_BOX = (DEMO_LON - 0.0040, DEMO_LAT - 0.0016, DEMO_LON - 0.0025, DEMO_LAT - 0.0008)
CAMP_BOX = (DEMO_LON + 0.0025, DEMO_LAT - 0.0018, DEMO_LON + 0.0045, DEMO_LAT - 0.0006)


def make_imagery_workspace(folder: Path) -> Path:
    """The workspace (``folder``), with the viewer and analyst accounts of the serve tests."""
    store, _ = init(folder, "ukraine-2022")
    with store:
        rendered = render_synthetic(folder / "imagery")
        ingest(store, sorted(rendered), sensor="synthetic (ForceWatch tests)")
        scan(store, load_detector("aircraft"), site_name=DEMO_SITE_NAME)
        comparison, _ = compare_site(store, DEMO_SITE_NAME)
        later = comparison.later.acquired
        extra = dataclasses.replace(
            comparison,
            activity=(ActivityPolygon(box(*ACTIVITY_BOX), 12000.0, 0.8),),
            camps=(CampChange("new", "tent camp", {"tent": 6}, 0, 25000.0, 9000.0, box(*CAMP_BOX), later),),
        )
        with store.transaction():
            store.add_comparison(extra)  # replaces the comparison of the same dates
        _accounts(store)
    return folder


def make_small_workspace(folder: Path, dates: int = 2) -> Path:
    """The first ``dates`` demo dates at 800 × 500 px, ingested and scanned (not compared), with the
    viewer and analyst accounts of the serve tests."""
    store, _ = init(folder, "ukraine-2022")
    with store:
        paths = []
        for i, acquired in enumerate(SYNTHETIC_DATES[:dates]):
            rgb, _truth = render_airfield(800, 500, 0.5, _layout(i, np.random.default_rng(100 + i)), seed=i)
            paths.append(write_geotiff(rgb, folder / "imagery" / f"small-{i}.tif", DEMO_LAT, DEMO_LON, 0.5, acquired))
        ingest(store, paths, sensor="synthetic (ForceWatch tests)")
        scan(store, load_detector("aircraft"), site_name=DEMO_SITE_NAME)
        _accounts(store)
    return folder


def _accounts(store: Store) -> None:
    for name, password in PASSWORDS.items():
        add_user(store, name, "viewer" if name == "vera" else "analyst", password)
