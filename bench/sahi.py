"""ForceWatch ``detect`` side by side with SAHI's sliced prediction, on the same bundled ONNX model
(issue 15 item 1). Prints one JSON line per mosaic size and setting.

    pip install -e '.[bench]'          # sahi
    python bench/sahi.py [--mosaic 3,6] [--rounds 3] [--model aircraft] [--fw-model FILE] [--threads 2]

The image is an n × n mosaic of 2,560² Airbus Pléiades extracts at 0.5 m from ../shared/data
(bench/detect.py's ``make_mosaic``), a tiled, deflate-compressed GeoTIFF. Three settings per size:

- ``fw_0.5m_vs_sahi_1m``: ForceWatch ``detect`` reads the 0.5 m file itself (windowed reads,
  resampling to the model's GSD); SAHI gets the image already resampled to the model's GSD (its
  best case: the resampling is done beforehand and not timed).
- ``fw_0.5m_cog_vs_sahi_1m``: the same, the 0.5 m image being a COG with overviews, as providers
  and STAC catalogues deliver imagery (ForceWatch reads the overview at the model's GSD).
- ``both_1m``: both get the same file at the model's GSD.

``--fw-model`` gives ForceWatch another file of the same model (an INT8 copy, a larger tile): SAHI
always runs ``--model`` at its tiling, and agreement is then measured across the two files.

Both run the model with onnxruntime on ``--threads`` intra-op threads, at its score threshold,
with its metadata's ``tile_px`` / ``overlap_px``: ForceWatch tiles as it always does (the fewest
tiles of at most ``tile_px``, overlapping by at least ``overlap_px``, spread evenly), SAHI slices
``tile_px``² with an overlap ratio of ``overlap_px / tile_px``; ``model_mpx`` says how many pixels
each gave the network. SAHI merges with NMS at the model's IoU (``--sahi-postprocess GREEDYNMM``
for SAHI's default) and skips its extra whole-image pass.

Every run is a fresh process (its peak RSS is its own: VmHWM). Rounds interleave the tools
(ForceWatch, SAHI, ForceWatch, SAHI, ...); each figure is the median of the runs (SAHI reads the
same file in both settings, so its runs of both are pooled: 2 × ``--rounds``); peak RSS is the
largest. A run's time covers reading the image and detecting, not loading the model; SAHI's
includes reading the 1 m file into memory. ``model_s`` is the wall time inside onnxruntime,
``model_cpu_s`` the CPU time of the threads that run the model (Linux), ``cpu_s`` the process's
CPU time over the run, ``process_s`` the whole process from start to exit (imports and model
loading too). ``others_cpu_pct_per_run`` is the share of the machine that other programs took
during each run: figures taken under load are not valid. The bench stops with an error if the
model file changes while it runs.

Agreement: detections matched class by class at IoU ≥ 0.5 (greedy by score) after mapping both
tools' boxes to the 0.5 m pixel frame.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

HERE = Path(__file__).resolve().parent
# Run as a script, this file's folder comes first on sys.path and ``import sahi`` would find this
# file instead of the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

SHARED = HERE.parent.parent / "shared" / "data" / "airbus-aircraft" / "train"
INSTALL_HINT = "SAHI is not installed. Fix: pip install -e '.[bench]' (or pip install 'sahi==0.12.8')."
BASE_GSD_M = 0.5  # the mosaic's GSD: the frame in which detections are compared
MATCH_IOU = 0.5
SETTINGS = ("fw_0.5m_vs_sahi_1m", "fw_0.5m_cog_vs_sahi_1m", "both_1m")
READS = {
    "fw_0.5m_vs_sahi_1m": "0.5 m tiled GeoTIFF without overviews",
    "fw_0.5m_cog_vs_sahi_1m": "0.5 m COG with overviews",
    "both_1m": "{gsd:g} m file",
}
T = TypeVar("T")
CPUS = os.cpu_count() or 1


# --- timing the model ----------------------------------------------------------------------------


def thread_cpu_s() -> dict[int, float]:
    """CPU seconds (user + system) of each live thread of this process; empty where /proc is absent."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[int, float] = {}
    task = Path("/proc/self/task")
    if not task.is_dir():
        return out
    for d in task.iterdir():
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the thread ended meanwhile
        out[int(d.name)] = (int(fields[11]) + int(fields[12])) / tick
    return out


class TimedSession:
    """An onnxruntime session that adds up the wall time of its calls and the CPU time the calling
    thread spends in them; ``pool`` are the threads that onnxruntime started for it."""

    def __init__(self, session: Any, pool: dict[int, float]) -> None:
        self.session = session
        self.pool = pool  # thread id → its CPU seconds when the session was made
        self.wall_s = 0.0
        self.caller_cpu_s = 0.0
        self.pixels = 0  # input pixels given to the network (tiles as padded for it)

    def run(self, output_names: Any, feeds: dict[str, np.ndarray]) -> Any:
        self.pixels += sum(x.shape[-1] * x.shape[-2] for x in feeds.values())
        t0, c0 = time.perf_counter(), time.thread_time()
        out = self.session.run(output_names, feeds)
        self.wall_s += time.perf_counter() - t0
        self.caller_cpu_s += time.thread_time() - c0
        return out

    def get_inputs(self) -> Any:
        return self.session.get_inputs()

    def cpu_s(self) -> float | None:
        """CPU seconds spent running the model so far (None without /proc)."""
        now = thread_cpu_s()
        if not now:
            return None
        return self.caller_cpu_s + sum(now.get(tid, cpu) - cpu for tid, cpu in self.pool.items())


def busy_cpu_s() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (None without /proc)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def with_new_threads(make: Callable[[], T]) -> tuple[T, dict[int, float]]:
    """``make()``, and the threads it started (onnxruntime's intra-op pool) with their CPU seconds."""
    before = thread_cpu_s()
    made = make()
    return made, {tid: cpu for tid, cpu in thread_cpu_s().items() if tid not in before}


def ort_session(path: Path, threads: int) -> Any:
    """An onnxruntime CPU session set up as ForceWatch's OnnxDetector sets up its own."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


# --- the model in SAHI ---------------------------------------------------------------------------


def sahi_model(path: Path, threads: int, score_threshold: float | None = None) -> Any:
    """A ForceWatch ONNX model file as a SAHI ``DetectionModel``: onnxruntime for the network,
    ForceWatch's ``decode`` for the boxes, the normalisation and stride from the model's metadata."""
    from sahi.models.base import DetectionModel
    from sahi.prediction import ObjectPrediction
    from sahi.utils.compatibility import fix_full_shape_list, fix_shift_amount_list

    from forcewatch.detect.onnx_backend import INPUT_MULTIPLE, decode, read_meta, space_to_depth, takes_pixels

    meta = read_meta(path)
    mean = np.array(meta.mean, np.float32).reshape(1, 3, 1, 1)
    inv_std = (1.0 / np.array(meta.std, np.float32)).reshape(1, 3, 1, 1)

    class ForceWatchOnnxModel(DetectionModel):
        def set_device(self, device: str | None = None) -> None:
            self.device = "cpu"  # an ONNX model on CPU: no need to import torch to choose a device

        def load_model(self) -> None:
            session, pool = with_new_threads(lambda: ort_session(path, threads))
            self.set_model(TimedSession(session, pool))

        def set_model(self, model: Any, **kwargs: Any) -> None:
            self.model = model
            self.input_name = model.get_inputs()[0].name
            self.pixels_in = takes_pixels(model)  # an INT8 file that takes the pixels
            self.category_mapping = {str(i): name for i, name in enumerate(meta.classes)}

        def perform_inference(self, image: np.ndarray) -> None:
            h, w = image.shape[:2]
            ph, pw = -h % INPUT_MULTIPLE, -w % INPUT_MULTIPLE
            if ph or pw:
                image = np.pad(image, ((0, ph), (0, pw), (0, 0)))
            if self.pixels_in:
                x = space_to_depth(np.ascontiguousarray(image.transpose(2, 0, 1)))
            else:
                x = (image.transpose(2, 0, 1)[None].astype(np.float32) - mean) * inv_std
            self._original_predictions = (self.model.run(None, {self.input_name: x}), w, h)

        def _create_object_prediction_list_from_original_predictions(
            self,
            shift_amount_list: list[list[int | float]] | None = None,
            full_shape_list: list[list[int | float]] | None = None,
        ) -> None:
            (heat, peaks, size, offset), w, h = self._original_predictions
            found = decode(heat[0], peaks[0], size[0], offset[0], meta.stride, self.confidence_threshold, w, h)
            shifts, fulls = fix_shift_amount_list(shift_amount_list), fix_full_shape_list(full_shape_list)
            shift, full = list(shifts[0]), (list(fulls[0]) if fulls else None)
            self._object_prediction_list_per_image = [
                [
                    ObjectPrediction(
                        bbox=[float(v) for v in box],
                        category_id=int(c),
                        category_name=meta.classes[int(c)],
                        score=float(s),
                        shift_amount=shift,
                        full_shape=full,
                    )
                    for box, s, c in zip(found.boxes, found.scores, found.classes, strict=True)
                ]
            ]

    threshold = meta.score_threshold if score_threshold is None else score_threshold
    return ForceWatchOnnxModel(model_path=str(path), confidence_threshold=threshold, device="cpu")


# --- one run, in a fresh process -----------------------------------------------------------------


def read_rgb(path: Path) -> np.ndarray:
    """The whole image as H×W×3 uint8, read band by band into one array (no second copy)."""
    import rasterio

    with rasterio.open(path) as ds:
        rgb = np.empty((ds.height, ds.width, 3), np.uint8)
        for b in range(3):
            rgb[..., b] = ds.read(b + 1)
    return rgb


def run_forcewatch(image: Path, model: str, threads: int) -> tuple[dict[str, Any], np.ndarray, np.ndarray, list[str]]:
    from forcewatch.detect.onnx_backend import OnnxDetector
    from forcewatch.detect.registry import model_path
    from forcewatch.detect.run import detect_image

    t0 = time.perf_counter()
    det, pool = with_new_threads(lambda: OnnxDetector(model_path(model), threads=threads))
    sessions = [TimedSession(det.session, pool)]
    det.session = sessions[0]  # the detector calls session.run once per tile
    for copy in det.tile_workers():  # single-threaded copies that run tiles side by side: made at load
        sessions.append(TimedSession(copy.session, {}))  # one thread: the calling one, timed by the call
        copy.session = sessions[-1]
    load_s = time.perf_counter() - t0
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    run = detect_image(image, det)
    seconds = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    boxes = np.array([d.box_px for d in run.detections], np.float64).reshape(-1, 4)
    scores = np.array([d.score for d in run.detections], np.float64)
    doc = {
        "seconds": seconds,
        "load_s": load_s,
        "read_s": run.timings.read_s,
        "tiles": run.timings.tiles,
        **_model_times(sessions, cpu0, cpu1),
    }
    return doc, boxes, scores, [d.class_name for d in run.detections]


def run_sahi(
    image: Path, model: str, threads: int, postprocess: str
) -> tuple[dict[str, Any], np.ndarray, np.ndarray, list[str]]:
    from sahi.predict import get_sliced_prediction
    from sahi.slicing import get_slice_bboxes

    from forcewatch.detect.onnx_backend import read_meta
    from forcewatch.detect.registry import model_path

    t0 = time.perf_counter()
    path = model_path(model)
    meta = read_meta(path)
    wrapped = sahi_model(path, threads)
    load_s = time.perf_counter() - t0
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    rgb = read_rgb(image)
    read_s = time.perf_counter() - t0
    ratio = meta.overlap_px / meta.tile_px
    result = get_sliced_prediction(
        rgb,
        wrapped,
        slice_height=meta.tile_px,
        slice_width=meta.tile_px,
        overlap_height_ratio=ratio,
        overlap_width_ratio=ratio,
        perform_standard_pred=False,  # no extra pass over the whole image: the same tiles as ForceWatch
        postprocess_type=postprocess,
        postprocess_match_metric="IOU" if postprocess == "NMS" else "IOS",
        postprocess_match_threshold=meta.nms_iou if postprocess == "NMS" else 0.5,
        verbose=0,
    )
    seconds = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    preds = result.object_prediction_list
    boxes = np.array([p.bbox.to_xyxy() for p in preds], np.float64).reshape(-1, 4)
    scores = np.array([p.score.value for p in preds], np.float64)
    doc = {
        "seconds": seconds,
        "load_s": load_s,
        "read_s": read_s,
        "tiles": len(
            get_slice_bboxes(
                image_height=rgb.shape[0],
                image_width=rgb.shape[1],
                slice_height=meta.tile_px,
                slice_width=meta.tile_px,
                overlap_height_ratio=ratio,
                overlap_width_ratio=ratio,
            )
        ),
        **_model_times([wrapped.model], cpu0, cpu1),
    }
    return doc, boxes, scores, [p.category.name for p in preds]


def _model_times(sessions: list[TimedSession], cpu0: Any, cpu1: Any) -> dict[str, Any]:
    """The model's pixels, seconds (summed over sessions that ran side by side: thread-seconds) and CPU."""
    cpus = [s.cpu_s() for s in sessions]
    model_cpu = None if any(c is None for c in cpus) else sum(c for c in cpus if c is not None)
    return {
        "model_mpx": sum(s.pixels for s in sessions) / 1e6,
        "model_s": sum(s.wall_s for s in sessions),
        "model_cpu_s": model_cpu,
        "cpu_s": (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime),
    }


def child(tool: str, image: Path, out: Path, model: str, threads: int, postprocess: str) -> None:
    from forcewatch.detect.registry import model_path
    from forcewatch.provenance import file_sha256

    if tool == "forcewatch":
        doc, boxes, scores, classes = run_forcewatch(image, model, threads)
    else:
        doc, boxes, scores, classes = run_sahi(image, model, threads, postprocess)
    doc["peak_rss_mb"] = peak_rss_mb()
    doc["model_sha256"] = file_sha256(model_path(model))
    doc["detections"] = len(scores)
    np.savez(out, boxes=boxes, scores=scores, classes=np.array(classes, dtype=str))
    print(json.dumps(doc), flush=True)


# --- the comparison ------------------------------------------------------------------------------


def load_bench_module(name: str) -> Any:
    """bench/NAME.py as a module (this file's folder is off sys.path: see above)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_bench_detect() -> Any:
    """bench/detect.py as a module (its ``make_mosaic`` writes the mosaic)."""
    return load_bench_module("detect")


def peak_rss_mb() -> float:
    """This process's own peak resident memory (bench/peak_memory.py: VmHWM, not ``ru_maxrss``)."""
    return float(load_bench_module("peak_memory").peak_rss_mb())


def resample_file(src: Path, dst: Path, gsd_m: float) -> Path:
    """``src`` written again at ``gsd_m`` (average resampling), tiled and compressed like ``src``."""
    import rasterio
    from affine import Affine
    from rasterio.enums import Resampling

    with rasterio.open(src) as ds:
        scale = ds.res[0] / gsd_m
        width, height = round(ds.width * scale), round(ds.height * scale)
        data = ds.read(out_shape=(ds.count, height, width), resampling=Resampling.average)
        profile = ds.profile | {
            "width": width,
            "height": height,
            "transform": ds.transform @ Affine.scale(ds.width / width, ds.height / height),
        }
    with rasterio.open(dst, "w", **profile) as out:
        out.write(data)
    return dst


def cog_of(src: Path, dst: Path) -> Path:
    """``src`` as a cloud-optimised GeoTIFF (GDAL's COG driver: 512 px tiles, deflate, overviews made by
    averaging), as imagery is delivered by providers and catalogues."""
    import rasterio.shutil

    rasterio.shutil.copy(src, dst, driver="COG", COMPRESS="DEFLATE", BLOCKSIZE="512", OVERVIEW_RESAMPLING="AVERAGE")
    return dst


def agreement(a: dict[str, np.ndarray], b: dict[str, np.ndarray], iou: float = MATCH_IOU) -> dict[str, Any]:
    """Detections of ``a`` and ``b`` (boxes in one pixel frame) matched class by class at ``iou``."""
    from forcewatch.train.evaluate import match_image

    matched = 0
    for cls in sorted(set(a["classes"].tolist()) | set(b["classes"].tolist())):
        ia, ib = a["classes"] == cls, b["classes"] == cls
        if ia.any() and ib.any():
            m = match_image(a["boxes"][ia], a["scores"][ia], b["boxes"][ib], np.zeros(int(ib.sum()), bool), iou)
            matched += int(m.tp.sum())
    na, nb = len(a["scores"]), len(b["scores"])
    return {
        "matched": matched,
        "matched_share_of_fw": round(matched / na, 4) if na else None,
        "matched_share_of_sahi": round(matched / nb, 4) if nb else None,
    }


def run_child(tool: str, image: Path, out: Path, args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    """One run of ``tool`` on ``image`` in a fresh process: its figures and its detections."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", tool, str(image), str(out)]
    model = args.fw_model if tool == "forcewatch" else args.model
    cmd += ["--model", model, "--threads", str(args.threads), "--sahi-postprocess", args.sahi_postprocess]
    busy0, own0 = busy_cpu_s(), resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    process_s = time.perf_counter() - t0
    busy1, own1 = busy_cpu_s(), resource.getrusage(resource.RUSAGE_CHILDREN)
    own_s = (own1.ru_utime + own1.ru_stime) - (own0.ru_utime + own0.ru_stime)
    # what other programs took of the machine meanwhile: figures taken under load are not valid
    other_pct = None if busy0 is None or busy1 is None else 100 * (busy1 - busy0 - own_s) / (process_s * CPUS)
    if proc.returncode != 0:
        sys.exit(f"{tool} run on {image.name} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    with np.load(out) as f:
        found = {k: f[k] for k in f.files}
    doc = json.loads(proc.stdout.strip().splitlines()[-1])
    return doc | {"process_s": process_s, "others_cpu_pct": other_pct}, found


def summarise(runs: list[dict[str, Any]], area_km2: float) -> dict[str, Any]:
    """Medians over the runs (peak RSS: the largest), and each run's time and the share of the
    machine that other programs took meanwhile."""

    def med(key: str) -> float | None:
        values = [r[key] for r in runs if r.get(key) is not None]
        return statistics.median(values) if values else None

    seconds = med("seconds")
    assert seconds is not None
    cpu = med("model_cpu_s")
    return {
        "km2_per_s": round(area_km2 / seconds, 3),
        "seconds": round(seconds, 2),
        "read_s": round(med("read_s") or 0.0, 2),
        "model_s": round(med("model_s") or 0.0, 2),
        "model_cpu_s": None if cpu is None else round(cpu, 2),
        "cpu_s": round(med("cpu_s") or 0.0, 2),
        "process_s": round(med("process_s") or 0.0, 2),
        "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs), 1),
        "tiles": runs[0]["tiles"],
        "model_mpx": round(runs[0]["model_mpx"], 1),
        "runs": len(runs),
        "seconds_per_run": [round(r["seconds"], 2) for r in runs],
        "others_cpu_pct_per_run": [None if r["others_cpu_pct"] is None else round(r["others_cpu_pct"]) for r in runs],
        "detections_per_run": [r["detections"] for r in runs],
    }


def compare(n: int, args: argparse.Namespace, bench_detect: Any, common: dict[str, Any], tmp: Path) -> None:
    """Every setting for an n × n mosaic: interleaved rounds, then one JSON line per setting."""
    from forcewatch.detect.onnx_backend import read_meta
    from forcewatch.detect.registry import model_path
    from forcewatch.provenance import file_sha256

    meta = read_meta(model_path(args.model))
    fine, source = bench_detect.make_mosaic(tmp / f"mosaic{n}.tif", n, BASE_GSD_M)
    coarse = resample_file(fine, tmp / f"mosaic{n}_{meta.gsd_m:g}m.tif", meta.gsd_m)
    cog = cog_of(fine, tmp / f"mosaic{n}_cog.tif")
    fw_image = {"fw_0.5m_vs_sahi_1m": fine, "fw_0.5m_cog_vs_sahi_1m": cog, "both_1m": coarse}
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    found: dict[tuple[str, str], dict[str, np.ndarray]] = {}
    load_before = os.getloadavg()
    for _ in range(args.rounds):
        for setting in SETTINGS:
            for tool, image in (("forcewatch", fw_image[setting]), ("sahi", coarse)):
                doc, dets = run_child(tool, image, tmp / f"{tool}.npz", args)
                dets["boxes"] = dets["boxes"] * ((meta.gsd_m if image == coarse else BASE_GSD_M) / BASE_GSD_M)
                runs.setdefault((setting, tool), []).append(doc)
                found[setting, tool] = dets
    load_after = os.getloadavg()
    for tool, model in (("forcewatch", args.fw_model), ("sahi", args.model)):
        shas = {r["model_sha256"] for (_, t), rs in runs.items() if t == tool for r in rs}
        if shas != {file_sha256(model_path(model))}:
            sys.exit(f"the model file {model_path(model)} changed during the runs: no figures. Fix: run again.")
    import rasterio

    with rasterio.open(fine) as ds:
        width, height = ds.width, ds.height
    area_km2 = width * height * BASE_GSD_M**2 / 1e6
    for setting in SETTINGS:
        fw = summarise(runs[setting, "forcewatch"], area_km2)
        # SAHI reads the same file in every setting: its runs of all settings are pooled
        sahi = summarise([r for s in SETTINGS for r in runs[s, "sahi"]], area_km2)
        line = {
            **common,
            "mosaic": f"{n}x{n}",
            "image": source,
            "size_px_0.5m": [width, height],
            "area_km2": round(area_km2, 2),
            "setting": setting,
            "forcewatch_reads": READS[setting].format(gsd=meta.gsd_m),
            "sahi_reads": f"{meta.gsd_m:g} m file",
            "ratio_fw_over_sahi": round(fw["km2_per_s"] / sahi["km2_per_s"], 3),
            **{f"fw_{k}": v for k, v in fw.items()},
            **{f"sahi_{k}": v for k, v in sahi.items()},
            **agreement(found[setting, "forcewatch"], found[setting, "sahi"]),
            "loadavg_1min_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        }
        print(json.dumps(line), flush=True)
    for path in (fine, coarse, cog):
        path.unlink()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument(
        "--mosaic", default="3,6", help="mosaic sizes n, comma-separated: n × n Airbus extracts of 2,560² px"
    )
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds; figures are their medians")
    ap.add_argument("--model", default="aircraft", help="bundled model name or ONNX file (SAHI's; ForceWatch's too)")
    ap.add_argument(
        "--fw-model",
        default=None,
        help="ForceWatch's model, when it is another file (e.g. an INT8 copy): it runs at its own tiling",
    )
    ap.add_argument("--threads", type=int, default=2, help="onnxruntime intra-op threads, for both tools")
    ap.add_argument("--sahi-postprocess", default="NMS", choices=["NMS", "GREEDYNMM", "NMM", "LSNMS"])
    ap.add_argument("--child", nargs=3, metavar=("TOOL", "IMAGE", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.fw_model = args.fw_model or args.model
    if importlib.util.find_spec("sahi") is None:
        sys.exit(INSTALL_HINT)
    if args.child:
        tool, image, out = args.child
        child(tool, Path(image), Path(out), args.model, args.threads, args.sahi_postprocess)
        return
    if not SHARED.is_dir():
        sys.exit(f"needs the Airbus aircraft extracts in {SHARED} (../shared/data beside this checkout); not found.")
    sizes = [int(s) for s in args.mosaic.split(",")]
    have = len(list(SHARED.glob("*.jpg")))
    if max(sizes) ** 2 > have:
        sys.exit(f"--mosaic {max(sizes)} needs {max(sizes) ** 2} images; {SHARED} has {have}.")
    if args.rounds < 1:
        sys.exit("--rounds must be at least 1.")
    from forcewatch.detect.onnx_backend import read_meta
    from forcewatch.detect.registry import model_path
    from forcewatch.provenance import file_sha256

    meta = read_meta(model_path(args.model))
    fw_meta = read_meta(model_path(args.fw_model))
    common = {
        "bench": "sahi",
        "model": meta.model_id,
        "model_sha256": file_sha256(model_path(args.model))[:12],
        "fw_model": fw_meta.model_id,
        "fw_model_sha256": file_sha256(model_path(args.fw_model))[:12],
        "fw_tile_px": fw_meta.tile_px,
        "fw_overlap_px": fw_meta.overlap_px,
        "model_gsd_m": meta.gsd_m,
        "tile_px": meta.tile_px,
        "overlap_px": meta.overlap_px,
        "score_threshold": meta.score_threshold,
        "threads": args.threads,
        "rounds": args.rounds,
        "sahi_version": importlib.metadata.version("sahi"),
        "sahi_postprocess": args.sahi_postprocess,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
    }
    bench_detect = load_bench_detect()
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            compare(n, args, bench_detect, common, Path(tmp))


if __name__ == "__main__":
    main()
