"""Ingest imagery into a workspace: describe each file as a scene, store it once (by sha256) and
link it to the sites it overlaps, with the share of each site's area it covers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from forcewatch.geo.convert import area_m2
from forcewatch.imagery.scene import Registration, describe
from forcewatch.model import Geometry, Scene, Site
from forcewatch.provenance import file_sha256
from forcewatch.store.base import Store

#: ``Registration`` (how to place a plain image: centre and GSD, world file CRS, or GCPs) is part of
#: this use case's input, so callers take it from here.
__all__ = ["IngestResult", "Registration", "ingest", "overlap_share", "overlapping_sites"]


@dataclass(frozen=True)
class IngestResult:
    """What became of one file: ``status`` is ingested, skipped (already ingested) or failed."""

    path: Path
    scene: Scene | None
    status: str  # ingested | skipped (already ingested) | failed
    sites: tuple[str, ...] = ()
    message: str = ""


def overlap_share(footprint: Geometry, aoi: Geometry) -> float:
    """The share (0–1, 4 decimals) of a site's area that a scene's footprint covers, on the ellipsoid."""
    return round(area_m2(footprint.intersection(aoi)) / max(area_m2(aoi), 1e-9), 4)


def overlapping_sites(footprint: Geometry, sites: Sequence[Site]) -> list[tuple[Site, float]]:
    """The sites a footprint overlaps, each with the share of its area covered (:func:`overlap_share`)."""
    return [(site, overlap_share(footprint, site.aoi)) for site in sites if footprint.intersects(site.aoi)]


def _skipped(path: Path, known: Scene) -> IngestResult:
    return IngestResult(path, known, "skipped", message=f"already ingested as scene {known.id}")


def ingest(
    store: Store,
    paths: Sequence[Path],
    *,
    acquired: str | None = None,
    sensor: str | None = None,
    registration: Registration | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[IngestResult]:
    """Ingest every path in one transaction: all land, or (on any bad file) none do. A file already
    ingested (same sha256) is skipped, so re-ingesting is harmless."""
    results = []
    with store.transaction():
        for i, path in enumerate(paths):
            digest = None
            if path.suffix.lower() != ".json" and path.is_file():
                digest = file_sha256(path)
                known = store.scene_by_sha(digest)
                if known is not None:
                    results.append(_skipped(path, known))
                    continue
            scene = describe(path, acquired=acquired, sensor=sensor, registration=registration, sha256=digest)
            known = store.scene_by_sha(scene.sha256)
            if known is not None:
                results.append(_skipped(path, known))
                continue
            scene = store.add_scene(scene)
            assert scene.id is not None
            linked = []
            for site, share in overlapping_sites(scene.footprint, store.sites_overlapping(scene.footprint)):
                assert site.id is not None
                store.link(scene.id, site.id, share)
                linked.append(site.name)
            msg = f"covers {', '.join(linked)}" if linked else "overlaps no site: stored, nothing to scan"
            store.log(
                "ingest",
                f"scene {scene.id} {scene.path} ({scene.acquired}, {scene.gsd_m:.2f} m, {scene.georef}): {msg}",
            )
            results.append(IngestResult(path, scene, "ingested", tuple(linked), msg))
            if progress:
                progress(i + 1, len(paths))
    return results
