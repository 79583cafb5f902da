"""The analyst's loop in the GeoPackage store: labels (layer ``labels``) and the workspace's own
models (table ``models``). Mixed into :class:`forcewatch.store.gpkg.GeoPackageStore`."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

from forcewatch.errors import InputError
from forcewatch.model import Label, ModelEntry
from forcewatch.store import gpkg_format as fmt


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class LabelsAndModels:
    """Labels and workspace models; needs ``self.con`` and ``self._require_tx`` from the store."""

    con: sqlite3.Connection

    def _require_tx(self) -> None: ...

    # ---- labels
    @staticmethod
    def _label(r: sqlite3.Row) -> Label:
        geom = fmt.decode(r["geom"])
        assert geom is not None
        return Label(
            r["scene_id"],
            r["class"],
            r["status"],
            geom,
            r["who"],
            r["at"],
            r["site_id"],
            r["detection_id"],
            r["source"],
            r["fid"],
        )

    def add_labels(self, labels: list[Label]) -> int:
        """Store labels; a label for a detection replaces that detection's earlier label. Returns how many."""
        self._require_tx()
        for lab in labels:
            if lab.detection_id is not None:
                self.con.execute("DELETE FROM labels WHERE detection_id = ?", (lab.detection_id,))
        self.con.executemany(
            "INSERT INTO labels (geom, scene_id, site_id, class, status, detection_id, who, at, source) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    fmt.encode(lab.polygon),
                    lab.scene_id,
                    lab.site_id,
                    lab.class_name,
                    lab.status,
                    lab.detection_id,
                    lab.who,
                    lab.when,
                    lab.source,
                )
                for lab in labels
            ],
        )
        fmt.touch_contents(self.con, "labels")
        return len(labels)

    def labels(self, site_id: int | None = None, scene_id: int | None = None) -> list[Label]:
        """Stored labels, of one site and/or one scene if given, oldest first."""
        where = [(c, v) for c, v in (("site_id", site_id), ("scene_id", scene_id)) if v is not None]
        sql = "SELECT * FROM labels" + (" WHERE " + " AND ".join(f"{c} = ?" for c, _ in where) if where else "")
        return [self._label(r) for r in self.con.execute(sql + " ORDER BY fid", [v for _, v in where])]

    # ---- models
    @staticmethod
    def _model(r: sqlite3.Row) -> ModelEntry:
        return ModelEntry(
            r["name"],
            r["path"],
            r["sha256"],
            r["model_id"],
            tuple(json.loads(r["classes"])),
            r["gsd_m"],
            r["sees_to_gsd_m"],
            json.loads(r["scores"]),
            tuple(json.loads(r["sites"])),
            r["added"],
            r["id"],
        )

    def add_model(self, entry: ModelEntry) -> ModelEntry:
        """Register a model under its name (an error if the name is taken)."""
        self._require_tx()
        if self.con.execute("SELECT 1 FROM models WHERE name = ?", (entry.name,)).fetchone():
            raise InputError(
                f"a model named {entry.name!r} is already in the workspace. Fix: choose another --name, or "
                f"`forcewatch model remove {entry.name}` first."
            )
        self.con.execute(
            "INSERT INTO models (name, path, sha256, model_id, classes, gsd_m, sees_to_gsd_m, scores, sites, added) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.name,
                entry.path,
                entry.sha256,
                entry.model_id,
                json.dumps(list(entry.classes)),
                entry.gsd_m,
                entry.sees_to_gsd_m,
                json.dumps(entry.scores),
                json.dumps(list(entry.sites)),
                entry.added or _now(),
            ),
        )
        return self.model(entry.name)

    def models(self) -> list[ModelEntry]:
        """The workspace's models, by name."""
        return [self._model(r) for r in self.con.execute("SELECT * FROM models ORDER BY name")]

    def model(self, name: str) -> ModelEntry:
        row = self.con.execute("SELECT * FROM models WHERE name = ?", (name,)).fetchone()
        if row is None:
            known = ", ".join(m.name for m in self.models()) or "none yet"
            raise InputError(f"no workspace model named {name!r}. Fix: use one of: {known} (`forcewatch model list`).")
        return self._model(row)

    def remove_model(self, name: str) -> ModelEntry:
        self._require_tx()
        entry = self.model(name)
        self.con.execute("DELETE FROM models WHERE name = ?", (name,))
        return entry
