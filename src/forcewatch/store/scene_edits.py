"""Scene management, the same SQL on both backends: what depends on a scene, removing it with
everything derived from it, correcting its date, recording where its file now is. Mixed into
:class:`~forcewatch.store.gpkg.GeoPackageStore` and :class:`~forcewatch.store.postgis.PostGISStore`.

A scene's observations, their detections and comparisons (with the comparisons' changed objects,
new-activity areas, camps and alerts), its labels and its links to sites all go with it, through
the tables' ``ON DELETE CASCADE`` keys, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forcewatch.model import Scene
from forcewatch.store.scene_paths import stored_path

#: What depends on a scene, in the order they are reported.
DEPENDENTS = ("sites", "observations", "detections", "comparisons", "labels")

_TABLES = {"sites": "scene_sites", "observations": "observations", "detections": "detections", "labels": "labels"}
#: Comparisons with an observation of the scene on either side (each counted once per scene).
_COMPARISONS = (
    "SELECT scene_id, count(DISTINCT cid) AS n FROM ("
    "SELECT o.scene_id, c.id AS cid FROM observations o JOIN comparisons c ON c.earlier_observation = o.fid {where} "
    "UNION ALL "
    "SELECT o.scene_id, c.id AS cid FROM observations o JOIN comparisons c ON c.later_observation = o.fid {where}"
    ") AS u GROUP BY scene_id"
)


class SceneEdits:
    """Needs from the store: ``_P`` (its SQL placeholder), ``_root`` (the resolved workspace folder,
    or None), ``_run`` (execute: rows as tuples, and the row count), ``_require_tx``, ``scene_by_id``;
    ``_scenes_edited`` runs after each change (the GeoPackage refreshes its layers' extents)."""

    _P: str
    _root: Path | None

    if TYPE_CHECKING:

        def _run(self, query: str, args: Sequence[object] = ()) -> tuple[list[tuple[Any, ...]], int]: ...

        def _require_tx(self) -> None: ...

        def scene_by_id(self, fid: int) -> Scene: ...

    def _scenes_edited(self) -> None:
        return None

    def scene_counts(self, scene_id: int | None = None) -> dict[int, dict[str, int]]:
        """Every scene (or that one) → how many sites, observations, detections, comparisons and
        labels depend on it (0 where none)."""
        p = self._P
        if scene_id is None:
            ids, _ = self._run("SELECT fid FROM scenes")
            one: tuple[object, ...] = ()
        else:
            ids = [(self.scene_by_id(scene_id).id,)]  # an error naming the fix if there is none
            one = (scene_id,)
        out = {int(r[0]): dict.fromkeys(DEPENDENTS, 0) for r in ids}
        for name in DEPENDENTS:
            if name == "comparisons":
                query = _COMPARISONS.format(where=f"WHERE o.scene_id = {p}" if one else "")
                args = one * 2
            else:
                where = f"WHERE scene_id = {p}" if one else ""
                query, args = f"SELECT scene_id, count(*) AS n FROM {_TABLES[name]} {where} GROUP BY scene_id", one
            for sid, n in self._run(query, args)[0]:
                out[int(sid)][name] = int(n)
        return out

    def remove_scene(self, scene_id: int) -> dict[str, int]:
        """Remove a scene and everything that depends on it; returns what was removed (as
        :meth:`scene_counts` counts it)."""
        self._require_tx()
        removed = self.scene_counts(scene_id)[scene_id]
        self._run(f"DELETE FROM scenes WHERE fid = {self._P}", (scene_id,))
        self._scenes_edited()
        return removed

    def set_scene_date(self, scene_id: int, acquired: str) -> int:
        """Set a scene's acquisition time (ISO 8601, UTC), and its observations' and detections'.
        Its comparisons, whose order of dates the change may turn round, are removed (``compare``
        makes them again); returns how many were."""
        self._require_tx()
        self.scene_by_id(scene_id)
        p = self._P
        for table, key in (("scenes", "fid"), ("observations", "scene_id"), ("detections", "scene_id")):
            self._run(f"UPDATE {table} SET acquired = {p} WHERE {key} = {p}", (acquired, scene_id))
        _, removed = self._run(
            f"DELETE FROM comparisons WHERE earlier_observation IN (SELECT fid FROM observations WHERE scene_id = {p}) "
            f"OR later_observation IN (SELECT fid FROM observations WHERE scene_id = {p})",
            (scene_id, scene_id),
        )
        self._scenes_edited()
        return removed

    def relocate_scene(self, scene_id: int, path: str) -> Scene:
        """Record where a scene's image now is (an absolute path or a URL; stored relative to the
        workspace folder where it lies inside it)."""
        self._require_tx()
        self.scene_by_id(scene_id)
        self._run(
            f"UPDATE scenes SET path = {self._P} WHERE fid = {self._P}", (stored_path(path, self._root), scene_id)
        )
        return self.scene_by_id(scene_id)
