"""Dashboard accounts: add, list, remove and check passwords (argon2 hashes; a password is never
stored, printed or logged in clear)."""

from __future__ import annotations

import datetime as dt
import re
import threading
from typing import Any

from forcewatch.errors import InputError, MissingExtraError
from forcewatch.store.base import ROLES, Store, User

#: Shortest password accepted.
MIN_PASSWORD_CHARS = 8
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


def _hasher() -> Any:
    try:
        from argon2 import PasswordHasher
    except ImportError:
        raise MissingExtraError("argon2-cffi", None, "dashboard accounts") from None
    return PasswordHasher()


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (salted: two calls give two different hashes)."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise InputError(f"the password is shorter than {MIN_PASSWORD_CHARS} characters. Fix: choose a longer one.")
    return str(_hasher().hash(password))


def add_user(store: Store, name: str, role: str, password: str) -> User:
    """Add an account with ``role`` (viewer, analyst or admin)."""
    if not _NAME.match(name):
        raise InputError(
            f"user name {name!r} is not allowed. Fix: use 1–64 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit."
        )
    if role not in ROLES:
        raise InputError(f"role {role!r} is not one of {', '.join(ROLES)}. Fix: pass --role {ROLES[0]}.")
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with store.transaction():
        user = store.add_user(User(name, role, hash_password(password), now))
        store.log("user add", f"added user {name} ({role})")
    return user


def list_users(store: Store) -> list[User]:
    return store.users()


def remove_user(store: Store, name: str) -> User:
    with store.transaction():
        user = store.remove_user(name)
        store.log("user remove", f"removed user {name}")
    return user


#: Verified when the name is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY: list[str] = []

#: Password checks running at once. Each argon2 check takes 64 MiB and about 0.14 s of a core: a
#: storm of logins queues here instead of taking the server's memory and every core.
CHECKS_AT_ONCE = 2
_CHECKS = threading.BoundedSemaphore(CHECKS_AT_ONCE)


def check_password(store: Store, name: str, password: str) -> User | None:
    """The account when ``password`` is its password; None otherwise (unknown name or wrong password)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher = _hasher()
    user = store.user(name)
    if user is None:
        if not _DUMMY:
            _DUMMY.append(hasher.hash("not a password of anyone"))
        stored = _DUMMY[0]
    else:
        stored = user.password_hash
    try:
        with _CHECKS:
            hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    return user
