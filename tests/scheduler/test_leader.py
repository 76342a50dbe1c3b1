"""Exactly one scheduler per deployment: a lease row everywhere, plus an advisory lock on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, select, text

from marketplace_app.core import clock
from marketplace_app.core.db import make_engine, unit_of_work
from marketplace_app.scheduler.leader import ADVISORY_LOCK_KEY, LEASE_NAME, LEASE_TTL
from marketplace_app.scheduler.models import SchedulerLease
from tests.conftest import ON_POSTGRES
from tests.support import run_concurrently

postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="advisory locks exist only on PostgreSQL")
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="on PostgreSQL a live holder keeps the advisory lock")


def lease() -> SchedulerLease:
    with unit_of_work(read_only=True) as session:
        return session.execute(select(SchedulerLease).where(SchedulerLease.name == LEASE_NAME)).scalar_one()


@pytest.fixture
def other_connection(database: str) -> Iterator[Connection]:
    """A connection of a separate engine, as another process would have."""
    engine = make_engine(database)
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def try_advisory_lock(connection: Connection) -> bool:
    """Take the scheduler's advisory lock on `connection` if it is free."""
    locked = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}).scalar_one()
    connection.commit()
    return locked


def unlock(connection: Connection) -> None:
    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
    connection.commit()


def test_only_one_of_two_holders_leads(leadership):
    # given
    first, second = leadership("first"), leadership("second")

    # when
    results = [first.hold(), second.hold(), first.hold(), second.hold()]

    # then
    assert results == [True, False, True, False]
    assert lease().holder == "first"


def test_concurrent_ticks_in_the_leading_process_all_see_it_lead(leadership):
    # given (APScheduler runs due ticks in a thread pool, all sharing one Leadership)
    shared = leadership("shared")

    # when
    results = run_concurrently(8, lambda _index: shared.hold())

    # then
    assert results == [True] * 8
    assert lease().holder == "shared"


def test_renewing_extends_the_lease_without_changing_when_it_was_acquired(leadership):
    # given
    clock.freeze(datetime(2030, 1, 1, 12, 0, tzinfo=UTC))
    first = leadership("first")
    first.hold()

    # when
    clock.advance(timedelta(seconds=20))
    first.hold()

    # then
    row = lease()
    assert row.acquired_at == datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    assert row.expires_at == clock.now() + LEASE_TTL


@sqlite_only
def test_on_sqlite_another_holder_takes_over_once_the_lease_expires(leadership):
    # given
    clock.freeze(datetime(2030, 1, 1, 12, 0, tzinfo=UTC))
    first, second = leadership("first"), leadership("second")
    assert first.hold()

    # when
    clock.advance(LEASE_TTL - timedelta(seconds=1))
    before_expiry = second.hold()
    clock.advance(timedelta(seconds=2))
    after_expiry = second.hold()

    # then
    assert (before_expiry, after_expiry) == (False, True)
    assert first.hold() is False
    assert lease().holder == "second"


@postgres_only
def test_on_postgres_a_live_holder_keeps_leading_past_its_lease(leadership):
    # given
    clock.freeze(datetime(2030, 1, 1, 12, 0, tzinfo=UTC))
    first, second = leadership("first"), leadership("second")
    assert first.hold()

    # when
    clock.advance(LEASE_TTL + timedelta(seconds=1))

    # then (the advisory lock, not the lease, keeps the second out)
    assert second.hold() is False
    assert first.hold() is True


def test_a_holder_whose_process_died_is_replaced_once_its_lease_expires(leadership, hold_in_another_process):
    # given
    assert hold_in_another_process("dead-process") is True
    clock.freeze(datetime.now(UTC))
    survivor = leadership("survivor")

    # when
    before_expiry = survivor.hold()
    clock.advance(LEASE_TTL + timedelta(seconds=1))
    after_expiry = survivor.hold()

    # then
    assert (before_expiry, after_expiry) == (False, True)
    assert lease().holder == "survivor"


def test_another_process_cannot_lead_while_this_one_holds(leadership, hold_in_another_process):
    # given
    assert leadership("this-process").hold()

    # when
    other = hold_in_another_process("other-process")

    # then
    assert other is False
    assert lease().holder == "this-process"


def test_release_lets_another_holder_take_over_at_once(leadership):
    # given
    clock.freeze(datetime(2030, 1, 1, 12, 0, tzinfo=UTC))
    first, second = leadership("first"), leadership("second")
    assert first.hold()

    # when
    first.release()

    # then
    assert second.hold() is True
    assert lease().holder == "second"


def test_release_lets_another_process_take_over_at_once(leadership, hold_in_another_process):
    # given
    first = leadership("first")
    assert first.hold()

    # when
    first.release()

    # then
    assert hold_in_another_process("next-process") is True


def test_release_by_a_non_holder_changes_nothing(leadership):
    # given
    first, second = leadership("first"), leadership("second")
    assert first.hold()

    # when
    second.release()

    # then
    assert second.hold() is False
    assert first.hold() is True


@postgres_only
def test_on_postgres_the_leader_holds_the_advisory_lock(leadership, other_connection):
    # given
    first = leadership("first")

    # when
    assert first.hold()

    # then
    assert try_advisory_lock(other_connection) is False


@postgres_only
def test_on_postgres_nobody_leads_while_another_session_holds_the_lock(leadership, other_connection):
    # given (the lease row is free, but another process holds the lock)
    assert try_advisory_lock(other_connection)
    first = leadership("first")

    # when
    while_locked = first.hold()
    unlock(other_connection)
    after_unlock = first.hold()

    # then
    assert (while_locked, after_unlock) == (False, True)


@postgres_only
def test_on_postgres_release_frees_the_advisory_lock(leadership, other_connection):
    # given
    first = leadership("first")
    assert first.hold()

    # when
    first.release()

    # then
    assert try_advisory_lock(other_connection) is True
    unlock(other_connection)
