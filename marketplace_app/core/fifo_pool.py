"""SQLite's one pooled connection, handed to waiting threads in the order they asked for it.

SQLAlchemy's `QueuePool` lets a thread that arrives just as the connection comes back take it
ahead of the threads already waiting (the woken waiter finds the queue empty and waits again, at
the back). With one connection per process and 40 request threads, that barging is what made a
few requests wait many times longer than the rest (p99 several times p50 at 64 connections). The
pool below queues threads first-come, first-served and hands the connection straight to the
oldest waiter.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from sqlalchemy import exc
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool


class FifoGate:
    """A lock whose holder hands it to the oldest waiter on release (no barging)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiters: deque[threading.Lock] = deque()

    def acquire(self, timeout: float) -> bool:
        """Wait at most `timeout` seconds in line; `True` once this thread holds the gate."""
        with self._mutex:
            if not self._held and not self._waiters:
                self._held = True
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        if turn.acquire(timeout=timeout):
            return True
        with self._mutex:
            if turn in self._waiters:
                self._waiters.remove(turn)
                return False
        return True  # handed over in the instant the wait timed out: this thread holds it

    def release(self) -> None:
        """Hand the gate to the oldest waiter, or open it."""
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()  # still held: now by that waiter
            else:
                self._held = False


class FifoQueuePool(QueuePool):
    """A `QueuePool` of exactly one connection whose waiters are served in arrival order."""

    def __init__(self, creator: Any, pool_size: int = 1, max_overflow: int = 0, **options: Any) -> None:
        if pool_size != 1 or max_overflow != 0:
            raise ValueError("FifoQueuePool holds exactly one connection")
        super().__init__(creator, pool_size=1, max_overflow=0, **options)
        self._gate = FifoGate()

    def _do_get(self) -> ConnectionPoolEntry:
        if not self._gate.acquire(self._timeout):
            raise exc.TimeoutError(f"The database connection stayed busy for {self._timeout:.0f} s", code="3o7r")
        try:
            return super()._do_get()
        except BaseException:
            self._gate.release()
            raise

    def _do_return_conn(self, record: ConnectionPoolEntry) -> None:
        try:
            super()._do_return_conn(record)
        finally:
            self._gate.release()
