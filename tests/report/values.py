"""Values for the report's unit tests, built in code: a site, a scene of it (a lon/lat grid of
about 1 m pixels), observations and detections placed in the scene's pixels. No files."""

from __future__ import annotations

import numpy as np
import shapely

from forcewatch import model
from forcewatch.geo.borders import ReferenceLine
from forcewatch.geo.convert import box_to_lonlat
from forcewatch.model import BoxPx, Detection, Observation, Scene, Site, StoredCamp, StoredDetection
from forcewatch.report.export import ExportData

CRS_WKT = "EPSG:4326"
D1, D2 = "2022-01-20T09:00:00Z", "2022-02-10T09:00:00Z"
#: 1e-5° a pixel from (26.80 E, 52.25 N): about 0.68 m east-west and 1.1 m north-south
TRANSFORM = (1e-5, 0.0, 26.80, 0.0, -1e-5, 52.25)
SIDE_PX = 1000
LINE = ReferenceLine("test line", shapely.LineString([(27.5, 51.0), (27.5, 53.0)]), "test")


def site() -> Site:
    """Luninets, a polygon inside the scene (pixels 200 to 800)."""
    aoi = box_to_lonlat(CRS_WKT, TRANSFORM, (200, 200, 800, 800))
    return Site("Luninets airfield", aoi, kind="airfield", lat=52.247, lon=26.805, id=1)


def scene(scene_id: int, acquired: str) -> Scene:
    return Scene(
        path=f"/nowhere/{scene_id}.tif",
        sha256=f"{scene_id:064x}",
        acquired=acquired,
        sensor="test sensor",
        crs_wkt=CRS_WKT,
        transform=TRANSFORM,
        width_px=SIDE_PX,
        height_px=SIDE_PX,
        gsd_m=1.0,
        footprint=box_to_lonlat(CRS_WKT, TRANSFORM, (0, 0, SIDE_PX, SIDE_PX)),
        georef="embedded",
        id=scene_id,
    )


def observation(
    obs_id: int,
    acquired: str,
    counts: dict[str, int],
    observed_px: BoxPx = (0, 0, SIDE_PX, SIDE_PX),
    not_observable: dict[str, str] | None = None,
) -> Observation:
    return Observation(
        site_id=1,
        scene_id=obs_id,
        acquired=acquired,
        counts=counts,
        share_observed=1.0,
        observed=box_to_lonlat(CRS_WKT, TRANSFORM, observed_px),
        model_id="aircraft-test",
        model_sha256="a" * 64,
        thresholds={"aircraft": 0.5},
        software_version="0",
        id=obs_id,
        not_observable=not_observable or {},
        validated={c: "aircraft-test scored on real imagery (holdout)" for c in counts if c == "aircraft"},
    )


def detection(det_id: int, obs: Observation, box_px: BoxPx, class_name: str = "aircraft") -> StoredDetection:
    det = Detection(
        class_name,
        0.9,
        box_px,
        length_m=30.0,
        width_m=30.0,
        size_class="medium",
        model_id=obs.model_id,
        scene_id=obs.scene_id,
        polygon=box_to_lonlat(CRS_WKT, TRANSFORM, box_px),
    )
    assert obs.id is not None
    return StoredDetection(det_id, obs.id, obs.scene_id, 1, det, obs.acquired)


def camp(acquired: str, status: str = "new", tents: int = 12) -> StoredCamp:
    return StoredCamp(
        id=1,
        comparison_id=1,
        site_id=1,
        status=status,
        kind="tent camp",
        objects=tents,
        tents=tents,
        vehicles=0,
        objects_before=0,
        area_m2=15_000.0,
        activity_m2=0.0,
        acquired=acquired,
        polygon=box_to_lonlat(CRS_WKT, TRANSFORM, (500, 700, 700, 780)),
    )


class GreyReader:
    """A ``read_window`` that returns a grey window and remembers what it was asked for."""

    def __init__(self) -> None:
        self.calls: list[tuple[int | None, BoxPx, int, int]] = []

    def __call__(self, scene: Scene, window_px: BoxPx, out_width: int, out_height: int) -> np.ndarray:
        self.calls.append((scene.id, window_px, out_width, out_height))
        return np.full((out_height, out_width, 3), 128, np.uint8)


def export_data(name: str = "Luninets airfield") -> ExportData:
    """A site (named ``name``) seen on two dates: an aircraft, then two; one object departed, a
    new-activity area (no outline) and a new tent camp."""
    o1 = observation(1, D1, {"aircraft": 1}, not_observable={"vehicle": "too coarse"})
    o2 = observation(2, D2, {"aircraft": 2})
    det = detection(1, o1, (300, 300, 330, 330))
    gone = model.StoredChangedObject(1, 7, 1, "departed", "aircraft", 0.9, D1, det.detection.polygon)
    act = model.StoredActivity(1, 7, 1, 2500.0, 0.75, D1, D2, None)
    sites = [Site(name, site().aoi, kind="airfield", lat=52.247, lon=26.805, id=1)]
    return ExportData(sites, [scene(2, D2), scene(1, D1)], [o1, o2], [det], [gone], [act], [camp(D2)])
