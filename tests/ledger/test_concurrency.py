"""Race tests (RELIABILITY 1 and 4): many connections hit one wallet or one hold at once.

The default run races each scenario twice; `-m slow` (CI) adds five rounds and `make test-nightly`
runs 20 (RELIABILITY 1 asks for 20 on both databases: CI runs 7, the nightly 20).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import InsufficientFunds, InvalidState
from marketplace_app.fees import human_task_fee
from marketplace_app.ledger import service as ledger
from marketplace_app.ledger.models import HoldState, LedgerHold
from tests import factories
from tests.ledger.helpers import (
    REVENUE,
    assert_ledger_balanced,
    balance,
    hold_state,
    race,
    transfer_count,
    worker_pending,
)
from tests.support import repeated

DEFAULT_ROUNDS = range(2)
SLOW_ROUNDS = repeated(20, in_ci=5)
HOLD_CENTS = 10_000
WORKER = "op_race"


def _funded_company(*, cents: int):
    with unit_of_work() as session:
        company = factories.make_company(session)
        factories.fund(session, company=company, cents=cents)
    return company


def _company_with_hold(*, hold_id: str):
    company = _funded_company(cents=HOLD_CENTS)
    with unit_of_work() as session:
        ledger.place_hold(session, hold_id=hold_id, source=factories.companies.available_account(company.id),
                          escrow=factories.companies.escrow_account(company.id), amount_cents=HOLD_CENTS,
                          reason="race test")
    return company


def _double_spend(url: str) -> None:
    # Given a wallet of 5,000 cents
    company = _funded_company(cents=5_000)
    available = factories.companies.available_account(company.id)
    escrow = factories.companies.escrow_account(company.id)

    # When 200 connections each try to hold 100 cents at the same moment
    def hold(session, index):
        return ledger.place_hold(session, hold_id=f"hld_ds_{index}", source=available, escrow=escrow,
                                 amount_cents=100, reason="double spend")

    result = race(url, contenders=200, action=hold)

    # Then exactly 50 fit and 150 are refused, and the money adds up
    assert result.kinds() == {"ok": 50, "InsufficientFunds": 150}, result.kinds()
    assert all(isinstance(o, str | InsufficientFunds) for o in result.outcomes)
    assert balance(available) == 0
    assert balance(escrow) == 5_000
    with unit_of_work(read_only=True) as session:
        pending = session.execute(select(func.count(), func.sum(LedgerHold.amount_cents))
                                  .where(LedgerHold.state == HoldState.pending)).one()
    assert (pending[0], int(pending[1])) == (50, 5_000)
    assert transfer_count(kind="escrow_hold") == 50
    print(f"double spend: 200 contenders in {result.seconds:.2f}s ({200 / result.seconds:.0f} attempts/s)")
    assert_ledger_balanced()


@pytest.mark.parametrize("round_", DEFAULT_ROUNDS)
def test_200_concurrent_holds_on_a_wallet_of_50_let_exactly_50_through(database, round_):
    _double_spend(database)


@pytest.mark.slow
@pytest.mark.parametrize("round_", SLOW_ROUNDS)
def test_200_concurrent_holds_repeated(database, round_):
    _double_spend(database)


def _void_race(url: str) -> None:
    # Given one pending hold
    company = _company_with_hold(hold_id="hld_void")

    # When 50 connections void it at once
    result = race(url, contenders=50,
                  action=lambda session, _: ledger.void_hold(session, hold_id="hld_void", reason="cancel"))

    # Then exactly one refund happens and the rest are told the hold is resolved
    assert result.kinds() == {"ok": 1, "StateConflict": 49}, result.kinds()
    assert transfer_count(kind="escrow_void") == 1
    assert hold_state("hld_void") == HoldState.voided
    assert balance(factories.companies.available_account(company.id)) == HOLD_CENTS
    assert balance(factories.companies.escrow_account(company.id)) == 0
    assert_ledger_balanced()


def _post_race(url: str) -> None:
    # Given one pending hold and its fee quote
    company = _company_with_hold(hold_id="hld_post")
    quote = human_task_fee(HOLD_CENTS, trailing_30d_spend_cents=0)
    payees = [(worker_pending(WORKER), quote.reward_cents), (REVENUE, quote.fee_cents)]

    # When 50 connections post it at once
    result = race(url, contenders=50,
                  action=lambda session, _: ledger.post_hold(session, hold_id="hld_post", payees=payees, reason="done"))

    # Then the worker and the platform are paid exactly once
    assert result.kinds() == {"ok": 1, "StateConflict": 49}, result.kinds()
    assert transfer_count(kind="escrow_post") == 1
    assert hold_state("hld_post") == HoldState.posted
    assert balance(worker_pending(WORKER)) == quote.reward_cents
    assert balance(REVENUE) == quote.fee_cents
    assert balance(factories.companies.escrow_account(company.id)) == 0
    assert_ledger_balanced()


def _post_versus_void_race(url: str) -> None:
    # Given one pending hold
    company = _company_with_hold(hold_id="hld_mixed")
    quote = human_task_fee(HOLD_CENTS, trailing_30d_spend_cents=0)
    payees = [(worker_pending(WORKER), quote.reward_cents), (REVENUE, quote.fee_cents)]

    # When 25 connections post it and 25 void it, interleaved
    def resolve(session, index):
        if index % 2:
            return ledger.void_hold(session, hold_id="hld_mixed", reason="cancel")
        return ledger.post_hold(session, hold_id="hld_mixed", payees=payees, reason="done")

    result = race(url, contenders=50, action=resolve)

    # Then posts and voids were in flight together, exactly one side won and the money follows the winner
    # (which side wins is up to the database; a single winner is the point)
    assert {index % 2 for index in result.together} == {0, 1}, result.together
    assert result.kinds() == {"ok": 1, "StateConflict": 49}, result.kinds()
    posts, voids = transfer_count(kind="escrow_post"), transfer_count(kind="escrow_void")
    assert posts + voids == 1
    state = hold_state("hld_mixed")
    available = balance(factories.companies.available_account(company.id))
    if state == HoldState.posted:
        assert (posts, available, balance(REVENUE)) == (1, 0, quote.fee_cents)
    else:
        assert state == HoldState.voided
        assert (voids, available, balance(REVENUE)) == (1, HOLD_CENTS, 0)
    assert isinstance(next(o for o in result.outcomes if not isinstance(o, InvalidState)), int)
    assert_ledger_balanced()


def _crossing_transfers(url: str) -> None:
    # Given two wallets of 10,000 cents each
    first, second = _funded_company(cents=10_000), _funded_company(cents=10_000)
    with unit_of_work(read_only=True) as session:
        a, b = (ledger.account_id(session, factories.companies.available_account(c.id)) for c in (first, second))

    # When 100 connections move 100 cents at once, half a→b and half b→a, some as two-leg transfers
    def move(session, index):
        source, target = (a, b) if index % 2 else (b, a)
        legs = [ledger.Leg(source, target, 60), ledger.Leg(source, target, 40)] if index % 4 < 2 else \
            [ledger.Leg(source, target, 100)]
        return ledger.transfer(session, idempotency_key=f"cross:{index}", kind="test", reason="cross", legs=legs)

    result = race(url, contenders=100, action=move)

    # Then none deadlocks or is lost, and each wallet ends where it started
    assert result.kinds() == {"ok": 100}, result.kinds()
    assert balance(factories.companies.available_account(first.id)) == 10_000
    assert balance(factories.companies.available_account(second.id)) == 10_000
    assert transfer_count(kind="test") == 100
    assert_ledger_balanced()


RESOLUTION_RACES = [_void_race, _post_race, _post_versus_void_race, _crossing_transfers]


@pytest.mark.parametrize("round_", DEFAULT_ROUNDS)
@pytest.mark.parametrize("scenario", RESOLUTION_RACES, ids=lambda f: f.__name__.strip("_"))
def test_concurrent_resolutions_and_transfers_move_money_exactly_once(database, scenario, round_):
    scenario(database)


@pytest.mark.slow
@pytest.mark.parametrize("round_", SLOW_ROUNDS)
@pytest.mark.parametrize("scenario", RESOLUTION_RACES, ids=lambda f: f.__name__.strip("_"))
def test_concurrent_resolutions_repeated(database, scenario, round_):
    scenario(database)
