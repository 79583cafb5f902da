"""Open any image ForceWatch accepts and read windows of it as 8-bit RGB at a target GSD.

GeoTIFF/COG in any CRS (metres per pixel from the transform; geodesic metres for geographic
CRSs), 1–N bands, uint8/uint16/float (percentile display scaling), nodata and alpha masks, and
plain JPEG/PNG (no georeferencing: the user gives the GSD). A source is a local path, or an http(s)
URL of a cloud-optimised GeoTIFF read by range requests (:mod:`forcewatch.imagery.remote`).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np
import rasterio
from affine import Affine
from pyproj import CRS
from rasterio.enums import ColorInterp, Resampling
from rasterio.errors import NotGeoreferencedWarning, RasterioIOError
from rasterio.windows import Window

from forcewatch.errors import GsdUnknownError, ImageryError
from forcewatch.imagery import decimate, remote, upsample
from forcewatch.imagery.georef import check_gsd_m, gsd_from_transform, transform_tuple

#: Display scaling for non-8-bit imagery: these percentiles map to 0 and 255.
STRETCH_PERCENTILES = (2.0, 98.0)
#: GDAL's block cache (by default 5 % of RAM) would grow with the scene; tiles are read once.
GDAL_CACHE_BYTES = 64 * 2**20


def usable_cpus() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass(frozen=True)
class RasterInfo:
    """What ForceWatch needs to know about an image before reading it."""

    path: Path | str  # a local path, or the URL of a remote image
    width_px: int
    height_px: int
    band_count: int
    dtype: str
    crs_wkt: str | None
    transform: tuple[float, float, float, float, float, float]
    gsd_m: float | None

    @property
    def georeferenced(self) -> bool:
        return self.crs_wkt is not None


def _open(path: Path | str) -> rasterio.io.DatasetReader:
    if remote.is_url(path):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", NotGeoreferencedWarning)
                return rasterio.open(remote.gdal_path(path))
        except RasterioIOError as exc:
            raise remote.gdal_error(str(path), exc) from None
    path = Path(path)
    if not path.is_file():
        raise ImageryError(f"{path}: no such image file. Fix: check the path.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            return rasterio.open(path)
    except RasterioIOError as exc:
        raise ImageryError(
            f"{path}: cannot be read as an image ({exc}). Fix: check that the file is a complete "
            "GeoTIFF, JPEG or PNG (re-download or re-export it)."
        ) from None


def gsd_of(ds: rasterio.io.DatasetReader) -> float | None:
    """Metres per pixel from a dataset's CRS and transform; ``None`` when not georeferenced."""
    if ds.crs is None or ds.transform.is_identity or not (ds.crs.is_projected or ds.crs.is_geographic):
        return None
    return gsd_from_transform(CRS.from_wkt(ds.crs.to_wkt()), ds.transform, ds.width, ds.height)


def _info_of(path: Path | str, ds: rasterio.io.DatasetReader) -> RasterInfo:
    return RasterInfo(
        path=path,
        width_px=ds.width,
        height_px=ds.height,
        band_count=ds.count,
        dtype=ds.dtypes[0],
        crs_wkt=ds.crs.to_wkt() if ds.crs else None,
        transform=transform_tuple(ds.transform),
        gsd_m=gsd_of(ds),
    )


def raster_info(path: Path | str) -> RasterInfo:
    """Size, bands, CRS, transform and GSD of an image file (or remote image), from its header."""
    with rasterio.Env(**(remote.gdal_options(str(path)) if remote.is_url(path) else {})), _open(path) as ds:
        return _info_of(path, ds)


def image_size_px(path: Path) -> tuple[int, int]:
    """(width, height) of an image, reading only its header."""
    if path.suffix.lower() in (".jpg", ".jpeg", ".png"):
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(path) as im:
                return im.size
        except (UnidentifiedImageError, OSError) as exc:
            raise ImageryError(f"{path}: not a readable image ({exc})") from None
    info = raster_info(path)
    return info.width_px, info.height_px


def resolve_gsd(info: RasterInfo, user_gsd_m: float | None) -> tuple[float, str]:
    """The GSD to use and where it came from: the GeoTIFF's, else the user's, else an error."""
    if info.gsd_m is not None:
        return info.gsd_m, "georeferencing"
    if user_gsd_m is not None:
        return check_gsd_m(user_gsd_m), "user"
    raise GsdUnknownError(
        f"{info.path}: the image carries no georeferencing, so its ground sample distance is "
        "unknown. Fix: give it with --gsd-m METRES (for example --gsd-m 0.5 for Pléiades, "
        "3 for PlanetScope)."
    )


def _has_data(data: np.ndarray) -> np.ndarray:
    """Pixels (of a bands × H × W read) that hold data in a file that marks none as missing:
    finite in every band, and not zero in all bands (the black fill around a scene, or a black
    image, exported without a nodata value)."""
    nonzero = data[0] != 0
    for band in data[1:]:  # band by band: as fast whether the bands are planes or interleaved
        nonzero |= band != 0
    if np.issubdtype(data.dtype, np.floating):
        for band in data:
            nonzero &= np.isfinite(band)
    return nonzero


class RasterReader:
    """Reads windows of one image as uint8 RGB plus a validity mask, resampled on read.

    Memory is bounded by the requested output size, never by the image size. ``path`` is a local
    file or the http(s) URL of a cloud-optimised GeoTIFF: GDAL's settings for reading it by ranges
    (:func:`forcewatch.imagery.remote.gdal_options`) hold while the reader is open.

    A window that spans several compressed blocks has them decoded on ``decode_threads`` threads
    (GDAL_NUM_THREADS; by default one per usable core): the same CPU time in about half the wall
    time on two cores, which shortens the read the network waits for before its first tile.
    """

    def __init__(self, path: Path | str, decode_threads: int | None = None) -> None:
        self.path = path
        self.remote = remote.is_url(path)
        options = remote.gdal_options(str(path)) if self.remote else {}
        threads = str(decode_threads or usable_cpus())
        self._env = rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_BYTES, GDAL_NUM_THREADS=threads, **options)
        self._env.__enter__()
        try:
            self._ds = _open(path)
        except BaseException:
            self._env.__exit__(None, None, None)
            raise
        self.info = _info_of(path, self._ds)
        self._bands, self._alpha = self._pick_bands()
        self._scale = self._display_scaling()
        self._strip: np.ndarray | None = None  # the last strip read at full resolution to decimate

    @property
    def width_px(self) -> int:
        return self.info.width_px

    @property
    def height_px(self) -> int:
        return self.info.height_px

    def __enter__(self) -> RasterReader:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._ds.close()
        self._env.__exit__(None, None, None)

    @property
    def has_mask(self) -> bool:
        """Whether some pixels may be invalid (alpha band, nodata value or mask band)."""
        from rasterio.enums import MaskFlags

        flags = self._ds.mask_flag_enums[self._bands[0] - 1]
        return self._alpha is not None or self._ds.nodata is not None or MaskFlags.all_valid not in flags

    def _sampled(self) -> bool:
        """Whether whole-image looks (verify, display scaling) sample blocks instead: a remote
        image without overviews, where a decimated read would fetch every tile."""
        return self.remote and not self._ds.overviews(1)

    def _sample_windows(self, per_side: int = 4) -> list[Window]:
        """Up to ``per_side``² blocks spread over the image, the last block (at the end of the file) first."""
        rows = {round(i * (self.height_px - 1) / max(1, per_side - 1)) for i in range(per_side)}
        cols = {round(i * (self.width_px - 1) / max(1, per_side - 1)) for i in range(per_side)}
        bh, bw = self._ds.block_shapes[0]
        starts = sorted({(r // bh * bh, c // bw * bw) for r in rows for c in cols}, reverse=True)
        return [Window(c, r, min(bw, self.width_px - c), min(bh, self.height_px - r)) for r, c in starts]

    def verify(self, side_px: int = 256) -> None:
        """Decode the whole image at low resolution: a truncated or corrupt file fails here. A
        remote image without overviews: the blocks of :meth:`_sample_windows` (the last one too)."""
        f = max(1.0, max(self.width_px, self.height_px) / side_px)
        try:
            if self._sampled():
                for win in self._sample_windows():
                    self._ds.read(1, window=win)
            else:
                self._ds.read(1, out_shape=(max(1, round(self.height_px / f)), max(1, round(self.width_px / f))))
        except RasterioIOError as exc:
            if self.remote:
                raise remote.gdal_error(str(self.path), exc) from None
            raise ImageryError(
                f"{self.path}: cannot be read as an image: the pixel data is corrupt or truncated ({exc}). "
                "Fix: re-download or re-export the file."
            ) from None

    def tags(self) -> dict[str, str]:
        """The file's metadata tags (GDAL default domain)."""
        return dict(self._ds.tags())

    def _pick_bands(self) -> tuple[list[int], int | None]:
        interp = list(self._ds.colorinterp)
        alpha = interp.index(ColorInterp.alpha) + 1 if ColorInterp.alpha in interp else None
        colour = [i + 1 for i, c in enumerate(interp) if i + 1 != alpha]
        if not colour:
            raise ImageryError(f"{self.path}: no colour band. Fix: give an image with 1 or more bands.")
        order = [ColorInterp.red, ColorInterp.green, ColorInterp.blue]
        if all(c in interp for c in order):
            return [interp.index(c) + 1 for c in order], alpha
        if len(colour) >= 3:
            return colour[:3], alpha
        return [colour[0]] * 3, alpha

    def _display_scaling(self) -> tuple[np.ndarray, np.ndarray] | None:
        if self._ds.dtypes[0] == "uint8":
            return None
        if self._sampled():
            parts = [self._ds.read(self._bands, window=w, masked=True) for w in self._sample_windows()]
            data = np.ma.concatenate([p.reshape(3, -1) for p in parts], axis=1)
        else:
            side = 1024
            f = max(1.0, max(self._ds.width, self._ds.height) / side)
            shape = (max(1, round(self._ds.height / f)), max(1, round(self._ds.width / f)))
            data = self._ds.read(self._bands, out_shape=(3, *shape), masked=True, resampling=Resampling.nearest)
        lo = np.zeros(3, dtype=np.float64)
        hi = np.ones(3, dtype=np.float64)
        for b in range(3):
            vals = data[b].compressed()
            vals = vals[np.isfinite(vals)]
            if vals.size:
                lo[b], hi[b] = np.percentile(vals, STRETCH_PERCENTILES)
            if hi[b] <= lo[b]:
                hi[b] = lo[b] + 1.0
        return lo, hi

    def read_on_grid(self, crs: CRS, transform: Affine, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
        """The image resampled onto a grid in any CRS: (RGB float32 H×W×3 in display levels 0–255,
        valid bool H×W). One warped read through a :class:`rasterio.vrt.WarpedVRT` (bilinear, in
        float, so nothing is rounded before the resampling); only the part of the image under the
        grid is read. A cell is valid where the warper found valid source pixels (nodata, mask and
        alpha bands and the image's edges are honoured: the VRT's alpha band says so) and, in a file
        that marks no pixel as missing, where the pixel is not black in every band; invalid cells are 0."""
        from rasterio.vrt import WarpedVRT

        with WarpedVRT(
            self._ds,
            crs=crs,
            transform=transform,
            width=width,
            height=height,
            resampling=Resampling.bilinear,
            add_alpha=self._alpha is None,  # a source alpha band is warped as the VRT's own alpha
            dtype="float32",
        ) as vrt:
            alpha = vrt.colorinterp.index(ColorInterp.alpha) + 1
            with self._remote_errors():
                data = vrt.read([*self._bands, alpha])  # one read: each block is warped once, all bands together
        valid = data[3] > 0
        data = data[:3]
        if not self.has_mask:
            valid &= _has_data(data)
        if self._scale is not None:
            lo, hi = (v[:, None, None].astype(np.float32) for v in self._scale)
            data = np.clip(np.nan_to_num((data - lo) / (hi - lo), nan=0.0) * 255.0, 0, 255)
        rgb = np.ascontiguousarray(np.moveaxis(data, 0, -1), dtype=np.float32)
        valid &= np.isfinite(rgb).all(axis=2)
        rgb[~valid] = 0
        return rgb, valid

    def read(
        self, window_px: tuple[float, float, float, float], out_width: int, out_height: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Read source pixels ``(x0, y0, x1, y1)`` into ``out_height × out_width``.

        Returns (uint8 array H×W×3, bool mask H×W of valid pixels). Downsampling averages,
        upsampling is bilinear. A remote image that stops answering raises an error naming its URL.
        """
        planes, valid = self.read_planes(window_px, out_width, out_height)
        return np.ascontiguousarray(np.moveaxis(planes, 0, -1)), valid

    def read_planes(
        self, window_px: tuple[float, float, float, float], out_width: int, out_height: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`read`'s pixels band by band, as GDAL reads them: (uint8 array 3×H×W, valid H×W).
        A detector takes its input band by band too: no interleaving and splitting in between."""
        with self._remote_errors():
            return self._read(window_px, out_width, out_height)

    @contextmanager
    def _remote_errors(self) -> Iterator[None]:
        """GDAL's failures to read a remote image as errors naming its URL and the fix."""
        try:
            yield
        except RasterioIOError as exc:
            if not self.remote:
                raise
            raise remote.gdal_error(str(self.path), exc) from None

    def _read(
        self, window_px: tuple[float, float, float, float], out_width: int, out_height: int
    ) -> tuple[np.ndarray, np.ndarray]:
        x0, y0, x1, y1 = window_px
        win = Window(x0, y0, x1 - x0, y1 - y0)
        down = (x1 - x0) > out_width
        valid = np.ones((out_height, out_width), dtype=bool)
        upsampled = None if down else self._read_upsampled(window_px, out_width, out_height)
        if upsampled is not None:
            data, all_valid = upsampled
            if not all_valid:
                valid &= _has_data(data)
        else:
            decimated = self._read_decimated(window_px, out_width, out_height) if down else None
            resampling = Resampling.average if down else Resampling.bilinear
            data = (
                decimated
                if decimated is not None
                else self._ds.read(self._bands, window=win, out_shape=(3, out_height, out_width), resampling=resampling)
            )
            self._mask_valid(win, data, valid)
        if self._scale is not None:
            lo, hi = self._scale
            scaled = (data.astype(np.float32) - lo[:, None, None].astype(np.float32)) / (
                (hi - lo)[:, None, None].astype(np.float32)
            )
            scaled = np.nan_to_num(scaled, nan=0.0)
            data = np.clip(scaled * 255.0 + 0.5, 0, 255).astype(np.uint8)
        if not valid.all():
            data[:, ~valid] = 0
        return data, valid

    def _mask_valid(self, win: Window, data: np.ndarray, valid: np.ndarray) -> None:
        """Clear in ``valid`` (the shape of ``data``'s rows × columns) what the file marks as no data."""
        out_shape = valid.shape
        if self._alpha is not None:
            alpha = self._ds.read(self._alpha, window=win, out_shape=out_shape, resampling=Resampling.nearest)
            valid &= alpha > 0
        elif self.has_mask:  # nodata value or mask band
            nod = self._ds.read_masks(self._bands[0], window=win, out_shape=out_shape, resampling=Resampling.nearest)
            valid &= nod > 0
        else:  # no mask in the file: NaN is no data, and so is pure black in every band (an unmarked fill)
            valid &= _has_data(data)

    def _read_decimated(
        self, window_px: tuple[float, float, float, float], out_width: int, out_height: int
    ) -> np.ndarray | None:
        """Bands × ``out_height`` × ``out_width``: the window read at the source's resolution (each
        block decoded once) and averaged over whole k × k cells
        (:mod:`forcewatch.imagery.decimate`); or None where GDAL's average read is the one to use:
        a factor that is not whole, a file with overviews (GDAL reads the overview instead), no
        data marked in the file (GDAL's average leaves it out), or a dtype OpenCV cannot resample."""
        factor = decimate.whole_factor(window_px, out_width, out_height)
        if (
            factor is None
            or self.has_mask
            or self._ds.dtypes[0] not in decimate.RESIZABLE
            or self._ds.overviews(self._bands[0])
        ):
            return None
        x0, y0 = int(window_px[0]), int(window_px[1])
        if x0 + out_width * factor > self.width_px or y0 + out_height * factor > self.height_px:
            return None
        width, dtype = out_width * factor, self._ds.dtypes[0]
        out = np.empty((len(self._bands), out_height, out_width), dtype)
        # band by band, a strip of block rows at a time: each block is decoded once, for its first
        # band, and its other bands come from GDAL's block cache, which keeps them for the next
        # model of a scan too (a read of all bands at once decodes on several threads but keeps
        # nothing); only a strip is held at the source's resolution
        for top, bottom in decimate.strips(y0, out_height * factor, self._ds.block_shapes[0][0], factor):
            shape = (len(self._bands), bottom - top, width)
            if self._strip is None or self._strip.shape != shape or self._strip.dtype != dtype:
                self._strip = np.empty(shape, dtype)  # kept: the next strip reads into the same pages
            for plane, band in zip(self._strip, self._bands, strict=True):
                self._ds.read(band, window=Window(x0, top, width, bottom - top), out=plane)
            rows = slice((top - y0) // factor, (bottom - y0) // factor)
            decimate.box_mean(self._strip, factor, out[:, rows])
        return out

    def _read_upsampled(
        self, window_px: tuple[float, float, float, float], out_width: int, out_height: int
    ) -> tuple[np.ndarray, bool] | None:
        """Bands × ``out_height`` × ``out_width``: the source pixels under the window, read as they
        are and upsampled bilinear with OpenCV (:mod:`forcewatch.imagery.upsample`), and whether
        every one of those source pixels holds data (then so does every pixel made from them); or
        None where GDAL must do it: a dtype OpenCV cannot interpolate, or no-data under the window
        (GDAL's bilinear leaves no-data pixels out of the blend)."""
        x0, y0, x1, y1 = window_px
        if self._ds.dtypes[0] not in upsample.WARPABLE or (y1 - y0) > out_height:
            return None
        xs = upsample.axis_span(x0, x1, out_width, self.width_px)
        ys = upsample.axis_span(y0, y1, out_height, self.height_px)
        native = Window(xs.start, ys.start, xs.stop - xs.start, ys.stop - ys.start)
        masked = self.has_mask
        if masked:
            mask = (
                self._ds.read(self._alpha, window=native)
                if self._alpha
                else self._ds.read_masks(self._bands[0], window=native)
            )
            if not mask.all():
                return None
        data = self._ds.read(self._bands, window=native)
        # the file marks its no-data (checked above); else an unmarked fill is black or NaN in every band
        all_valid = masked or bool(_has_data(data).all())
        if data.shape[1:] == (out_height, out_width) and upsample.is_identity(xs) and upsample.is_identity(ys):
            return data, all_valid  # the window is whole source pixels, one for one
        return upsample.upsample_bilinear(data, xs, ys, out_width, out_height), all_valid


class KeptOpen:
    """The image read last, kept open for the next read of the same file: a scan runs the models of
    one scene one after another, and GDAL's block cache (``GDAL_CACHE_BYTES``) then serves the
    blocks the first model decoded to the next ones instead of decoding them again (a 4,096² JPEG
    scene takes about 0.2 s to decode). Opening another file closes the one before. Use ``with``."""

    def __init__(self) -> None:
        self._reader: RasterReader | None = None

    def open(self, path: Path | str) -> RasterReader:
        """A reader of ``path``: the one kept open, or a new one (closing the one before)."""
        if self._reader is not None and str(self._reader.path) == str(path):
            return self._reader
        self.close()
        self._reader = RasterReader(path)
        return self._reader

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def __enter__(self) -> KeptOpen:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
