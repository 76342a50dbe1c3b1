"""Concurrent delivery jobs never share a delivery: each claim is a conditional UPDATE with a lease,
so every queued delivery is attempted exactly once however many senders run (threads of one
process, or separate OS processes with their own engines; both databases)."""

from __future__ import annotations

import os
import time
from collections import Counter

from marketplace_app.webhooks import delivery
from tests.support import in_environment, process_context, run_concurrently
from tests.webhooks.helpers import (
    DELIVERIES,
    attempts,
    create_endpoint,
    deliveries,
    emit,
    tenant_with_agent,
)

EVENTS_QUEUED = 120
PROCESS_TIMEOUT_SECONDS = 120


def queue_events(client, receiver) -> list[str]:
    """An endpoint and EVENTS_QUEUED events for it (spread over requests, so sends run in parallel)."""
    tenant, agent = tenant_with_agent()
    create_endpoint(client, tenant, agent.project_id, receiver.url)
    ids = []
    for index in range(EVENTS_QUEUED // 4):
        ids += emit(agent, ["request.matching", "request.in_progress", "request.submitted", "request.completed"],
                    request_id=f"req_race{index:04d}")
    return ids


def assert_each_attempted_once(receiver, ids: list[str]) -> None:
    assert {(item["status_code"], item["error"]) for item in attempts()} == {(200, None)}
    counts = Counter(receiver.event_ids())
    assert sorted(counts) == sorted(ids)
    assert [event_id for event_id, seen in counts.items() if seen != 1] == []
    assert len(attempts()) == len(ids)
    assert {(row["status"], row["attempts"]) for row in deliveries(DELIVERIES.c.endpoint_id.is_not(None))} == {
        ("delivered", 1)}


def test_concurrent_delivery_jobs_in_threads_attempt_each_delivery_exactly_once(client, receiver):
    # given
    ids = queue_events(client, receiver)

    # when four jobs start at the same moment, each running until nothing is due
    def job(_index: int) -> int:
        sent = 0
        while (batch := delivery.deliver_due(limit=25)) > 0:
            sent += batch
        return sent

    results = run_concurrently(4, job)

    # then (the jobs ran side by side: `run_concurrently` checks it) each delivery was sent once
    assert [result for result in results if isinstance(result, BaseException)] == []
    assert sum(results) == len(ids)
    assert_each_attempted_once(receiver, ids)


def _process_job(url: str, start, results, index: int) -> None:
    """One OS process: its own settings and engine (on SQLite its own connection), then the job."""
    os.environ["DATABASE_URL"] = url
    from marketplace_app.core import db
    from marketplace_app.settings import get_settings
    from marketplace_app.webhooks import delivery as job

    get_settings.cache_clear()
    db.configure(url)
    sent = 0
    began = 0.0
    try:
        start.wait(timeout=PROCESS_TIMEOUT_SECONDS)
        # time.monotonic() is CLOCK_MONOTONIC on Linux: one clock for both processes.
        began = time.monotonic()
        while (batch := job.deliver_due(limit=25)) > 0:
            sent += batch
        results.put((index, sent, (began, time.monotonic()), None))
    except BaseException as exc:  # the parent reports it instead of waiting for a timeout
        results.put((index, sent, (began, time.monotonic()), repr(exc)))
    finally:
        db.get_engine().dispose()


def test_concurrent_delivery_jobs_in_processes_attempt_each_delivery_exactly_once(client, receiver, database):
    # given
    ids = queue_events(client, receiver)
    context = process_context()
    start = context.Barrier(3)
    results = context.Queue()
    workers = [context.Process(target=in_environment, args=(dict(os.environ), _process_job, database, start,
                                                            results, index), daemon=True)
               for index in range(2)]

    # when two processes start together
    for worker in workers:
        worker.start()
    start.wait(timeout=PROCESS_TIMEOUT_SECONDS)
    collected = [results.get(timeout=PROCESS_TIMEOUT_SECONDS) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)

    # then both jobs were running at the same moment, and each delivery was sent once
    assert [error for _index, _sent, _span, error in collected if error] == []
    spans = [span for _index, _sent, span, _error in collected]
    assert max(began for began, _ended in spans) < min(ended for _began, ended in spans), spans
    assert sum(sent for _index, sent, _span, _error in collected) == len(ids)
    assert_each_attempted_once(receiver, ids)
