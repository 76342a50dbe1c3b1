"""Transfers and escrow holds: what moves, what is refused, and that a refusal writes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import InsufficientFunds, InvalidState, NotFound
from marketplace_app.fees import human_task_fee
from marketplace_app.ledger import service as ledger
from marketplace_app.ledger.models import HoldState
from tests import factories
from tests.ledger.helpers import (
    REVENUE,
    assert_ledger_balanced,
    balance,
    hold_state,
    journal_counts,
    transfer_count,
    worker_available,
    worker_pending,
)


def _company(*, funded_cents: int = 0, name: str = "Acme"):
    with unit_of_work() as session:
        company = factories.make_company(session, name=name)
        if funded_cents:
            factories.fund(session, company=company, cents=funded_cents)
    return company


def _ids(*refs: ledger.AccountRef) -> list[int]:
    with unit_of_work() as session:
        return [ledger.account_id(session, ref) for ref in refs]


def _place(company, *, hold_id: str, amount_cents: int) -> None:
    with unit_of_work() as session:
        ledger.place_hold(session, hold_id=hold_id, source=factories.companies.available_account(company.id),
                          escrow=factories.companies.escrow_account(company.id), amount_cents=amount_cents,
                          reason="test hold")


def test_account_id_is_stable_and_created_once():
    # Given an account name never used before
    ref = worker_pending("op_new")

    # When its id is asked for twice in separate units of work
    first, second = _ids(ref)[0], _ids(ref)[0]

    # Then it is one account, starting at zero
    assert first == second
    assert balance(ref) == 0
    assert_ledger_balanced()


def test_transfer_moves_money_and_records_one_entry_per_leg():
    # Given a funded company and a second company
    payer, payee = _company(funded_cents=1_000, name="Payer"), _company(name="Payee")
    payer_id, payee_id = _ids(factories.companies.available_account(payer.id),
                              factories.companies.available_account(payee.id))
    before = journal_counts()

    # When 300 cents move in one transfer of two legs
    with unit_of_work() as session:
        ledger.transfer(session, idempotency_key="t:two-legs", kind="test", reason="two legs",
                        legs=[ledger.Leg(payer_id, payee_id, 200), ledger.Leg(payer_id, payee_id, 100)])

    # Then the balances moved and the journal grew by one transfer and two entries
    assert balance(factories.companies.available_account(payer.id)) == 700
    assert balance(factories.companies.available_account(payee.id)) == 300
    assert journal_counts() == (before[0] + 1, before[1] + 2, before[2])
    assert_ledger_balanced()


def test_transfer_that_would_overdraw_raises_and_writes_nothing():
    # Given a company holding 100 cents
    company = _company(funded_cents=100)
    available, worker = _ids(factories.companies.available_account(company.id), worker_available("op_t"))
    before = journal_counts()

    # When it tries to move 101
    with pytest.raises(InsufficientFunds) as refused, unit_of_work() as session:
        ledger.transfer(session, idempotency_key="t:overdraw", kind="test", reason="too much",
                        legs=[ledger.Leg(available, worker, 101)])

    # Then it is refused with the balance it saw, and nothing changed
    assert (refused.value.account_id, refused.value.balance_cents) == (available, 100)
    assert journal_counts() == before
    assert balance(factories.companies.available_account(company.id)) == 100
    assert_ledger_balanced()


def test_multi_leg_transfer_failing_on_its_second_leg_leaves_no_partial_writes():
    # Given company A with 1,000 cents and company B with nothing
    a, b = _company(funded_cents=1_000, name="A"), _company(name="B")
    a_available, b_available, sink = _ids(factories.companies.available_account(a.id),
                                          factories.companies.available_account(b.id), worker_available("op_t"))
    before = journal_counts()

    # When one transfer takes 500 from A (fits) and 500 from B (does not)
    with pytest.raises(InsufficientFunds), unit_of_work() as session:
        ledger.transfer(session, idempotency_key="t:partial", kind="test", reason="second leg fails",
                        legs=[ledger.Leg(a_available, sink, 500), ledger.Leg(b_available, sink, 500)])

    # Then the unit of work rolled back everything, the first leg included
    assert journal_counts() == before
    assert balance(factories.companies.available_account(a.id)) == 1_000
    assert balance(worker_available("op_t")) == 0
    assert_ledger_balanced()


def test_caller_that_catches_insufficient_funds_and_commits_still_wrote_nothing():
    # Given company A with 1,000 cents and company B with nothing
    a, b = _company(funded_cents=1_000, name="A"), _company(name="B")
    a_available, b_available, sink = _ids(factories.companies.available_account(a.id),
                                          factories.companies.available_account(b.id), worker_available("op_t"))
    before = journal_counts()

    # When a caller catches the refusal of a two-leg transfer and commits its unit of work
    with unit_of_work() as session:
        with pytest.raises(InsufficientFunds):
            ledger.transfer(session, idempotency_key="t:caught", kind="test", reason="second leg fails",
                            legs=[ledger.Leg(a_available, sink, 500), ledger.Leg(b_available, sink, 500)])
        factories.fund(session, company=b, cents=10)

    # Then the refused transfer left no trace ("nothing is written") and the later work committed
    assert journal_counts() == (before[0] + 1, before[1] + 1, before[2])
    assert balance(factories.companies.available_account(a.id)) == 1_000
    assert balance(worker_available("op_t")) == 0
    assert balance(factories.companies.available_account(b.id)) == 10
    assert_ledger_balanced()


def test_duplicate_idempotency_key_raises_integrity_error_and_writes_nothing():
    # Given a transfer recorded under a key
    company = _company(funded_cents=1_000)
    available, worker = _ids(factories.companies.available_account(company.id), worker_available("op_t"))
    with unit_of_work() as session:
        ledger.transfer(session, idempotency_key="t:once", kind="test", reason="first",
                        legs=[ledger.Leg(available, worker, 100)])
    before = journal_counts()

    # When a second transfer reuses the key
    with pytest.raises(IntegrityError), unit_of_work() as session:
        ledger.transfer(session, idempotency_key="t:once", kind="test", reason="second",
                        legs=[ledger.Leg(available, worker, 100)])

    # Then nothing of the second one exists
    assert journal_counts() == before
    assert balance(factories.companies.available_account(company.id)) == 900
    assert_ledger_balanced()


def test_caller_that_catches_a_duplicate_key_can_carry_on_without_a_trace():
    # Given a transfer recorded under a key
    company = _company(funded_cents=1_000)
    available, worker = _ids(factories.companies.available_account(company.id), worker_available("op_t"))
    with unit_of_work() as session:
        ledger.transfer(session, idempotency_key="t:replay", kind="test", reason="first",
                        legs=[ledger.Leg(available, worker, 100)])
    before = journal_counts()

    # When a replay hits the unique key, is caught, and the unit of work commits
    with unit_of_work() as session:
        with pytest.raises(IntegrityError):
            ledger.transfer(session, idempotency_key="t:replay", kind="test", reason="replay",
                            legs=[ledger.Leg(available, worker, 100)])
        balance_seen = ledger.balance_cents(session, factories.companies.available_account(company.id))

    # Then the replay moved nothing, even inside its own transaction
    assert balance_seen == 900
    assert journal_counts() == before
    assert balance(factories.companies.available_account(company.id)) == 900
    assert_ledger_balanced()


@pytest.mark.parametrize("amount", [0, -1, -500, True, False, 1.5, 100.0, "100", None])
def test_leg_with_a_non_positive_or_non_integer_amount_is_refused(amount):
    # Given a funded company
    company = _company(funded_cents=1_000)
    available, worker = _ids(factories.companies.available_account(company.id), worker_available("op_t"))
    before = journal_counts()

    # When a leg carries a bad amount
    with pytest.raises(ValueError), unit_of_work() as session:
        ledger.transfer(session, idempotency_key="t:bad", kind="test", reason="bad",
                        legs=[ledger.Leg(available, worker, 10), ledger.Leg(available, worker, amount)])

    # Then nothing is written
    assert journal_counts() == before
    assert_ledger_balanced()


def test_leg_between_an_account_and_itself_or_no_legs_at_all_is_refused():
    # Given a funded company
    company = _company(funded_cents=1_000)
    (available,) = _ids(factories.companies.available_account(company.id))
    before = journal_counts()

    # When a transfer has a self-leg, or no legs
    with pytest.raises(ValueError), unit_of_work() as session:
        ledger.transfer(session, idempotency_key="t:self", kind="test", reason="self",
                        legs=[ledger.Leg(available, available, 10)])
    with pytest.raises(ValueError), unit_of_work() as session:
        ledger.transfer(session, idempotency_key="t:empty", kind="test", reason="empty", legs=[])

    # Then nothing is written
    assert journal_counts() == before
    assert_ledger_balanced()


def test_transfer_to_an_unknown_account_is_not_found_and_writes_nothing():
    # Given a funded company
    company = _company(funded_cents=1_000)
    (available,) = _ids(factories.companies.available_account(company.id))
    before = journal_counts()

    # When money is sent to an account id that does not exist
    with pytest.raises(NotFound), unit_of_work() as session:
        ledger.transfer(session, idempotency_key="t:ghost", kind="test", reason="ghost",
                        legs=[ledger.Leg(available, 999_999, 10)])

    # Then nothing is written
    assert journal_counts() == before
    assert balance(factories.companies.available_account(company.id)) == 1_000
    assert_ledger_balanced()


def test_external_accounts_may_go_negative_but_company_accounts_may_not():
    # Given a company funded from the external faucet
    company = _company(funded_cents=700)

    # When the faucet has paid out 700 cents
    faucet = balance(factories.FAUCET)

    # Then the faucet mirrors the outside world at -700 and the company holds +700
    assert faucet == -700
    assert balance(factories.companies.available_account(company.id)) == 700
    assert_ledger_balanced()


def test_place_hold_moves_money_into_escrow_as_pending():
    # Given a company with 1,000 cents
    company = _company(funded_cents=1_000)

    # When it holds 800
    _place(company, hold_id="hld_a", amount_cents=800)

    # Then 800 sit in escrow under a pending hold
    assert balance(factories.companies.available_account(company.id)) == 200
    assert balance(factories.companies.escrow_account(company.id)) == 800
    assert hold_state("hld_a") == HoldState.pending
    assert transfer_count(kind="escrow_hold") == 1
    assert_ledger_balanced()


def test_place_hold_beyond_the_balance_writes_no_hold_and_no_transfer():
    # Given a company with 1,000 cents
    company = _company(funded_cents=1_000)
    before = journal_counts()

    # When it tries to hold 1,001
    with pytest.raises(InsufficientFunds):
        _place(company, hold_id="hld_big", amount_cents=1_001)

    # Then no hold, no transfer, no entry exists
    assert journal_counts() == before
    assert balance(factories.companies.available_account(company.id)) == 1_000
    assert_ledger_balanced()


def test_post_pays_reward_and_fee_and_returns_the_remainder():
    # Given a hold of 10,000 cents of which 6,000 are spent
    company = _company(funded_cents=10_000)
    _place(company, hold_id="hld_partial", amount_cents=10_000)
    quote = human_task_fee(6_000, trailing_30d_spend_cents=0)

    # When it is posted to the worker and the platform
    with unit_of_work() as session:
        ledger.post_hold(session, hold_id="hld_partial", reason="done",
                         payees=[(worker_pending("op_1"), quote.reward_cents), (REVENUE, quote.fee_cents)])

    # Then 18 % of 6,000 is revenue, the rest of 6,000 is the reward, 4,000 return to the company
    assert (quote.fee_cents, quote.reward_cents) == (1_080, 4_920)
    assert balance(REVENUE) == 1_080
    assert balance(worker_pending("op_1")) == 4_920
    assert balance(factories.companies.available_account(company.id)) == 4_000
    assert balance(factories.companies.escrow_account(company.id)) == 0
    assert hold_state("hld_partial") == HoldState.posted
    assert_ledger_balanced()


def test_void_returns_everything_to_the_source():
    # Given a pending hold of 800 out of 1,000
    company = _company(funded_cents=1_000)
    _place(company, hold_id="hld_void", amount_cents=800)

    # When it is voided
    with unit_of_work() as session:
        ledger.void_hold(session, hold_id="hld_void", reason="cancelled")

    # Then the company has all 1,000 back
    assert balance(factories.companies.available_account(company.id)) == 1_000
    assert balance(factories.companies.escrow_account(company.id)) == 0
    assert hold_state("hld_void") == HoldState.voided
    assert transfer_count(kind="escrow_void") == 1
    assert_ledger_balanced()


@pytest.mark.parametrize("first", ["post", "void"])
@pytest.mark.parametrize("second", ["post", "void"])
def test_a_resolved_hold_cannot_be_resolved_again(first, second):
    # Given a hold resolved once
    company = _company(funded_cents=1_000)
    _place(company, hold_id="hld_once", amount_cents=1_000)
    resolve = {
        "post": lambda session: ledger.post_hold(session, hold_id="hld_once", reason="done",
                                                 payees=[(worker_pending("op_1"), 1_000)]),
        "void": lambda session: ledger.void_hold(session, hold_id="hld_once", reason="cancel"),
    }
    with unit_of_work() as session:
        resolve[first](session)
    before = journal_counts()

    # When it is resolved a second time
    with pytest.raises(InvalidState) as refused, unit_of_work() as session:
        resolve[second](session)

    # Then it is refused as a conflict and nothing moves
    assert refused.value.status == 409
    assert journal_counts() == before
    assert hold_state("hld_once") == (HoldState.posted if first == "post" else HoldState.voided)
    assert_ledger_balanced()


def test_resolving_an_unknown_hold_is_not_found():
    # Given no hold at all
    # When one is voided
    # Then it is not found
    with pytest.raises(NotFound), unit_of_work() as session:
        ledger.void_hold(session, hold_id="hld_ghost", reason="cancel")
    assert_ledger_balanced()


def test_posting_more_than_the_hold_is_refused_and_the_hold_stays_pending():
    # Given a pending hold of 500
    company = _company(funded_cents=1_000)
    _place(company, hold_id="hld_over", amount_cents=500)
    before = journal_counts()

    # When a caller posts 600 and, catching the error, commits its unit of work
    with unit_of_work() as session, pytest.raises(ValueError):
        ledger.post_hold(session, hold_id="hld_over", reason="too much", payees=[(worker_pending("op_1"), 600)])

    # Then the hold is still pending and can be voided normally
    assert journal_counts() == before
    assert hold_state("hld_over") == HoldState.pending
    with unit_of_work() as session:
        ledger.void_hold(session, hold_id="hld_over", reason="cancel")
    assert balance(factories.companies.available_account(company.id)) == 1_000
    assert_ledger_balanced()


def test_posting_a_negative_payee_amount_is_refused():
    # Given a pending hold of 500
    company = _company(funded_cents=500)
    _place(company, hold_id="hld_negative", amount_cents=500)
    before = journal_counts()

    # When a payee is given a negative amount
    with pytest.raises(ValueError), unit_of_work() as session:
        ledger.post_hold(session, hold_id="hld_negative", reason="bad",
                         payees=[(worker_pending("op_1"), -100), (REVENUE, 100)])

    # Then it is refused rather than silently skipped, and the hold stays pending
    assert journal_counts() == before
    assert hold_state("hld_negative") == HoldState.pending
    assert balance(factories.companies.escrow_account(company.id)) == 500
    assert_ledger_balanced()


def test_zero_payee_amounts_are_skipped():
    # Given a pending hold of 500
    company = _company(funded_cents=500)
    _place(company, hold_id="hld_zero", amount_cents=500)

    # When it is posted with a zero fee
    with unit_of_work() as session:
        ledger.post_hold(session, hold_id="hld_zero", reason="done",
                         payees=[(worker_pending("op_1"), 500), (REVENUE, 0)])

    # Then the worker gets everything and the zero leg wrote no entry
    assert balance(worker_pending("op_1")) == 500
    assert balance(REVENUE) == 0
    assert journal_counts()[1] == 3  # fund, hold, one post leg
    assert_ledger_balanced()


def test_transfer_many_records_every_transfer_in_one_go():
    # Given a funded company and two workers
    company = _company(funded_cents=1_000)
    available, first, second = _ids(factories.companies.available_account(company.id),
                                    worker_available("op_a"), worker_available("op_b"))
    before = journal_counts()

    # When two transfers are recorded as one batch
    recorded = _transfer_many([ledger.TransferSpec("batch:1", "test", "one", [ledger.Leg(available, first, 300)]),
                               ledger.TransferSpec("batch:2", "test", "two", [ledger.Leg(available, second, 200)])])

    # Then both exist with their entries and the balances moved
    assert recorded == 2
    assert journal_counts() == (before[0] + 2, before[1] + 2, before[2])
    assert balance(factories.companies.available_account(company.id)) == 500
    assert (balance(worker_available("op_a")), balance(worker_available("op_b"))) == (300, 200)
    assert_ledger_balanced()


def test_transfer_many_that_overdraws_writes_nothing_even_for_a_caller_that_catches():
    # Given company A with 1,000 cents and company B with nothing
    a, b = _company(funded_cents=1_000, name="A"), _company(name="B")
    a_available, b_available, sink = _ids(factories.companies.available_account(a.id),
                                          factories.companies.available_account(b.id), worker_available("op_t"))
    before = journal_counts()

    # When a batch whose second transfer overdraws B is caught and the unit of work commits
    with unit_of_work() as session, pytest.raises(InsufficientFunds):
        ledger.transfer_many(session, [
            ledger.TransferSpec("batch:a", "test", "fits", [ledger.Leg(a_available, sink, 500)]),
            ledger.TransferSpec("batch:b", "test", "does not fit", [ledger.Leg(b_available, sink, 500)])])

    # Then no part of the batch was kept
    assert journal_counts() == before
    assert balance(factories.companies.available_account(a.id)) == 1_000
    assert balance(worker_available("op_t")) == 0
    assert_ledger_balanced()


def test_void_holds_refunds_only_pending_holds_and_only_once():
    # Given three holds, one of them already posted
    company = _company(funded_cents=1_000)
    for hold_id, cents in (("hld_v1", 100), ("hld_v2", 200), ("hld_v3", 300)):
        _place(company, hold_id=hold_id, amount_cents=cents)
    with unit_of_work() as session:
        ledger.post_hold(session, hold_id="hld_v3", payees=[(worker_pending("op_1"), 300)], reason="done")

    # When all three are voided as a batch, twice
    with unit_of_work() as session:
        first = ledger.void_holds(session, ["hld_v1", "hld_v2", "hld_v3"], reason="expired")
    with unit_of_work() as session:
        second = ledger.void_holds(session, ["hld_v1", "hld_v2", "hld_v3"], reason="expired")

    # Then the two pending ones were refunded once and the posted one was left alone
    assert (first, second) == (2, 0)
    assert [hold_state(h) for h in ("hld_v1", "hld_v2", "hld_v3")] == ["voided", "voided", "posted"]
    assert transfer_count(kind="escrow_void") == 2
    assert balance(factories.companies.available_account(company.id)) == 700
    assert balance(factories.companies.escrow_account(company.id)) == 0
    assert_ledger_balanced()


def _transfer_many(specs: list[ledger.TransferSpec]) -> int:
    with unit_of_work() as session:
        return ledger.transfer_many(session, specs)
