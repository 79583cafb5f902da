"""The repository interface every store backend implements (GeoPackage now, PostGIS next).

It takes and returns the value types of :mod:`forcewatch.model`, with shapely geometries: WKT,
WKB and rows live only inside ``store/``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from forcewatch.errors import InputError
from forcewatch.model import (
    Comparison,
    Detection,
    Geometry,
    Label,
    ModelEntry,
    Observation,
    QueuedAlert,
    Scene,
    Site,
    StoredActivity,
    StoredCamp,
    StoredChangedObject,
    StoredComparison,
    StoredDetection,
)

__all__ = ["ROLES", "Store", "StoredDetection", "User"]

#: Dashboard roles, least to most allowed: viewers read, analysts also review and label, admins all.
ROLES = ("viewer", "analyst", "admin")


@dataclass(frozen=True)
class User:
    """A dashboard account: its password only as an argon2 hash (never in clear)."""

    name: str
    role: str  # one of ROLES
    password_hash: str
    created: str  # ISO 8601 UTC
    id: int | None = None


class Store(Protocol):
    """Every write happens inside ``transaction()``: all of it lands, or none of it."""

    def transaction(self) -> AbstractContextManager[None]: ...

    @property
    def folder(self) -> Path:
        """The workspace folder (workspace models' paths are relative to it)."""
        ...

    def close(self) -> None: ...

    # sites
    def add_site(self, site: Site) -> Site: ...

    def sites(self) -> list[Site]: ...

    def site(self, name: str) -> Site: ...

    def remove_site(self, name: str) -> Site: ...

    def site_by_id(self, fid: int) -> Site: ...

    # scenes: a scene read back has a path that opens from here (the absolute path of a file stored
    # relative to the workspace folder, or its URL); one added inside the folder is stored relative to it
    def scene_by_id(self, fid: int) -> Scene:
        """The scene with that id; an error naming the fix when there is none."""
        ...

    def scene_by_sha(self, sha256: str) -> Scene | None: ...

    def add_scene(self, scene: Scene) -> Scene: ...

    def scenes(self) -> list[Scene]: ...

    def scene_counts(self, scene_id: int | None = None) -> dict[int, dict[str, int]]:
        """Every scene (or that one) → how many sites, observations, detections, comparisons and
        labels depend on it (keys :data:`forcewatch.store.scene_edits.DEPENDENTS`; 0 where none)."""
        ...

    def remove_scene(self, scene_id: int) -> dict[str, int]:
        """Remove a scene with its links, observations, detections, comparisons (and their changed
        objects, activity, camps, alerts) and labels; returns the counts removed."""
        ...

    def set_scene_date(self, scene_id: int, acquired: str) -> int:
        """Set a scene's acquisition time (ISO 8601 UTC) and its observations' and detections';
        removes its comparisons (their order of dates may turn round) and returns how many."""
        ...

    def relocate_scene(self, scene_id: int, path: str) -> Scene:
        """Record where a scene's image now is (absolute path or URL)."""
        ...

    def link(self, scene_id: int, site_id: int, overlap_share: float) -> None: ...

    def sites_overlapping(self, footprint: Geometry) -> list[Site]:
        """The sites whose area meets ``footprint`` (lon/lat), found through the store's spatial index:
        the cost grows with the sites found, not with the sites stored."""
        ...

    def scenes_of_site(self, site_id: int) -> list[Scene]: ...

    def pending_pairs(self, model_sha256: str, site_name: str | None = None) -> list[tuple[Scene, Site]]: ...

    def has_observation(self, site_id: int, scene_id: int, model_sha256: str) -> bool:
        """Whether that scene × site pair is already recorded with that model (by any process)."""
        ...

    def claim(self, key: str) -> AbstractContextManager[bool]:
        """Hold ``key`` (one scene × site × model pair) while this process scans it: yields True when
        claimed, False when another process holds it. Released on exit, and when the process dies."""
        ...

    # observations and detections
    def add_observation(self, obs: Observation, detections: list[Detection]) -> Observation: ...

    def observations(self, site_id: int | None = None) -> list[Observation]: ...

    def detections(self, site_id: int | None = None, scene_id: int | None = None) -> Iterator[StoredDetection]: ...

    def add_comparison(self, comparison: Comparison) -> int: ...

    def comparisons(self, site_id: int) -> list[StoredComparison]: ...

    def changed_objects(self, site_ids: set[int] | None = None) -> list[StoredChangedObject]: ...

    def activity(self, site_ids: set[int] | None = None) -> list[StoredActivity]: ...

    def camps(self, site_ids: set[int] | None = None) -> list[StoredCamp]: ...

    def add_alert(self, rule: str, comparison_id: int, site: str, message: str, payload: dict[str, Any]) -> bool: ...

    def pending_alerts(self) -> list[QueuedAlert]: ...

    def mark_alert(self, alert_id: int, channel: str, error: str | None = None) -> None: ...

    def log(self, command: str, message: str) -> None: ...

    # the analyst's loop: labels, the workspace's models, the models each site runs
    def set_site_models(self, name: str, models: tuple[str, ...] | None) -> Site: ...

    def add_labels(self, labels: list[Label]) -> int: ...

    def labels(self, site_id: int | None = None, scene_id: int | None = None) -> list[Label]: ...

    def add_model(self, entry: ModelEntry) -> ModelEntry: ...

    def models(self) -> list[ModelEntry]: ...

    def model(self, name: str) -> ModelEntry: ...

    def remove_model(self, name: str) -> ModelEntry: ...

    # ---- dashboard accounts
    def add_user(self, user: User) -> User:
        """Store an account (an InputError if the name is taken)."""
        ...

    def users(self) -> list[User]:
        """The accounts, by name."""
        ...

    def user(self, name: str) -> User | None:
        """The account named ``name``; None when there is none."""
        ...

    def remove_user(self, name: str) -> User:
        """Remove an account (an InputError if there is none)."""
        ...


class UserRows:
    """The ``users`` table, by the same SQL in both backends: needs ``_P`` (the SQL placeholder),
    ``_run`` and ``_require_tx`` from the store. Mixed into the GeoPackage and PostGIS stores."""

    _P: str
    _COLUMNS = "name, role, password_hash, created, id"

    def _require_tx(self) -> None: ...

    def _run(self, query: str, args: Sequence[object] = ()) -> tuple[list[tuple[Any, ...]], int]:
        raise NotImplementedError  # the store's own

    def add_user(self, user: User) -> User:
        """Store an account (an InputError if the name is taken, or the role unknown)."""
        self._require_tx()
        if user.role not in ROLES:
            raise InputError(f"role {user.role!r} is not one of {', '.join(ROLES)}. Fix: pass --role {ROLES[0]}.")
        if self.user(user.name) is not None:
            raise InputError(
                f"a user named {user.name!r} is already in the workspace. Fix: choose another name, or "
                f"`forcewatch user remove {user.name}` first."
            )
        p = self._P
        self._run(
            f"INSERT INTO users (name, role, password_hash, created) VALUES ({p}, {p}, {p}, {p})",
            (user.name, user.role, user.password_hash, user.created),
        )
        stored = self.user(user.name)
        assert stored is not None
        return stored

    def users(self) -> list[User]:
        """The accounts, by name."""
        rows, _ = self._run(f"SELECT {self._COLUMNS} FROM users ORDER BY name")
        return [User(*r) for r in rows]

    def user(self, name: str) -> User | None:
        """The account named ``name``; None when there is none."""
        rows, _ = self._run(f"SELECT {self._COLUMNS} FROM users WHERE name = {self._P}", (name,))
        return User(*rows[0]) if rows else None

    def remove_user(self, name: str) -> User:
        """Remove an account (an InputError if there is none)."""
        self._require_tx()
        user = self.user(name)
        if user is None:
            known = ", ".join(u.name for u in self.users()) or "none yet"
            raise InputError(f"no user named {name!r}. Fix: use one of: {known} (`forcewatch user list`).")
        self._run(f"DELETE FROM users WHERE name = {self._P}", (name,))
        return user
