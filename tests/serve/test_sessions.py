"""Logins, sessions and their cookies, the login rate limit, logout, removed accounts, plain error
pages, and the ``serve`` command's defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from forcewatch.app.workspace import open_workspace
from forcewatch.serve import data
from forcewatch.serve.accounts import remove_user
from forcewatch.serve.app import create_app
from forcewatch.serve.security import COOKIE, MAX_FAILURES
from tests.serve.conftest import PASSWORDS, Client, csrf_of


def test_the_session_cookie_is_httponly_samesite_strict_and_secure_over_tls(workspace: Path) -> None:
    app = create_app(workspace)
    for base, secure in (("http://testserver", False), ("https://testserver", True)):
        with TestClient(app, base_url=base) as c:
            done = c.post("/login", data={"name": "anna", "password": PASSWORDS["anna"]}, follow_redirects=False)
            cookie = done.headers["set-cookie"]
            assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
            assert ("Secure" in cookie) is secure
            assert PASSWORDS["anna"] not in cookie


def test_a_wrong_password_is_refused_and_logins_are_rate_limited_per_client_and_name(client: Client) -> None:
    c = client(None)
    for _ in range(MAX_FAILURES):
        wrong = c.post("/login", data={"name": "anna", "password": "not her password"}, follow_redirects=False)
        assert wrong.status_code == 401 and "Wrong name or password" in wrong.text
    blocked = c.post("/login", data={"name": "anna", "password": PASSWORDS["anna"]}, follow_redirects=False)
    assert blocked.status_code == 429 and COOKIE not in blocked.headers.get("set-cookie", "")
    other = client(None)  # the same address (the test client's): blocked too, whoever it names
    assert other.post("/login", data={"name": "vera", "password": PASSWORDS["vera"]}).status_code == 429


def test_the_name_limit_holds_across_clients(workspace: Path) -> None:
    app = create_app(workspace)
    for i in range(MAX_FAILURES):
        with TestClient(app, client=(f"10.0.0.{i}", 5000)) as c:
            assert c.post("/login", data={"name": "anna", "password": "guess"}).status_code == 401
    with TestClient(app, client=("10.0.0.99", 5000)) as c:
        assert c.post("/login", data={"name": "anna", "password": PASSWORDS["anna"]}).status_code == 429
        assert (
            c.post("/login", data={"name": "vera", "password": PASSWORDS["vera"]}, follow_redirects=False).status_code
            == 303
        )


def test_logout_ends_the_session_on_the_server(client: Client) -> None:
    anna = client("anna")
    token = anna.cookies[COOKIE]
    page = anna.get("/").text
    done = anna.post("/logout", data={"csrf": csrf_of(page)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/login"
    replay = client(None)
    replay.cookies.set(COOKIE, token)
    assert replay.get("/api/sites").status_code == 401


def test_a_removed_account_is_signed_out_at_its_next_request(client: Client, workspace: Path) -> None:
    anna = client("anna")
    assert anna.get("/api/sites").status_code == 200
    with open_workspace(workspace) as store:
        remove_user(store, "anna")
    assert anna.get("/api/sites").status_code == 401


def test_no_password_in_clear_in_the_store_after_logins(client: Client, workspace: Path) -> None:
    client("anna")
    client("vera")
    raw = (workspace / "forcewatch.gpkg").read_bytes()
    for secret in PASSWORDS.values():
        assert secret.encode() not in raw


def test_errors_show_a_plain_page_without_a_traceback(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(store: object) -> object:
        raise RuntimeError("secret internals /etc/forcewatch")

    monkeypatch.setattr(data, "sites", broken)
    done = client("vera").get("/api/sites")
    assert done.status_code == 500
    assert "Traceback" not in done.text and "secret internals" not in done.text and "RuntimeError" not in done.text
    missing = client("vera").get("/no/such/page")
    assert missing.status_code == 404 and "Traceback" not in missing.text


def test_pages_carry_the_csrf_token_and_the_vendored_map_library(client: Client) -> None:
    anna = client("anna")
    page = anna.get("/").text
    assert csrf_of(page) == anna.headers["X-CSRF-Token"]
    assert "/static/vendor/leaflet/leaflet.js" in page and "http" not in page.split("<body>")[0]
    js = anna.get("/static/vendor/leaflet/leaflet.js")
    assert js.status_code == 200 and "Leaflet 1.9.4" in js.text[:300]
    assert anna.get("/static/vendor/leaflet/LICENSE").status_code == 200


def test_serve_binds_to_127_0_0_1_by_default(monkeypatch: pytest.MonkeyPatch, workspace: Path) -> None:
    import uvicorn

    from forcewatch.cli import serve

    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw, app=app))
    app = typer.Typer()
    serve.register(app)
    app.command("noop")(lambda: None)  # a group of two, so that `serve` is a subcommand
    done = CliRunner().invoke(app, ["serve", "-w", str(workspace)])
    assert done.exit_code == 0, done.output
    assert seen["host"] == "127.0.0.1" and seen["port"] == 8000
    CliRunner().invoke(app, ["serve", "-w", str(workspace), "--host", "0.0.0.0", "--port", "8080"])
    assert seen["host"] == "0.0.0.0" and seen["port"] == 8080
