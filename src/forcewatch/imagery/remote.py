"""Imagery where it lives: cloud-optimised GeoTIFFs read over HTTP(S) by range requests (GDAL's
``/vsicurl/``), so that a scan reads only the tiles under the windows it needs.

Before a remote image is ingested, :func:`probe` asks for its first bytes: a URL that answers an
error, or a server that ignores ``Range`` (and would send the whole image for every window), is
refused with a message naming the URL and the fix. Those bytes and the image's size are its
fingerprint (:attr:`RemoteFile.sha256`), which stands for the file's hash: hashing a remote image
would mean downloading all of it."""

from __future__ import annotations

import hashlib
import re
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TypeGuard
from urllib.parse import urlsplit

from forcewatch.errors import ImageryError, InputError

HTTP_SCHEMES = ("http://", "https://")
#: Bytes of the head of a remote image hashed, with its size, into its fingerprint (a COG keeps its
#: header, with every tile's offset and byte count, at the front).
FINGERPRINT_BYTES = 65536
#: Seconds to wait for a server.
TIMEOUT_S = 60
#: How a remote scene's hash is made (recorded with the scene).
FINGERPRINT_NOTE = f"sha256 of the size and the first {FINGERPRINT_BYTES} bytes (a remote image is not downloaded)"
_DOWNLOAD_CHUNK = 1 << 20


def is_url(source: str | Path) -> TypeGuard[str]:
    """Whether ``source`` is an http(s) URL (a remote image) rather than a local path."""
    return isinstance(source, str) and source.startswith(HTTP_SCHEMES)


def file_name(url: str) -> str:
    """The file name at the end of a URL's path (``remote.tif`` when it has none)."""
    return PurePosixPath(urlsplit(url).path).name or "remote.tif"


def gdal_path(source: str | Path) -> str:
    """What GDAL opens: ``/vsicurl/URL`` for a URL, the path otherwise."""
    return "/vsicurl/" + source if is_url(source) else str(source)


def gdal_options(url: str) -> dict[str, str]:
    """GDAL settings for reading one remote image by ranges: assume its folder holds nothing else
    (no directory listing, no probing for sidecar files), ask only for that file's kind, merge
    adjacent ranges into one request, keep what was read in a bounded cache, retry a busy server."""
    options = {
        "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
        "GDAL_HTTP_MERGE_CONSECUTIVE_RANGES": "YES",
        "GDAL_HTTP_MULTIPLEX": "YES",
        "GDAL_HTTP_TIMEOUT": str(TIMEOUT_S),
        "GDAL_HTTP_MAX_RETRY": "3",
        "GDAL_HTTP_RETRY_DELAY": "1",
        "VSI_CACHE": "TRUE",
        "VSI_CACHE_SIZE": str(32 * 2**20),
    }
    suffix = PurePosixPath(urlsplit(url).path).suffix
    if suffix:
        options["CPL_VSIL_CURL_ALLOWED_EXTENSIONS"] = suffix
    return options


@dataclass(frozen=True)
class RemoteFile:
    """A remote image that answers range requests."""

    url: str
    size_bytes: int
    sha256: str  # the fingerprint: see FINGERPRINT_NOTE


def _http_error(url: str, status: int, reason: str) -> InputError:
    if status == 404:
        fix = "check the URL (is the file still there? a typo in the path?)"
    elif status in (401, 403):
        fix = "check the URL; a signed link may have expired (ask for a new one), or the file is not public"
    else:
        fix = "check the URL and try again later (the server may be down)"
    return InputError(f"{url}: the server answered HTTP {status} ({reason}). Fix: {fix}.")


@contextmanager
def _fetching(url: str, empty_is: int | None = None) -> Iterator[None]:
    """Turn what urllib raises for ``url`` into an error naming it and the fix."""
    try:
        yield
    except urllib.error.HTTPError as exc:
        exc.close()  # it holds the answer's connection
        if exc.code == empty_is:
            raise InputError(f"{url}: the file is empty. Fix: check the URL.") from None
        raise _http_error(url, exc.code, exc.reason) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InputError(f"{url}: cannot be reached ({reason}). Fix: check the address and the network.") from None


def no_ranges(url: str) -> InputError:
    """The error for a server that sends the whole file when asked for a range."""
    return InputError(
        f"{url}: the server does not support range requests (asked for the first bytes, it sent the whole "
        "file), so every scan would download all of the image. Fix: serve it from storage that honours "
        "Range (S3, Google Cloud Storage, Azure, most web servers), or copy it into the workspace with "
        f"`forcewatch ingest --copy {url}`."
    )


def probe(url: str, timeout_s: float = TIMEOUT_S) -> RemoteFile:
    """Ask for the first :data:`FINGERPRINT_BYTES` of ``url``: its size and fingerprint, or an error
    (naming the URL and the fix) when it cannot be read by ranges."""
    request = urllib.request.Request(url, headers={"Range": f"bytes=0-{FINGERPRINT_BYTES - 1}"})
    with _fetching(url, empty_is=416), urllib.request.urlopen(request, timeout=timeout_s) as response:
        if response.status != 206:
            raise no_ranges(url)
        total = re.fullmatch(r"bytes \d+-\d+/(\d+)", response.headers.get("Content-Range", "").strip())
        if total is None:
            raise InputError(
                f"{url}: the server answered a range request without saying the file's size "
                f"(Content-Range: {response.headers.get('Content-Range')!r}). Fix: serve the file from "
                "storage that answers range requests in full, or `forcewatch ingest --copy` it."
            )
        head = response.read(FINGERPRINT_BYTES)
    size = int(total.group(1))
    return RemoteFile(url, size, fingerprint(size, head))


def fingerprint(size_bytes: int, head: bytes) -> str:
    """The fingerprint of an image of ``size_bytes`` whose first bytes are ``head`` (see FINGERPRINT_NOTE)."""
    return hashlib.sha256(f"{size_bytes}\n".encode() + head[:FINGERPRINT_BYTES]).hexdigest()


def file_fingerprint(path: Path) -> str:
    """The fingerprint of a local file, made as a remote image's is (to compare a download with its URL)."""
    with path.open("rb") as f:
        return fingerprint(path.stat().st_size, f.read(FINGERPRINT_BYTES))


def url_sha256(url: str, timeout_s: float = TIMEOUT_S) -> str:
    """The sha256 of the whole of ``url`` (streamed, not kept)."""
    digest = hashlib.sha256()
    with _fetching(url), urllib.request.urlopen(url, timeout=timeout_s) as response:
        while chunk := response.read(_DOWNLOAD_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def download(url: str, target: Path, timeout_s: float = TIMEOUT_S) -> Path:
    """Copy the whole of ``url`` to ``target`` (through a temporary file beside it: a failed copy
    leaves nothing)."""
    partial = target.with_name(target.name + ".part")
    try:
        with _fetching(url), urllib.request.urlopen(url, timeout=timeout_s) as response, partial.open("wb") as out:
            shutil.copyfileobj(response, out, _DOWNLOAD_CHUNK)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    return target


def gdal_error(url: str, exc: Exception) -> ImageryError:
    """A clear error for GDAL's failure to read a remote image."""
    text = str(exc)
    code = re.search(r"HTTP response code: (\d+)", text)
    if code:
        status = int(code.group(1))
        return ImageryError(str(_http_error(url, status, "while reading the image")))
    if "Range downloading not supported" in text:
        return ImageryError(str(no_ranges(url)))
    return ImageryError(
        f"{url}: cannot be read as a remote image ({text}). Fix: check that the URL is a GeoTIFF/COG that "
        "opens in a browser or with `gdalinfo /vsicurl/URL`."
    )
