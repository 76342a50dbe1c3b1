"""`sweep`: expire 100,000 due requests with the scheduler's expiry job vs the same writes in raw SQL.

Handoff's figure is `run_job` on the registered `expire_unmatched_requests` job (one unit of
work per batch of 2000, looping until a batch comes back short). Every Session transaction is
timed from BEGIN to the end of COMMIT with SQLAlchemy session events, so the longest one is
the longest time the SQLite write lock was held.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import event, func, select
from sqlmodel import Session

from bench import report, sweep_reference
from bench.databases import Databases, release, use
from bench.fixtures import SEED_PRICE_CENTS, make_tenant
from bench.options import Options
from bench.sweep_data import seed_due_requests
from marketplace_app.core.db import unit_of_work
from marketplace_app.ledger.health import ledger_health
from marketplace_app.ledger.models import HoldState, LedgerHold, LedgerTransfer
from marketplace_app.requests.models import Request, RequestEvent, RequestStatus
from marketplace_app.scheduler.jobs import JOBS
from marketplace_app.scheduler.models import SchedulerJob
from marketplace_app.scheduler.runner import run_job

EXPIRY_JOB = "expire_unmatched_requests"
TARGET_SECONDS = {"sqlite": 3.0, "postgres": 10.0}
TARGET_LONGEST_MS = 250.0  # SQLite only


@dataclass
class TransactionTimer:
    """Durations (ms) of every Session transaction between `__enter__` and `__exit__`."""

    durations_ms: list[float] = field(default_factory=list)

    def __enter__(self) -> TransactionTimer:
        event.listen(Session, "after_begin", self._began)
        event.listen(Session, "after_commit", self._ended)
        event.listen(Session, "after_rollback", self._ended)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(Session, "after_begin", self._began)
        event.remove(Session, "after_commit", self._ended)
        event.remove(Session, "after_rollback", self._ended)

    def _began(self, session: Session, _transaction: object, _connection: object) -> None:
        session.info.setdefault("bench_began", time.perf_counter())

    def _ended(self, session: Session) -> None:
        began = session.info.pop("bench_began", None)
        if began is not None:
            self.durations_ms.append((time.perf_counter() - began) * 1000)


@dataclass(frozen=True, slots=True)
class SweepResult:
    """One sweep: rows expired, elapsed seconds, transactions and the verification line."""

    processed: int
    seconds: float
    durations_ms: list[float]
    verdict: str
    ok: bool

    @property
    def rows_per_second(self) -> float:
        """Throughput."""
        return self.processed / self.seconds if self.seconds else 0.0

    @property
    def longest_ms(self) -> float:
        """The longest single write transaction."""
        return max(self.durations_ms, default=0.0)


def seeded(databases: Databases, count: int) -> str:
    """A fresh database holding `count` due, escrowed requests; return its URL."""
    url = databases.fresh()
    tenant = make_tenant(credit_cents=count * SEED_PRICE_CENTS)
    started = time.perf_counter()
    seed_due_requests(tenant, count)
    databases.analyze()
    print(f"  seeded {count:,} due requests with pending holds in {time.perf_counter() - started:.1f} s", flush=True)
    return url


def measure_handoff(databases: Databases, count: int) -> SweepResult:
    """`run_job` on the expiry job until nothing is due."""
    url = seeded(databases, count)
    job = next(job for job in JOBS if job.name == EXPIRY_JOB)
    with TransactionTimer() as timer:
        started = time.perf_counter()
        processed = run_job(job, holder="bench")
        seconds = time.perf_counter() - started
    with unit_of_work(read_only=True) as session:
        heartbeat = session.get(SchedulerJob, EXPIRY_JOB)
        error = heartbeat.last_error if heartbeat else "no heartbeat"
    verdict, ok = verify(url, count)
    if error:
        verdict, ok = f"{verdict}; job error: {error}", False
    return SweepResult(processed, seconds, timer.durations_ms, verdict, ok)


def measure_reference(databases: Databases, count: int) -> SweepResult:
    """The raw-SQL sweep on an identically seeded database."""
    url = seeded(databases, count)
    release()
    started = time.perf_counter()
    processed, durations_ms = sweep_reference.sweep(url)
    seconds = time.perf_counter() - started
    verdict, ok = verify(url, count)
    return SweepResult(processed, seconds, durations_ms, verdict, ok)


def verify(url: str, count: int) -> tuple[str, bool]:
    """Each request expired exactly once, each hold voided once, the ledger healthy."""
    use(url)
    with unit_of_work(read_only=True) as session:
        voids, distinct = session.execute(
            select(func.count(), func.count(func.distinct(LedgerTransfer.reference_id)))
            .where(LedgerTransfer.kind == "escrow_void")).one()
        expired = _count(session, Request, Request.status == RequestStatus.expired)
        voided = _count(session, LedgerHold, LedgerHold.state == HoldState.voided)
        lines = _count(session, RequestEvent, RequestEvent.to_status == RequestStatus.expired)
        health = ledger_health(session)
    ok = voids == distinct == expired == voided == lines == count and health.ok
    verdict = (f"escrow_void transfers {voids:,} (distinct requests {distinct:,}), expired {expired:,}, "
               f"holds voided {voided:,}, timeline lines {lines:,}, ledger_health "
               f"{'ok' if health.ok else health} → {'ok' if ok else 'BROKEN'}")
    return verdict, ok


def _count(session: Session, model: type, condition: object) -> int:
    return session.execute(select(func.count()).select_from(model).where(condition)).scalar_one()


def describe(label: str, result: SweepResult) -> str:
    """One line per sweep."""
    return (f"  {label:<26} {result.processed:,} rows in {result.seconds:.2f} s = {result.rows_per_second:,.0f} "
            f"rows/s; {len(result.durations_ms)} transactions, longest {result.longest_ms:.0f} ms\n"
            f"    {result.verdict}")


def run(kind: str, options: Options) -> list[report.Figure]:
    """Reference sweep, then Handoff's, each on its own seeded database; return the figures."""
    count = options.sweep_rows
    report.heading(f"sweep on {kind}: {count:,} due requests")
    databases = Databases(kind)
    try:
        reference = measure_reference(databases, count)
        print(describe("reference (raw SQL)", reference), flush=True)
        handoff = measure_handoff(databases, count)
        print(describe("Handoff run_job(expiry)", handoff), flush=True)
    finally:
        databases.cleanup()
    longest_target = f"≤ {TARGET_LONGEST_MS:.0f} ms" if kind == "sqlite" else "—"
    return [
        report.Figure("sweep", kind, "rows/s", handoff.rows_per_second, reference.rows_per_second, "rows/s",
                      "—", None),
        report.Figure("sweep", kind, f"{count:,} expired, total", handoff.seconds, reference.seconds, "s",
                      f"< {TARGET_SECONDS[kind]:g} s", handoff.seconds < TARGET_SECONDS[kind]),
        report.Figure("sweep", kind, "longest write transaction", handoff.longest_ms, reference.longest_ms, "ms",
                      longest_target, handoff.longest_ms <= TARGET_LONGEST_MS if kind == "sqlite" else None),
        report.check("sweep", kind, "exactly once + ledger_health", handoff.ok),
    ]
