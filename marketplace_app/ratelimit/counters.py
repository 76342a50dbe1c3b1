"""Where the hourly counters live: in Redis when `REDIS_URL` is set (every worker shares one
budget), else in this process (the embedded deployment is one process, see docs/DECISIONS.md).

Neither takes a database transaction, so counting a call never takes SQLite's write lock.
"""

from __future__ import annotations

import threading
from collections import Counter as Tally
from datetime import datetime, timedelta
from typing import Protocol

import redis

from marketplace_app.core.errors import ServiceUnavailable

KEY_PREFIX = "handoff:ratelimit"
# Expiry only collects old windows: it outlives the window so a slow clock never loses a count.
EXPIRY_MARGIN = timedelta(minutes=5)
# INCR and EXPIRE in one atomic step: a counter never lives on without its expiry.
INCREMENT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


class Counters(Protocol):
    """Call counts per subject in fixed windows."""

    url: str | None
    """The Redis URL the counts live at; None for this process's memory."""

    def increment(self, subject: str, window_start: datetime, window: timedelta) -> int:
        """Count one call of `subject` in the window starting at `window_start`; return the count."""

    def current(self, subject: str, window_start: datetime) -> int:
        """The count of `subject` in the window starting at `window_start`, without counting."""


class MemoryCounters:
    """Counters in this process, kept for the current and the previous window only."""

    url = None

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[datetime, Tally[str]] = {}

    def increment(self, subject: str, window_start: datetime, window: timedelta) -> int:
        """See `Counters.increment`."""
        with self._lock:
            counts = self._windows.get(window_start)
            if counts is None:
                counts = self._windows[window_start] = Tally()
                self._forget_before(window_start - window)
            counts[subject] += 1
            return counts[subject]

    def current(self, subject: str, window_start: datetime) -> int:
        """See `Counters.current`."""
        with self._lock:
            return self._windows.get(window_start, Tally())[subject]

    def _forget_before(self, cutoff: datetime) -> None:
        for old in [start for start in self._windows if start < cutoff]:
            del self._windows[old]


class RedisCounters:
    """Counters in Redis, one key per subject and window, shared by every worker."""

    def __init__(self, url: str, *, timeout_seconds: float) -> None:
        self.url = url
        self._client = redis.Redis.from_url(url, socket_timeout=timeout_seconds,
                                            socket_connect_timeout=timeout_seconds)
        self._increment = self._client.register_script(INCREMENT_SCRIPT)

    def increment(self, subject: str, window_start: datetime, window: timedelta) -> int:
        """See `Counters.increment`."""
        expiry_seconds = int((window + EXPIRY_MARGIN).total_seconds())
        try:
            return int(self._increment(keys=[_key(subject, window_start)], args=[expiry_seconds]))
        except redis.RedisError as error:
            raise _unavailable() from error

    def current(self, subject: str, window_start: datetime) -> int:
        """See `Counters.current`."""
        try:
            return int(self._client.get(_key(subject, window_start)) or 0)
        except redis.RedisError as error:
            raise _unavailable() from error

    def close(self) -> None:
        """Let go of the connection pool."""
        self._client.close()


def _key(subject: str, window_start: datetime) -> str:
    return f"{KEY_PREFIX}:{subject}:{int(window_start.timestamp())}"


def _unavailable() -> ServiceUnavailable:
    # Refused rather than served uncounted: a limit an outage switches off is no limit.
    return ServiceUnavailable("The rate limiter is unavailable; nothing was done, retry in a few seconds",
                              headers={"Retry-After": "5"})
