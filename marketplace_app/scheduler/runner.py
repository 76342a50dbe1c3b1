"""Running jobs: one tick per job, recorded as a heartbeat, started with the backend."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import update

from marketplace_app.core.clock import now
from marketplace_app.core.db import insert_ignore, unit_of_work
from marketplace_app.scheduler.jobs import JOBS, Job
from marketplace_app.scheduler.leader import Leadership
from marketplace_app.scheduler.models import SchedulerJob
from marketplace_app.settings import get_settings

log = logging.getLogger(__name__)
HEARTBEATS = SchedulerJob.__table__
MAX_BATCHES_PER_RUN = 200


def run_job(job: Job, *, holder: str = "manual") -> int:
    """Run one job now in its own unit of work and record the heartbeat; return rows processed."""
    started_at, clock_start = now(), time.perf_counter()
    processed, error = 0, None
    try:
        # Batched jobs take one short transaction per batch until a batch comes back short.
        for _ in range(MAX_BATCHES_PER_RUN):
            if job.transactional:
                with unit_of_work() as session:
                    batch = job.run(session)
            else:
                batch = job.run()
            processed += batch
            if job.batch_size is None or batch < _batch_size(job):
                break
    except Exception as exc:  # a failing job must not stop the others; staff see the error
        log.exception("scheduled job %s failed", job.name)
        error = f"{type(exc).__name__}: {exc}"[:500]
    _record(job, holder=holder, started_at=started_at, processed=processed, error=error,
            duration_ms=int((time.perf_counter() - clock_start) * 1000))
    return processed


def _batch_size(job: Job) -> int:
    return job.batch_size() if callable(job.batch_size) else job.batch_size


def _record(job: Job, *, holder: str, started_at, processed: int, error: str | None, duration_ms: int) -> None:
    with unit_of_work() as session:
        insert_ignore(session, HEARTBEATS, {"name": job.name, "description": job.description,
                                            "interval_seconds": job.interval_seconds, "last_processed": 0,
                                            "last_duration_ms": 0, "runs": 0, "failures": 0}, conflict=["name"])
        session.execute(update(HEARTBEATS).where(HEARTBEATS.c.name == job.name).values(
            description=job.description, interval_seconds=job.interval_seconds, holder=holder,
            last_started_at=started_at, last_finished_at=now(), last_status="error" if error else "ok",
            last_error=error, last_processed=processed, last_duration_ms=duration_ms,
            runs=HEARTBEATS.c.runs + 1, failures=HEARTBEATS.c.failures + (1 if error else 0),
        ))


def tick(leadership: Leadership, job: Job) -> None:
    """Run `job` if this process leads the deployment."""
    try:
        if leadership.hold():
            run_job(job, holder=leadership.holder)
    except Exception:
        log.exception("scheduler tick for %s failed", job.name)


def build_scheduler(leadership: Leadership) -> AsyncIOScheduler:
    """An APScheduler that only ticks; each job reads what is due from the database."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    # Renew the lease on its own beat, so leadership never depends on how often jobs run.
    scheduler.add_job(leadership.hold, "interval", id="leadership", name="Renew the scheduler lease",
                      seconds=get_settings().scheduler_tick_seconds, next_run_time=datetime.now(UTC),
                      replace_existing=True, max_instances=1, coalesce=True, misfire_grace_time=None)
    for job in JOBS:
        scheduler.add_job(tick, "interval", args=[leadership, job], id=job.name, name=job.description,
                          seconds=job.interval_seconds, next_run_time=datetime.now(UTC),
                          replace_existing=True, max_instances=1, coalesce=True, misfire_grace_time=None)
    return scheduler


@asynccontextmanager
async def scheduler_lifespan() -> AsyncIterator[None]:
    """Start the scheduler with the backend and stop it (releasing leadership) on shutdown."""
    if not get_settings().scheduler_enabled:
        yield
        return
    leadership = Leadership()
    scheduler = build_scheduler(leadership)
    scheduler.start()
    log.info("scheduler started as %s with %d jobs", leadership.holder, len(JOBS))
    try:
        yield
    finally:
        scheduler.shutdown(wait=False)
        leadership.release()
