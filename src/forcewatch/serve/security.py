"""Sessions (server-side, in memory: a restart logs everyone out), CSRF tokens and the login rate
limit of the dashboard."""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field

#: The session cookie's name.
COOKIE = "fw_session"
#: A session ends after this long without a request.
IDLE_S = 8 * 3600
#: Failed logins allowed per client address and per name within WINDOW_S.
MAX_FAILURES = 5
WINDOW_S = 300.0


@dataclass
class Session:
    name: str
    csrf: str
    last_seen: float


@dataclass
class Sessions:
    """Session token → who; tokens are random (256 bits) and only the server knows what they mean."""

    _by_token: dict[str, Session] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, name: str) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        session = Session(name, secrets.token_urlsafe(32), time.monotonic())
        with self._lock:
            self._by_token[token] = session
        return token, session

    def get(self, token: str | None) -> Session | None:
        if not token:
            return None
        now = time.monotonic()
        with self._lock:
            session = self._by_token.get(token)
            if session is None or now - session.last_seen > IDLE_S:
                self._by_token.pop(token, None)
                return None
            session.last_seen = now
            return session

    def end(self, token: str | None) -> None:
        with self._lock:
            self._by_token.pop(token or "", None)


def csrf_ok(session: Session, sent: str | None) -> bool:
    return sent is not None and secrets.compare_digest(session.csrf.encode(), sent.encode())


@dataclass
class LoginLimit:
    """Failed logins per key (``client:ADDRESS``, ``name:NAME``) in a sliding window."""

    max_failures: int = MAX_FAILURES
    window_s: float = WINDOW_S
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.window_s:
            times.popleft()
        return times

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(k, now)) >= self.max_failures for k in keys)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)
