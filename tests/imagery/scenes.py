"""A small 0.5 m GeoTIFF written from an array, for the reader's tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from affine import Affine


def write_scene(path: Path, data: np.ndarray, **kw: object) -> Path:
    """``data`` (bands × rows × cols) as a 0.5 m GeoTIFF in UTM 35N; ``kw`` are creation options."""
    with rasterio.open(
        path, "w", driver="GTiff", width=data.shape[2], height=data.shape[1], count=data.shape[0],
        dtype=data.dtype, crs="EPSG:32635", transform=Affine(0.5, 0, 500000, 0, -0.5, 5800000), **kw,
    ) as ds:  # fmt: skip
        ds.write(data)
    return path
