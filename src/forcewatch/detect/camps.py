"""Camps: clusters of tents and ground vehicles, as analysts outline them ("a camp of 120 tents and
about 300 vehicles, 14 ha"). Objects join a cluster when the gap between them is at most
``link_gap_m``; a cluster is a camp when it holds enough objects. Its outline is the hull of the
members' footprints with a margin; area, counts per class and density per hectare come with it.

Works in any metric plane (an image's pixels × GSD, a UTM zone): callers project in and out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

#: The classes that make up camps.
CAMP_CLASSES = ("tent", "vehicle")


@dataclass(frozen=True)
class CampRules:
    link_gap_m: float = 15.0  # largest gap between two members' footprints (paths between tent rows)
    min_objects: int = 6  # fewer is a group, not a camp
    min_tents_for_tent_camp: int = 3
    margin_m: float = 5.0  # outline margin around the members' footprints


@dataclass(frozen=True)
class Camp:
    polygon: shapely.Polygon  # metric plane of the caller
    members: tuple[int, ...]  # indices into the caller's detections
    counts: dict[str, int]
    area_m2: float
    kind: str = "vehicle park"  # "tent camp" with at least the rules' min_tents_for_tent_camp tents

    @property
    def density_per_ha(self) -> float:
        return sum(self.counts.values()) / max(self.area_m2 / 1e4, 1e-9)

    def to_json(self, polygon_wkt: str | None = None) -> dict[str, object]:
        return {
            "kind": self.kind,
            "objects": sum(self.counts.values()),
            "counts": dict(sorted(self.counts.items())),
            "area_m2": round(self.area_m2),
            "area_ha": round(self.area_m2 / 1e4, 2),
            "density_per_ha": round(self.density_per_ha, 1),
            "polygon_wkt": polygon_wkt if polygon_wkt is not None else self.polygon.wkt,
        }


def find_camps(
    footprints_m: list[np.ndarray],
    classes: list[str],
    rules: CampRules = CampRules(),
) -> list[Camp]:
    """Camps among objects given as footprints (k×2 metric polygons) and classes; objects of
    other classes (aircraft) are ignored. Largest camp first."""
    idx = [i for i, c in enumerate(classes) if c in CAMP_CLASSES]
    if len(idx) < rules.min_objects:
        return []
    polys = [shapely.Polygon(footprints_m[i]) for i in idx]
    centres = np.array([[p.centroid.x, p.centroid.y] for p in polys])
    radius = np.array([shapely.minimum_bounding_radius(p) for p in polys])
    tree = cKDTree(centres)
    reach = rules.link_gap_m + 2 * float(radius.max())
    pairs = tree.query_pairs(reach, output_type="ndarray")
    if len(pairs):  # exact test: the gap between footprints, not between centres
        gaps = shapely.distance(np.array(polys, dtype=object)[pairs[:, 0]], np.array(polys, dtype=object)[pairs[:, 1]])
        pairs = pairs[gaps <= rules.link_gap_m]
    n = len(idx)
    pairs = pairs.reshape(-1, 2)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    camps = []
    for lab in np.unique(labels):
        members = np.nonzero(labels == lab)[0]
        if len(members) < rules.min_objects:
            continue
        outline = shapely.union_all([polys[m] for m in members]).convex_hull.buffer(rules.margin_m, join_style="mitre")
        counts: dict[str, int] = {}
        for m in members:
            counts[classes[idx[m]]] = counts.get(classes[idx[m]], 0) + 1
        kind = "tent camp" if counts.get("tent", 0) >= rules.min_tents_for_tent_camp else "vehicle park"
        camps.append(Camp(outline, tuple(idx[m] for m in members), counts, float(outline.area), kind))
    return sorted(camps, key=lambda c: -sum(c.counts.values()))


def box_footprint(box: tuple[float, float, float, float], scale: float = 1.0) -> np.ndarray:
    """The four corners of a pixel box, times ``scale`` (the GSD, for metres)."""
    x0, y0, x1, y1 = box
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64) * scale
