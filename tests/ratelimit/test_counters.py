"""The counter stores: exact under concurrency, shared between workers through Redis, old windows
forgotten, and a Redis that does not answer is a refusal (503), never an uncounted call."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from marketplace_app.core.errors import ServiceUnavailable
from marketplace_app.ratelimit import service as ratelimit
from marketplace_app.ratelimit.counters import MemoryCounters, RedisCounters
from tests.redis_support import free_port

HOUR = timedelta(hours=1)
NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CALLS = 400


def increments_from_threads(counters, *, threads: int) -> list[int]:
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(lambda _: counters.increment("key_a", NINE, HOUR), range(CALLS)))


def test_memory_counts_every_call_of_eight_threads_exactly_once():
    # when
    counts = increments_from_threads(MemoryCounters(), threads=8)

    # then each call got its own number
    assert sorted(counts) == list(range(1, CALLS + 1))


def test_memory_keeps_the_previous_window_and_forgets_older_ones():
    # given counts in three consecutive windows
    counters = MemoryCounters()
    for start in (NINE, NINE + HOUR, NINE + 2 * HOUR):
        counters.increment("key_a", start, HOUR)

    # then
    assert counters.current("key_a", NINE) == 0
    assert counters.current("key_a", NINE + HOUR) == 1
    assert counters.current("key_a", NINE + 2 * HOUR) == 1


def test_two_workers_on_one_redis_share_one_count(redis_url):
    # given two workers' counter stores
    first, second = RedisCounters(redis_url, timeout_seconds=2), RedisCounters(redis_url, timeout_seconds=2)

    # when both count the same key from four threads each
    with ThreadPoolExecutor(max_workers=2) as pool:
        batches = list(pool.map(lambda store: increments_from_threads(store, threads=4), (first, second)))

    # then every number was handed out once
    assert sorted(batches[0] + batches[1]) == list(range(1, 2 * CALLS + 1))
    assert first.current("key_a", NINE) == second.current("key_a", NINE) == 2 * CALLS
    assert first.current("key_a", NINE + HOUR) == 0


def test_the_service_counts_in_redis_exactly_when_redis_url_is_set(redis_url, monkeypatch):
    # given a count made while REDIS_URL is set
    ratelimit.hit(subject="key_a", limit=5)

    # when REDIS_URL is taken away (one process again)
    monkeypatch.delenv("REDIS_URL")
    ratelimit.get_settings.cache_clear()

    # then this process starts from its own memory, and Redis still holds the shared count
    assert isinstance(ratelimit.counters(), MemoryCounters)
    assert ratelimit.peek(subject="key_a", limit=5).count == 0
    assert RedisCounters(redis_url, timeout_seconds=2).current("key_a", ratelimit.window_start(ratelimit.now())) == 1


def test_a_redis_that_does_not_answer_is_service_unavailable():
    # given
    counters = RedisCounters(f"redis://127.0.0.1:{free_port()}/0", timeout_seconds=0.5)

    # when / then
    with pytest.raises(ServiceUnavailable) as refused:
        counters.increment("key_a", NINE, HOUR)
    assert refused.value.status == 503
    assert refused.value.headers == {"Retry-After": "5"}
