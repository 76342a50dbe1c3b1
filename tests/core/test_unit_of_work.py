"""`after_refusal` and `keep_if_refused`: what a refused call must leave behind lands exactly once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from marketplace_app.core.clock import now
from marketplace_app.core.db import after_refusal, keep_if_refused, unit_of_work
from marketplace_app.core.errors import Conflict
from marketplace_app.ratelimit.models import RateLimitCounter

COUNTERS = RateLimitCounter.__table__


def count_call(session: Session) -> int:
    """A write that must land exactly once: one more row in a plain table."""
    session.execute(COUNTERS.insert().values(subject="test:subject", window_start=now(), count=1))
    return counted_in(session)


def counted_in(session: Session) -> int:
    return session.execute(select(func.count()).select_from(COUNTERS)).scalar_one()


def counted() -> int:
    with unit_of_work(read_only=True) as session:
        return counted_in(session)


def test_keep_if_refused_lands_once_when_the_unit_commits():
    # when
    with unit_of_work() as session:
        assert keep_if_refused(session, count_call) == 1

    # then
    assert counted() == 1


def test_keep_if_refused_lands_once_when_a_refusal_rolls_the_unit_back():
    # when
    with pytest.raises(Conflict), unit_of_work() as session:
        keep_if_refused(session, count_call)
        raise Conflict("refused")

    # then
    assert counted() == 1


def test_after_refusal_runs_only_after_a_refusal():
    # when
    with unit_of_work() as session:
        after_refusal(session, count_call)
    with pytest.raises(Conflict), unit_of_work() as session:
        after_refusal(session, count_call)
        raise Conflict("refused")

    # then
    assert counted() == 1


def test_an_unexpected_error_keeps_nothing():
    # when the failure is not a refusal (the database itself may be what failed)
    with pytest.raises(ZeroDivisionError), unit_of_work() as session:
        keep_if_refused(session, count_call)
        raise ZeroDivisionError

    # then
    assert counted() == 0
