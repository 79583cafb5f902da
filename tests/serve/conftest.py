"""A workspace for the dashboard: the store filling of the store tests (sites, scenes, detections,
a comparison, alerts, labels), a viewer and an analyst; and clients signed in as either."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from forcewatch.app.workspace import create_workspace, open_workspace
from forcewatch.serve.accounts import add_user
from forcewatch.serve.app import create_app
from tests.store.filling import fill

PASSWORDS = {"vera": "viewer-password-1", "anna": "analyst-password-1"}

Client = Callable[[str | None], TestClient]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    create_workspace(ws)
    with open_workspace(ws) as store:
        fill(store)
        add_user(store, "vera", "viewer", PASSWORDS["vera"])
        add_user(store, "anna", "analyst", PASSWORDS["anna"])
    return ws


def log_in(client: TestClient, name: str, password: str | None = None) -> str:
    """Sign ``client`` in as ``name``; the session's CSRF token."""
    done = client.post("/login", data={"name": name, "password": password or PASSWORDS[name]}, follow_redirects=False)
    assert done.status_code == 303, done.text
    token = client.get("/api/me").json()["csrf"]
    assert isinstance(token, str) and len(token) > 20
    return token


@pytest.fixture
def client(workspace: Path) -> Iterator[Client]:
    """``client(name)``: a TestClient signed in as ``name`` (None: not signed in), CSRF header set."""
    app = create_app(workspace)
    made: list[TestClient] = []

    def make(name: str | None) -> TestClient:
        c = TestClient(app, raise_server_exceptions=False)
        made.append(c)
        if name is not None:
            c.headers["X-CSRF-Token"] = log_in(c, name)
        return c

    yield make
    for c in made:
        c.close()


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert found
    return found.group(1)
