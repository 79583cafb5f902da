"""Hold-out splits by site: images of the same place on different dates stay on one side.

Images are grouped when ORB features match under a RANSAC similarity transform with enough
inliers: the same airport seen on another date shares its runways, taxiways and buildings.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

MATCH_SIDE_PX = 800
MIN_INLIERS = 40


def _features(path: Path, orb: cv2.Feature2D) -> tuple[list[cv2.KeyPoint], np.ndarray | None]:
    img = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if img is None:
        return [], None
    f = MATCH_SIDE_PX / max(img.shape)
    img = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    kps, desc = orb.detectAndCompute(img, None)
    return list(kps), desc


def same_site_inliers(
    a: tuple[list[cv2.KeyPoint], np.ndarray | None], b: tuple[list[cv2.KeyPoint], np.ndarray | None]
) -> int:
    """RANSAC inliers of a similarity transform between two feature sets (0 when none)."""
    if a[1] is None or b[1] is None or len(a[0]) < 10 or len(b[0]) < 10:
        return 0
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    pairs = matcher.knnMatch(a[1], b[1], k=2)
    good = [m for m, *rest in pairs if rest and m.distance < 0.8 * rest[0].distance]
    if len(good) < 10:
        return 0
    src = np.array([a[0][m.queryIdx].pt for m in good], np.float32)
    dst = np.array([b[0][m.trainIdx].pt for m in good], np.float32)
    _, inl = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=4.0)
    return int(inl.sum()) if inl is not None else 0


def group_by_site(paths: Sequence[Path], min_inliers: int = MIN_INLIERS) -> list[list[Path]]:
    """Connected groups of images that show the same place (union–find over matching pairs)."""
    orb = cv2.ORB.create(nfeatures=1500)
    feats = [_features(p, orb) for p in paths]
    parent = list(range(len(paths)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(paths)):
        for j in range(i + 1, len(paths)):
            if root(i) != root(j) and same_site_inliers(feats[i], feats[j]) >= min_inliers:
                parent[root(j)] = root(i)
    groups: dict[int, list[Path]] = {}
    for i, p in enumerate(paths):
        groups.setdefault(root(i), []).append(p)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0].name))


def holdout_split(groups: Sequence[Sequence[Path]], holdout_images: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """(train names, hold-out names): whole groups go to the hold-out until it has enough images."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(groups))
    held: list[str] = []
    for i in order:
        if len(held) >= holdout_images:
            break
        held.extend(p.name for p in groups[i])
    train = sorted(p.name for g in groups for p in g if p.name not in set(held))
    return train, sorted(held)
