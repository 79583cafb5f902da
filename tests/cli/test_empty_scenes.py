"""A scene that shows nothing of a site (all NaN, or black without a nodata tag) is *not observed*
there, never "0 aircraft, 0 % observed"."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine

from forcewatch.geo.convert import utm_crs
from tests.cli.helpers import run_ok

LAT, LON = 52.25, 26.80


def _write(path: Path, data: np.ndarray, dtype: str) -> Path:
    crs = utm_crs(LAT, LON)
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, crs, always_xy=True).transform(LON, LAT)
    h, w = data.shape[1:]
    transform = Affine(0.5, 0, x - w / 4, 0, -0.5, y + h / 4)
    with rasterio.open(
        path, "w", driver="GTiff", width=w, height=h, count=3, dtype=dtype, crs=crs, transform=transform
    ) as ds:
        ds.write(data.astype(dtype))
        ds.update_tags(ACQUIRED="2022-02-10T09:00:00Z")
    return path


@pytest.mark.parametrize(
    ("name", "data", "dtype"),
    [
        ("nan.tif", np.full((3, 600, 600), np.nan), "float32"),
        ("black.tif", np.zeros((3, 600, 600)), "uint8"),
    ],
)
def test_a_scene_with_nothing_over_the_site_is_not_observed(
    tmp_path: Path, name: str, data: np.ndarray, dtype: str
) -> None:
    ws = tmp_path / "ws"
    run_ok("init", str(ws))
    run_ok("site", "add", "Luninets", "--lat", str(LAT), "--lon", str(LON), "--radius-m", "100", "-w", str(ws))
    run_ok("ingest", str(_write(tmp_path / name, data, dtype)), "-w", str(ws))
    run_ok("scan", "--model", "aircraft", "-w", str(ws))
    (obs,) = json.loads(run_ok("observations", "Luninets", "-w", str(ws), "--json"))["observations"]
    assert obs["counts"] == {} and obs["share_observed"] == 0.0
    assert "no valid, cloud-free pixel" in obs["not_observable"]["aircraft"]
    status = run_ok("status", "-w", str(ws))
    assert "aircraft not observable" in status and "0 aircraft" not in status


def test_a_black_border_without_nodata_is_not_counted_as_observed(tmp_path: Path) -> None:
    """Half the image is an unmarked black fill: about half the site is observed, not all of it."""
    rng = np.random.default_rng(0)
    data = rng.integers(60, 200, (3, 600, 600)).astype(np.uint8)
    data[:, :, :300] = 0
    ws = tmp_path / "ws"
    run_ok("init", str(ws))
    run_ok("site", "add", "Luninets", "--lat", str(LAT), "--lon", str(LON), "--radius-m", "100", "-w", str(ws))
    run_ok("ingest", str(_write(tmp_path / "half.tif", data, "uint8")), "-w", str(ws))
    run_ok("scan", "--model", "aircraft", "-w", str(ws))
    (obs,) = json.loads(run_ok("observations", "Luninets", "-w", str(ws), "--json"))["observations"]
    assert 0.3 < obs["share_observed"] < 0.7
