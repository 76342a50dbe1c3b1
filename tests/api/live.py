"""The API served for real by several uvicorn processes on loopback, and bursts of calls to them.

Each server process has its own engine, so on SQLite its own connection to the test's database
file: calls sent to different servers meet in the database itself, not in one process's
connection pool (where threads of one process queue on SQLite's single connection).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import Table, select, text

from bench.server import HANDOFF_APP, running_many
from marketplace_app.core.db import unit_of_work

CALL_TIMEOUT_SECONDS = 120.0


@contextmanager
def api_servers(database: str, *, count: int) -> Iterator[list[str]]:
    """`count` API server processes on the test's `database`; yields their base URLs."""
    env = {"DATABASE_URL": database, "SCHEDULER_ENABLED": "false", "ENVIRONMENT": "test"}
    with running_many(HANDOFF_APP, count=count, env=env, health_path="/v1/health") as urls:
        yield urls


@dataclass(frozen=True, slots=True)
class Answer:
    """One call's answer, and when it was sent and answered (perf_counter seconds)."""

    status: int
    content: bytes
    headers: httpx.Headers
    sent_at: float
    answered_at: float

    @property
    def code(self) -> str | None:
        """The error code of an error envelope, else None."""
        try:
            body: Any = json.loads(self.content)
        except ValueError:
            return None
        return body.get("error", {}).get("code") if isinstance(body, dict) else None

    @property
    def replayed(self) -> bool:
        """Whether the answer is a stored response replayed for an Idempotency-Key."""
        return self.headers.get("idempotent-replayed") == "true"


Call = tuple[str, dict[str, str], Any]  # (path, headers, JSON body or None): always a POST


@contextmanager
def burst_started(urls: list[str], calls: list[Call]) -> Iterator[list[Future[Answer]]]:
    """Send every call at the same moment (a barrier), call i to server i mod len(urls), each on its
    own connection; yield the pending answers while the calls are in flight."""
    barrier = threading.Barrier(len(calls))

    def send(index: int) -> Answer:
        path, headers, body = calls[index]
        with httpx.Client(base_url=urls[index % len(urls)], timeout=CALL_TIMEOUT_SECONDS) as client:
            request = client.build_request("POST", path, headers=headers, json=body)
            barrier.wait(timeout=CALL_TIMEOUT_SECONDS)
            sent_at = time.perf_counter()
            response = client.send(request)
        return Answer(response.status_code, response.content, response.headers, sent_at, time.perf_counter())

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        yield [pool.submit(send, index) for index in range(len(calls))]


def burst(urls: list[str], calls: list[Call]) -> list[Answer]:
    """Send every call at the same moment across the servers and wait for all the answers."""
    with burst_started(urls, calls) as pending:
        return [future.result(timeout=CALL_TIMEOUT_SECONDS) for future in pending]


def wait_for_answers(pending: list[Future[Answer]], *, count: int, timeout: float = CALL_TIMEOUT_SECONDS) -> None:
    """Wait until at least `count` of the pending calls have been answered."""
    deadline = time.monotonic() + timeout
    while sum(future.done() for future in pending) < count:
        assert time.monotonic() < deadline, f"only {sum(f.done() for f in pending)} of {count} answers arrived"
        time.sleep(0.02)


def in_flight_together(answers: list[Answer]) -> int:
    """How many calls had been sent before the first answer came back: the race's real width."""
    first_answer = min(answer.answered_at for answer in answers)
    return sum(answer.sent_at < first_answer for answer in answers)


@contextmanager
def row_locked(table: Table, row_id: Any) -> Iterator[Callable[[], None]]:
    """Hold a PostgreSQL row lock (`SELECT … FOR UPDATE`, in a transaction of the test's own): a server
    call that writes the row waits inside its own transaction meanwhile. Yields `release`, which ends
    the lock's transaction before the block does."""
    with unit_of_work() as session:
        session.execute(select(table.c.id).where(table.c.id == row_id).with_for_update()).one()
        yield session.commit


def wait_for_lock_waiters(count: int, *, timeout: float = CALL_TIMEOUT_SECONDS) -> None:
    """Wait until `count` PostgreSQL backends of this database are waiting for a lock."""
    deadline = time.monotonic() + timeout
    while (waiting := _lock_waiters()) < count:
        assert time.monotonic() < deadline, f"only {waiting} of {count} calls are waiting for the lock"
        time.sleep(0.02)


def _lock_waiters() -> int:
    with unit_of_work(read_only=True) as session:
        return session.execute(text("SELECT count(*) FROM pg_stat_activity "
                                    "WHERE datname = current_database() AND wait_event_type = 'Lock'")).scalar_one()
