"""Detection end to end with the bundled aircraft model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from typer.testing import CliRunner

from forcewatch.cli import _register, app
from forcewatch.detect.base import INPUT_MULTIPLE
from forcewatch.detect.registry import bundled_models, load_detector, model_path
from forcewatch.detect.run import detect_image, detect_source
from forcewatch.detect.sizes import ground_size_m, size_class
from forcewatch.errors import GsdUnknownError, ModelError
from forcewatch.imagery.array import ArraySource
from forcewatch.imagery.synthetic import render_airfield, write_geotiff
from forcewatch.imagery.tiles import tile_grid
from tests.conftest import labelled_count, write_png


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    _register()
    return CliRunner()


def test_the_aircraft_model_is_bundled_and_default() -> None:
    assert "aircraft" in bundled_models()
    assert model_path(None) == bundled_models()["aircraft"]
    meta = load_detector().meta
    assert meta.classes == ("aircraft",)
    assert "CC BY-NC-SA 4.0" in meta.licence
    assert 0.5 <= meta.gsd_m <= 1.0


def test_unknown_model_lists_the_known_ones() -> None:
    with pytest.raises(ModelError, match="bundled models \\(aircraft"):
        model_path("tanks")


def test_size_classes_follow_the_analysts_buckets() -> None:
    assert ground_size_m((0, 0, 30, 20), 0.5) == (15.0, 10.0)
    assert [size_class("aircraft", v) for v in (15, 25, 45)] == ["small", "medium", "large"]
    assert [size_class("vehicle", v) for v in (4.5, 8, 16)] == [
        "car-size",
        "truck/armour-size",
        "long",
    ]


def test_detect_json_on_a_real_airbus_image(runner: CliRunner, airbus_image: Path, tmp_path: Path) -> None:
    res = runner.invoke(
        app,
        [
            "detect",
            str(airbus_image),
            "--gsd-m",
            "0.5",
            "--model",
            "aircraft",
            "--json",
            "--geojson",
            str(tmp_path / "d.geojson"),
            "--annotated",
            str(tmp_path / "d.png"),
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["image"] == str(airbus_image) and doc["gsd_m"] == 0.5 and doc["model"]
    dets = doc["detections"]
    truth = labelled_count(airbus_image.parents[1], airbus_image)
    assert abs(len(dets) - truth) <= max(2, 0.1 * truth), (len(dets), truth)
    d = dets[0]
    assert set(d) >= {"class", "score", "box", "length_m", "width_m", "size_class"}
    assert d["class"] == "aircraft" and 0 < d["score"] <= 1
    x0, y0, x1, y1 = d["box"]
    assert 0 <= x0 < x1 <= 2560 and 0 <= y0 < y1 <= 2560  # pixels of the input image
    assert d["length_m"] == pytest.approx(max(x1 - x0, y1 - y0) * 0.5, abs=0.1)
    gj = json.loads((tmp_path / "d.geojson").read_text())
    assert len(gj["features"]) == len(dets)
    assert "pixels" in gj["forcewatch"]["coordinates"]
    assert (tmp_path / "d.png").stat().st_size > 10_000


def test_refuses_when_the_gsd_is_unknown(runner: CliRunner, tmp_path: Path) -> None:
    png = write_png(tmp_path / "press.png", 300, 200)
    res = runner.invoke(app, ["detect", str(png)])
    assert res.exit_code != 0
    assert isinstance(res.exception, GsdUnknownError)
    assert "--gsd-m" in str(res.exception)


@pytest.mark.slow
def test_counts_hold_when_the_stated_gsd_is_20_percent_wrong(airbus_dir: Path) -> None:
    """On the 15 hold-out images, a GSD stated 20 % too small or too large changes the total count
    of aircraft by less than 7 % (measured: 311 and 330 against 326)."""
    from forcewatch.detect.registry import model_path
    from forcewatch.train.evaluate import predict_set
    from forcewatch.train.readers import read_annotations

    det = load_detector()
    split = json.loads((model_path(None).parent / "split.json").read_text())
    hold = read_annotations(airbus_dir, "airbus", gsd_m=0.5).subset(set(split["holdout"]))
    thr = det.meta.score_threshold
    totals = {
        g: sum(int((p.scores >= thr).sum()) for p in predict_set(det, hold, stated_gsd_m=g, score_floor=thr))
        for g in (0.4, 0.5, 0.6)
    }
    assert abs(totals[0.4] - totals[0.5]) <= 0.07 * totals[0.5], totals
    assert abs(totals[0.6] - totals[0.5]) <= 0.07 * totals[0.5], totals


def test_geotiff_gives_gsd_and_lonlat_geojson(runner: CliRunner, tmp_path: Path) -> None:
    rgb, truth = render_airfield(900, 700, 0.5, [(120, 200, 34, 30), (220, 200, 34, 300), (330, 210, 48, 90)], seed=3)
    tif = write_geotiff(rgb, tmp_path / "luninets.tif", 52.25, 26.80, 0.5, "2022-02-10T09:00:00Z")
    res = runner.invoke(
        app, ["detect", str(tif), "--model", "aircraft", "--json", "--geojson", str(tmp_path / "g.geojson")]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["gsd_m"] == pytest.approx(0.5) and doc["gsd_source"] == "georeferencing"
    assert len(doc["detections"]) == len(truth)
    gj = json.loads((tmp_path / "g.geojson").read_text())
    lon, lat = gj["features"][0]["geometry"]["coordinates"][0][0]
    assert 26.79 < lon < 26.81 and 52.24 < lat < 52.26
    assert "EPSG:4326" in gj["forcewatch"]["coordinates"]


def test_tiling_finds_each_aircraft_once_across_tile_edges() -> None:
    """A large synthetic scene whose aircraft sit on tile edges: one detection each, whole."""
    det = load_detector()
    tile, overlap = det.meta.tile_px, det.meta.overlap_px
    gsd = det.meta.gsd_m
    width_px = int(2.2 * tile * gsd / 0.5)
    first, second = tile_grid(round(width_px * 0.5 / gsd), round(900 * 0.5 / gsd), tile, overlap, INPUT_MULTIPLE)[:2]
    # aircraft centred exactly on the first interior core boundary and on the tiles' edges
    xs = [first.core[2] * gsd, first.x1 * gsd, second.x0 * gsd]
    planes = [(x, 300.0, 36.0, 45.0) for x in xs]
    rgb, truth = render_airfield(width_px, 900, 0.5, planes, seed=5)
    found = detect_source(ArraySource(rgb), 0.5, det)
    assert len(found) == len(truth)
    for t in truth:
        best = max(found, key=lambda d: _iou(d.box_px, t.box_px))
        assert _iou(best.box_px, t.box_px) > 0.5


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def test_nodata_areas_yield_no_detections(tmp_path: Path) -> None:
    rgb, _truth = render_airfield(900, 700, 0.5, [(120, 200, 34, 30), (330, 210, 34, 90)], seed=4)
    rgb[:, :450] = 0  # the left half is outside the scene
    path = tmp_path / "half.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=900,
        height=700,
        count=3,
        dtype="uint8",
        crs="EPSG:32635",
        transform=Affine(0.5, 0, 500000, 0, -0.5, 5790000),
        nodata=0,
    ) as ds:
        ds.write(np.moveaxis(rgb, -1, 0))
    run = detect_image(path, load_detector())
    assert len(run.detections) == 1
    assert run.detections[0].box_px[0] > 450


def test_the_vehicle_model_counts_cars_on_a_held_out_munich_image(runner: CliRunner) -> None:
    from tests.conftest import SHARED_DATA, need_shared

    kit = need_shared(SHARED_DATA / "vehicles-kit-ais")
    split = json.loads((model_path("vehicle").parent / "split.json").read_text())
    image = kit / split["holdout"][0]
    truth = len([ln for ln in image.with_suffix(".txt").read_text().splitlines() if ln.strip()])
    res = runner.invoke(app, ["detect", str(image), "--gsd-m", "0.13", "--model", "vehicle", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["model"] == "vehicle-0.3m-v2-int8" and all(d["class"] == "vehicle" for d in doc["detections"])
    assert abs(len(doc["detections"]) - truth) <= max(3, 0.15 * truth), (len(doc["detections"]), truth)
    assert all(d["size_class"] in ("car-size", "truck/armour-size", "long") for d in doc["detections"])


class _ThreadRecordingSource(ArraySource):
    """An in-memory source that notes which thread reads each tile."""

    def __init__(self, rgb: np.ndarray) -> None:
        super().__init__(rgb)
        self.threads: set[int] = set()

    def read(self, window_px, out_width, out_height):  # type: ignore[no-untyped-def]
        import threading

        self.threads.add(threading.get_ident())
        return super().read(window_px, out_width, out_height)


def test_reading_each_tile_in_turn_finds_the_same_objects_in_one_thread() -> None:
    import threading

    rgb, _ = render_airfield(2600, 1400, 0.5, [(150 + 110 * k, 300, 34.0, 25.0 * k) for k in range(9)], seed=5)
    det = load_detector("aircraft")
    ahead, inline = _ThreadRecordingSource(rgb), _ThreadRecordingSource(rgb)
    a = detect_source(ahead, 0.5, det)
    b = detect_source(inline, 0.5, det, read_ahead=False)
    assert [(d.box_px, d.score) for d in a] == [(d.box_px, d.score) for d in b] and len(a) >= 8
    assert inline.threads == {threading.get_ident()}  # every read in the calling thread
    assert threading.get_ident() not in ahead.threads  # read ahead: in a background thread


class _InTurn:
    """A detector that makes no single-threaded copies: its tiles run one at a time."""

    def __init__(self, inner: object) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> object:
        if name == "tile_workers":
            raise AttributeError(name)
        return getattr(self._inner, name)


def test_tiles_side_by_side_find_what_tiles_in_turn_find() -> None:
    import threading

    from forcewatch.detect.run import Timings

    rgb, _ = render_airfield(1300, 1300, 0.5, [(150 + 110 * k, 300, 34.0, 25.0 * k) for k in range(9)], seed=6)
    det = load_detector("vehicle", threads=2)  # 0.3 m: 9 tiles of this 0.5 m image
    side, turn = Timings(), Timings()
    source = _ThreadRecordingSource(rgb)
    a = detect_source(source, 0.5, det, timings=side)
    b = detect_source(ArraySource(rgb), 0.5, _InTurn(det), timings=turn)  # type: ignore[arg-type]
    assert [(d.box_px, d.score) for d in a] == [(d.box_px, d.score) for d in b] and len(a) >= 5
    assert source.threads == {threading.get_ident()}  # side by side: the caller reads, the copies detect
    copies = det.tile_workers()  # type: ignore[attr-defined]
    assert len(copies) == 2 and all(c.session.get_session_options().intra_op_num_threads == 1 for c in copies)
    assert all(sum(c.last_stages_s) > 0 for c in copies)  # both ran tiles
    assert side.tiles == turn.tiles == 9 and side.tiles_empty == turn.tiles_empty == 0
    assert side.tiles_wall_s > 0 and side.wall_s >= side.tiles_wall_s
    assert side.detect_s >= side.preprocess_s + side.inference_s + side.decode_s > 0  # summed over the copies


def test_few_tiles_run_in_turn_on_every_thread() -> None:
    rgb, _ = render_airfield(600, 600, 0.5, [(150, 300, 34.0, 0.0)], seed=7)
    det = load_detector("vehicle", threads=2)
    source = _ThreadRecordingSource(rgb)  # 1,000 px at 0.3 m: 1 tile, in turn, read in the background
    import threading

    detect_source(source, 0.5, det)
    assert threading.get_ident() not in source.threads


def test_timings_add_sums_every_field() -> None:
    from forcewatch.detect.run import Timings

    a, b = Timings(read_s=1.0, tiles=2, tiles_wall_s=3.0), Timings(read_s=0.5, tiles=1, inference_s=2.0)
    a.add(b)
    assert (a.read_s, a.tiles, a.tiles_wall_s, a.inference_s) == (1.5, 3, 3.0, 2.0)


def test_coarse_imagery_is_read_at_the_models_coarse_threshold(planet_dir: Path, tmp_path: Path) -> None:
    from forcewatch.train.export import update_metadata

    model = Path(shutil.copy(model_path("aircraft"), tmp_path / "aircraft.onnx"))
    meta = update_metadata(model, coarse_thresholds=((2.5, 0.3),))
    det = load_detector(str(model))
    coarse = detect_image(planet_dir / "scene_1.png", det, user_gsd_m=3.0)
    assert coarse.score_threshold == 0.3 and coarse.models[0]["score_threshold"] == 0.3
    scores = [d.score for d in coarse.detections]
    assert min(scores) >= 0.3 and any(s < meta.score_threshold for s in scores)
    fine = detect_image(planet_dir / "scene_1.png", det, user_gsd_m=2.0)  # the same pixels said to be finer
    assert fine.score_threshold == meta.score_threshold
    assert min(d.score for d in fine.detections) >= meta.score_threshold
    _register()
    table = CliRunner().invoke(app, ["detect", str(planet_dir / "scene_1.png"), "--gsd-m", "3", "--model", str(model)])
    assert table.exit_code == 0 and f"Counted from score 0.30 ({meta.model_id})" in table.output
