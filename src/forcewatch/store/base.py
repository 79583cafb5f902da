"""The repository interface every store backend implements (GeoPackage now, PostGIS next)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from forcewatch.model import Comparison, Detection, Observation, Scene, Site


@dataclass(frozen=True)
class StoredDetection:
    """A detection as stored: with its observation, scene, site and ground polygon."""

    id: int
    observation_id: int
    scene_id: int
    site_id: int
    detection: Detection
    acquired: str


class Store(Protocol):
    """Every write happens inside ``transaction()``: all of it lands, or none of it."""

    def transaction(self) -> AbstractContextManager[None]: ...

    def close(self) -> None: ...

    # sites
    def add_site(self, site: Site) -> Site: ...

    def sites(self) -> list[Site]: ...

    def site(self, name: str) -> Site: ...

    def remove_site(self, name: str) -> Site: ...

    # scenes
    def scene_by_sha(self, sha256: str) -> Scene | None: ...

    def add_scene(self, scene: Scene) -> Scene: ...

    def scenes(self) -> list[Scene]: ...

    def link(self, scene_id: int, site_id: int, overlap_share: float) -> None: ...

    def scenes_of_site(self, site_id: int) -> list[Scene]: ...

    def pending_pairs(self, model_sha256: str, site_name: str | None = None) -> list[tuple[Scene, Site]]: ...

    # observations and detections
    def add_observation(self, obs: Observation, detections: list[Detection]) -> Observation: ...

    def observations(self, site_id: int | None = None) -> list[Observation]: ...

    def detections(self, site_id: int | None = None) -> Iterator[StoredDetection]: ...

    def add_comparison(self, comparison: Comparison) -> int: ...

    def comparisons(self, site_id: int) -> list[dict[str, Any]]: ...

    def change_rows(self, table: str, site_ids: set[int]) -> list[dict[str, Any]]: ...

    def log(self, command: str, message: str) -> None: ...
