"""JSON documents kept per version of the store: built once while nothing changes, built anew after
any write (a review in the dashboard, a command in another process), never kept where the store has
no version (WAL mode, PostGIS); encoded as FastAPI encodes them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from forcewatch.app.workspace import STORE_NAME, open_workspace
from forcewatch.serve import data
from forcewatch.serve.doc_cache import DocCache, encode, sqlite_version, store_version


def _luninets(workspace: Path) -> int:
    with open_workspace(workspace) as store:
        site_id = store.site("Luninets airfield").id
    assert site_id is not None
    return site_id


def test_a_document_is_built_once_per_version_and_a_review_is_seen_at_once(workspace: Path) -> None:
    site_id = _luninets(workspace)
    docs = DocCache(store_version(workspace, None))
    builds: list[int] = []

    def detections() -> dict[str, Any]:
        builds.append(1)
        with open_workspace(workspace) as store:
            return data.detections(store, site_id, None)

    first = json.loads(docs.encoded(("detections", site_id), detections))
    again = json.loads(docs.encoded(("detections", site_id), detections))
    assert first == again and len(builds) == 1
    target = next(f["id"] for f in first["features"] if f["id"] is not None)
    with open_workspace(workspace) as store:  # the analyst rejects one (the endpoint's write)
        data.review(store, target, "reject", "anna")
    after = json.loads(docs.encoded(("detections", site_id), detections))
    assert len(builds) == 2 and target not in [f["id"] for f in after["features"]]
    assert len(after["features"]) == len(first["features"]) - 1


def test_any_commit_changes_the_version_and_reads_do_not(workspace: Path) -> None:
    version = store_version(workspace, None)
    before = version()
    assert before is not None  # the store keeps SQLite's change counter (rollback journal): documents are kept
    with open_workspace(workspace) as store:
        store.users()
        assert version() == before
        with store.transaction():
            store.log("test", "one line")
    assert version() not in (None, before)


def test_a_store_in_wal_mode_or_on_postgis_keeps_no_documents(tmp_path: Path) -> None:
    path = tmp_path / "wal.sqlite"
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE t (x)")
    con.commit()
    assert sqlite_version(path)() is None
    con.close()
    assert sqlite_version(tmp_path / "missing.gpkg")() is None
    assert store_version(tmp_path, "postgresql://me@db/fw")() is None
    docs = DocCache(sqlite_version(path))
    builds: list[int] = []

    def build() -> dict[str, Any]:
        builds.append(1)
        return {"n": len(builds)}

    assert [json.loads(docs.encoded("k", build)) for _ in range(2)] == [{"n": 1}, {"n": 2}]
    assert len(docs.cache) == 0


def test_a_replaced_store_file_is_a_new_version(workspace: Path, tmp_path: Path) -> None:
    version = store_version(workspace, None)
    before = version()
    copy = tmp_path / STORE_NAME
    copy.write_bytes((workspace / STORE_NAME).read_bytes())
    copy.replace(workspace / STORE_NAME)  # the same bytes, restored: another file
    assert version() != before


def test_documents_are_encoded_as_fastapi_encodes_them() -> None:
    doc: dict[str, Any] = {
        "site": "Лунинец «airfield»",
        "score": 0.1 + 0.2,
        "none": None,
        "nested": [{"a": [1, 2.5, True]}, []],
        "nan": float("nan"),
    }
    app = FastAPI()

    @app.get("/doc")
    def endpoint() -> dict[str, Any]:
        return doc

    with TestClient(app) as client:
        assert client.get("/doc").content == encode(doc)
    assert DocCache(lambda: 1).response("k", lambda: doc).body == encode(doc)
