"""Accounts over the store: argon2 hashes (never the password in clear), password checks, and the
``forcewatch user`` commands (password from stdin, never echoed)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from forcewatch.errors import InputError
from forcewatch.serve.accounts import add_user, check_password, list_users, remove_user
from forcewatch.store.base import Store

SECRET = "correct horse battery staple"


def test_a_password_is_stored_only_as_an_argon2_hash(store: Store) -> None:
    user = add_user(store, "olga", "analyst", SECRET)
    assert user.password_hash.startswith("$argon2id$")
    assert SECRET not in user.password_hash
    assert check_password(store, "olga", SECRET) == user
    assert check_password(store, "olga", SECRET + "!") is None
    assert check_password(store, "nobody", SECRET) is None
    assert [u.name for u in list_users(store)] == ["olga"]
    remove_user(store, "olga")
    assert check_password(store, "olga", SECRET) is None


def test_short_passwords_bad_names_and_roles_are_refused(store: Store) -> None:
    with pytest.raises(InputError, match="shorter than 8"):
        add_user(store, "olga", "viewer", "short")
    with pytest.raises(InputError, match="not allowed"):
        add_user(store, "../olga", "viewer", SECRET)
    with pytest.raises(InputError, match="not one of"):
        add_user(store, "olga", "superuser", SECRET)
    assert list_users(store) == []


def test_the_user_commands_never_print_or_store_the_password(tmp_path: Path) -> None:
    from forcewatch.app.workspace import create_workspace
    from forcewatch.cli import users

    app = typer.Typer()
    users.register(app)
    runner = CliRunner()
    ws = tmp_path / "ws"
    create_workspace(ws)
    done = runner.invoke(
        app, ["user", "add", "olga", "--role", "analyst", "--password-stdin", "-w", str(ws)], input=SECRET + "\n"
    )
    assert done.exit_code == 0, done.output
    assert "added user olga (analyst)" in done.output and SECRET not in done.output
    listed = runner.invoke(app, ["user", "list", "-w", str(ws)])
    assert "olga" in listed.output and "analyst" in listed.output
    raw = (ws / "forcewatch.gpkg").read_bytes()
    assert SECRET.encode() not in raw
    with sqlite3.connect(ws / "forcewatch.gpkg") as con:
        logged = " ".join(r[0] for r in con.execute("SELECT message FROM forcewatch_log"))
    assert "added user olga" in logged and SECRET not in logged
    gone = runner.invoke(app, ["user", "remove", "olga", "-w", str(ws)])
    assert gone.exit_code == 0 and "removed user olga" in gone.output
    missing = runner.invoke(app, ["user", "remove", "olga", "-w", str(ws)])
    assert missing.exit_code != 0


def test_a_storm_of_logins_checks_at_most_two_passwords_at_once(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each argon2 check takes 64 MiB and a core for 0.14 s: 12 logins at once queue, two by two."""
    import threading
    import time

    from forcewatch.serve import accounts

    with store.transaction():
        add_user(store, "olga", "analyst", "a long enough password")
    real = accounts._hasher()
    running, peak, lock = [0], [0], threading.Lock()

    class Probe:
        def hash(self, password: str) -> str:
            return str(real.hash(password))

        def verify(self, stored: str, password: str) -> bool:
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(0.02)
            try:
                return bool(real.verify(stored, password))
            finally:
                with lock:
                    running[0] -= 1

    monkeypatch.setattr(accounts, "_hasher", Probe)
    found: list[bool] = []
    threads = [
        threading.Thread(
            target=lambda: found.append(check_password(store, "olga", "a long enough password") is not None)
        )
        for _ in range(12)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert found == [True] * 12 and peak[0] == accounts.CHECKS_AT_ONCE
