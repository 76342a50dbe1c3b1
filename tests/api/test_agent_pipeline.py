"""What runs before every agent route (issue 13 §1): the key is read, never written on each call
(`last_used_at` at most once a minute), the call is counted outside the database (Redis when
`REDIS_URL` is set), and a GET is served while another writer holds SQLite's write lock."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import redis
from sqlalchemy import event, select

from marketplace_app.companies.models import ApiKey
from marketplace_app.core import clock
from marketplace_app.core.db import READ_ONLY_OPTION, get_engine, unit_of_work
from marketplace_app.ratelimit.counters import KEY_PREFIX
from marketplace_app.settings import get_settings
from tests.conftest import ON_POSTGRES
from tests.redis_support import free_port
from tests.requests import helpers as h
from tests.support import assert_error

REQUESTS = "/v1/requests"
T0 = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
WRITES = ("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE")


@pytest.fixture
def api():
    return h.client()


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        sent.append(statement.lstrip().upper())

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def last_used_at(agent: h.Agent) -> datetime | None:
    with unit_of_work(read_only=True) as session:
        value = session.execute(select(ApiKey.last_used_at).where(ApiKey.id == agent.key_id)).scalar_one()
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def test_a_get_writes_nothing_once_the_key_use_is_recorded(api):
    # given a request, and a key whose use was recorded by that call
    clock.freeze(T0)
    agent = h.make_agent(funded_cents=1_000)
    request_id = h.created(api.post(REQUESTS, json=h.SEED_BODY, headers=agent.headers()))

    # when the agent reads it a few times within the minute
    with statements() as sent:
        answers = [api.get(f"{REQUESTS}/{request_id}", headers=agent.headers()) for _ in range(3)]

    # then the reads were reads only
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert [answer.headers["x-ratelimit-remaining"] for answer in answers] == ["998", "997", "996"]
    assert [statement for statement in sent if statement.startswith(WRITES)] == []


def test_last_used_at_is_written_at_most_once_a_minute(api):
    # given a key never used
    clock.freeze(T0)
    agent = h.make_agent()
    assert last_used_at(agent) is None

    # when it is used now, 59 s later, and 61 s later
    api.get(REQUESTS, headers=agent.headers())
    first = last_used_at(agent)
    clock.advance(timedelta(seconds=59))
    api.get(REQUESTS, headers=agent.headers())
    within_the_minute = last_used_at(agent)
    clock.advance(timedelta(seconds=2))
    api.get(REQUESTS, headers=agent.headers())

    # then
    assert first == T0
    assert within_the_minute == T0
    assert last_used_at(agent) == T0 + timedelta(seconds=61)


def test_a_revoked_key_is_refused_on_its_next_call(api):
    # given a key that was just used
    agent = h.make_agent()
    assert api.get(REQUESTS, headers=agent.headers()).status_code == 200

    # when it is revoked
    with unit_of_work() as session:
        session.get_one(ApiKey, agent.key_id).status = "revoked"

    # then the very next call is refused (no cache stands between the key and the database)
    assert_error(api.get(REQUESTS, headers=agent.headers()), status=401, code="unauthorized")


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's single writer lock; PostgreSQL has no such lock")
def test_a_get_is_served_while_another_connection_holds_the_sqlite_write_lock(api, database):
    # given a recorded key, and another connection in the middle of a write transaction
    agent = h.make_agent()
    assert api.get(REQUESTS, headers=agent.headers()).status_code == 200
    writer = sqlite3.connect(database.removeprefix("sqlite:///"), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    answers: list[int] = []
    reader = threading.Thread(target=lambda: answers.append(api.get(REQUESTS, headers=agent.headers()).status_code))

    # when the agent lists its requests
    try:
        reader.start()
        reader.join(timeout=5)
        served_during_the_write = not reader.is_alive()
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        reader.join()

    # then it did not queue behind the writer
    assert served_during_the_write
    assert answers == [200]


def test_with_redis_the_calls_are_counted_in_redis(api, redis_url):
    # given
    clock.freeze(T0)
    agent = h.make_agent()

    # when
    answers = [api.get(REQUESTS, headers=agent.headers()) for _ in range(3)]

    # then the count is Redis's, the window's key expires after the window
    assert [answer.headers["x-ratelimit-remaining"] for answer in answers] == ["999", "998", "997"]
    store = redis.Redis.from_url(redis_url)
    key = f"{KEY_PREFIX}:{agent.key_id}:{int(T0.replace(minute=0).timestamp())}"
    assert store.get(key) == b"3"
    assert 3600 < store.ttl(key) <= 3600 + 300


def test_an_unanswering_redis_is_503_service_unavailable_and_nothing_runs(api, monkeypatch):
    # given a deployment whose Redis does not answer
    agent = h.make_agent(funded_cents=1_000)
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    get_settings.cache_clear()
    before = h.business_counts()

    # when
    response = api.post(REQUESTS, json=h.SEED_BODY, headers=agent.headers())

    # then
    assert_error(response, status=503, code="service_unavailable")
    assert response.headers["retry-after"] == "5"
    assert h.business_counts() == before


@contextmanager
def transactions() -> Iterator[list[bool]]:
    """One entry per transaction the app begins while the block runs (True when read-only)."""
    begun: list[bool] = []

    def record(connection) -> None:
        begun.append(bool(connection.get_execution_options().get(READ_ONLY_OPTION)))

    engine = get_engine()
    event.listen(engine, "begin", record)
    try:
        yield begun
    finally:
        event.remove(engine, "begin", record)


def test_a_get_reads_the_key_and_the_request_in_one_read_only_transaction(api):
    # given a request, and a key whose use was recorded by that call
    clock.freeze(T0)
    agent = h.make_agent(funded_cents=1_000)
    request_id = h.created(api.post(REQUESTS, json=h.SEED_BODY, headers=agent.headers()))

    # when the agent reads it
    with transactions() as begun:
        answer = api.get(f"{REQUESTS}/{request_id}", headers=agent.headers())

    # then the key, the rate limit and the request were read in one transaction, a read-only one
    assert answer.status_code == 200, answer.text
    assert begun == [True]


def test_a_get_of_an_unknown_request_still_records_the_keys_use(api):
    # given a key never used
    clock.freeze(T0)
    agent = h.make_agent()

    # when its first call reads a request that does not exist
    answer = api.get(f"{REQUESTS}/req_{'0' * 24}", headers=agent.headers())

    # then the call is refused, counted, and the key's use recorded after the read (SQLite's one
    # pooled connection is free again by then)
    assert_error(answer, status=404, code="not_found")
    assert answer.headers["x-ratelimit-remaining"] == "999"
    assert last_used_at(agent) == T0
