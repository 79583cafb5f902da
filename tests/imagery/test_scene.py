from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine

from forcewatch.errors import ImageryError, InputError
from forcewatch.imagery.scene import Registration, describe, parse_time
from tests.conftest import write_png


def geotiff(path: Path, *, crs: str | None = "EPSG:32635", when: str | None = "2022:02:10 09:05:00") -> Path:
    kw: dict[str, object] = {"transform": Affine(0.5, 0, 500000, 0, -0.5, 5790000)}
    if crs:
        kw["crs"] = crs
    with rasterio.open(path, "w", driver="GTiff", width=64, height=48, count=3, dtype="uint8", **kw) as ds:
        ds.write(np.full((3, 48, 64), 120, np.uint8))
        if when:
            ds.update_tags(TIFFTAG_DATETIME=when)
    return path


def test_geotiff_with_time_tag(tmp_path: Path) -> None:
    s = describe(geotiff(tmp_path / "a.tif"))
    assert s.acquired == "2022-02-10T09:05:00Z" and s.georef == "embedded"
    assert s.gsd_m == pytest.approx(0.5) and s.width_px == 64 and len(s.sha256) == 64


def test_scene_without_time_is_refused_with_how_to_give_it(tmp_path: Path) -> None:
    p = geotiff(tmp_path / "a.tif", when=None)
    with pytest.raises(InputError, match="no acquisition time.*--acquired 2022-02-10T09:05:00Z"):
        describe(p)
    assert describe(p, acquired="2022-02-10").acquired == "2022-02-10T00:00:00Z"


def test_geotiff_without_crs(tmp_path: Path) -> None:
    with pytest.raises(ImageryError, match="no CRS.*--center"):
        describe(geotiff(tmp_path / "a.tif", crs=None))


def test_plain_image_needs_registration(tmp_path: Path) -> None:
    png = write_png(tmp_path / "press.png", 200, 100)
    with pytest.raises(ImageryError, match="no georeferencing.*--center LAT,LON --gsd-m G"):
        describe(png, acquired="2022-02-10T09:00:00Z")
    s = describe(
        png,
        acquired="2022-02-10T09:00:00+03:00",
        registration=Registration(centre=(52.25, 26.8), gsd_m=0.5),
    )
    assert s.georef == "centre" and s.acquired == "2022-02-10T06:00:00Z" and s.gsd_m == 0.5
    with pytest.raises(InputError, match="latitude 95.0 is out of range"):
        describe(png, acquired="2022-02-10", registration=Registration(centre=(95.0, 26.8), gsd_m=0.5))


@pytest.mark.parametrize("suffix", [".tif", ".jpg"])
def test_corrupt_or_truncated_files(tmp_path: Path, suffix: str) -> None:
    import cv2

    if suffix == ".tif":
        good = geotiff(tmp_path / "g.tif")
    else:
        good = tmp_path / "g.jpg"
        cv2.imwrite(str(good), np.random.default_rng(0).integers(0, 255, (300, 400, 3), dtype=np.uint8))
    data = good.read_bytes()
    bad = tmp_path / f"bad{suffix}"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageryError, match="cannot be read as an image"):
        describe(bad, acquired="2022-02-10")


def _stac(tmp_path: Path, href: str) -> Path:
    item = {
        "type": "Feature",
        "stac_version": "1.0.0",
        "id": "scene-1",
        "stac_extensions": [],
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[26.7, 52.2], [26.9, 52.2], [26.9, 52.3], [26.7, 52.3], [26.7, 52.2]]],
        },
        "bbox": [26.7, 52.2, 26.9, 52.3],
        "properties": {
            "datetime": "2022-02-10T09:05:00Z",
            "gsd": 0.5,
            "platform": "pleiades-1a",
            "view:off_nadir": 12.5,
            "eo:cloud_cover": 3,
        },
        "links": [],
        "assets": {"visual": {"href": href, "type": "image/tiff; application=geotiff"}},
    }
    path = tmp_path / "item.json"
    path.write_text(json.dumps(item))
    return path


def test_stac_item(tmp_path: Path) -> None:
    geotiff(tmp_path / "a.tif", when=None)
    s = describe(_stac(tmp_path, "./a.tif"))
    assert s.acquired == "2022-02-10T09:05:00Z" and s.sensor == "pleiades-1a" and s.georef == "stac"
    assert s.properties is not None and s.properties["off_nadir_deg"] == 12.5 and s.properties["cloud_cover_pct"] == 3


def test_stac_item_whose_asset_is_missing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="asset 'visual' points to .*missing.tif, which does not exist"):
        describe(_stac(tmp_path, "./missing.tif"))


def test_parse_time() -> None:
    assert parse_time("2022-02-10T09:05:00Z", "x") == "2022-02-10T09:05:00Z"
    with pytest.raises(InputError, match="not ISO 8601"):
        parse_time("10/02/2022", "x")


def test_geographic_geotiff_has_metric_gsd_and_lonlat_footprint(tmp_path: Path) -> None:

    path = tmp_path / "ll.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=100,
        height=80,
        count=1,
        dtype="uint16",
        crs="EPSG:4326",
        transform=Affine(1e-5, 0, 26.80, 0, -1e-5, 52.25),
    ) as ds:
        ds.write(np.arange(8000, dtype=np.uint16).reshape(1, 80, 100))
    s = describe(path, acquired="2022-02-10T09:05:00Z")
    assert s.gsd_m == pytest.approx(0.88, abs=0.02)  # 1e-5° at 52.25° N: 0.68 m east-west, 1.11 m north-south
    assert s.footprint.bounds == pytest.approx((26.80, 52.2492, 26.801, 52.25), abs=1e-6)


@pytest.mark.parametrize(
    ("text", "why"), [("1800-01-01", "before the first satellite images"), ("2999-01-01", "in the future")]
)
def test_an_acquisition_time_no_image_can_have_is_refused(text: str, why: str) -> None:
    from forcewatch.imagery.scene import parse_time

    with pytest.raises(InputError, match=why):
        parse_time(text, "--acquired")
    assert parse_time("1960-08-18", "--acquired") == "1960-08-18T00:00:00Z"
