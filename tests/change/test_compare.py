"""The pure steps of a comparison, on values built in code (no files, no store)."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest
import shapely
from affine import Affine
from shapely.geometry.base import BaseGeometry

from forcewatch.change.compare import (
    DatePair,
    DateView,
    changed_objects,
    class_summary,
    compare_dates,
    detections_of,
    objects_mask,
    overlap,
    pick_observations,
)
from forcewatch.change.match import ObjectChange
from forcewatch.errors import InputError
from forcewatch.geo.convert import pixels_to_lonlat, transformer, utm_crs
from forcewatch.imagery.coreg import Grid
from forcewatch.imagery.georef import transform_tuple
from forcewatch.model import Detection, Observation, Scene, Site, StoredDetection

LAT, LON = 52.25, 26.80
SIDE_PX, GSD_M = 256, 1.0
SUMMARY_KEYS = {"before", "after", "arrived", "departed", "stayed", "not_observed", "not_observed_before"}


def _box(lon: float, lat: float, half_deg: float) -> BaseGeometry:
    return shapely.box(lon - half_deg, lat - half_deg, lon + half_deg, lat + half_deg)


AOI = _box(LON, LAT, 0.002)  # about 270 m × 440 m: the whole grid


def _grid() -> Grid:
    """256 × 256 cells of 1 m in the local UTM zone, centred on the site."""
    crs = utm_crs(LAT, LON)
    x, y = transformer(4326, crs).transform(LON, LAT)
    half = SIDE_PX / 2 * GSD_M
    return Grid(crs, Affine(GSD_M, 0, x - half, 0, -GSD_M, y + half), SIDE_PX, SIDE_PX, GSD_M)


def _ground(grid: Grid, seed: int = 3) -> np.ndarray:
    """Textured, coloured ground (never cloud-like) on the grid: float32 0–255."""
    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.normal(0, 1, (grid.height, grid.width)).astype(np.float32), (0, 0), 2.0)
    grey = 110 + 60 * noise / noise.std()
    return np.clip(np.stack([grey * 0.9, grey, grey * 0.7], axis=2), 0, 255).astype(np.float32)


def _obs(
    oid: int, acquired: str, counts: dict[str, int] | None = None, not_observable: dict[str, str] | None = None
) -> Observation:
    return Observation(
        site_id=1,
        scene_id=oid,
        acquired=acquired,
        counts=counts if counts is not None else {"aircraft": 1},
        share_observed=1.0,
        observed=AOI,
        model_id="aircraft",
        model_sha256="0" * 64,
        thresholds={},
        software_version="test",
        id=oid,
        not_observable=not_observable or {},
    )


def _scene(sid: int, grid: Grid, footprint: BaseGeometry = AOI) -> Scene:
    return Scene(
        path=f"scene{sid}.tif",
        sha256=str(sid),
        acquired="2022-01-20T09:00:00Z",
        sensor="test",
        crs_wkt=grid.crs.to_wkt(),
        transform=transform_tuple(grid.transform),
        width_px=grid.width,
        height_px=grid.height,
        gsd_m=grid.gsd_m,
        footprint=footprint,
        georef="embedded",
        id=sid,
    )


def _aircraft(did: int, obs: Observation, grid: Grid, col: float, row: float) -> StoredDetection:
    """A 30 m aircraft centred on a grid cell."""
    lon, lat = pixels_to_lonlat(grid.crs, grid.transform, [col], [row])
    polygon = _box(float(lon[0]), float(lat[0]), 0.0001)
    det = Detection("aircraft", 0.9, (0, 0, 60, 60), 30.0, 30.0, "medium", polygon=polygon)
    assert obs.id is not None
    return StoredDetection(did, obs.id, obs.scene_id, 1, det, obs.acquired)


def _pair(
    before_dets: int = 1,
    after_dets: int = 1,
    masks: tuple[BaseGeometry, ...] = (),
    later_rgb: np.ndarray | None = None,
    later_obs: Observation | None = None,
) -> DatePair:
    grid = _grid()
    rgb = _ground(grid)
    valid = np.ones((grid.height, grid.width), bool)
    ea = _obs(1, "2022-01-20T09:00:00Z", {"aircraft": before_dets})
    la = later_obs or _obs(2, "2022-02-10T09:00:00Z", {"aircraft": after_dets})
    dets = [_aircraft(i + 1, ea, grid, 60 + 40 * i, 80) for i in range(before_dets)]
    dets += [_aircraft(i + 11, la, grid, 60 + 40 * i, 80) for i in range(after_dets)]
    return DatePair(
        Site("airfield", AOI, id=1),
        grid,
        DateView(ea, _scene(1, grid), rgb, valid, detections_of(ea, dets)),
        DateView(la, _scene(2, grid), rgb.copy() if later_rgb is None else later_rgb, valid, detections_of(la, dets)),
        masks,
    )


def test_pick_observations_takes_the_last_two_or_the_dates_asked() -> None:
    obs = [_obs(i + 1, f"2022-0{i + 1}-10T09:00:00Z") for i in range(4)]
    assert [o.id for o in pick_observations(obs, "s", None, None)] == [3, 4]
    assert [o.id for o in pick_observations(obs, "s", "2022-01-01", None)] == [1, 4]
    assert [o.id for o in pick_observations(obs, "s", None, "2022-02-28")] == [1, 2]
    assert [o.id for o in pick_observations(obs, "s", "2022-02-01", "2022-03-10")] == [2, 3]


@pytest.mark.parametrize(
    ("n", "date_from", "date_to", "message"),
    [
        (1, None, None, "'s' has 1 observation: nothing to compare"),
        (0, None, None, "'s' has 0 observations: nothing to compare"),
        (3, None, "2021-12-31", "no observation of 's' on or before 2021-12-31"),
        (3, "2022-03-01", None, "no observation of 's' before 2022-03-10 and on or after 2022-03-01"),
        (3, None, "2022-01-10", "no observation of 's' before 2022-01-10."),
    ],
)
def test_pick_observations_says_why_there_is_nothing_to_compare(
    n: int, date_from: str | None, date_to: str | None, message: str
) -> None:
    obs = [_obs(i + 1, f"2022-0{i + 1}-10T09:00:00Z") for i in range(n)]
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(".", r"\.")):
        pick_observations(obs, "s", date_from, date_to)


def test_scenes_that_do_not_overlap_are_refused() -> None:
    grid = _grid()
    site = Site("airfield", AOI, id=1)
    ea, la = _obs(1, "2022-01-20T09:00:00Z"), _obs(2, "2022-02-10T09:00:00Z")
    west, east = _scene(1, grid, _box(LON - 0.01, LAT, 0.002)), _scene(2, grid, _box(LON + 0.01, LAT, 0.002))
    with pytest.raises(InputError, match="the scenes of 2022-01-20 and 2022-02-10 do not overlap over 'airfield'"):
        overlap(site, ea, la, (west, east))
    assert overlap(site, ea, la, (_scene(1, grid), _scene(2, grid))).equals(AOI)


def test_an_identical_pair_has_nothing_arrived_or_departed() -> None:
    c = compare_dates(_pair(before_dets=3, after_dets=3))
    assert c.summary == {
        "aircraft": {
            "before": 3,
            "after": 3,
            "arrived": 0,
            "departed": 0,
            "stayed": 3,
            "not_observed": 0,
            "not_observed_before": 0,
        }
    }
    assert c.objects == () and c.activity == () and c.camps == ()
    assert abs(c.shift_east_m) < 0.1 and abs(c.shift_north_m) < 0.1
    assert c.share_usable > 0.95
    assert (c.earlier.id, c.later.id, c.site_id) == (1, 2, 1)


def test_an_object_gone_is_departed_and_a_new_one_arrived() -> None:
    pair = _pair(before_dets=2, after_dets=1)
    grid = pair.grid
    extra = _aircraft(99, pair.later.observation, grid, 200, 200)
    pair = replace(pair, later=replace(pair.later, detections=(*pair.later.detections, extra)))
    c = compare_dates(pair)
    assert c.summary["aircraft"] | {"before": 0, "after": 0} == {
        "before": 0,
        "after": 0,
        "arrived": 1,
        "departed": 1,
        "stayed": 1,
        "not_observed": 0,
        "not_observed_before": 0,
    }
    assert sorted(o.status for o in c.objects) == ["arrived", "departed"]


def test_a_masked_area_is_not_observed() -> None:
    grid = _grid()
    lon, lat = pixels_to_lonlat(grid.crs, grid.transform, [100], [80])  # the second aircraft
    mask = _box(float(lon[0]), float(lat[0]), 0.0003)
    c = compare_dates(_pair(before_dets=2, after_dets=1, masks=(mask,)))
    assert c.summary["aircraft"]["departed"] == 0 and c.summary["aircraft"]["not_observed"] == 1
    assert [o.status for o in c.objects] == ["not observed"]
    assert c.share_usable < 0.99  # the masked cells are not usable


def test_a_class_not_observable_on_one_date_is_not_compared() -> None:
    later = _obs(2, "2022-02-10T09:00:00Z", {"aircraft": 1}, not_observable={"tent": "coarser than 1.0 m"})
    pair = _pair(later_obs=later)
    pair = replace(
        pair,
        earlier=replace(pair.earlier, observation=replace(pair.earlier.observation, counts={"aircraft": 1, "tent": 4})),
    )
    c = compare_dates(pair)
    assert set(c.summary) == {"aircraft"} and set(c.summary["aircraft"]) == SUMMARY_KEYS
    assert c.not_observable == {"tent": "coarser than 1.0 m"}


def test_a_pair_under_cloud_is_refused() -> None:
    grid = _grid()
    cloud = np.full((grid.height, grid.width, 3), 245.0, np.float32)
    with pytest.raises(
        InputError, match="'airfield': the site is under cloud on 2022-01-20 or 2022-02-10: not observed"
    ):
        compare_dates(_pair(later_rgb=cloud))


def test_new_ground_disturbance_is_new_activity() -> None:
    grid = _grid()
    later = _ground(grid)
    later[150:190, 100:150] = (200.0, 120.0, 60.0)  # 50 m × 40 m of something new, away from the aircraft
    c = compare_dates(_pair(later_rgb=later))
    assert len(c.activity) == 1
    assert c.activity[0].area_m2 == pytest.approx(50 * 40, rel=0.3) and 0 < c.activity[0].confidence <= 1
    assert c.summary["aircraft"]["stayed"] == 1


def test_objects_mask_covers_the_polygons_with_a_margin() -> None:
    grid = _grid()
    lon, lat = pixels_to_lonlat(grid.crs, grid.transform, [50.5], [50.5])
    poly = _box(float(lon[0]), float(lat[0]), 0.00005)  # about 7 m × 11 m
    tight, wide = objects_mask([poly], grid, buffer_m=0.0), objects_mask([poly], grid)
    assert tight[50, 50] and tight.sum() < wide.sum() and not wide[0, 0]
    assert not objects_mask([], grid).any()


def test_changed_objects_and_summary_from_object_changes() -> None:
    grid = _grid()
    ea, la = _obs(1, "2022-01-20T09:00:00Z", {"aircraft": 2}), _obs(2, "2022-02-10T09:00:00Z", {"aircraft": 1})
    a1, a2, b1 = _aircraft(1, ea, grid, 10, 10), _aircraft(2, ea, grid, 50, 50), _aircraft(3, la, grid, 90, 90)
    changes = {"aircraft": ObjectChange("aircraft", arrived=[b1], departed=[a1], not_observed=[a2])}
    objects = changed_objects(changes)
    assert [(o.status, o.acquired) for o in objects] == [
        ("arrived", "2022-02-10T09:00:00Z"),
        ("departed", "2022-01-20T09:00:00Z"),
        ("not observed", "2022-01-20T09:00:00Z"),
    ]
    assert class_summary(ea, la, changes) == {
        "aircraft": {
            "before": 2,
            "after": 1,
            "arrived": 1,
            "departed": 1,
            "stayed": 0,
            "not_observed": 1,
            "not_observed_before": 0,
        }
    }
    assert class_summary(ea, la, {}) == {
        "aircraft": {
            "before": 2,
            "after": 1,
            "arrived": 0,
            "departed": 0,
            "stayed": 0,
            "not_observed": 0,
            "not_observed_before": 0,
        }
    }
