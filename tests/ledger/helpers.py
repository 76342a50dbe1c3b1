"""Shared helpers for ledger tests: the "ledger balanced" assertion, account names and races.

Race tests give every contender its own engine (and so its own connection): the
process engine has one SQLite connection, which would queue the threads in
Python and hide exactly the races these tests look for.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from marketplace_app.core.db import make_engine, unit_of_work
from marketplace_app.ledger import service as ledger
from marketplace_app.ledger.health import ledger_health
from marketplace_app.ledger.models import LedgerEntry, LedgerHold, LedgerTransfer, OwnerType, Purpose

BARRIER_TIMEOUT_SECONDS = 60
REVENUE = ledger.AccountRef(OwnerType.platform, "handoff", Purpose.revenue)
PAYOUTS = ledger.AccountRef(OwnerType.external, "provider", Purpose.payouts)


def worker_pending(worker_id: str) -> ledger.AccountRef:
    """A worker's settlement-hold account."""
    return ledger.AccountRef(OwnerType.operator, worker_id, Purpose.pending)


def worker_available(worker_id: str) -> ledger.AccountRef:
    """A worker's payable account."""
    return ledger.AccountRef(OwnerType.operator, worker_id, Purpose.available)


def assert_ledger_balanced(session: Session | None = None) -> None:
    """Fail unless `ledger_health()` holds, reading through `session` or a fresh read-only unit."""
    if session is None:
        with unit_of_work(read_only=True) as fresh:
            health = ledger_health(fresh)
    else:
        health = ledger_health(session)
    assert health.ok, f"ledger unhealthy: {health}"


def balance(ref: ledger.AccountRef) -> int:
    """The committed stored balance of `ref`."""
    with unit_of_work(read_only=True) as session:
        return ledger.balance_cents(session, ref)


def journal_counts() -> tuple[int, int, int]:
    """(transfers, entries, holds) committed so far."""
    with unit_of_work(read_only=True) as session:
        return tuple(session.execute(select(func.count()).select_from(model)).scalar_one()
                     for model in (LedgerTransfer, LedgerEntry, LedgerHold))


def transfer_count(*, kind: str) -> int:
    """How many committed transfers have `kind`."""
    with unit_of_work(read_only=True) as session:
        statement = select(func.count()).select_from(LedgerTransfer).where(LedgerTransfer.kind == kind)
        return session.execute(statement).scalar_one()


def hold_state(hold_id: str) -> str:
    """The committed state of a hold."""
    with unit_of_work(read_only=True) as session:
        return session.execute(select(LedgerHold.state).where(LedgerHold.id == hold_id)).scalar_one()


@contextmanager
def unit_of_work_on(engine: Engine) -> Iterator[Session]:
    """`unit_of_work()` on a given engine: commit on success, roll back on any error."""
    with Session(engine, expire_on_commit=False, autoflush=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@dataclass(slots=True)
class RaceResult:
    """What each contender returned or raised, how long the race took once started, and which
    contenders were in flight together (had started before the first of them finished)."""

    outcomes: list[object] = field(default_factory=list)
    seconds: float = 0.0
    together: set[int] = field(default_factory=set)

    def kinds(self) -> Counter[str]:
        """Outcome counts by type name (`"ok"` for a normal return), for assertions and messages."""
        return Counter(type(o).__name__ if isinstance(o, BaseException) else "ok" for o in self.outcomes)


def race(url: str, *, contenders: int, action: Callable[[Session, int], object],
         require_overlap: bool = True) -> RaceResult:
    """Run `action(session, index)` once per contender, all released together by a barrier.

    Each contender opens its own engine and connection before the barrier, then
    runs its action in its own unit of work. Exceptions are returned, not raised,
    so the caller can count them. Fails unless at least two contenders were in flight
    together: a race whose contenders ran one after the other proves nothing about its
    guard (mixed races check `together` holds each kind of contender). A race of very few
    contenders may miss each other on a loaded machine: such a test passes
    `require_overlap=False`, runs fresh rounds until `together` holds them all, and asserts that.
    """
    started: list[float] = []
    barrier = threading.Barrier(contenders, action=lambda: started.append(time.perf_counter()))
    entered = [0.0] * contenders
    finished = [0.0] * contenders

    def contend(index: int) -> object:
        engine = make_engine(url)
        try:
            with engine.connect():
                pass
            barrier.wait(timeout=BARRIER_TIMEOUT_SECONDS)
            entered[index] = time.perf_counter()
            try:
                with unit_of_work_on(engine) as session:
                    return action(session, index)
            except Exception as exc:
                return exc
            finally:
                finished[index] = time.perf_counter()
        finally:
            engine.dispose()

    with ThreadPoolExecutor(max_workers=contenders) as pool:
        outcomes = list(pool.map(contend, range(contenders)))
    first_done = min(finished)
    together = {index for index in range(contenders) if entered[index] < first_done}
    if require_overlap:
        assert len(together) >= min(2, contenders), "the contenders ran one after the other: no race happened"
    return RaceResult(outcomes=outcomes, seconds=max(finished) - started[0], together=together)
