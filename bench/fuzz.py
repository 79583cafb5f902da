"""Fuzz the inputs users type or hand over (not run in CI): one JSON line per target, then a total.

    python bench/fuzz.py [--inputs 1000000] [--quick] [--target NAME ...] [--seed 0] [--jobs 1]

Targets: the registration of a plain image (--center text, centre + GSD + rotation, world files,
GCPs as numbers and as CSV files), acquisition times, site files (GeoJSON and KML of any shape)
and make_site, and the claims parser (find_claims). Inputs are drawn by Hypothesis (generate
phase only, no shrinking), many per Hypothesis example; each drawn text or file is also run as
3 mutants (random byte/character edits, "drawn" in the output counts the Hypothesis inputs alone).
The contract: every input either
succeeds or raises ForceWatchError with a message. Anything else (another exception, a call
that takes more than 5 s, a worker that dies, or a site whose area is not a valid polygon) is
a CRASH: counted, grouped by error and place, the first input of each group kept (repr in the
output, the exact input in --crash-dir). Each target runs in its own worker process.

The --inputs total is split by weight: pure in-process parsers (microseconds a call) get most
inputs, the file targets fewer (each input is a file written to a tmpfs directory and read
back, GDAL for site files: about a millisecond a call). --quick is a smoke run of 2,000 inputs.
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import json
import logging
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fuzz_inputs import (
    CENTRE_ARGS,
    CENTRE_TEXT,
    TIME_TEXT,
    claims_text,
    gcp_csv,
    gcp_list,
    mutate_first,
    mutate_second,
    mutate_text,
    site_args,
    site_geojson,
    site_kml,
    world_file,
)
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException

from forcewatch.errors import ForceWatchError

HANG_S = 5.0
#: A call still running after this long is stuck in C code the alarm cannot interrupt: the worker
#: dumps its stack and exits (reported as a crash of the target).
STUCK_S = 120.0
BATCH = 25  # inputs drawn per Hypothesis example
MUTANTS = 3  # variants run after each drawn text or file (see mutate_text, mutate_bytes)
CHUNK = 400  # Hypothesis examples per @given run (bounds Hypothesis' memory)
TMP_ROOT = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())


# ---- the calls under test, one per target (the inputs they take are in fuzz_inputs.py)

# registration of a plain image


def centre_text(text: str) -> object:
    from forcewatch.cli.ingest import _centre
    from forcewatch.imagery.georef import footprint_lonlat, from_centre
    from forcewatch.sites import check_lat_lon

    centre = _centre(text)
    if centre is None:
        return None
    check_lat_lon(*centre, "--center: ")  # what ingest does with it
    return footprint_lonlat(from_centre(*centre, 0.5, 640, 480), 640, 480)


def centre(args: tuple[float, float, float, int, int, float]) -> object:
    from forcewatch.imagery.georef import footprint_lonlat, from_centre

    lat, lon, gsd_m, width, height, rotation_deg = args
    return footprint_lonlat(from_centre(lat, lon, gsd_m, width, height, rotation_deg), width, height)


def acquired_time(text: str) -> object:
    from forcewatch.imagery.scene import parse_time

    return parse_time(text, "fuzz.tif")


def gcps_numbers(args: tuple[list[tuple[float, float, float, float]], float]) -> object:
    from forcewatch.imagery.georef import footprint_lonlat, from_gcps

    gcps, tolerance_m = args
    return footprint_lonlat(from_gcps(gcps, tolerance_m), 1000, 800)


def _written(suffix: str, data: bytes) -> Path:
    path = WORK_DIR / f"input{suffix}"
    path.write_bytes(data)
    return path


def world_file_target(args: tuple[bytes, str, int, int]) -> object:
    from forcewatch.imagery.georef import footprint_lonlat, from_world_file

    data, crs, width, height = args
    geo = from_world_file(_written(".jgw", data), crs, width, height)
    return footprint_lonlat(geo, width, height)


def gcp_csv_target(args: tuple[bytes, float]) -> object:
    from forcewatch.imagery.georef import footprint_lonlat, from_gcps, read_gcps

    data, tolerance_m = args
    path = _written(".csv", data)
    return footprint_lonlat(from_gcps(read_gcps(path), tolerance_m, str(path)), 1000, 800)


# sites


def _check_sites(sites: list[Any]) -> list[Any]:
    """A site file's sites are valid, non-empty polygons in lon/lat around a finite centre."""
    for s in sites:
        if s.aoi.is_empty or not s.aoi.is_valid or s.aoi.geom_type not in ("Polygon", "MultiPolygon"):
            raise WrongResult(f"site {s.name!r} has an invalid area of interest: {s.aoi.wkt[:120]}")
        if not (math.isfinite(s.lat) and math.isfinite(s.lon)):
            raise WrongResult(f"site {s.name!r} has a centre that is no number: {s.lat}, {s.lon}")
    return sites


def site_file(args: tuple[str, bytes]) -> object:
    from forcewatch.sites import read_site_file

    suffix, data = args
    return _check_sites(read_site_file(_written(suffix, data)))


def make_site_target(args: tuple[str, float, float, float | None, object, str, str]) -> object:
    import shapely.geometry

    from forcewatch.sites import make_site

    name, lat, lon, radius_m, aoi_json, kind, notes = args
    try:  # the caller's geometry: shapes shapely cannot build are not make_site's inputs
        aoi = shapely.geometry.shape(aoi_json) if isinstance(aoi_json, dict) else None
    except Exception:
        aoi = None
    return _check_sites([make_site(name, lat, lon, radius_m=radius_m, aoi=aoi, kind=kind, notes=notes)])


# claims


def claims(text: str) -> object:
    from forcewatch.assess.claims import find_claims

    found = find_claims(text)
    return [c.to_json() for c in (*found.distances, *found.equipment)]


# ---- targets and the runner


class WrongResult(Exception):
    """A call returned, but what it returned breaks the contract."""


class Hang(BaseException):
    """The call ran past HANG_S (not an Exception: the code under test must not catch it)."""


@dataclass(frozen=True)
class Target:
    name: str
    weight: float
    strategy: st.SearchStrategy[Any]
    call: Callable[[Any], object]
    calls: str
    file_based: bool = False
    #: a variant of a drawn input, run after it ``MUTANTS`` times (None: drawn inputs only)
    mutate: Callable[[random.Random, Any], Any] | None = None


TARGETS = [
    Target(
        "centre_text",
        0.18,
        CENTRE_TEXT,
        centre_text,
        "cli.ingest._centre → check_lat_lon → from_centre",
        False,
        mutate_text,
    ),
    Target("centre", 0.08, CENTRE_ARGS, centre, "georef.from_centre → footprint_lonlat"),
    Target("acquired_time", 0.18, TIME_TEXT, acquired_time, "scene.parse_time", False, mutate_text),
    Target(
        "world_file",
        0.04,
        world_file(),
        world_file_target,
        "georef.from_world_file → footprint_lonlat",
        True,
        mutate_first,
    ),
    Target("gcps", 0.05, gcp_list(), gcps_numbers, "georef.from_gcps → footprint_lonlat"),
    Target(
        "gcp_csv",
        0.06,
        gcp_csv(),
        gcp_csv_target,
        "georef.read_gcps → from_gcps → footprint_lonlat",
        True,
        mutate_first,
    ),
    Target("site_geojson", 0.12, site_geojson(), site_file, "sites.read_site_file (GeoJSON)", True, mutate_second),
    Target("site_kml", 0.05, site_kml(), site_file, "sites.read_site_file (KML)", True, mutate_second),
    Target("make_site", 0.08, site_args(), make_site_target, "sites.make_site"),
    Target("claims", 0.16, claims_text(), claims, "assess.claims.find_claims", False, mutate_text),
]
WORK_DIR = TMP_ROOT


@dataclass
class Findings:
    """Crashes of one target grouped by (error type, where it was raised)."""

    inputs: int = 0
    drawn: int = 0
    crashes: int = 0
    hangs: int = 0
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, target: str, exc: BaseException, value: object, crash_dir: Path) -> None:
        self.crashes += 1
        frames = traceback.extract_tb(exc.__traceback__)
        ours = [f for f in frames if "forcewatch" in f.filename and "bench" not in f.filename]
        where = " ← ".join(f"{Path(f.filename).name}:{f.lineno}" for f in [*frames[-1:], *ours[-1:]])
        key = f"{type(exc).__name__} at {where}"
        group = self.groups.get(key)
        if group is None:
            number = len(self.groups) + 1
            crash_dir.mkdir(parents=True, exist_ok=True)
            saved = crash_dir / f"{target}-{number}.repr"
            saved.write_text(f"{key}\n{type(exc).__name__}: {exc}\n{value!r}\n")
            self.groups[key] = group = {
                "error": f"{type(exc).__name__}: {str(exc)[:200]}",
                "where": where,
                "count": 0,
                "input": repr(value)[:400],
                "saved": str(saved),
            }
        group["count"] += 1


def _on_alarm(_signum: int, _frame: object) -> None:
    raise Hang(f"no result after {HANG_S:g} s")


def run_target(target: Target, n_inputs: int, seed_value: int, crash_dir: Path) -> dict[str, Any]:
    """Feed ``n_inputs`` Hypothesis-drawn inputs to ``target`` and collect what breaks the contract."""
    global WORK_DIR
    found = Findings()
    rng = random.Random(seed_value)
    signal.signal(signal.SIGALRM, _on_alarm)

    def one(value: object) -> None:
        if found.inputs >= n_inputs:
            return
        found.inputs += 1
        signal.setitimer(signal.ITIMER_REAL, HANG_S)
        start = CALL_STARTED[0] = time.perf_counter()
        try:
            target.call(value)
        except ForceWatchError as exc:
            if not str(exc).strip():
                found.add(target.name, WrongResult(f"{type(exc).__name__} without a message"), value, crash_dir)
        except Hang as exc:
            found.hangs += 1
            found.add(target.name, exc, value, crash_dir)
        except Exception as exc:
            found.add(target.name, exc, value, crash_dir)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            CALL_STARTED[0] = None
        if time.perf_counter() - start > HANG_S:  # stuck in C code the alarm could not interrupt
            found.hangs += 1
            found.add(target.name, Hang(f"{time.perf_counter() - start:.1f} s"), value, crash_dir)

    start = time.perf_counter()
    chunk, idle = 0, 0
    with tempfile.TemporaryDirectory(prefix=f"forcewatch-fuzz-{target.name}-", dir=TMP_ROOT) as tmp:
        WORK_DIR = Path(tmp)
        while found.inputs < n_inputs and idle < 3:
            before = found.inputs
            per_example = BATCH * (1 + (MUTANTS if target.mutate else 0))
            examples = min(CHUNK, math.ceil((n_inputs - found.inputs) / per_example))

            @seed(seed_value * 1_000_003 + chunk)
            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=False,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(st.lists(target.strategy, min_size=BATCH, max_size=BATCH))
            def drive(values: list[object]) -> None:
                for value in values:
                    found.drawn += found.inputs < n_inputs
                    one(value)
                    for _ in range(MUTANTS if target.mutate else 0):
                        value = target.mutate(rng, value)  # type: ignore[misc]
                        one(value)

            with contextlib.suppress(HypothesisException):  # e.g. Unsatisfiable: the next chunk goes on
                drive()
            chunk += 1
            idle = idle + 1 if found.inputs == before else 0
    return {
        "target": target.name,
        "inputs": found.inputs,
        "drawn": found.drawn,
        "crashes": found.crashes,
        "distinct": len(found.groups),
        "hangs": found.hangs,
        "seconds": round(time.perf_counter() - start, 1),
        "calls": target.calls,
        "weight": target.weight,
        "file_based": target.file_based,
        "seed": seed_value,
        "examples": list(found.groups.values())[:8],
    }


def _split(total: int, targets: list[Target]) -> dict[str, int]:
    weight = sum(t.weight for t in targets)
    return {t.name: max(20, round(total * t.weight / weight)) for t in targets}


#: When the call under test began (None between calls), for the watchdog.
CALL_STARTED: list[float | None] = [None]


def _watchdog() -> None:
    """Ends the worker, with every thread's stack on stderr, when one call runs past STUCK_S."""
    while True:
        time.sleep(1.0)
        began = CALL_STARTED[0]
        if began is not None and time.perf_counter() - began > STUCK_S:
            faulthandler.dump_traceback(all_threads=True)
            os._exit(3)


def _worker(name: str, n_inputs: int, seed_value: int, crash_dir: Path) -> None:
    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)
    faulthandler.enable()
    threading.Thread(target=_watchdog, daemon=True).start()
    target = next(t for t in TARGETS if t.name == name)
    print(json.dumps(run_target(target, n_inputs, seed_value, crash_dir)), flush=True)


def _run_workers(jobs: list[tuple[str, int]], args: argparse.Namespace) -> list[dict[str, Any]]:
    """Each target in its own process (a segfault or a stuck call costs one target, not the run)."""
    results: list[dict[str, Any]] = []
    pending = list(jobs)
    running: list[tuple[str, int, float, subprocess.Popen[str]]] = []
    while pending or running:
        while pending and len(running) < args.jobs:
            name, n = pending.pop(0)
            cmd = [sys.executable, __file__, "--worker", name, "--inputs", str(n), "--seed", str(args.seed)]
            cmd += ["--crash-dir", str(args.crash_dir)]
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            running.append((name, n, time.perf_counter(), proc))
        time.sleep(0.2)
        for item in [r for r in running if r[3].poll() is not None]:
            running.remove(item)
            name, n, began, proc = item
            out, err = proc.communicate()
            lines = [ln for ln in out.splitlines() if ln.startswith("{")]
            if proc.returncode == 0 and lines:
                result = json.loads(lines[-1])
            else:
                result = {
                    "target": name,
                    "inputs": n,
                    "crashes": 1,
                    "distinct": 1,
                    "hangs": 0,
                    "seconds": round(time.perf_counter() - began, 1),
                    "seed": args.seed,
                    "examples": [{"error": f"worker died (exit {proc.returncode})", "stderr": err[-1500:]}],
                }
            print(json.dumps(result), flush=True)
            results.append(result)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=int, default=1_000_000, help="inputs in total, split across the targets")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2,000 inputs in total")
    parser.add_argument("--target", action="append", choices=[t.name for t in TARGETS], help="only these targets")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed (a run is reproducible per seed)")
    parser.add_argument("--jobs", type=int, default=1, help="targets fuzzed at once (one process each)")
    parser.add_argument("--crash-dir", type=Path, default=TMP_ROOT / "forcewatch-fuzz-crashes")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args.worker, args.inputs, args.seed, args.crash_dir)
        return
    total = 2_000 if args.quick else args.inputs
    targets = [t for t in TARGETS if not args.target or t.name in args.target]
    split = _split(total, targets)
    print(
        json.dumps(
            {
                "plan": split,
                "note": "inputs split by weight: in-process parsers get most, file targets (one file per input in "
                f"{TMP_ROOT}, read back; GDAL for site files) fewer; each target in its own process",
                "hang_s": HANG_S,
            }
        ),
        flush=True,
    )
    start = time.perf_counter()
    results = _run_workers(list(split.items()), args)
    print(
        json.dumps(
            {
                "target": "total",
                "inputs": sum(r["inputs"] for r in results),
                "crashes": sum(r["crashes"] for r in results),
                "distinct": sum(r["distinct"] for r in results),
                "hangs": sum(r["hangs"] for r in results),
                "seconds": round(time.perf_counter() - start, 1),
                "crash_dir": str(args.crash_dir),
            }
        ),
        flush=True,
    )
    sys.exit(1 if any(r["crashes"] for r in results) else 0)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
