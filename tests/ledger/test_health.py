"""`ledger_health()` must notice each kind of corruption, or the other ledger tests prove nothing.

Corruption is made with raw SQL on the tables the triggers do not guard
(accounts, holds) or by inserting a transfer with no entries.
"""

from __future__ import annotations

from sqlalchemy import text

from marketplace_app.core.db import unit_of_work
from marketplace_app.ledger import service as ledger
from marketplace_app.ledger.health import ledger_health
from tests import factories
from tests.ledger.helpers import assert_ledger_balanced


def _company_with_hold():
    with unit_of_work() as session:
        company = factories.make_company(session)
        factories.fund(session, company=company, cents=1_000)
        ledger.place_hold(session, hold_id="hld_h", source=factories.companies.available_account(company.id),
                          escrow=factories.companies.escrow_account(company.id), amount_cents=400, reason="r")
    with unit_of_work(read_only=True) as session:
        available = ledger.account_id(session, factories.companies.available_account(company.id))
        escrow = ledger.account_id(session, factories.companies.escrow_account(company.id))
    return available, escrow


def _tamper(sql: str, **params: object):
    with unit_of_work() as session:
        session.execute(text(sql), params)
    with unit_of_work(read_only=True) as session:
        return ledger_health(session)


def test_a_healthy_ledger_reports_its_size():
    # Given a fund and a hold
    _company_with_hold()

    # When health is read
    with unit_of_work(read_only=True) as session:
        health = ledger_health(session)

    # Then it is ok and counts two transfers of one entry each
    assert health.ok
    assert (health.transfer_count, health.entry_count, health.total_cents) == (2, 2, 0)
    assert_ledger_balanced()


def test_a_stored_balance_that_drifts_from_its_entries_is_caught():
    # Given a healthy ledger
    available, _escrow = _company_with_hold()

    # When one balance gains 1 cent and the faucet loses it (Σ stays zero)
    health = _tamper("UPDATE ledger_account SET balance_cents = balance_cents + 1 WHERE id = :id", id=available)
    health_after = _tamper("UPDATE ledger_account SET balance_cents = balance_cents - 1 WHERE is_external")

    # Then the drift is reported per account even when the sum is zero again
    assert not health.ok and health.total_cents == 1
    assert not health_after.ok and health_after.total_cents == 0
    assert (available, 601, 600) in [tuple(map(int, row)) for row in health_after.balance_mismatches]


def test_escrow_that_disagrees_with_its_pending_holds_is_caught():
    # Given a pending hold of 400 in escrow
    _available, escrow = _company_with_hold()

    # When the hold is marked voided without its refund
    health = _tamper("UPDATE ledger_hold SET state = 'voided' WHERE id = 'hld_h'")

    # Then escrow (400) no longer matches its pending holds (0)
    assert not health.ok
    assert [tuple(map(int, row)) for row in health.escrow_mismatches] == [(escrow, 400, 0)]


def test_a_transfer_without_entries_is_caught():
    # Given a healthy ledger
    _company_with_hold()

    # When a transfer row is written with no entries
    health = _tamper("INSERT INTO ledger_transfer (idempotency_key, kind, reason, created_at) "
                     "VALUES ('empty', 'test', 'empty', CURRENT_TIMESTAMP)")

    # Then it is reported
    assert not health.ok
    assert len(health.empty_transfers) == 1
