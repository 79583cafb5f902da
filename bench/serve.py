"""The dashboard under load: ``forcewatch serve`` on the demo workspace (two SYNTHETIC dates at
Luninets, scanned), N concurrent clients on 127.0.0.1 for S seconds, each logged in and looping
over what a person opening a site asks for: the site page, its timeline, a date's detections and
the 16 imagery tiles around the site (zoom 16). One JSON line: requests, errors, p50/p95/p99
latency per kind and overall, requests per second.

    python bench/serve.py [--clients 50] [--seconds 30]

The goal of the issue: p95 < 300 ms with no error (on the 2-core machine the server shares with
the clients).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

PASSWORD = "bench-password-1"
LAT, LON = 52.25, 26.80


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _forcewatch(*args: str, stdin: str | None = None) -> None:
    code = "from forcewatch.cli import main; main()"
    subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, input=stdin, text=True)


def _tiles(z: int) -> list[tuple[int, int]]:
    n = 2**z
    x = int((LON + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(LAT))) / math.pi) / 2 * n)
    return [(x + dx, y + dy) for dx in (-2, -1, 0, 1) for dy in (-2, -1, 0, 1)]


def _percentile(values: list[float], q: float) -> float:
    return round(statistics.quantiles(values, n=100)[q - 1] * 1000, 1) if len(values) > 1 else float("nan")


def client_loop(base: str, until: float, out: dict[str, list[float]], errors: list[str]) -> None:
    with httpx.Client(base_url=base, timeout=30) as c:
        c.post("/login", data={"name": "bench", "password": PASSWORD})
        sites = c.get("/api/sites").json()
        site = next(s for s in sites if s["site"] == "Luninets airfield")
        detail = c.get(f"/api/sites/{site['id']}").json()
        scene = site["latest"]["scene_id"]
        del detail
        asks = [("page", f"/sites/{site['id']}"), ("timeline", f"/api/sites/{site['id']}")]
        asks += [("detections", f"/api/sites/{site['id']}/detections?scene={scene}")]
        asks += [("tile", f"/api/scenes/{scene}/tiles/16/{x}/{y}.png") for x, y in _tiles(16)]
        while time.perf_counter() < until:
            for kind, url in asks:
                t0 = time.perf_counter()
                try:
                    r = c.get(url)
                    ok = r.status_code == 200
                except httpx.HTTPError as exc:
                    ok, r = False, None
                    errors.append(f"{url}: {exc!r}")
                out.setdefault(kind, []).append(time.perf_counter() - t0)
                if not ok and r is not None:
                    errors.append(f"{url}: HTTP {r.status_code}")
                if time.perf_counter() >= until:
                    break


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _forcewatch("demo", "--out", str(Path(tmp) / "demo"))
        ws = Path(tmp) / "demo" / "workspace"
        _forcewatch(
            "user", "add", "bench", "--role", "viewer", "--password-stdin", "-w", str(ws), stdin=PASSWORD + "\n"
        )
        port = _free_port()
        code = "from forcewatch.cli import main; main()"
        server = subprocess.Popen(
            [sys.executable, "-c", code, "serve", "--port", str(port), "-w", str(ws)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ},
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    httpx.get(base + "/login", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            times: list[dict[str, list[float]]] = [{} for _ in range(args.clients)]
            errors: list[str] = []
            until = time.perf_counter() + args.seconds
            threads = [
                threading.Thread(target=client_loop, args=(base, until, times[i], errors)) for i in range(args.clients)
            ]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - t0
        finally:
            server.terminate()
            server.wait(timeout=30)
    by_kind: dict[str, list[float]] = {}
    for d in times:
        for kind, v in d.items():
            by_kind.setdefault(kind, []).extend(v)
    every = [v for vs in by_kind.values() for v in vs]
    line: dict[str, object] = {"bench": "serve", "clients": args.clients, "seconds": args.seconds}
    line |= {"requests": len(every), "errors": len(errors), "requests_per_s": round(len(every) / wall, 1)}
    line |= {"p50_ms": _percentile(every, 50), "p95_ms": _percentile(every, 95), "p99_ms": _percentile(every, 99)}
    line["by_kind"] = {
        k: {"n": len(v), "p50_ms": _percentile(v, 50), "p95_ms": _percentile(v, 95)} for k, v in by_kind.items()
    }
    line["first_errors"] = errors[:5]
    line["cpus"] = os.cpu_count()
    print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
