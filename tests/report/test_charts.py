"""The overview map works for any set of sites: across continents (the bundled borders are
slightly invalid, which broke intersections), across the antimeridian, and with close sites whose
labels are placed apart."""

from __future__ import annotations

import itertools
import math

import matplotlib.pyplot as plt
import pytest
from matplotlib.text import Text

from forcewatch.report.charts import overview_figure, overview_map, place_labels, unwrap_lons

PNG = b"\x89PNG\r\n\x1a\n"


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_unwrap_longitudes() -> None:
    assert unwrap_lons([]) == []
    assert unwrap_lons([10.0, 20.0, 30.0]) == [10.0, 20.0, 30.0]
    assert unwrap_lons([26.8, -97.78]) == [26.8, -97.78]  # Belarus and Texas: across the Atlantic
    assert unwrap_lons([179.5, -179.5]) == [179.5, 180.5]
    assert unwrap_lons([-179.5, 179.5, 178.0]) == [180.5, 179.5, 178.0]


def test_sites_on_two_continents() -> None:
    png = overview_map([("Luninets airfield", 52.25, 26.8, "15 aircraft"), ("Fort Hood", 31.13, -97.78, "no data")])
    assert png.startswith(PNG)


def test_sites_across_the_antimeridian_are_shown_close() -> None:
    fig = overview_figure([("Anadyr", 64.7, 179.5, "2 aircraft"), ("Provideniya", 64.4, -179.5, "no data")])
    x0, x1 = fig.axes[0].get_xlim()
    plt.close(fig)
    assert (x0, x1) == pytest.approx((177.5, 182.5))  # 5°, not the whole globe


def test_placed_labels_never_overlap_each_other_or_a_marker() -> None:
    anchors = [(100.0 + i % 3, 100.0 + i // 3) for i in range(8)]
    boxes = place_labels(anchors, [(60.0, 22.0)] * 8, within=(0, 0, 400, 300))
    assert boxes[0] == (105.0, 105.0, 165.0, 127.0)  # the first up and to the right, as before
    for a, b in itertools.combinations(boxes, 2):
        assert not _overlap(a, b)
    for box in boxes:
        assert box[0] >= 0 and box[1] >= 0 and box[2] <= 400 and box[3] <= 300
        assert not any(_overlap(box, (x - 4, y - 4, x + 4, y + 4)) for x, y in anchors)


def test_labels_of_close_sites_do_not_overlap_on_the_map() -> None:
    # 8 camps within 5 km of each other, and one town further away
    points = [(f"Camp {i}", 52.25 + 0.02 * math.sin(i), 26.8 + 0.03 * math.cos(i), f"{i} tents") for i in range(8)] + [
        ("Yelsk", 51.81, 29.15, "no data")
    ]
    fig = overview_figure(points)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    labels = [t for t in fig.axes[0].texts if t.get_gid() == "site-label"]
    boxes = [tuple(Text.get_window_extent(t, renderer).extents) for t in labels]  # the text, not the leader line
    plt.close(fig)
    assert len(boxes) == 9
    for a, b in itertools.combinations(boxes, 2):
        assert not _overlap(a, b), (a, b)  # type: ignore[arg-type]
