"""Detection throughput on a large image: km²/s at the model's GSD, detector alone vs the whole
``detect`` path (windowed reads + resampling + tiling + merge). Prints JSON lines.

    python bench/detect.py [--model aircraft] [--mosaic 4] [--repeat 2]

The large image is a tiled, compressed GeoTIFF mosaic of Airbus Pléiades extracts from
../shared/data (0.5 m), written to a temporary folder; without ../shared/data it falls back to
a synthetic texture (said in the output).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import rasterio
from affine import Affine

from forcewatch.detect.registry import load_detector
from forcewatch.detect.run import Timings, detect_image
from forcewatch.imagery.array import ArraySource
from forcewatch.imagery.tiles import tile_grid

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "airbus-aircraft" / "train"


def make_mosaic(out: Path, n: int, gsd_m: float = 0.5) -> tuple[Path, str]:
    images = sorted(SHARED.glob("*.jpg"))[: n * n] if SHARED.is_dir() else []
    side = 2560
    source = "airbus-aircraft mosaic" if len(images) == n * n else "synthetic texture"
    rng = np.random.default_rng(0)
    with rasterio.open(
        out,
        "w",
        driver="GTiff",
        width=side * n,
        height=side * n,
        count=3,
        dtype="uint8",
        crs="EPSG:32636",
        transform=Affine(gsd_m, 0, 300000, 0, -gsd_m, 5800000),
        tiled=True,
        blockxsize=512,
        blockysize=512,
        compress="deflate",
        photometric="RGB",
    ) as ds:
        for k in range(n * n):
            if images:
                rgb = cv2.cvtColor(cv2.imread(str(images[k])), cv2.COLOR_BGR2RGB)
            else:
                rgb = cv2.GaussianBlur(rng.integers(0, 255, (side, side, 3), dtype=np.uint8), (0, 0), 3)
            r, c = divmod(k, n)
            ds.write(
                np.moveaxis(rgb, -1, 0),
                window=rasterio.windows.Window(c * side, r * side, side, side),
            )
    return out, source


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--mosaic", type=int, default=4, help="n × n Airbus images (2560² px each)")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--image-gsd-m", type=float, default=0.5, help="GSD written into the mosaic (0.3 for vehicles)")
    args = ap.parse_args()
    det = load_detector(args.model)
    meta = det.meta
    common = {
        "model": meta.model_id,
        "model_gsd_m": meta.gsd_m,
        "tile_px": meta.tile_px,
        "overlap_px": meta.overlap_px,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        path, source = make_mosaic(Path(tmp) / "mosaic.tif", args.mosaic, args.image_gsd_m)
        with rasterio.open(path) as ds:
            w, h, gsd = ds.width, ds.height, ds.res[0]
        area_km2 = w * h * gsd**2 / 1e6
        common |= {
            "image": source,
            "size_px": [w, h],
            "image_gsd_m": gsd,
            "area_km2": round(area_km2, 2),
        }

        # the detector alone: the same tiles at the model GSD, already in memory, no merge
        scale = gsd / meta.gsd_m
        tw, th = round(w * scale), round(h * scale)
        with rasterio.open(path) as ds:
            small = np.moveaxis(ds.read(out_shape=(3, th, tw), resampling=rasterio.enums.Resampling.average), 0, -1)
        src = ArraySource(np.ascontiguousarray(small))
        tiles = [
            src.read((t.x0, t.y0, t.x1, t.y1), t.width, t.height)[0]
            for t in tile_grid(tw, th, meta.tile_px, meta.overlap_px)
        ]
        det.detect(tiles[0])  # warm-up
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            for tile in tiles:
                det.detect(tile)
            best = min(best, time.perf_counter() - t0)
        print(
            json.dumps(
                {
                    **common,
                    "bench": "detector_only",
                    "tiles": len(tiles),
                    "seconds": round(best, 3),
                    "km2_per_s": round(area_km2 / best, 3),
                    "model_mpx_per_s": round(tw * th / 1e6 / best, 3),
                }
            ),
            flush=True,
        )

        best_t: Timings | None = None
        best_total = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            run = detect_image(path, det)
            total = time.perf_counter() - t0
            if total < best_total:
                best_total, best_t = total, run.timings
        assert best_t is not None
        print(
            json.dumps(
                {
                    **common,
                    "bench": "detect_full",
                    "tiles": best_t.tiles,
                    "seconds": round(best_total, 3),
                    "km2_per_s": round(area_km2 / best_total, 3),
                    "read_s": round(best_t.read_s, 3),
                    "detector_s": round(best_t.detect_s, 3),
                    "merge_s": round(best_t.merge_s, 4),
                    "merge_share_pct": round(100 * best_t.merge_s / best_total, 2),
                    "detections": len(run.detections),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
