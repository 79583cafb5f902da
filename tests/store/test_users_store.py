"""Dashboard accounts in both store backends: added, listed, found, removed; names unique; the
password only as a hash."""

from __future__ import annotations

import pytest

from forcewatch.errors import InputError
from forcewatch.store.base import Store, User


def _user(name: str, role: str = "viewer") -> User:
    return User(name, role, f"$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$hash-of-{name}", "2026-01-01T00:00:00Z")


def test_users_are_added_listed_found_and_removed(store: Store) -> None:
    with store.transaction():
        added = store.add_user(_user("olga", "analyst"))
        store.add_user(_user("adam", "admin"))
    assert added.id is not None and added.name == "olga" and added.role == "analyst"
    assert added.password_hash.endswith("hash-of-olga")
    assert [u.name for u in store.users()] == ["adam", "olga"]
    assert store.user("olga") == added
    assert store.user("nobody") is None
    with store.transaction():
        removed = store.remove_user("olga")
    assert removed == added
    assert [u.name for u in store.users()] == ["adam"]


def test_a_taken_name_an_unknown_role_and_a_missing_user_are_errors(store: Store) -> None:
    with store.transaction():
        store.add_user(_user("olga"))
    with pytest.raises(InputError, match="already in the workspace"), store.transaction():
        store.add_user(_user("olga", "admin"))
    with pytest.raises(InputError, match="not one of viewer, analyst, admin"), store.transaction():
        store.add_user(_user("eve", "root"))
    with pytest.raises(InputError, match="no user named 'eve'.*olga"), store.transaction():
        store.remove_user("eve")
    assert [(u.name, u.role) for u in store.users()] == [("olga", "viewer")]


def test_writes_need_a_transaction(store: Store) -> None:
    with pytest.raises(RuntimeError, match="transaction"):
        store.add_user(_user("olga"))
