"""The dashboard under load: ``forcewatch serve`` on the demo workspace (two SYNTHETIC dates at
Luninets, scanned), N concurrent clients on 127.0.0.1 for S seconds, each logged in and looping
over what a person opening a site asks for: the site page, its timeline, a date's detections and
the 16 imagery tiles around the site (zoom 16), with no think time and no HTTP cache on the client
(every loop fetches every tile again: more than a browser, which keeps tiles by their ETag and
max-age). The clients sign in first (argon2: about 0.1 s of CPU each) and the clock starts when all
of them have; their sign-in times are reported apart. Before the load, one client fetches the 16
tiles once on the freshly started server: ``tile_cold`` is what a tile costs when the server renders
it (its cache empty). One JSON line: requests, errors, p50/p95/p99 latency per kind and overall,
requests per second, the machine's load averages before and after.

    python bench/serve.py [--clients 50] [--seconds 30]

The goal of the issue: p95 < 300 ms with no error (on the 2-core machine the server shares with
the clients). ``FORCEWATCH_TILE_CACHE_MB=0`` in the environment runs the server without its tile cache.
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


def _percentile(values: list[float], q: int) -> float:
    return round(statistics.quantiles(values, n=100)[q - 1] * 1000, 1) if len(values) > 1 else float("nan")


def _site_asks(c: httpx.Client) -> list[tuple[str, str]]:
    """What the client asks for in each loop: (kind, URL) of the page, timeline, detections and tiles."""
    sites = c.get("/api/sites").json()
    site = next(s for s in sites if s["site"] == "Luninets airfield")
    scene = site["latest"]["scene_id"]
    asks = [("page", f"/sites/{site['id']}"), ("timeline", f"/api/sites/{site['id']}")]
    asks += [("detections", f"/api/sites/{site['id']}/detections?scene={scene}")]
    asks += [("tile", f"/api/scenes/{scene}/tiles/16/{x}/{y}.png") for x, y in _tiles(16)]
    return asks


def _signed_in(base: str) -> tuple[httpx.Client, float]:
    c = httpx.Client(base_url=base, timeout=30)
    t0 = time.perf_counter()
    done = c.post("/login", data={"name": "bench", "password": PASSWORD})
    if done.status_code != 303:
        raise RuntimeError(f"bench login answered {done.status_code}")
    return c, time.perf_counter() - t0


def client_loop(
    base: str, start: threading.Barrier, seconds: float, out: dict[str, list[float]], errors: list[str]
) -> None:
    """Sign in, wait for every client at ``start``, then loop over the site's asks for ``seconds``."""
    try:
        c, login_s = _signed_in(base)
        out["login"] = [login_s]
        asks = _site_asks(c)
    except Exception as exc:
        errors.append(f"sign-in: {exc!r}")
        start.abort()  # the others (and the clock) stop waiting
        raise
    try:
        start.wait()
        until = time.perf_counter() + seconds
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
    finally:
        c.close()


def cold_tiles(base: str) -> list[float]:
    """Seconds to fetch each of the site's tiles once, one after the other (the server renders them)."""
    c, _ = _signed_in(base)
    took = []
    try:
        for kind, url in _site_asks(c):
            if kind == "tile":
                t0 = time.perf_counter()
                if c.get(url).status_code != 200:
                    raise RuntimeError(f"{url}: not 200 on a quiet server")
                took.append(time.perf_counter() - t0)
    finally:
        c.close()
    return took


def _load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def _stats(values: list[float]) -> dict[str, object]:
    return {
        "n": len(values),
        "p50_ms": _percentile(values, 50),
        "p95_ms": _percentile(values, 95),
        "p99_ms": _percentile(values, 99),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    args = ap.parse_args()
    load_before = _load()
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
            cold = cold_tiles(base)
            times: list[dict[str, list[float]]] = [{} for _ in range(args.clients)]
            errors: list[str] = []
            start = threading.Barrier(args.clients + 1)
            threads = [
                threading.Thread(target=client_loop, args=(base, start, args.seconds, times[i], errors))
                for i in range(args.clients)
            ]
            for t in threads:
                t.start()
            try:
                start.wait()
            except threading.BrokenBarrierError:
                raise SystemExit(f"a client could not sign in: {errors[:3]}") from None
            t0 = time.perf_counter()
            for t in threads:
                t.join()
            wall = time.perf_counter() - t0
            load_after = _load()
        finally:
            server.terminate()
            server.wait(timeout=30)
    by_kind: dict[str, list[float]] = {}
    for d in times:
        for kind, v in d.items():
            by_kind.setdefault(kind, []).extend(v)
    logins = by_kind.pop("login", [])
    every = [v for vs in by_kind.values() for v in vs]
    line: dict[str, object] = {"bench": "serve", "clients": args.clients, "seconds": args.seconds}
    line |= {"requests": len(every), "errors": len(errors), "requests_per_s": round(len(every) / wall, 1)}
    line |= {"p50_ms": _percentile(every, 50), "p95_ms": _percentile(every, 95), "p99_ms": _percentile(every, 99)}
    line["by_kind"] = {k: _stats(v) for k, v in by_kind.items()}
    line["tile_cold"] = {"n": len(cold), "p50_ms": _percentile(cold, 50), "max_ms": round(max(cold) * 1000, 1)}
    line["login"] = {"n": len(logins), "p50_ms": _percentile(logins, 50), "max_ms": round(max(logins) * 1000, 1)}
    line["first_errors"] = errors[:5]
    line["cpus"] = os.cpu_count()
    line["loadavg_before"], line["loadavg_after"] = load_before, load_after
    line["tile_cache_mb"] = os.environ.get("FORCEWATCH_TILE_CACHE_MB", "default")
    print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
