"""How a scene is linked to the sites it overlaps, on geometries built in code."""

from __future__ import annotations

import pytest
from shapely.geometry import box

from forcewatch.app.ingest import overlap_share, overlapping_sites
from forcewatch.model import Site


def test_overlap_share_is_the_share_of_the_site_covered() -> None:
    site = box(26.0, 52.0, 26.1, 52.1)
    assert overlap_share(box(25.0, 51.0, 27.0, 53.0), site) == 1.0
    assert overlap_share(box(26.05, 51.0, 27.0, 53.0), site) == pytest.approx(0.5, abs=0.001)


def test_overlapping_sites_skips_the_sites_out_of_the_footprint() -> None:
    near = Site("near", box(26.0, 52.0, 26.1, 52.1))
    far = Site("far", box(30.0, 50.0, 30.1, 50.1))
    linked = overlapping_sites(box(26.05, 51.0, 27.0, 53.0), [near, far])
    assert [(s.name, round(share, 2)) for s, share in linked] == [("near", 0.5)]
