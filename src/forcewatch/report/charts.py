"""Figures for the brief, drawn locally with matplotlib (no web tiles): the overview map with the
bundled borders, and the counts timeline. Each returns PNG bytes."""

from __future__ import annotations

import functools
import io
import itertools
import math
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import shapely
import shapely.affinity
import shapely.errors
from matplotlib.ticker import FuncFormatter
from shapely.geometry import Polygon

from forcewatch.geo.borders import borders


def _png(fig: plt.Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


#: A box in display units: (x0, y0, x1, y1).
Box = tuple[float, float, float, float]
#: Display units between a marker and its label, and kept free around each marker (defaults of
#: :func:`place_labels`; the map passes its own, from points).
LABEL_GAP_PX = 5.0
MARKER_RADIUS_PX = 4.0
#: Display pixels kept between two labels.
LABEL_PAD_PX = 2.0


def unwrap_lons(lons: Sequence[float]) -> list[float]:
    """The longitudes shifted by whole turns so that they span the shortest arc (sites on both
    sides of the antimeridian stay close: 179.5 and -179.5 become 179.5 and 180.5), starting in
    [-180, 180).

    >>> unwrap_lons([179.5, -179.5])
    [179.5, 180.5]
    >>> unwrap_lons([26.8, -97.78])
    [26.8, -97.78]
    """
    if not lons:
        return []
    turned = sorted(lon % 360.0 for lon in lons)
    gaps = [b - a for a, b in itertools.pairwise(turned)] + [turned[0] + 360.0 - turned[-1]]
    # the widest gap is left out of the map; on a tie, the one across the antimeridian
    widest = max(range(len(gaps)), key=lambda i: (gaps[i], i == len(gaps) - 1))
    start = turned[(widest + 1) % len(turned)]
    start -= 360.0 if start >= 180.0 else 0.0

    def turns(lon: float) -> float:
        offset = (lon - start) % 360.0
        return 0.0 if offset > 360.0 - 1e-9 else offset

    return [lon + 360.0 * round((start + turns(lon) - lon) / 360.0) for lon in lons]


def _free(candidates: np.ndarray, taken: np.ndarray, pad: np.ndarray, within: Box | None) -> np.ndarray:
    """Which ``candidates`` (N×4 boxes) overlap none of ``taken`` (M×4, each kept ``pad`` apart)
    and lie inside ``within``."""
    c, t, p = candidates[:, None, :], taken[None, :, :], pad[None, :]
    hits = (c[..., 0] < t[..., 2] + p) & (t[..., 0] < c[..., 2] + p) & (c[..., 1] < t[..., 3] + p)
    hits &= t[..., 1] < c[..., 3] + p
    ok = ~hits.any(axis=1)
    if within is not None:
        ok &= (candidates[:, 0] >= within[0]) & (candidates[:, 2] <= within[2])
        ok &= (candidates[:, 1] >= within[1]) & (candidates[:, 3] <= within[3])
    return ok


def _ring_of_boxes(x: float, y: float, w: float, h: float, reach: float) -> np.ndarray:
    """16 boxes of w × h whose nearest corner (or edge) lies on the square of half-side ``reach``
    around (x, y), going round from up and to the right."""
    angles = np.pi / 4 + np.arange(16) * np.pi / 8
    dx, dy = np.cos(angles), np.sin(angles)
    scale = reach / np.maximum(np.abs(dx), np.abs(dy))
    dx, dy = np.round(dx * scale, 6), np.round(dy * scale, 6)
    left = np.where(dx > 0, x + dx, np.where(dx < 0, x + dx - w, x - w / 2))
    bottom = np.where(dy > 0, y + dy, np.where(dy < 0, y + dy - h, y - h / 2))
    return np.round(np.stack([left, bottom, left + w, bottom + h], axis=1), 6)


def place_labels(
    anchors: Sequence[tuple[float, float]],
    sizes: Sequence[tuple[float, float]],
    gap: float = LABEL_GAP_PX,
    marker: float = MARKER_RADIUS_PX,
    within: Box | None = None,
    rings: int = 80,
) -> list[Box]:
    """Boxes for labels of ``sizes`` (w, h) near their ``anchors`` (x, y; display units, y up),
    none overlapping another or covering a marker, inside ``within`` where there is room: each
    in turn, the first free place on squares of growing size around its anchor, in 16 directions,
    starting up and to the right.

    >>> place_labels([(0, 0), (0, 0)], [(10, 4), (10, 4)])
    [(5.0, 5.0, 15.0, 9.0), (-12.071068, 5.0, -2.071068, 9.0)]
    """
    taken = np.array([(x - marker, y - marker, x + marker, y + marker) for x, y in anchors], float).reshape(-1, 4)
    pad = np.zeros(len(taken))
    placed: list[Box] = []
    for (x, y), (w, h) in zip(anchors, sizes, strict=True):
        box: Box | None = None
        for bounds in (within, None) if within is not None else (None,):
            for ring in range(rings):
                candidates = _ring_of_boxes(x, y, w, h, gap + ring * max(h, gap))
                ok = np.flatnonzero(_free(candidates, taken, pad, bounds))
                if ok.size:
                    box = tuple(float(v) for v in candidates[ok[0]])  # type: ignore[assignment]
                    break
            if box is not None:
                break
        box = box or (x + gap, y + gap, x + gap + w, y + gap + h)
        placed.append(box)
        taken = np.vstack([taken, box])
        pad = np.append(pad, LABEL_PAD_PX)
    return placed


def _unwrap_ring(coords: np.ndarray) -> np.ndarray | None:
    """A ring's coordinates with each jump of more than 180° in longitude undone (a ring drawn
    across the antimeridian runs on past ±180°); None if the ring circles the pole (Antarctica)."""
    d = np.diff(coords[:, 0])
    shift = np.concatenate([[0.0], np.cumsum(np.where(np.abs(d) > 180.0, -np.sign(d) * 360.0, 0.0))])
    if shift[-1] != 0.0:
        return None
    out = coords.copy()
    out[:, 0] += shift
    return out


def _unwrap_polygon(poly: Polygon) -> Polygon:
    """A polygon of the borders that crosses the antimeridian, in continuous longitudes."""
    minx, _, maxx, _ = poly.bounds
    if maxx - minx <= 180.0:
        return poly
    rings = [_unwrap_ring(np.asarray(r.coords)) for r in (poly.exterior, *poly.interiors)]
    if rings[0] is None:
        return poly
    return Polygon(rings[0], [r for r in rings[1:] if r is not None])


@functools.cache
def _country_parts(code: str) -> tuple[np.ndarray, np.ndarray]:
    """A country's polygons (antimeridian crossings unwrapped) and their bounds."""
    area = borders().area(code)
    parts = np.array([_unwrap_polygon(p) for p in area.geoms if not p.is_empty], dtype=object)
    return parts, shapely.bounds(parts).reshape(-1, 4)


def _country_in(code: str, box: Box) -> list[Polygon]:
    """The parts of a country inside ``box`` (lon/lat, x maybe past ±180°: parts shifted by whole
    turns). Clipped with ``clip_by_rect``, which, unlike an intersection, takes the borders'
    slightly invalid rings (quantised coordinates) without a GEOS topology error."""
    x0, y0, x1, y1 = box
    parts, bounds = _country_parts(code)
    pieces: list[Polygon] = []
    for turn in (-720.0, -360.0, 0.0, 360.0, 720.0):
        hit = (bounds[:, 0] + turn < x1) & (bounds[:, 2] + turn > x0) & (bounds[:, 1] < y1) & (bounds[:, 3] > y0)
        for part in parts[hit]:
            clipped = shapely.clip_by_rect(part, x0 - turn, y0, x1 - turn, y1)
            pieces += [
                shapely.affinity.translate(q, xoff=turn)
                for q in getattr(clipped, "geoms", [clipped])
                if q.geom_type == "Polygon" and not q.is_empty
            ]
    return pieces


def _draw_borders(ax: plt.Axes, box: Box) -> None:
    """The bundled countries inside ``box``, named where they fill a good part of the map."""
    b = borders()
    min_area = max(0.5, 0.01 * (box[2] - box[0]) * (box[3] - box[1]))
    for code in b.countries:
        pieces = _country_in(code, box)
        for poly in pieces:
            x, y = poly.exterior.xy
            ax.fill(x, y, facecolor="#f3f1ea" if code not in ("UKR",) else "#fdf6d8", edgecolor="#777", linewidth=0.6)
        if pieces and sum(p.area for p in pieces) > min_area:
            largest = max(pieces, key=lambda p: p.area)
            try:
                c = largest.representative_point()
            except shapely.errors.GEOSException:
                c = largest.centroid
            ax.text(c.x, c.y, b.countries[code].name, fontsize=8, color="#999", ha="center", style="italic")


def _label_sites(ax: plt.Axes, points: Sequence[tuple[str, float, float, str]], lons: Sequence[float]) -> None:
    """A marker and a label per site; labels placed apart (:func:`place_labels`), with a leader
    line to the marker when pushed away from it."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    texts = [f"{name}\n{label}" for name, _, _, label in points]
    sizes = []
    for text in texts:
        probe = ax.text(0, 0, text, fontsize=8)
        extent = probe.get_window_extent(renderer)
        sizes.append((extent.width, extent.height))
        probe.remove()
    ax.apply_aspect()
    xy = ax.transData.transform(np.column_stack([lons, [p[1] for p in points]]))
    anchors = [(float(x), float(y)) for x, y in xy]
    frame = ax.get_window_extent(renderer)
    px = fig.dpi / 72.0  # display pixels a point
    gap = 5.0 * px  # the label 5 points up and right of its marker, where there is room
    boxes = place_labels(
        anchors, sizes, gap=gap, marker=3.0 * px + 1.0, within=(frame.x0, frame.y0, frame.x1, frame.y1)
    )
    for (lon, p), text, (ax_, ay_), box in zip(zip(lons, points, strict=True), texts, anchors, boxes, strict=True):
        ax.plot(lon, p[1], marker="o", color="#c0392b", markersize=6)
        pushed = max(box[0] - ax_, ax_ - box[2], box[1] - ay_, ay_ - box[3]) > gap + 0.5
        ax.annotate(
            text,
            (lon, p[1]),
            xytext=((box[0] - ax_) / px, (box[1] - ay_) / px),
            textcoords="offset points",
            fontsize=8,
            ha="left",
            va="bottom",
            gid="site-label",
            arrowprops={"arrowstyle": "-", "color": "#888", "lw": 0.5} if pushed else None,
        )


def overview_figure(
    points: Sequence[tuple[str, float, float, str]],
    margin_deg: float = 2.0,
    unnamed: Sequence[tuple[float, float]] = (),
) -> plt.Figure:
    """The overview map as a matplotlib figure: sites (name, lat, lon, label) over the bundled
    country borders, equirectangular at the map's mean latitude, for any set of sites (across
    continents, or both sides of the antimeridian: longitudes are unwrapped), labels apart;
    ``unnamed`` sites (lat, lon) as small dots without a label (a watchlist of hundreds)."""
    lats = [p[1] for p in points] + [lat for lat, _ in unnamed] or [50.0]
    lons = unwrap_lons([p[2] for p in points] + [lon for _, lon in unnamed]) or [30.0]
    box = (
        min(lons) - margin_deg,
        max(-90.0, min(lats) - margin_deg),
        max(lons) + margin_deg,
        min(90.0, max(lats) + margin_deg),
    )
    fig, ax = plt.subplots(figsize=(9, 7))
    _draw_borders(ax, box)
    ax.set_xlim(box[0], box[2])
    ax.set_ylim(box[1], box[3])
    mean_lat = max(-80.0, min(80.0, sum(lats) / len(lats)))
    ax.set_aspect(1 / math.cos(math.radians(mean_lat)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{180.0 - (180.0 - x) % 360.0:g}"))
    if unnamed:
        ax.plot(lons[len(points) :], lats[len(points) :], "o", color="#555", markersize=3, gid="site-dot")
    if points:
        _label_sites(ax, points, lons[: len(points)])
    ax.set_facecolor("#dfe9f3")
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_title("Watched sites and latest counts — borders: Natural Earth 1:10m (Crimea drawn in Russia)", fontsize=9)
    return fig


def overview_map(
    points: Sequence[tuple[str, float, float, str]],
    margin_deg: float = 2.0,
    unnamed: Sequence[tuple[float, float]] = (),
) -> bytes:
    """The overview map (:func:`overview_figure`) as PNG bytes."""
    return _png(overview_figure(points, margin_deg, unnamed))


def counts_timeline(
    dates: Sequence[str],
    series: Mapping[str, Sequence[int | None]],
    title: str,
    gaps: Mapping[str, Sequence[str]] | None = None,
) -> bytes:
    """Counts per class over the observation dates; None is a gap marked on the axis, never a zero:
    "n/o" (not observable, or not scanned) unless ``gaps`` (per class, per date) says otherwise
    (such as "unval.": an unvalidated candidate that date, not a finding)."""
    fig, ax = plt.subplots(figsize=(7, 2.8))
    for cls, values in sorted(series.items()):
        ys = [float("nan") if v is None else v for v in values]
        ax.plot(range(len(dates)), ys, marker="o", label=cls)
        why = list((gaps or {}).get(cls, ())) or [""] * len(values)
        for i, v in enumerate(values):
            if v is None:
                text = f"{cls}: {why[i] or 'n/o'}"
                ax.annotate(text, (i, 0), xytext=(0, 3), textcoords="offset points", ha="center", fontsize=7)
            else:
                ax.annotate(str(v), (i, v), xytext=(0, 5), textcoords="offset points", ha="center", fontsize=8)
    ax.set_xticks(range(len(dates)), [d[:10] for d in dates], rotation=0, fontsize=8)
    ax.set_ylabel("count")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=9)
    return _png(fig)
