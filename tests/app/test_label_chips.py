"""Training chips from the workspace's labels (``train --from-workspace``): a GeoTIFF written in the
test, a store with its scene, detections and labels; the chips, their boxes and blanked pixels, and
the errors for what cannot be trained on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine

from forcewatch.app.ingest import ingest
from forcewatch.app.label_chips import CHIP_PX, chip_objects, chip_windows, workspace_chips
from forcewatch.app.workspace import init
from forcewatch.errors import InputError
from forcewatch.geo.convert import box_to_lonlat, transformer, utm_crs
from forcewatch.model import Detection, Label, Observation
from forcewatch.sites import make_site
from forcewatch.store.gpkg import GeoPackageStore
from forcewatch.train.annotations import ObjectLabel

LAT, LON = 52.25, 26.80
GSD_M = 0.5
W_PX, H_PX = 1200, 800
#: scene pixels (0.5 m): two aircraft near the top left, one drawn in the bottom right, one false
#: detection (rejected) alone at the top right, one detection nobody reviewed next to the first two
ACCEPTED = [(100.0, 100.0, 160.0, 150.0), (220.0, 120.0, 280.0, 170.0)]
ADDED = [(900.0, 600.0, 960.0, 650.0)]
REJECTED = [(1000.0, 100.0, 1040.0, 140.0)]
UNREVIEWED = [(120.0, 260.0, 180.0, 310.0)]
CHIP = 150  # chip side at the model's GSD (1 m for aircraft): 300 scene pixels


def write_scene(path: Path, note: str | None = None) -> Path:
    """A 1200 × 800 px, 0.5 m GeoTIFF (UTM) of grey ground with dark aircraft-sized boxes."""
    rng = np.random.default_rng(0)
    img = rng.normal(140, 12, (H_PX, W_PX, 3)).clip(1, 255).astype(np.uint8)
    for x0, y0, x1, y1 in ACCEPTED + ADDED + REJECTED + UNREVIEWED:
        img[int(y0) : int(y1), int(x0) : int(x1)] = 40
    crs = utm_crs(LAT, LON)
    x, y = transformer(4326, crs).transform(LON, LAT)
    transform = Affine(GSD_M, 0, x - W_PX / 2 * GSD_M, 0, -GSD_M, y + H_PX / 2 * GSD_M)
    profile = {"driver": "GTiff", "width": W_PX, "height": H_PX, "count": 3, "dtype": "uint8", "crs": crs}
    with rasterio.open(path, "w", transform=transform, photometric="RGB", **profile) as ds:
        ds.write(np.moveaxis(img, -1, 0))
        ds.update_tags(ACQUIRED="2022-02-10T09:00:00Z", **({"FORCEWATCH_NOTE": note} if note else {}))
    return path


def _box_polygon(store: GeoPackageStore, box: tuple[float, float, float, float]):  # type: ignore[no-untyped-def]
    scene = store.scenes()[0]
    return box_to_lonlat(scene.crs_wkt, scene.transform, box)


def make_workspace(
    tmp: Path,
    note: str | None = None,
    extra: tuple[tuple[str, str], ...] = (),
    radius_m: float = 250.0,
    cls: str = "aircraft",
) -> GeoPackageStore:
    """A workspace with one site, one scene, detections of ``cls`` (two accepted, one rejected, one
    unreviewed) and a drawn object; ``extra`` adds labels (class, status) on the first object."""
    store, _ = init(tmp / "ws")
    with store.transaction():
        store.add_site(make_site("Field", LAT, LON, radius_m=radius_m, kind="airfield"))
    ingest(store, [write_scene(tmp / "scene.tif", note)])
    scene = store.scenes()[0]
    site = store.site("Field")
    assert scene.id is not None and site.id is not None
    dets = [
        Detection(cls, 0.9, box, 30.0, 25.0, "medium", f"{cls}-model", scene.id, _box_polygon(store, box))
        for box in ACCEPTED + REJECTED + UNREVIEWED
    ]
    obs = Observation(site.id, scene.id, scene.acquired, {cls: len(dets)}, 1.0, None, f"{cls}-model", "0", {cls: 0.5},
                      "test")  # fmt: skip
    with store.transaction():
        store.add_observation(obs, dets)
    ids = [d.id for d in store.detections(scene_id=scene.id)]
    labels = [
        *(Label(scene.id, cls, "accepted", _box_polygon(store, b), "ana", "2022-03-01T00:00:00Z", site.id, i)
          for b, i in zip(ACCEPTED, ids, strict=False)),
        Label(scene.id, cls, "rejected", _box_polygon(store, REJECTED[0]), "ana", "2022-03-01T00:00:00Z", site.id,
              ids[2]),
        Label(scene.id, cls, "added", _box_polygon(store, ADDED[0]), "bo", "2022-03-01T00:00:00Z", site.id),
        *(Label(scene.id, cls, status, _box_polygon(store, ACCEPTED[0]), "ana", "2022-03-01T00:00:00Z", site.id)
          for cls, status in extra),
    ]  # fmt: skip
    with store.transaction():
        store.add_labels(labels)
    return store


def _chips(store: GeoPackageStore, tmp: Path, **kw: object):  # type: ignore[no-untyped-def]
    args: dict[str, object] = {"classes": ("aircraft",), "model_gsd_m": 1.0, "model_id": "aircraft-1m-v1",
                               "chip_px": CHIP}  # fmt: skip
    return workspace_chips(store, tmp / "chips", **{**args, **kw})  # type: ignore[arg-type]


def test_chips_hold_the_labelled_objects_and_the_hard_negatives(tmp_path: Path) -> None:
    import cv2

    with make_workspace(tmp_path) as store:
        chips = _chips(store, tmp_path)
    data = chips.data
    assert data.format == "workspace" and data.classes == ("aircraft",)
    # 300 px cells: the two accepted aircraft (and the unreviewed one) share one, the drawn one and the
    # rejected detection each have their own
    assert [len(im.objects) for im in data.images] == [2, 0, 1]
    assert data.object_count == 3 and all(im.gsd_m == 1.0 for im in data.images)
    assert chips.label == "workspace labels of site Field (1 scene, by ana, bo)"
    assert set(chips.scene_of.values()) == {"scene 1"} and set(chips.source_gsd_m.values()) == {GSD_M}
    assert chips.synthetic is None and chips.name == "field"
    first = data.images[0]
    boxes = sorted(o.box_px for o in first.objects)
    # the scene's boxes at half the resolution, from the chip's corner (the grid offset avoids cutting them)
    win = chip_windows(W_PX, H_PX, 2 * CHIP, ACCEPTED + ADDED + REJECTED, ACCEPTED + ADDED)[0]
    expected = sorted(((b[0] - win[0]) / 2, (b[1] - win[1]) / 2, (b[2] - win[0]) / 2, (b[3] - win[1]) / 2)
                      for b in ACCEPTED)  # fmt: skip
    np.testing.assert_allclose(boxes, expected, atol=0.6)
    rgb = cv2.imread(str(first.image_path))
    assert rgb.shape[:2] == (first.height_px, first.width_px)
    # the detection nobody reviewed is blanked (no data: neither an object nor background) ...
    u = UNREVIEWED[0]
    cx, cy = int(((u[0] + u[2]) / 2 - win[0]) / 2), int(((u[1] + u[3]) / 2 - win[1]) / 2)
    assert (rgb[cy - 5 : cy + 5, cx - 5 : cx + 5] == 0).all()
    # ... the labelled objects are not
    b = first.objects[0].box_px
    assert rgb[int((b[1] + b[3]) / 2), int((b[0] + b[2]) / 2)].max() > 0
    assert any("blanked" in n for n in chips.notes)


def test_pixels_outside_the_site_are_blanked(tmp_path: Path) -> None:
    import cv2

    with make_workspace(tmp_path, radius_m=200.0) as store:  # the drawn object's chip reaches out of the site
        chips = _chips(store, tmp_path, chip_px=CHIP_PX)
    # one 512 m chip: the whole 600 × 400 m scene; its corners lie outside the 200 m circle
    assert len(chips.data.images) == 1
    rgb = cv2.imread(str(chips.data.images[0].image_path))
    assert (rgb[:5, :5] == 0).all() and rgb[rgb.shape[0] // 2, rgb.shape[1] // 2].max() > 0


def test_a_synthetic_scene_is_named(tmp_path: Path) -> None:
    with make_workspace(tmp_path, note="SYNTHETIC imagery rendered by ForceWatch for the demo") as store:
        chips = _chips(store, tmp_path)
    assert chips.synthetic is not None and "SYNTHETIC" in chips.synthetic and "scene 1" in chips.synthetic


def test_a_missing_or_changed_scene_file_is_an_error_naming_the_label(tmp_path: Path) -> None:
    with make_workspace(tmp_path) as store:
        (tmp_path / "scene.tif").rename(tmp_path / "moved.tif")
        with pytest.raises(InputError, match=r"label \d+ \(aircraft, accepted by ana\) is on scene 1 \(scene.tif"):
            _chips(store, tmp_path)
        with pytest.raises(InputError, match=r"is missing\. Fix: put the image back at that path"):
            _chips(store, tmp_path)
        write_scene(tmp_path / "scene.tif", note="re-exported")
        with pytest.raises(InputError, match=r"has changed since it was ingested"):
            _chips(store, tmp_path)


def test_labels_of_another_class_are_an_error_unless_the_classes_are_chosen(tmp_path: Path) -> None:
    with make_workspace(tmp_path, extra=(("vehicle", "added"),)) as store:
        with pytest.raises(InputError, match=r"classes aircraft-1m-v1 does not have \(1 of 'vehicle'\).*--classes"):
            _chips(store, tmp_path)
        chips = _chips(store, tmp_path, only_classes=True)
    assert chips.data.object_count == 3


def test_no_labels_or_no_objects_is_an_error(tmp_path: Path) -> None:
    with make_workspace(tmp_path) as store:
        with pytest.raises(InputError, match=r"no labels of 'Field' on 2023-01-01\. Fix: .*label export"):
            _chips(store, tmp_path, sites=("Field",), date="2023-01-01")
        with pytest.raises(InputError, match=r"no site named 'Nowhere'"):
            _chips(store, tmp_path, sites=("Nowhere",))
        with pytest.raises(InputError, match=r"none of the 1 labels of vehicle is an object"):
            with store.transaction():
                scene = store.scenes()[0]
                store.add_labels([Label(scene.id or 0, "vehicle", "rejected", _box_polygon(store, ADDED[0]), "ana",
                                        "2022-03-01T00:00:00Z", store.site("Field").id)])  # fmt: skip
            _chips(
                store, tmp_path, classes=("vehicle",), model_id="vehicle-0.3m-v2", model_gsd_m=0.3, only_classes=True
            )


def test_chip_windows_never_overlap_and_avoid_cutting_objects() -> None:
    objects = [(95.0, 10.0, 110.0, 20.0), (290.0, 300.0, 310.0, 320.0)]  # across x = 100 and x = 300
    wins = chip_windows(1000, 1000, 200, objects, objects)
    for i, a in enumerate(wins):
        for b in wins[i + 1 :]:
            assert min(a[2], b[2]) <= max(a[0], b[0]) or min(a[3], b[3]) <= max(a[1], b[1])
    for o in objects:  # each object lies whole in one window
        assert sum(w[0] <= o[0] and o[2] <= w[2] and w[1] <= o[1] and o[3] <= w[3] for w in wins) == 1
    assert chip_windows(1000, 1000, 200, []) == []
    # clipped to the image; a centre outside the image still gets the edge window
    assert chip_windows(150, 150, 200, [(140.0, 140.0, 160.0, 160.0)]) == [(0, 0, 150, 150)]


def test_an_object_mostly_outside_a_chip_is_blanked_not_labelled() -> None:
    win = (0.0, 0.0, 100.0, 100.0)
    objects = [
        ObjectLabel("aircraft", (10.0, 10.0, 30.0, 30.0)),
        ObjectLabel("aircraft", (90.0, 10.0, 106.0, 30.0)),  # 10 of 16 px inside: kept, truncated
        ObjectLabel("aircraft", (95.0, 50.0, 115.0, 70.0)),  # a quarter inside: blanked
        ObjectLabel("aircraft", (200.0, 50.0, 215.0, 70.0)),  # outside: neither
    ]
    kept, blank = chip_objects(win, 0.5, objects)
    assert [(o.box_px, o.truncated) for o in kept] == [((5.0, 5.0, 15.0, 15.0), False), ((45.0, 5.0, 50.0, 15.0), True)]
    assert blank == [(47.5, 25.0, 50.0, 35.0)]
