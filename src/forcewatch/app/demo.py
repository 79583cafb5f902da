"""The built-in demo: the whole pipeline, offline, in a fresh workspace.

By default it renders a two-date **synthetic** airfield at Luninets (Belarus) as georeferenced
GeoTIFFs (every output says so); with ``imagery`` it registers and scans real images instead
(plain images are placed at Luninets airfield, one date per image, for illustration).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from forcewatch.app.ingest import IngestResult, ingest
from forcewatch.app.report import export_workspace
from forcewatch.app.scan import ScanResult, scan
from forcewatch.app.status import SiteStatus, status
from forcewatch.app.workspace import init
from forcewatch.detect.base import Detector
from forcewatch.imagery.raster import raster_info
from forcewatch.imagery.scene import Registration
from forcewatch.imagery.synthetic import SYNTHETIC_NOTE, render_airfield, write_geotiff
from forcewatch.store.base import Store

__all__ = ["DEMO_SITE_NAME", "SYNTHETIC_NOTE", "DemoOutcome", "render_synthetic", "run_demo"]

DEMO_SITE_NAME = "Luninets airfield"
DEMO_LAT, DEMO_LON = 52.2500, 26.8000
IMAGE_SUFFIXES = (".tif", ".tiff", ".jpg", ".jpeg", ".png")
SYNTHETIC_DATES = ("2022-01-20T09:12:00Z", "2022-02-10T09:05:00Z")
#: The demo's exports, in ``out_dir/exports``: format → file or folder name.
EXPORTS = (("gpkg", "forcewatch-export.gpkg"), ("kml", "forcewatch.kml"), ("geojson", "geojson"))


@dataclass(frozen=True)
class DemoOutcome:
    """What the demo did: its workspace, the scenes ingested and scanned, the status and the exports."""

    workspace: Path
    synthetic: bool
    truth_counts: dict[str, int]  # file name → aircraft rendered (synthetic scenes only)
    ingested: list[IngestResult]
    scanned: list[ScanResult]
    status: list[SiteStatus]
    exports: list[Path]

    @property
    def note(self) -> str:
        return SYNTHETIC_NOTE if self.synthetic else "real imagery given with --imagery"


def _layout(date_index: int, rng: np.random.Generator) -> list[tuple[float, float, float, float]]:
    """Aircraft (x_m, y_m, span_m, heading): attack aircraft arrive between the two dates."""
    fighters = 6 if date_index == 0 else 15
    out: list[tuple[float, float, float, float]] = [
        (
            130 + (i % 8) * 50,
            190 + (i // 8) * 60,
            float(rng.uniform(14, 16)),
            180 + float(rng.uniform(-8, 8)),
        )
        for i in range(fighters)
    ]
    out += [
        (170 + i * 110, 322, float(rng.uniform(30, 36)), float(rng.uniform(0, 360)))
        for i in range(3 if date_index == 0 else 4)
    ]
    if date_index == 1:
        out.append((640, 330, 50.0, 90.0))  # a large transport
    return out


def render_synthetic(folder: Path, gsd_m: float = 0.5) -> dict[Path, int]:
    """The two demo dates as GeoTIFFs centred on Luninets airfield; returns path → truth count."""
    out = {}
    for i, acquired in enumerate(SYNTHETIC_DATES):
        rgb, truth = render_airfield(1800, 1000, gsd_m, _layout(i, np.random.default_rng(100 + i)), seed=i)
        path = write_geotiff(
            rgb,
            folder / f"synthetic_luninets_{acquired[:10]}.tif",
            DEMO_LAT,
            DEMO_LON,
            gsd_m,
            acquired,
        )
        out[path] = len(truth)
    return out


def _ingest_imagery(store: Store, imagery: Path, gsd_m: float | None) -> list[IngestResult]:
    """Ingest real images one date a week apart; plain ones are registered at Luninets airfield."""
    files = (
        sorted(p for p in imagery.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES) if imagery.is_dir() else [imagery]
    )
    start = dt.datetime(2022, 1, 10, 9, 0, tzinfo=dt.UTC)
    ingested: list[IngestResult] = []
    for k, f in enumerate(files):
        reg = None if raster_info(f).georeferenced else Registration(centre=(DEMO_LAT, DEMO_LON), gsd_m=gsd_m or 0.5)
        when = (start + dt.timedelta(days=7 * k)).strftime("%Y-%m-%dT%H:%M:%SZ")
        ingested += ingest(store, [f], acquired=when, registration=reg)
    return ingested


def run_demo(
    out_dir: Path,
    detector: Detector,
    *,
    imagery: Path | None = None,
    gsd_m: float | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> DemoOutcome:
    """init → ingest → scan → status → export, in ``out_dir/workspace`` (exports in ``out_dir/exports``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ws = out_dir / "workspace"
    store, _ = init(ws, "ukraine-2022")
    with store:
        truth: dict[str, int] = {}
        if imagery is None:
            rendered = render_synthetic(ws / "imagery")
            truth = {p.name: n for p, n in rendered.items()}
            ingested = ingest(store, list(rendered), sensor="synthetic (ForceWatch demo)")
        else:
            ingested = _ingest_imagery(store, imagery, gsd_m)
        scanned = scan(store, detector, progress=progress)
        rows = status(store)
        files_out = [f for fmt, name in EXPORTS for f in export_workspace(store, fmt, out_dir / "exports" / name)]
    return DemoOutcome(ws, imagery is None, truth, ingested, scanned, rows, files_out)
