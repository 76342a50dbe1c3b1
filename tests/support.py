"""Helpers shared by tests: row counts, error-envelope checks, concurrent starts and their outcomes."""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache
from typing import Any, TypeVar

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

import marketplace_app.models  # noqa: F401  (registers every table)
from marketplace_app.api.app import create_api
from marketplace_app.core.db import metadata, unit_of_work
from marketplace_app.settings import get_settings

T = TypeVar("T")
# What the race tests' OS processes import: the fork server imports it once for the run.
PROCESS_PRELOAD = ["tests.requests.helpers", "tests.webhooks.test_races"]


@cache
def shared_api() -> FastAPI:
    """One API app for the whole run: building it costs ~0.1 s and it keeps no state of its own
    (settings and the database are read per request), so tests share it. A test that overrides
    dependencies builds its own with `create_api()`."""
    return create_api()


@contextmanager
def api_client() -> Iterator[TestClient]:
    """A client of the shared app that sees server errors as responses, as a real caller would."""
    with TestClient(shared_api(), raise_server_exceptions=False) as test_client:
        yield test_client


# Bookkeeping every call may touch: hourly rate-limit counters and failed sign-in records. A
# refused call is counted there by design (tests/api/test_ratelimits.py, tests/identity/test_throttle.py).
BOOKKEEPING_TABLES = frozenset({"rate_limit_counter", "login_throttle"})


def row_counts() -> dict[str, int]:
    """Return the number of rows in every table but the bookkeeping ones, by table name."""
    with unit_of_work(read_only=True) as session:
        return {table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
                for table in metadata.sorted_tables if table.name not in BOOKKEEPING_TABLES}


def assert_error(response: Any, *, status: int, code: str) -> str:
    """Assert `response` is exactly the error envelope with `status` and `code`; return its message."""
    assert response.status_code == status, response.text
    assert "Traceback" not in response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"], body
    return body["error"]["message"]


def assert_ran_once(answers: list[tuple[int, Mapping[str, str], bytes]], *, status: int) -> bytes:
    """For concurrent calls with one Idempotency-Key, each as (status, headers, raw body): exactly one
    ran and answered `status`; every other one was refused because that call was still in flight
    (409 `idempotency_in_progress`, `Retry-After`) or, arriving after it finished, replayed its
    answer byte for byte (RELIABILITY 3). Returns the answer of the call that ran."""
    def header(headers: Mapping[str, str], name: str) -> str | None:
        return {key.lower(): value for key, value in headers.items()}.get(name)

    ran = [index for index, (code, headers, _content) in enumerate(answers)
           if code == status and header(headers, "idempotent-replayed") is None]
    assert len(ran) == 1, [(code, content[:80]) for code, _headers, content in answers]
    first = answers[ran[0]][2]
    for index, (code, headers, content) in enumerate(answers):
        if index == ran[0]:
            continue
        if code == 409:
            assert json.loads(content)["error"]["code"] == "idempotency_in_progress", content
            assert header(headers, "retry-after") == "1"
        else:
            assert (code, header(headers, "idempotent-replayed"), content) == (status, "true", first)
    return first


def run_concurrently(count: int, action: Callable[[int], T]) -> list[T | BaseException]:
    """Start `action(i)` in `count` threads at the same moment; return results or raised exceptions.

    Fails unless at least two actions were running together (else nothing raced).
    """
    barrier = threading.Barrier(count)
    started, finished = [0.0] * count, [0.0] * count

    def run(index: int) -> T | BaseException:
        barrier.wait()
        started[index] = time.perf_counter()
        try:
            return action(index)
        except Exception as exc:  # collected so the test can count outcomes
            return exc
        finally:
            finished[index] = time.perf_counter()

    with ThreadPoolExecutor(max_workers=count) as pool:
        outcomes = list(pool.map(run, range(count)))
    first_done = min(finished)
    assert sum(moment < first_done for moment in started) >= min(2, count), \
        "the actions ran one after the other: no race happened"
    return outcomes


def repeated(total: int, *, in_ci: int) -> list[Any]:
    """Round numbers for a repeated race: the first `in_ci` run with `-m slow` (CI); the rest carry the
    `nightly` marker too, so only `make test-nightly` (`-m "slow or nightly"`) runs all `total`."""
    return [pytest.param(index, marks=pytest.mark.nightly) if index >= in_ci else index for index in range(total)]


def override_settings(monkeypatch: pytest.MonkeyPatch, **values: object) -> None:
    """Set settings for this test (as their environment variables; undone after it)."""
    for name, value in values.items():
        monkeypatch.setenv(name.upper(), str(value))
    get_settings.cache_clear()


def process_context() -> multiprocessing.context.BaseContext:
    """Where race tests start their OS processes: forked from a server process that imported the app once
    and opened nothing (no engine, connection or thread), so each starts as a spawned interpreter would,
    without the ~4 s of CPU that importing the app again costs every process (races start 2-4 a round).
    Start targets through `in_environment`: the fork server's environment is the one it started with."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PROCESS_PRELOAD)
    return context


def in_environment(environment: dict[str, str], target: Callable[..., None], *args: Any) -> None:
    """Run `target(*args)` with `environment` as the process environment (the starting test's, as spawn
    would hand it over: `REDIS_URL`, `DATABASE_URL`, ...)."""
    os.environ.clear()
    os.environ.update(environment)
    get_settings.cache_clear()
    target(*args)
