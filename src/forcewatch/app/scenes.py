"""Scene management: list the workspace's scenes, remove one with everything derived from it,
correct its acquisition time, record where its file now is.

Every change happens in one transaction of the store: it lands whole, or (on any error) not at all."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from forcewatch.errors import InputError
from forcewatch.imagery import remote
from forcewatch.imagery.copies import remove_copy
from forcewatch.imagery.scene import parse_time
from forcewatch.model import Scene
from forcewatch.provenance import file_sha256
from forcewatch.store.base import Store
from forcewatch.store.scene_paths import stored_path

__all__ = [
    "DateSet",
    "Relocated",
    "Removal",
    "SceneEntry",
    "dependents_text",
    "list_scenes",
    "relocate_scene",
    "remove_scene",
    "set_scene_date",
]


def shown_path(scene: Scene, store: Store) -> str:
    """A scene's path as the workspace records it: relative to the workspace folder where it lies inside it."""
    return stored_path(scene.path, store.folder.resolve())


def dependents_text(counts: dict[str, int]) -> str:
    """``2 sites, 3 observations, 12 detections, 1 comparison, 0 labels``."""
    return ", ".join(f"{n} {name[:-1] if n == 1 else name}" for name, n in counts.items())


def scene_text(scene: Scene) -> str:
    """``scene 3 (b.tif, 2022-02-10T09:05:00Z)``."""
    name = Path(scene.path).name if not remote.is_url(scene.path) else remote.file_name(scene.path)
    return f"scene {scene.id} ({name}, {scene.acquired})"


@dataclass(frozen=True)
class SceneEntry:
    """A scene in ``scene list``: where its image is (as recorded), whether a local file is there
    (None for a URL: not asked), and what depends on it."""

    scene: Scene
    path: str
    present: bool | None
    counts: dict[str, int]

    def to_json(self) -> dict[str, object]:
        s = self.scene
        return {
            "id": s.id,
            "acquired": s.acquired,
            "sensor": s.sensor,
            "gsd_m": s.gsd_m,
            "georef": s.georef,
            "path": self.path,
            "present": self.present,
            "sha256": s.sha256,
            **self.counts,
        }


def list_scenes(store: Store) -> list[SceneEntry]:
    """Every scene, in date order, with what depends on it."""
    counts = store.scene_counts()
    return [
        SceneEntry(
            s,
            shown_path(s, store),
            None if remote.is_url(s.path) else Path(s.path).is_file(),
            counts[s.id or 0],
        )
        for s in store.scenes()
    ]


@dataclass(frozen=True)
class Removal:
    """What ``scene remove`` did, or (``removed`` False) would do."""

    scene: Scene
    counts: dict[str, int]
    removed: bool
    deleted_copy: str | None = None  # the workspace's copy of the image, deleted with the scene


def remove_scene(store: Store, scene_id: int, *, yes: bool) -> Removal:
    """Remove a scene with its observations, detections, comparisons (and their alerts) and labels,
    in one transaction; without ``yes``, only say what that would remove. A copy of its image that
    ``ingest --copy`` made in the workspace is deleted after the removal is committed."""
    scene = store.scene_by_id(scene_id)
    if not yes:
        return Removal(scene, store.scene_counts(scene_id)[scene_id], removed=False)
    with store.transaction():
        counts = store.remove_scene(scene_id)
        store.log("scene remove", f"{scene_text(scene)} {scene.path}: removed with {dependents_text(counts)}")
    copy = None
    if (scene.properties or {}).get("copied_from") and not remote.is_url(scene.path):
        copy = remove_copy(Path(scene.path), store.folder)
    return Removal(scene, counts, removed=True, deleted_copy=str(copy) if copy else None)


@dataclass(frozen=True)
class DateSet:
    scene: Scene  # with its new date
    before: str
    comparisons_removed: int


def set_scene_date(store: Store, scene_id: int, acquired: str) -> DateSet:
    """Correct a scene's acquisition time (ISO 8601; UTC if no zone) and its results'; its
    comparisons are removed, for ``compare`` to make again in the right order of dates."""
    when = parse_time(acquired, f"scene set-date {scene_id} {acquired}")
    with store.transaction():
        before = store.scene_by_id(scene_id)
        removed = store.set_scene_date(scene_id, when)
        store.log(
            "scene set-date",
            f"{scene_text(before)}: acquired {when} (was {before.acquired}); {removed} comparisons removed",
        )
        after = store.scene_by_id(scene_id)
    return DateSet(after, before.acquired, removed)


@dataclass(frozen=True)
class Relocated:
    scene: Scene  # at its new place
    before: str


def _hash_like(scene: Scene, location: str | Path) -> str:
    """The hash of the image at ``location`` made the way the scene's was (a fingerprint for a
    scene ingested from a URL, the whole file's sha256 otherwise)."""
    fingerprinted = bool((scene.properties or {}).get("sha256_of"))
    if isinstance(location, str):
        return remote.probe(location).sha256 if fingerprinted else remote.url_sha256(location)
    return remote.file_fingerprint(location) if fingerprinted else file_sha256(location)


def relocate_scene(store: Store, scene_id: int, new: str) -> Relocated:
    """Record that a scene's image is now at ``new`` (a file, a folder holding it under the same
    name, or an http(s) URL), after checking that it is the same image (by its hash)."""
    scene = store.scene_by_id(scene_id)
    location: str | Path = new
    if not remote.is_url(new):
        location = Path(new).expanduser().resolve()
        if location.is_dir():
            location = location / Path(scene.path).name
        if not location.is_file():
            raise InputError(
                f"scene relocate {scene_id} {new}: no such file ({location}). Fix: give the path of the image's new "
                "place (or the folder that holds it under the same name)."
            )
    if _hash_like(scene, location) != scene.sha256:
        raise InputError(
            f"scene relocate {scene_id} {new}: {location} is not the image of {scene_text(scene)}: its sha256 "
            f"differs (recorded {scene.sha256[:12]}…). Fix: give the moved file; if it is another image, "
            f"ingest it (`forcewatch ingest {new}`) and remove the old scene (`forcewatch scene remove {scene_id}`)."
        )
    with store.transaction():
        moved = store.relocate_scene(scene_id, str(location))
        store.log("scene relocate", f"{scene_text(scene)}: {scene.path} -> {moved.path}")
    return Relocated(moved, scene.path)
