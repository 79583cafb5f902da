"""Small cloud-optimised GeoTIFFs written in code for the remote-imagery tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_small_cog(
    path: Path,
    lat: float,
    lon: float,
    *,
    gsd_m: float = 16.0,
    side_px: int = 512,
    seed: int = 0,
    acquired: str | None = None,
    rgb: np.ndarray | None = None,
) -> Path:
    """A ``side_px``² RGB COG (256-pixel tiles, deflate, overviews where it is large enough) centred
    on (lat, lon) in its UTM zone: ``rgb`` (square), or smooth random ground (each seed its own
    bytes); with ``acquired``, that time in its tags."""
    import cv2
    import rasterio

    from forcewatch.geo.convert import transformer, utm_crs

    if rgb is None:
        rng = np.random.default_rng(seed)
        noise = cv2.GaussianBlur(rng.normal(0, 1, (side_px, side_px, 3)).astype(np.float32), (0, 0), 4)
        rgb = np.clip(120 + 40 * noise / (noise.std() + 1e-6), 1, 255).astype(np.uint8)
    side_px = rgb.shape[0]
    crs = utm_crs(lat, lon)
    x, y = transformer(4326, crs).transform(lon, lat)
    half = side_px * gsd_m / 2
    transform = rasterio.Affine(gsd_m, 0, x - half, 0, -gsd_m, y + half)
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(
        path,
        "w",
        driver="COG",
        width=side_px,
        height=side_px,
        count=3,
        dtype="uint8",
        crs=crs,
        transform=transform,
        blocksize=256,
        compress="deflate",
    ) as ds:
        ds.write(np.moveaxis(rgb, -1, 0))
        if acquired:
            ds.update_tags(ACQUIRED=acquired)
    return path
