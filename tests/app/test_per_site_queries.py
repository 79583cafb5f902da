"""Every query that serves one site reads through an index: its cost does not grow with the rest of
the store. The SQL that `status --site`, `observations`, `compare`, a site's timeline and its
estimate send to the GeoPackage is captured and each SELECT checked with EXPLAIN QUERY PLAN."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from forcewatch.app.assess import estimate
from forcewatch.app.compare import compare_site, timeline
from forcewatch.app.scan import scan_models
from forcewatch.app.status import site_observations, status
from forcewatch.app.workspace import open_workspace
from forcewatch.store.gpkg import GeoPackageStore
from tests.cli.test_resumable_scan import _workspace

SITE = "Luninets airfield"
#: Tables that grow with the watchlist: a full scan of one of them on a per-site path is a bug.
GROWING = "observations|detections|scenes|scene_sites|comparisons|change_objects|activity|camps|labels|alerts|sites"
FULL_SCAN = re.compile(rf"^SCAN ({GROWING})\b")


def _plans(con: sqlite3.Connection, statements: list[str]) -> list[tuple[str, str]]:
    """(statement, plan line) for each full scan of a growing table among ``statements``."""
    bad = []
    for sql in dict.fromkeys(statements):
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        for row in con.execute("EXPLAIN QUERY PLAN " + sql):
            if FULL_SCAN.match(row[3]):
                bad.append((sql, row[3]))
    return bad


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("queries")
    ws = _workspace(tmp, "ws")
    with open_workspace(ws) as store:
        scan_models(store, ["aircraft"])
        compare_site(store, SITE)  # a stored comparison, for the timeline
    return ws


@pytest.mark.parametrize(
    ("what", "call"),
    [
        ("status --site", lambda store: status(store, site_name=SITE)),
        ("observations", lambda store: site_observations(store, SITE)),
        ("compare", lambda store: compare_site(store, SITE)),
        ("timeline", lambda store: timeline(store, SITE)),
        ("estimate --site", lambda store: estimate(store, site_name=SITE)),
    ],
)
def test_a_per_site_command_reads_every_growing_table_through_an_index(
    workspace: Path, what: str, call: Callable[[GeoPackageStore], object]
) -> None:
    statements: list[str] = []
    with open_workspace(workspace) as store:
        assert isinstance(store, GeoPackageStore)
        store.con.set_trace_callback(statements.append)
        call(store)
        store.con.set_trace_callback(None)
        assert statements  # the trace saw the queries
        assert _plans(store.con, statements) == [], what
