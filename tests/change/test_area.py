"""Co-registration and new-activity areas on synthetic pairs with known truth."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from forcewatch.change.area import new_activity
from forcewatch.errors import InputError
from forcewatch.imagery.clouds import cloud_mask
from forcewatch.imagery.coreg import common_grid, estimate_shift, grey, read_on_grid, shift_image
from forcewatch.imagery.scene import describe
from forcewatch.imagery.synthetic import render_airfield, write_geotiff

LAT, LON = 52.25, 26.80


def _pair(tmp_path: Path, shift_px: tuple[float, float], camp: bool, gain: float = 1.15, haze: float = 0.15):
    rgb, _ = render_airfield(1400, 1000, 0.5, [(150 + 90 * k, 200, 34.0, 25.0 * k) for k in range(5)], seed=7)
    later = rgb.astype(np.float32)
    m = np.array([[1, 0, shift_px[0]], [0, 1, shift_px[1]]], np.float32)
    later = cv2.warpAffine(later, m, (rgb.shape[1], rgb.shape[0]), borderMode=cv2.BORDER_REFLECT)
    camp_px = (100, 560, 260, 660)  # x0, y0, x1, y1 on grass, in the later image's pixels
    if camp:
        for y in range(camp_px[1], camp_px[3], 20):
            for x in range(camp_px[0], camp_px[2], 16):
                cv2.rectangle(later, (x + 3, y + 3), (x + 13, y + 11), (60, 60, 55), -1)  # shadow
                cv2.rectangle(later, (x, y), (x + 10, y + 8), (215, 210, 195), -1)  # tent roof (5 × 4 m)
    later = np.clip(later * gain * (1 - haze) + 255 * haze * 0.8, 0, 255).astype(np.uint8)
    a = write_geotiff(rgb, tmp_path / "a.tif", LAT, LON, 0.5, "2022-01-20T09:00:00Z")
    b = write_geotiff(later, tmp_path / "b.tif", LAT, LON, 0.5, "2022-02-10T09:00:00Z")
    sa, sb = describe(a), describe(b)
    area = sa.footprint
    return sa, sb, area, camp_px


def _aligned(tmp_path: Path, shift_px: tuple[float, float], camp: bool, **kw: float):
    sa, sb, area, camp_px = _pair(tmp_path, shift_px, camp, **kw)
    grid = common_grid(area, max(sa.gsd_m, sb.gsd_m))
    ra, va = read_on_grid(sa, grid)
    rb, vb = read_on_grid(sb, grid)
    valid = va & vb
    al = estimate_shift(grey(ra), grey(rb), valid, grid.gsd_m)
    rb2 = np.stack([shift_image(rb[..., i], al.dx_m, al.dy_m, grid.gsd_m) for i in range(3)], axis=2)
    vb2 = shift_image(vb.astype(np.float32), al.dx_m, al.dy_m, grid.gsd_m) > 0.99
    usable = va & vb2 & ~cloud_mask(ra, va, grid.gsd_m) & ~cloud_mask(rb2, vb2, grid.gsd_m)
    return grid, al, ra, rb2, usable, camp_px, sa


@pytest.mark.parametrize("shift", [(2.5, -1.5), (-3.0, 0.0), (0.4, 2.2)])
def test_shift_is_found_to_sub_pixel_precision(tmp_path: Path, shift: tuple[float, float]) -> None:
    _grid, al, *_ = _aligned(tmp_path, shift, camp=False)
    # the later image moved +x (east) and +y (south): aligning it means moving it west and north
    assert al.dx_m == pytest.approx(-shift[0] * 0.5, abs=0.15)
    assert al.dy_m == pytest.approx(shift[1] * 0.5, abs=0.15)
    assert al.residual_m <= 0.5


def test_illumination_haze_and_shift_give_no_new_activity(tmp_path: Path) -> None:
    grid, _al, ra, rb, usable, *_ = _aligned(tmp_path, (2.0, -2.5), camp=False)
    areas, _ = new_activity(ra, rb, usable, grid)
    assert areas == []


def test_a_tent_camp_is_found_with_its_area(tmp_path: Path) -> None:
    grid, _al, ra, rb, usable, camp_px, _scene = _aligned(tmp_path, (1.5, 1.0), camp=True)
    areas, mask = new_activity(ra, rb, usable, grid)
    assert len(areas) == 1
    # truth: the camp's footprint on the grid (in the earlier image's frame after alignment)
    truth = np.zeros(mask.shape, bool)
    x0, y0, x1, y1 = camp_px
    truth[round(y0 - 1.0) : round(y1 - 1.0), round(x0 - 1.5) : round(x1 - 1.5)] = True
    tp = (mask & truth).sum()
    precision, recall = tp / mask.sum(), tp / truth.sum()
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= 0.8, (precision, recall)
    assert areas[0].area_m2 == pytest.approx(80 * 50, rel=0.25) and 0 < areas[0].confidence <= 1


def test_textureless_pair_is_refused(tmp_path: Path) -> None:
    flat = np.full((300, 300), 120, np.float32)
    with pytest.raises(InputError, match="too little texture"):
        estimate_shift(flat, flat, np.ones(flat.shape, bool), 0.5)
    with pytest.raises(InputError, match="too little overlap"):
        estimate_shift(flat, flat, np.zeros(flat.shape, bool), 0.5)


def test_clouds_are_masked_not_changed(tmp_path: Path) -> None:
    rgb, _ = render_airfield(600, 500, 0.5, [(100, 150, 34.0, 0.0)], seed=3)
    cloudy = rgb.copy().astype(np.float32)
    yy, xx = np.mgrid[0:500, 0:600]
    blob = ((xx - 400) ** 2 + (yy - 250) ** 2) < 120**2
    alpha = cv2.GaussianBlur(blob.astype(np.float32), (0, 0), 8)[..., None] * 0.9  # a cloud's soft edge
    cloudy = (1 - alpha) * cloudy + alpha * 245
    mask = cloud_mask(cloudy, np.ones((500, 600), bool), 0.5)
    assert mask[blob].mean() > 0.9 and mask[~blob].mean() < 0.05
