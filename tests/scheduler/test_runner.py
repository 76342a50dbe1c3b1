"""Running jobs: heartbeats, failures that stay contained, the APScheduler set-up and the lifespan."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlmodel import Session

from marketplace_app.core import clock
from marketplace_app.core.clock import EPOCH
from marketplace_app.core.db import make_engine, unit_of_work
from marketplace_app.scheduler import jobs as registry
from marketplace_app.scheduler.jobs import JOBS, Job
from marketplace_app.scheduler.leader import ADVISORY_LOCK_KEY, LEASE_NAME, LEASE_TTL, RENEW_EVERY
from marketplace_app.scheduler.models import SchedulerJob, SchedulerLease
from marketplace_app.scheduler.runner import build_scheduler, run_job, scheduler_lifespan, tick
from marketplace_app.settings import get_settings
from tests import factories
from tests.conftest import ON_POSTGRES
from tests.support import row_counts


def heartbeat(name: str) -> SchedulerJob | None:
    with unit_of_work(read_only=True) as session:
        return session.get(SchedulerJob, name)


def heartbeats() -> dict[str, SchedulerJob]:
    with unit_of_work(read_only=True) as session:
        return {row.name: row for row in session.execute(select(SchedulerJob)).scalars()}


def counting_job(*, name: str = "count_three", processed: int = 3, sleep_seconds: float = 0) -> Job:
    def run(_session: Session) -> int:
        time.sleep(sleep_seconds)
        return processed

    return Job(name, "Counts to three", 60, run)


def failing_job(*, name: str = "always_fails") -> Job:
    def run(session: Session) -> int:
        factories.make_user(session, email="written-then-rolled-back@example.com")
        raise ValueError("the sky is falling")

    return Job(name, "Fails after writing", 60, run)


def test_run_job_records_a_heartbeat():
    # given
    clock.freeze(datetime(2030, 1, 1, 12, 0, tzinfo=UTC))
    job = counting_job(sleep_seconds=0.05)

    # when
    processed = run_job(job, holder="worker-1")

    # then
    assert processed == 3
    row = heartbeat(job.name)
    assert (row.runs, row.failures, row.last_status, row.last_error) == (1, 0, "ok", None)
    assert (row.last_processed, row.holder, row.interval_seconds) == (3, "worker-1", 60)
    assert row.description == job.description
    assert row.last_started_at == row.last_finished_at == clock.now()
    assert 40 <= row.last_duration_ms < 5_000


def test_each_run_adds_to_the_same_heartbeat():
    # given
    job = counting_job()
    run_job(job)

    # when
    run_job(counting_job(processed=7))

    # then
    row = heartbeat(job.name)
    assert (row.runs, row.last_processed, row.last_status) == (2, 7, "ok")


def test_a_failing_job_is_recorded_rolled_back_and_not_raised():
    # given
    job = failing_job()
    before = row_counts()

    # when
    processed = run_job(job, holder="worker-1")

    # then
    assert processed == 0
    row = heartbeat(job.name)
    assert (row.runs, row.failures, row.last_status) == (1, 1, "error")
    assert row.last_error == "ValueError: the sky is falling"
    after = row_counts()
    assert {name: after[name] - before[name] for name in after if after[name] != before[name]} == {
        "scheduler_job": 1}


def test_a_success_after_a_failure_clears_the_error_but_keeps_the_failure_count():
    # given
    run_job(failing_job(name="flaky"))

    # when
    run_job(counting_job(name="flaky"))

    # then
    row = heartbeat("flaky")
    assert (row.runs, row.failures, row.last_status, row.last_error) == (2, 1, "ok", None)


def test_a_very_long_error_is_cut_to_fit_the_heartbeat():
    # given
    def run(_session: Session) -> int:
        raise RuntimeError("x" * 5_000)

    # when
    run_job(Job("loud", "Fails loudly", 60, run))

    # then
    assert len(heartbeat("loud").last_error) == 500


def test_a_batched_job_runs_until_a_batch_comes_back_short():
    # given
    batches = iter([2, 2, 1, 2])
    calls = []

    def run(_session: Session) -> int:
        calls.append(1)
        return next(batches)

    # when
    processed = run_job(Job("batched", "Works in batches", 60, run, batch_size=2))

    # then
    assert (processed, len(calls)) == (5, 3)
    assert heartbeat("batched").last_processed == 5


def test_tick_runs_the_job_only_where_leadership_is_held(leadership):
    # given
    leader, follower = leadership("leader"), leadership("follower")
    assert leader.hold()
    job = counting_job()

    # when
    tick(follower, job)
    after_follower = heartbeat(job.name)
    tick(leader, job)

    # then
    assert after_follower is None
    assert heartbeat(job.name).holder == "leader"


def test_every_registered_job_runs_cleanly_on_an_empty_database():
    # when
    for job in JOBS:
        run_job(job)

    # then
    rows = heartbeats()
    assert {name: (row.last_status, row.last_error) for name, row in rows.items()} == {
        job.name: ("ok", None) for job in JOBS}


def test_job_names_are_unique_and_a_duplicate_registration_is_refused():
    # given
    names = [job.name for job in JOBS]

    # when
    with pytest.raises(ValueError, match="already registered"):
        registry.register(counting_job(name=JOBS[0].name))

    # then
    assert len(names) == len(set(names))
    assert [job.name for job in JOBS] == names


def test_build_scheduler_registers_every_job_as_a_coalescing_single_instance_tick(leadership):
    # given
    owner = leadership("owner")

    # when
    scheduler = build_scheduler(owner)

    # then
    scheduled = {job.id: job for job in scheduler.get_jobs()}
    assert set(scheduled) == {job.name for job in JOBS} | {"leadership"}
    renewal = scheduled["leadership"]
    assert renewal.func == owner.hold
    assert renewal.trigger.interval == timedelta(seconds=get_settings().scheduler_tick_seconds)
    assert (renewal.coalesce, renewal.max_instances, renewal.misfire_grace_time) == (True, 1, None)
    for job in JOBS:
        entry = scheduled[job.name]
        assert entry.func is tick
        assert entry.args == (owner, job)
        assert entry.coalesce is True
        assert entry.max_instances == 1
        assert entry.misfire_grace_time is None
        assert entry.trigger.interval == timedelta(seconds=job.interval_seconds)
        assert entry.next_run_time is not None  # the first tick comes right at start


def test_the_leader_renews_its_lease_before_it_can_expire(leadership):
    # given (every tick renews at most every RENEW_EVERY; the lease must outlive the longest gap)
    scheduler = build_scheduler(leadership("owner"))

    # when
    shortest_tick = min(job.trigger.interval for job in scheduler.get_jobs())

    # then
    assert shortest_tick + RENEW_EVERY < LEASE_TTL


@pytest.fixture
def scheduler_enabled(monkeypatch):
    monkeypatch.setenv("SCHEDULER_ENABLED", "true")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def test_the_lifespan_runs_every_job_and_releases_leadership_on_shutdown(scheduler_enabled, database):
    # given
    expected = {job.name for job in JOBS}

    # when
    async with scheduler_lifespan():
        deadline = time.monotonic() + 10
        while set(await asyncio.to_thread(heartbeats)) != expected and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
    await asyncio.sleep(0.2)  # let a tick that was already running finish
    runs_at_shutdown = {name: row.runs for name, row in (await asyncio.to_thread(heartbeats)).items()}
    await asyncio.sleep(1.5)  # longer than the shortest interval

    # then
    rows = heartbeats()
    assert set(rows) == expected
    assert {name: row.last_status for name, row in rows.items()} == dict.fromkeys(expected, "ok")
    assert {name: row.runs for name, row in rows.items()} == runs_at_shutdown
    with unit_of_work(read_only=True) as session:
        lease = session.get_one(SchedulerLease, LEASE_NAME)
    assert lease.expires_at == EPOCH
    if ON_POSTGRES:
        assert advisory_lock_is_free(database)


def advisory_lock_is_free(url: str) -> bool:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            key = {"key": ADVISORY_LOCK_KEY}
            free = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), key).scalar_one()
            connection.execute(text("SELECT pg_advisory_unlock_all()"))
            return free
    finally:
        engine.dispose()


async def test_the_lifespan_does_nothing_when_the_scheduler_is_disabled():
    # given
    assert get_settings().scheduler_enabled is False

    # when
    async with scheduler_lifespan():
        await asyncio.sleep(0.3)

    # then
    assert heartbeats() == {}
    with unit_of_work(read_only=True) as session:
        assert session.get(SchedulerLease, LEASE_NAME) is None
