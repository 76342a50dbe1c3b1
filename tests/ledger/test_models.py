"""What the database itself refuses: journal edits, bad entries, negative internal balances."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from marketplace_app.core.db import unit_of_work
from marketplace_app.ledger import service as ledger
from tests import factories
from tests.ledger.helpers import assert_ledger_balanced, balance, journal_counts, worker_pending

JOURNAL_EDITS = [
    "UPDATE ledger_entry SET amount_cents = amount_cents + 1",
    "UPDATE ledger_entry SET to_account_id = from_account_id, from_account_id = to_account_id",
    "DELETE FROM ledger_entry",
    "UPDATE ledger_transfer SET kind = 'edited'",
    "UPDATE ledger_transfer SET idempotency_key = idempotency_key || '-again'",
    "DELETE FROM ledger_transfer",
]


class Rollback(Exception):
    """Raised to end a unit of work without committing."""


def _funded_company(*, cents: int):
    with unit_of_work() as session:
        company = factories.make_company(session)
        factories.fund(session, company=company, cents=cents)
    return company


def _journal_snapshot() -> list[tuple]:
    with unit_of_work(read_only=True) as session:
        transfers = session.execute(text("SELECT id, idempotency_key, kind FROM ledger_transfer ORDER BY id")).all()
        entries = session.execute(text("SELECT id, transfer_id, from_account_id, to_account_id, amount_cents "
                                       "FROM ledger_entry ORDER BY id")).all()
    return [tuple(row) for row in [*transfers, *entries]]


@pytest.mark.parametrize("statement", JOURNAL_EDITS)
def test_the_journal_refuses_update_and_delete_at_the_database(statement):
    # Given a journal with a transfer in it
    _funded_company(cents=1_000)
    before = _journal_snapshot()

    # When raw SQL tries to edit or delete it
    with pytest.raises(DBAPIError) as refused, unit_of_work() as session:
        session.execute(text(statement))

    # Then the database refuses and the journal is unchanged
    assert "append-only" in str(refused.value)
    assert _journal_snapshot() == before
    assert_ledger_balanced()


def test_account_check_refuses_a_direct_negative_balance_on_an_internal_account():
    # Given a funded company
    company = _funded_company(cents=1_000)
    account = factories.companies.available_account(company.id)

    # When raw SQL sets its balance below zero
    with pytest.raises(IntegrityError), unit_of_work() as session:
        session.execute(text("UPDATE ledger_account SET balance_cents = -1 WHERE id = :id"),
                        {"id": ledger.account_id(session, account)})

    # Then the CHECK refused it and the balance is as before
    assert balance(account) == 1_000
    assert_ledger_balanced()


def test_account_check_lets_an_external_account_go_negative():
    # Given the external faucet at -1,000 after funding
    _funded_company(cents=1_000)

    # When raw SQL pushes it further below zero (then the test rolls back)
    with pytest.raises(Rollback), unit_of_work() as session:
        session.execute(text("UPDATE ledger_account SET balance_cents = -5000 WHERE id = :id"),
                        {"id": ledger.account_id(session, factories.FAUCET)})
        assert ledger.balance_cents(session, factories.FAUCET) == -5_000
        raise Rollback

    # Then the database allowed it, and nothing was kept
    assert balance(factories.FAUCET) == -1_000
    assert_ledger_balanced()


@pytest.mark.parametrize(("amount", "same_account"), [(0, False), (-5, False), (10, True)])
def test_entry_checks_refuse_non_positive_amounts_and_self_legs_at_the_database(amount, same_account):
    # Given two accounts and a transfer to hang entries on
    company = _funded_company(cents=1_000)
    with unit_of_work() as session:
        source = ledger.account_id(session, factories.companies.available_account(company.id))
        target = source if same_account else ledger.account_id(session, worker_pending("op_db"))
    before = journal_counts()

    # When raw SQL inserts an entry the service would never write
    with pytest.raises(IntegrityError), unit_of_work() as session:
        transfer_id = session.execute(text(
            "INSERT INTO ledger_transfer (idempotency_key, kind, reason, created_at) "
            "VALUES ('raw', 'raw', 'raw', CURRENT_TIMESTAMP) RETURNING id")).scalar_one()
        session.execute(text(
            "INSERT INTO ledger_entry (transfer_id, from_account_id, to_account_id, amount_cents, created_at) "
            "VALUES (:t, :f, :to, :a, CURRENT_TIMESTAMP)"), {"t": transfer_id, "f": source, "to": target, "a": amount})

    # Then the CHECK refused it and nothing was written
    assert journal_counts() == before
    assert_ledger_balanced()


@pytest.mark.parametrize(("column", "value"), [("amount_cents", 0), ("amount_cents", -1), ("state", "refunded")])
def test_hold_checks_refuse_bad_amounts_and_unknown_states(column, value):
    # Given a pending hold
    company = _funded_company(cents=1_000)
    with unit_of_work() as session:
        ledger.place_hold(session, hold_id="hld_db", source=factories.companies.available_account(company.id),
                          escrow=factories.companies.escrow_account(company.id), amount_cents=500, reason="r")

    # When raw SQL gives it a bad amount or state
    with pytest.raises(IntegrityError), unit_of_work() as session:
        session.execute(text(f"UPDATE ledger_hold SET {column} = :value WHERE id = 'hld_db'"), {"value": value})

    # Then the CHECK refused it
    assert_ledger_balanced()


def test_account_names_are_unique_per_owner_purpose_and_currency():
    # Given a company's available account
    company = _funded_company(cents=1)

    # When raw SQL inserts a second account with the same name
    with pytest.raises(IntegrityError), unit_of_work() as session:
        session.execute(text(
            "INSERT INTO ledger_account (owner_type, owner_id, purpose, currency, is_external, balance_cents, "
            "created_at) VALUES ('company', :owner, 'available', 'EUR', false, 0, CURRENT_TIMESTAMP)"),
            {"owner": company.id})

    # Then the unique constraint refused it
    assert_ledger_balanced()
