"""A real HTTP server on 127.0.0.1 for the remote-imagery tests: it serves the files of a folder,
honours ``Range: bytes=A-B`` (or, built with ``ranges=False``, ignores it as a plain server does),
answers 404 for what it does not have, and counts the bytes of the bodies it sends.

It runs in a process of its own: GDAL holds Python's GIL in some calls while it waits for the
network, and a server thread in the test's process would then wait for GDAL, which waits for it.
``GET /__log`` (not counted) reports what it served."""

from __future__ import annotations

import http.server
import json
import multiprocessing
import re
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

_RANGE = re.compile(r"bytes=(\d+)-(\d*)$")
_LOG = "/__log"
_RESET = "/__reset"


def _handler(root: Path, ranges: bool, log: dict[str, Any]) -> type[http.server.BaseHTTPRequestHandler]:
    lock = threading.Lock()

    def count(method: str, path: str, rng: str | None, sent: int) -> None:
        with lock:
            log["requests"].append((method, path, rng))
            log["bytes"] += sent

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as object storage answers

        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _answer(self) -> None:
            if self.path in (_LOG, _RESET):
                with lock:
                    text = json.dumps(log).encode()
                    if self.path == _RESET:
                        log.update(bytes=0, requests=[])
                self._reply(200, text)
                return
            rng = self.headers.get("Range")
            name = self.path.split("?", 1)[0].lstrip("/")
            path = root / name
            if not name or not path.is_file():
                count(self.command, self.path, rng, 0)
                self._reply(404)
                return
            data = path.read_bytes()
            m = _RANGE.match(rng or "")
            headers = {"Content-Type": "image/tiff"} | ({"Accept-Ranges": "bytes"} if ranges else {})
            if m and ranges and int(m.group(1)) >= len(data):
                count(self.command, self.path, rng, 0)
                self._reply(416, headers={"Content-Range": f"bytes */{len(data)}"})
                return
            if m and ranges:
                start = int(m.group(1))
                end = min(int(m.group(2)) if m.group(2) else len(data) - 1, len(data) - 1)
                part, status = data[start : end + 1], 206
                headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
            else:
                part, status = data, 200
            try:
                self._reply(status, part, headers)
            except (BrokenPipeError, ConnectionResetError):  # a client that stopped reading
                count(self.command, self.path, rng, 0)
                return
            count(self.command, self.path, rng, len(part) if self.command != "HEAD" else 0)

        def do_GET(self) -> None:
            self._answer()

        def do_HEAD(self) -> None:
            self._answer()

    return Handler


def _serve(root: str, ranges: bool, conn: Connection) -> None:
    log: dict[str, Any] = {"bytes": 0, "requests": []}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(Path(root), ranges, log))
    server.daemon_threads = True
    conn.send(server.server_port)
    server.serve_forever(poll_interval=0.05)


class RangeServer:
    """Serves ``root`` at ``url(name)``; ``bytes_served`` and ``requests`` (method, path, Range) say
    what it answered since it started or since ``reset()``."""

    def __init__(self, root: Path, *, ranges: bool = True) -> None:
        ctx = multiprocessing.get_context("spawn")
        mine, theirs = ctx.Pipe()
        self._process = ctx.Process(target=_serve, args=(str(root), ranges, theirs), daemon=True)
        self._process.start()
        if not mine.poll(30):
            self._process.terminate()
            raise RuntimeError("the test HTTP server did not start")
        self.port = int(mine.recv())

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"

    def _log(self, path: str = _LOG) -> dict[str, Any]:
        with urllib.request.urlopen(self.base + path, timeout=10) as r:
            return dict(json.loads(r.read()))

    @property
    def bytes_served(self) -> int:
        return int(self._log()["bytes"])

    @property
    def requests(self) -> list[tuple[str, str, str | None]]:
        return [(m, p, r) for m, p, r in self._log()["requests"]]

    def reset(self) -> None:
        self._log(_RESET)

    def close(self) -> None:
        self._process.terminate()
        self._process.join(10)


@contextmanager
def serving(root: Path, *, ranges: bool = True) -> Iterator[RangeServer]:
    server = RangeServer(root, ranges=ranges)
    try:
        yield server
    finally:
        server.close()


def tile_bytes(path: Path, window: tuple[int, int, int, int]) -> int:
    """The bytes of a tiled GeoTIFF's full-resolution blocks that meet ``window`` (x0, y0, x1, y1)."""
    import rasterio

    x0, y0, x1, y1 = window
    total = 0
    with rasterio.open(path) as ds:
        bh, bw = ds.block_shapes[0]
        bands = range(1, ds.count + 1) if ds.interleaving and ds.interleaving.name == "BAND" else [1]
        for row in range(y0 // bh, (y1 - 1) // bh + 1):
            for col in range(x0 // bw, (x1 - 1) // bw + 1):
                for b in bands:
                    total += int(ds.get_tag_item(f"BLOCK_SIZE_{col}_{row}", "TIFF", bidx=b))
    return total
