"""RELIABILITY 7, the settlement hold: a reward completed at T is not available at T+7d−1s, is
available after the first sweep past T+7d, stays put while frozen, and is released exactly once
however many sweeps run at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.earnings import service as earnings
from marketplace_app.earnings.models import Earning
from marketplace_app.scheduler.jobs import JOBS
from marketplace_app.scheduler.runner import run_job
from tests.ledger.helpers import assert_ledger_balanced, race, transfer_count
from tests.requests import helpers as rh
from tests.support import override_settings
from tests.work import helpers as w

HOLD = timedelta(days=7)


def release(**options) -> int:
    return w.in_unit(lambda session: earnings.release_due(session, **options))


def freeze_earning(request_id: str, *, frozen: bool = True) -> None:
    """Set the `frozen` flag directly, as an open dispute will."""
    with unit_of_work() as session:
        session.execute(update(Earning).where(Earning.request_id == request_id).values(frozen=frozen))


@pytest.fixture
def agent():
    return w.make_agent(funded_cents=100_000)


def test_the_release_job_is_registered():
    assert any(job.name == "release_settlements" and job.run is earnings.release_due for job in JOBS)


def test_a_reward_completed_at_t_is_available_after_the_first_sweep_past_t_plus_7_days(agent):
    # given a request completed at T0
    clock.freeze(w.T0)
    operator = w.make_operator()
    request_id = w.completed_request(agent, operator)
    (earning,) = w.earnings_of(operator.user_id)
    assert (earning.status, earning.amount_cents, earning.available_on) == ("pending", w.REWARD_CENTS, w.T0 + HOLD)

    # when the sweep runs one second before the hold ends
    clock.advance(HOLD - timedelta(seconds=1))
    assert release() == 0

    # then nothing moved
    assert (w.pending_cents(operator.user_id), w.available_cents(operator.user_id)) == (w.REWARD_CENTS, 0)

    # when the first sweep past T+7d runs (and then again)
    clock.advance(timedelta(seconds=2))
    assert (release(), release()) == (1, 0)

    # then the reward moved once from pending to available
    (earning,) = w.earnings_of(operator.user_id)
    assert (earning.status, earning.released_at) == ("available", w.T0 + HOLD + timedelta(seconds=1))
    assert (w.pending_cents(operator.user_id), w.available_cents(operator.user_id)) == (0, w.REWARD_CENTS)
    assert rh.transfers(kind="settlement_release", reference_id=request_id) == 1
    assert_ledger_balanced()


def test_the_hold_length_is_a_setting(agent, monkeypatch):
    # given a two-day hold
    w.set_setting(monkeypatch, "settlement_hold_days", "2")
    clock.freeze(w.T0)
    operator = w.make_operator()
    w.completed_request(agent, operator)

    # when / then
    assert w.earnings_of(operator.user_id)[0].available_on == w.T0 + timedelta(days=2)
    clock.advance(timedelta(days=2))
    assert release() == 1
    assert_ledger_balanced()


def test_a_frozen_earning_is_not_released_until_it_is_unfrozen(agent):
    # given two completed requests, one of them frozen
    clock.freeze(w.T0)
    operator = w.make_operator()
    frozen, free = w.completed_request(agent, operator), w.completed_request(agent, operator)
    freeze_earning(frozen)

    # when the hold ends and the sweep runs
    clock.advance(HOLD + timedelta(days=30))
    assert release() == 1

    # then only the free one moved
    assert (w.pending_cents(operator.user_id), w.available_cents(operator.user_id)) == (w.REWARD_CENTS,
                                                                                         w.REWARD_CENTS)
    assert rh.transfers(kind="settlement_release", reference_id=frozen) == 0
    assert rh.transfers(kind="settlement_release", reference_id=free) == 1

    # and once unfrozen, the next sweep releases it
    freeze_earning(frozen, frozen=False)
    assert release() == 1
    assert w.available_cents(operator.user_id) == 2 * w.REWARD_CENTS
    assert_ledger_balanced()


def test_a_sweep_works_in_batches_oldest_first(agent):
    # given five earnings due, completed a minute apart
    clock.freeze(w.T0)
    operator = w.make_operator()
    ids = []
    for _ in range(5):
        ids.append(w.completed_request(agent, operator))
        clock.advance(timedelta(minutes=1))
    clock.advance(HOLD)

    # when the sweep takes two at a time
    assert release(limit=2) == 2

    # then the two oldest went first, and the rest follow
    released = {e.request_id for e in w.earnings_of(operator.user_id) if e.status == "available"}
    assert released == set(ids[:2])
    assert (release(limit=2), release(limit=2), release(limit=2)) == (2, 1, 0)
    assert transfer_count(kind="settlement_release") == 5
    assert_ledger_balanced()


@pytest.mark.parametrize("sweepers", [3, 8])
def test_concurrent_sweeps_release_each_earning_exactly_once(database, agent, sweepers):
    # given six due earnings of three operators
    clock.freeze(w.T0)
    operators = w.make_operators(count=3)
    ids = [w.completed_request(agent, operator) for operator in operators for _ in range(2)]
    clock.advance(HOLD)

    # when several sweeps run at once, each on its own connection
    result = race(database, contenders=sweepers, action=lambda session, _index: earnings.release_due(session))

    # then together they released six, one transfer each
    assert all(isinstance(outcome, int) for outcome in result.outcomes), result.outcomes
    assert sum(result.outcomes) == 6
    assert {request_id: rh.transfers(kind="settlement_release", reference_id=request_id) for request_id in ids} == \
        dict.fromkeys(ids, 1)
    for operator in operators:
        assert (w.pending_cents(operator.user_id), w.available_cents(operator.user_id)) == (0, 2 * w.REWARD_CENTS)
    assert_ledger_balanced()


def test_the_summary_and_list_show_pending_with_available_on_and_the_total(agent):
    # given one released reward and one still in its hold
    clock.freeze(w.T0)
    operator = w.make_operator()
    w.completed_request(agent, operator)
    clock.advance(HOLD)
    release()
    second = w.completed_request(agent, operator)

    # when
    with unit_of_work(read_only=True) as session:
        totals = earnings.summary(session, operator_id=operator.user_id)
        items = earnings.list_earnings(session, operator_id=operator.user_id)
        daily = earnings.daily_totals(session, operator_id=operator.user_id, since=w.T0 - timedelta(days=1))

    # then
    assert (totals.pending_cents, totals.available_cents, totals.in_payout_cents, totals.total_earned_cents) == (
        w.REWARD_CENTS, w.REWARD_CENTS, 0, 2 * w.REWARD_CENTS)
    assert (items[0].request_id, items[0].status, items[0].available_on) == (second, "pending", w.T0 + 2 * HOLD)
    assert daily == [(w.T0.date().isoformat(), w.REWARD_CENTS), ((w.T0 + HOLD).date().isoformat(), w.REWARD_CENTS)]
    assert_ledger_balanced()


def test_the_release_batch_is_the_sweep_batch_setting(agent, monkeypatch):
    # given three due earnings of one operator and sweep batches of two
    override_settings(monkeypatch, sweep_batch_rows=2)
    clock.freeze(w.T0)
    operator = w.make_operator()
    for _ in range(3):
        w.completed_request(agent, operator)
    clock.advance(HOLD)

    # when one batch runs, then the scheduler's job
    first = release()
    rest = run_job(next(job for job in JOBS if job.name == "release_settlements"))

    # then two, then the last one; each released once into the operator's available credit
    assert (first, rest) == (2, 1)
    assert transfer_count(kind="settlement_release") == 3
    assert (w.pending_cents(operator.user_id), w.available_cents(operator.user_id)) == (0, 3 * w.REWARD_CENTS)
    assert_ledger_balanced()
