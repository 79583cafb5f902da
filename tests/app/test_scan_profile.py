"""``scan --profile``: where each model's time went, per stage, from a real scan of real GeoTIFFs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from forcewatch.app.scan import scan_models
from forcewatch.detect.run import Timings
from forcewatch.imagery.synthetic import render_airfield, write_geotiff
from tests.cli.helpers import run_ok
from tests.cli.test_observable import two_gsd_workspace

LAT, LON = 52.25, 26.80


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """Luninets on 0.5 m imagery and on 3 m imagery (too coarse for vehicles and tents), every model."""
    return two_gsd_workspace(tmp_path)


def test_profile_splits_each_models_time_into_its_stages(ws: Path) -> None:
    from forcewatch.app.workspace import open_workspace

    profile: dict[str, Timings] = {}
    with open_workspace(ws) as store:
        results = scan_models(store, site_name="Luninets airfield", profile=profile)
    ran = {r.observation.model_id for r in results}
    assert set(profile) == ran and len(ran) == 3
    for model_id, t in profile.items():
        assert t.tiles >= 1, model_id
        split = t.preprocess_s + t.inference_s + t.decode_s
        assert 0 < t.inference_s <= split <= t.detect_s, model_id  # the detector's call, split in its stages
        assert t.place_s > 0 and t.store_s > 0, model_id
        assert t.tiles_wall_s > 0 and t.wall_s == pytest.approx(t.tiles_wall_s + t.merge_s + t.place_s + t.store_s)
        if t.tiles < 4:  # in turn (few tiles): the loop is the reads waited for and the detector's calls
            assert t.tiles_wall_s >= t.wait_s + t.detect_s
        assert t.area_km2 > 0
    # vehicles and tents are not read on the 3 m scene: their models cover the 0.5 m scene only
    aircraft = next(t for m, t in profile.items() if m.startswith("aircraft"))
    vehicle = next(t for m, t in profile.items() if m.startswith("vehicle"))
    assert aircraft.area_km2 == pytest.approx(2 * vehicle.area_km2, rel=0.01)
    assert vehicle.to_json()["tiles"] == vehicle.tiles and "inference_s" in vehicle.to_json()


def test_a_scan_without_profile_collects_nothing(ws: Path) -> None:
    from forcewatch.app.workspace import open_workspace

    with open_workspace(ws) as store:
        assert scan_models(store, site_name="Luninets airfield")  # runs, with no profile to fill


def test_scan_profile_prints_the_table(ws: Path) -> None:
    out = run_ok("scan", "-w", str(ws), "--profile")
    assert "Where the scan's time went" in out
    for model in ("aircraft-1m", "vehicle-0.3m", "tent-0.5m"):
        assert out.count(model) >= 2, model  # in the scan table and in the profile
    assert "Where the scan's time went" not in run_ok("scan", "-w", str(ws))  # nothing new, no profile


def _strip_site_scan(tmp_path: Path, name: str) -> tuple[list[tuple[str, int]], dict[str, Timings]]:
    """A 60 m wide strip across a 720 m × 480 m scene, corner to corner, scanned for vehicles
    (0.3 m: 3 × 2 tiles, of which the strip misses two)."""
    from forcewatch.app.workspace import open_workspace

    folder = tmp_path / name
    run_ok("init", str(folder))
    fine, _ = render_airfield(1440, 960, 0.5, [(150 + 90 * k, 220.0, 40.0, 25.0 * k) for k in range(6)], seed=3)
    image = write_geotiff(fine, tmp_path / f"{name}.tif", LAT, LON, 0.5, "2022-01-20T09:00:00Z")
    dlat, dlon = 240 / 111_320, 360 / (111_320 * np.cos(np.radians(LAT)))  # the scene's half sides
    w = 0.08
    corners = [(-1, 1), (w - 1, 1), (1, w - 1), (1, -1), (1 - w, -1), (-1, 1 - w)]  # in half sides
    ring = [(LON + a * dlon, LAT + b * dlat) for a, b in corners]
    aoi = tmp_path / f"{name}.geojson"
    polygon = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    aoi.write_text(json.dumps({"type": "Feature", "properties": {"name": "Strip"}, "geometry": polygon}))
    run_ok("site", "add", "Strip", "--aoi", str(aoi), "--models", "vehicle", "-w", str(folder))
    run_ok("ingest", str(image), "-w", str(folder))
    profile: dict[str, Timings] = {}
    with open_workspace(folder) as store:
        results = scan_models(store, profile=profile)
    return [(r.observation.model_id, sum(r.observation.counts.values())) for r in results], profile


def test_tiles_that_miss_the_site_are_not_read_and_the_counts_are_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts, profile = _strip_site_scan(tmp_path, "skipping")
    (t,) = profile.values()
    assert t.tiles_outside > 0 and t.tiles >= 1
    monkeypatch.setattr("forcewatch.app.scan.site_region_px", lambda *args, **kw: None)  # read every tile
    counts_all, profile_all = _strip_site_scan(tmp_path, "reading-all")
    (t_all,) = profile_all.values()
    assert t_all.tiles_outside == 0 and t_all.tiles == t.tiles + t.tiles_outside
    assert counts == counts_all


def test_a_scan_opens_each_scenes_file_once_for_all_its_models(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The three models of a scene run one after another on the file opened once (GDAL's block
    cache then serves the blocks the first decoded), and the file is closed when the scan ends."""
    from forcewatch.app.workspace import open_workspace
    from forcewatch.imagery import raster

    opened: list[str] = []
    closed: list[str] = []
    real_init, real_close = raster.RasterReader.__init__, raster.RasterReader.close

    def counting_init(self: raster.RasterReader, path: Path | str) -> None:
        opened.append(str(path))
        real_init(self, path)

    def counting_close(self: raster.RasterReader) -> None:
        closed.append(str(self.path))
        real_close(self)

    monkeypatch.setattr(raster.RasterReader, "__init__", counting_init)
    monkeypatch.setattr(raster.RasterReader, "close", counting_close)
    with open_workspace(ws) as store:
        results = scan_models(store, site_name="Luninets airfield")
    scenes = {str(r.scene.path) for r in results}
    assert len(results) == 6 and len(scenes) == 2  # 2 scenes × 3 models (two of them not observable at 3 m)
    assert sorted(opened) == sorted(scenes) and sorted(closed) == sorted(scenes)
