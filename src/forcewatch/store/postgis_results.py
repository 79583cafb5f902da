"""The PostGIS store's results and the analyst's loop: comparisons with their changed objects,
new-activity areas and camps; alerts; the command log; labels; the workspace's models. Mixed into
:class:`forcewatch.store.postgis.PostGISStore`."""

from __future__ import annotations

import json
from typing import Any

import psycopg
from psycopg import sql

from forcewatch.errors import InputError
from forcewatch.model import (
    Comparison,
    Label,
    ModelEntry,
    QueuedAlert,
    StoredActivity,
    StoredCamp,
    StoredChangedObject,
    StoredComparison,
)
from forcewatch.store.postgis_connect import now
from forcewatch.store.postgis_rows import comparison_parts, comparison_row, from_row, label_row, model_row

_CHANNELS = ("console", "jsonl", "webhook")


def where_equal(**filters: object) -> tuple[sql.Composable, list[object]]:
    """``WHERE a = %s AND b = %s`` over the filters that are not None, and their values: a query
    per case, so each one's plan uses its column's index."""
    given = [(c, v) for c, v in filters.items() if v is not None]
    if not given:
        return sql.SQL(""), []
    conds = sql.SQL(" AND ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c, _ in given)
    return sql.SQL("WHERE ") + conds, [v for _, v in given]


class ResultsAndLoop:
    """Needs the store's connection (``con``) and transaction depth (``_depth``)."""

    con: psycopg.Connection[dict[str, Any]]
    _depth: int

    def _require_tx(self) -> None:
        if not self._depth:
            raise RuntimeError("store writes must happen inside store.transaction()")

    def _rows(self, query: Any, args: Any = None) -> list[dict[str, Any]]:
        return self.con.execute(query, args).fetchall()

    def _one(self, query: Any, args: Any = None) -> dict[str, Any]:
        row = self.con.execute(query, args).fetchone()
        assert row is not None
        return row

    def _insert(self, table: str, rows: list[dict[str, Any]], returning: str | None = None) -> list[dict[str, Any]]:
        """INSERT these rows (all with the same columns) into ``table``; the ``returning`` columns of each."""
        if not rows:
            return []
        columns = list(rows[0])
        query = sql.SQL("INSERT INTO {} ({}) VALUES ({}){}").format(
            sql.Identifier(table),
            sql.SQL(", ").join(map(sql.Identifier, columns)),
            sql.SQL(", ").join(sql.Placeholder() * len(columns)),
            sql.SQL(" RETURNING {}").format(sql.SQL(returning)) if returning else sql.SQL(""),
        )
        args = [[row[c] for c in columns] for row in rows]
        if returning:
            return [self._one(query, a) for a in args]
        with self.con.cursor() as cur:
            cur.executemany(query, args)
        return []

    # ---- comparisons
    def add_comparison(self, comparison: Comparison) -> int:
        """Store a comparison (replacing an earlier one of the same two observations)."""
        self._require_tx()
        c = comparison
        self.con.execute(
            "DELETE FROM comparisons WHERE earlier_observation = %s AND later_observation = %s",
            (c.earlier.id, c.later.id),
        )
        cid = int(self._insert("comparisons", [comparison_row(c, now())], "id")[0]["id"])
        for table, rows in comparison_parts(c, cid).items():
            self._insert(table, rows)
        return cid

    def comparisons(self, site_id: int) -> list[StoredComparison]:
        """Stored comparisons of a site, in date order."""
        rows = self._rows("SELECT * FROM comparisons WHERE site_id = %s ORDER BY later, earlier, id", (site_id,))
        return [from_row(StoredComparison, r) for r in rows]

    def _change_rows(self, table: str, site_ids: set[int] | None) -> list[dict[str, Any]]:
        if site_ids is None:
            return self._rows(sql.SQL("SELECT * FROM {} ORDER BY fid").format(sql.Identifier(table)))
        query = sql.SQL("SELECT * FROM {} WHERE site_id = ANY(%s) ORDER BY fid").format(sql.Identifier(table))
        return self._rows(query, (sorted(site_ids),))

    def changed_objects(self, site_ids: set[int] | None = None) -> list[StoredChangedObject]:
        """Objects that arrived, departed or were not observed, in the stored comparisons of these sites."""
        return [from_row(StoredChangedObject, r) for r in self._change_rows("change_objects", site_ids)]

    def activity(self, site_ids: set[int] | None = None) -> list[StoredActivity]:
        """New-activity areas in the stored comparisons of these sites."""
        return [from_row(StoredActivity, r) for r in self._change_rows("activity", site_ids)]

    def camps(self, site_ids: set[int] | None = None) -> list[StoredCamp]:
        """Camps (new, grown, shrunk, unchanged, gone) in the stored comparisons of these sites."""
        return [from_row(StoredCamp, r) for r in self._change_rows("camps", site_ids)]

    # ---- alerts and the log
    def add_alert(self, rule: str, comparison_id: int, site: str, message: str, payload: dict[str, Any]) -> bool:
        """Queue an alert; False when this rule already fired on this comparison."""
        self._require_tx()
        cur = self.con.execute(
            "INSERT INTO alerts (rule, comparison_id, site, message, payload, created) VALUES (%s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (rule, comparison_id) DO NOTHING",
            (rule, comparison_id, site, message, json.dumps(payload), now()),
        )
        return cur.rowcount == 1

    def pending_alerts(self) -> list[QueuedAlert]:
        """Alerts not yet delivered to every channel, oldest first."""
        rows = self._rows(
            "SELECT * FROM alerts WHERE console_done = 0 OR jsonl_done = 0 OR webhook_done = 0 ORDER BY id"
        )
        return [from_row(QueuedAlert, r) for r in rows]

    def mark_alert(self, alert_id: int, channel: str, error: str | None = None) -> None:
        self._require_tx()
        if channel not in _CHANNELS:
            raise ValueError(channel)
        if error is None:
            done = sql.Identifier(f"{channel}_done")
            query = sql.SQL("UPDATE alerts SET {} = 1, last_error = NULL WHERE id = %s").format(done)
            self.con.execute(query, (alert_id,))
        else:
            self.con.execute("UPDATE alerts SET last_error = %s WHERE id = %s", (error, alert_id))

    def log(self, command: str, message: str) -> None:
        self._require_tx()
        self.con.execute(
            "INSERT INTO forcewatch_log (time, command, message) VALUES (%s, %s, %s)", (now(), command, message)
        )

    # ---- labels
    def add_labels(self, labels: list[Label]) -> int:
        """Store labels; a label for a detection replaces that detection's earlier label. Returns how many."""
        self._require_tx()
        for lab in labels:
            if lab.detection_id is not None:
                self.con.execute("DELETE FROM labels WHERE detection_id = %s", (lab.detection_id,))
        self._insert("labels", [label_row(lab) for lab in labels])
        return len(labels)

    def labels(self, site_id: int | None = None, scene_id: int | None = None) -> list[Label]:
        """Stored labels, of one site and/or one scene if given, oldest first."""
        where, args = where_equal(site_id=site_id, scene_id=scene_id)
        return [
            from_row(Label, r) for r in self._rows(sql.SQL("SELECT * FROM labels {} ORDER BY fid").format(where), args)
        ]

    # ---- the workspace's models
    def add_model(self, entry: ModelEntry) -> ModelEntry:
        """Register a model under its name (an error if the name is taken)."""
        self._require_tx()
        if self.con.execute("SELECT 1 FROM models WHERE name = %s", (entry.name,)).fetchone():
            raise InputError(
                f"a model named {entry.name!r} is already in the workspace. Fix: choose another --name, or "
                f"`forcewatch model remove {entry.name}` first."
            )
        self._insert("models", [model_row(entry, now())])
        return self.model(entry.name)

    def models(self) -> list[ModelEntry]:
        """The workspace's models, by name."""
        return [from_row(ModelEntry, r) for r in self._rows("SELECT * FROM models ORDER BY name")]

    def model(self, name: str) -> ModelEntry:
        row = self.con.execute("SELECT * FROM models WHERE name = %s", (name,)).fetchone()
        if row is None:
            known = ", ".join(m.name for m in self.models()) or "none yet"
            raise InputError(f"no workspace model named {name!r}. Fix: use one of: {known} (`forcewatch model list`).")
        return from_row(ModelEntry, row)

    def remove_model(self, name: str) -> ModelEntry:
        self._require_tx()
        entry = self.model(name)
        self.con.execute("DELETE FROM models WHERE name = %s", (name,))
        return entry
