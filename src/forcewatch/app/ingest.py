"""Ingest imagery into a workspace: describe each image as a scene, store it once (by sha256) and
link it to the sites it overlaps, with the share of each site's area it covers.

Images are local files or http(s) URLs of cloud-optimised GeoTIFFs (read where they live, by range
requests); folders, glob patterns and CSV sidecars are expanded by
:func:`forcewatch.imagery.sources.expand`. With ``copy``, each image is kept inside the workspace
(its ``imagery/`` folder; a URL is downloaded there), so that the workspace folder holds all it needs."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from forcewatch.errors import InputError
from forcewatch.geo.convert import area_m2
from forcewatch.imagery import remote
from forcewatch.imagery.copies import download_copy, keep_copy
from forcewatch.imagery.scene import Registration, describe, parse_time
from forcewatch.imagery.sources import Source, expand
from forcewatch.model import Geometry, Scene, Site
from forcewatch.provenance import file_sha256
from forcewatch.store.base import Store

#: ``Registration`` (how to place a plain image: centre and GSD, world file CRS, or GCPs) and
#: ``Source`` (one image with its sidecar row or catalogue entry) are part of this use case's input,
#: so callers take them from here.
__all__ = [
    "IngestResult",
    "Registration",
    "Source",
    "expand",
    "ingest",
    "overlap_share",
    "overlapping_sites",
]

INGESTED, SKIPPED, DATE_DIFFERS = "ingested", "skipped", "date differs"


@dataclass(frozen=True)
class IngestResult:
    """What became of one image: ``status`` is ingested, skipped (already ingested), or date differs
    (already ingested with another acquisition time: nothing changed, ``message`` says how to
    correct it)."""

    path: Path | str
    scene: Scene | None
    status: str
    sites: tuple[str, ...] = ()
    message: str = ""

    @property
    def name(self) -> str:
        return Source(self.path).name


def overlap_share(footprint: Geometry, aoi: Geometry) -> float:
    """The share (0–1, 4 decimals) of a site's area that a scene's footprint covers, on the ellipsoid."""
    return round(area_m2(footprint.intersection(aoi)) / max(area_m2(aoi), 1e-9), 4)


def overlapping_sites(footprint: Geometry, sites: Sequence[Site]) -> list[tuple[Site, float]]:
    """The sites a footprint overlaps, each with the share of its area covered (:func:`overlap_share`)."""
    return [(site, overlap_share(footprint, site.aoi)) for site in sites if footprint.intersects(site.aoi)]


def _known(source: Source, known: Scene, acquired: str | None) -> IngestResult:
    """An image already ingested: skipped, or (given another date) said so, with the fix."""
    if acquired is not None:
        given = parse_time(acquired, source.where or str(source.location))
        if given != known.acquired:
            return IngestResult(
                source.location,
                known,
                DATE_DIFFERS,
                message=f"already ingested as scene {known.id}, acquired {known.acquired}, not {given}: nothing "
                f"changed. Fix: to correct its date, `forcewatch scene set-date {known.id} {given}`.",
            )
    return IngestResult(source.location, known, SKIPPED, message=f"already ingested as scene {known.id}")


def _fingerprint(location: Path | str) -> str | None:
    """The hash that finds an image already ingested before it is read: a local file's sha256, a URL's
    fingerprint; None for a STAC item JSON (its asset's hash is known once the item is read)."""
    if isinstance(location, str):
        return remote.probe(location).sha256
    if location.suffix.lower() != ".json" and location.is_file():
        return file_sha256(location)
    return None


class _Ingest:
    """One ingest command: the store, the options, and the copies written so far (removed if it fails).

    Each image is read (hashed, described, copied) by :meth:`read` before the store's transaction
    begins, so that slow reads (remote images) do not hold the workspace's write lock; :meth:`write`
    then stores each new scene, checking again that no scene of that hash came in meanwhile."""

    def __init__(self, store: Store, acquired: str | None, sensor: str | None, reg: Registration | None, copy: bool):
        self.store, self.acquired, self.sensor, self.reg, self.copy = store, acquired, sensor, reg, copy
        self.written: list[Path] = []

    def read(self, source: Source) -> IngestResult:
        """The image's scene, described (status ``ingested`` if all goes well), or why it is not new."""
        store = self.store
        acquired = source.acquired or self.acquired
        location = source.location
        if self.copy and isinstance(location, str):
            location, files = download_copy(location, store.folder)
            self.written += files
        digest = _fingerprint(location)
        known = store.scene_by_sha(digest) if digest else None
        if known is not None:
            return _known(source, known, acquired)
        scene = describe(
            location, acquired=acquired, sensor=source.sensor or self.sensor, registration=self.reg, sha256=digest
        )
        extra = dict(source.properties)
        if self.copy and not remote.is_url(scene.path) and store.scene_by_sha(scene.sha256) is None:
            kept, files = keep_copy(Path(scene.path), store.folder, scene.sha256)
            self.written += files
            if files:
                extra["copied_from"] = str(source.location)
            scene = dataclasses.replace(scene, path=str(kept))
        if extra:
            scene = dataclasses.replace(scene, properties={**(scene.properties or {}), **extra})
        return IngestResult(source.location, scene, INGESTED)

    def write(self, source: Source, described: IngestResult) -> IngestResult:
        """Store a described scene and link it to the sites it overlaps (inside the transaction)."""
        store, scene = self.store, described.scene
        if described.status != INGESTED or scene is None:
            return described
        known = store.scene_by_sha(scene.sha256)
        if known is not None:
            return _known(source, known, source.acquired or self.acquired)
        scene = store.add_scene(scene)
        assert scene.id is not None
        linked = []
        for site, share in overlapping_sites(scene.footprint, store.sites_overlapping(scene.footprint)):
            assert site.id is not None
            store.link(scene.id, site.id, share)
            linked.append(site.name)
        msg = f"covers {', '.join(linked)}" if linked else "overlaps no site: stored, nothing to scan"
        store.log(
            "ingest", f"scene {scene.id} {scene.path} ({scene.acquired}, {scene.gsd_m:.2f} m, {scene.georef}): {msg}"
        )
        return IngestResult(source.location, scene, INGESTED, tuple(linked), msg)


def _named(step: Callable[[Source], IngestResult], source: Source) -> IngestResult:
    """``step(source)``; an error of a source from a sidecar row or a catalogue names that too."""
    try:
        return step(source)
    except InputError as exc:
        if not source.where or type(exc).__init__ is not InputError.__init__:
            raise
        raise type(exc)(f"{source.where}: {exc}") from None


def ingest(
    store: Store,
    paths: Sequence[Path | str | Source],
    *,
    acquired: str | None = None,
    sensor: str | None = None,
    registration: Registration | None = None,
    copy: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> list[IngestResult]:
    """Ingest every image (a path, an http(s) URL, or a :class:`Source` with its own date and
    sensor) in one transaction: all land, or (on any bad image) none do, and copies made by ``copy``
    are removed again. An image already ingested (same sha256) is skipped, so re-ingesting is
    harmless; given another date (``acquired`` or its source's), it is reported, unchanged, with
    the ``scene set-date`` command that corrects it."""
    sources = [p if isinstance(p, Source) else Source(p) for p in paths]
    run = _Ingest(store, acquired, sensor, registration, copy)
    try:
        described = []
        for i, source in enumerate(sources):
            described.append(_named(run.read, source))
            if progress:
                progress(i + 1, len(sources))
        with store.transaction():
            return [run.write(source, d) for source, d in zip(sources, described, strict=True)]
    except BaseException:
        for f in run.written:
            f.unlink(missing_ok=True)
        raise
