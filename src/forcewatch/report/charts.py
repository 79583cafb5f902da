"""Figures for the brief, drawn locally with matplotlib (no web tiles): the overview map with the
bundled borders, and the counts timeline. Each returns PNG bytes."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import shapely

from forcewatch.geo.borders import borders


def _png(fig: plt.Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def overview_map(points: Sequence[tuple[str, float, float, str]], margin_deg: float = 2.0) -> bytes:
    """Sites (name, lat, lon, label) over the bundled country borders, equirectangular at the
    map's mean latitude."""
    lats = [p[1] for p in points] or [50.0]
    lons = [p[2] for p in points] or [30.0]
    box = shapely.box(min(lons) - margin_deg, min(lats) - margin_deg, max(lons) + margin_deg, max(lats) + margin_deg)
    fig, ax = plt.subplots(figsize=(9, 7))
    b = borders()
    for code in b.countries:
        area = b.area(code)
        if area.is_empty or not area.intersects(box):
            continue
        clipped = area.intersection(box)
        for poly in getattr(clipped, "geoms", [clipped]):
            if poly.geom_type != "Polygon":
                continue
            x, y = poly.exterior.xy
            ax.fill(x, y, facecolor="#f3f1ea" if code not in ("UKR",) else "#fdf6d8", edgecolor="#777", linewidth=0.6)
        c = clipped.representative_point()
        if clipped.area > 0.5:
            ax.text(c.x, c.y, b.countries[code].name, fontsize=8, color="#999", ha="center", style="italic")
    for name, lat, lon, label in points:
        ax.plot(lon, lat, marker="o", color="#c0392b", markersize=6)
        ax.annotate(f"{name}\n{label}", (lon, lat), xytext=(5, 5), textcoords="offset points", fontsize=8)
    ax.set_xlim(box.bounds[0], box.bounds[2])
    ax.set_ylim(box.bounds[1], box.bounds[3])
    ax.set_aspect(1 / math.cos(math.radians(sum(lats) / len(lats))))
    ax.set_facecolor("#dfe9f3")
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_title("Watched sites and latest counts — borders: Natural Earth 1:10m (Crimea drawn in Russia)", fontsize=9)
    return _png(fig)


def counts_timeline(dates: Sequence[str], series: Mapping[str, Sequence[int | None]], title: str) -> bytes:
    """Counts per class over the observation dates; None (not observable, or not scanned) is a gap
    marked "n/o" on the axis, never a zero."""
    fig, ax = plt.subplots(figsize=(7, 2.8))
    for cls, values in sorted(series.items()):
        ys = [float("nan") if v is None else v for v in values]
        ax.plot(range(len(dates)), ys, marker="o", label=cls)
        for i, v in enumerate(values):
            if v is None:
                ax.annotate(f"{cls}: n/o", (i, 0), xytext=(0, 3), textcoords="offset points", ha="center", fontsize=7)
            else:
                ax.annotate(str(v), (i, v), xytext=(0, 5), textcoords="offset points", ha="center", fontsize=8)
    ax.set_xticks(range(len(dates)), [d[:10] for d in dates], rotation=0, fontsize=8)
    ax.set_ylabel("count")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=9)
    return _png(fig)
