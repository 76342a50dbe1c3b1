"""Credits in the service: the manual top-up's ledger transfer and the company statement."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace_app.companies import credits
from marketplace_app.companies.access import CompanyActor
from marketplace_app.companies.models import MemberRole
from marketplace_app.companies.service import available_account, escrow_account
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import Forbidden, NotFound
from marketplace_app.ledger import service as ledger
from marketplace_app.ledger.health import ledger_health
from marketplace_app.ledger.models import LedgerAccount, LedgerEntry, LedgerTransfer
from marketplace_app.settings import Settings, get_settings
from tests import factories
from tests.companies.helpers import owner_actor


@pytest.fixture
def actor():
    with unit_of_work() as session:
        return owner_actor(session, factories.make_company(session))


def test_a_top_up_is_one_transfer_from_the_manual_provider_to_available(actor):
    with unit_of_work() as session:
        # when
        deposit = credits.deposit_test(session, actor=actor, amount="12.34EUR")

        # then
        transfer = session.execute(select(LedgerTransfer).where(LedgerTransfer.reference_id == deposit.id)).scalar_one()
        entry = session.execute(select(LedgerEntry).where(LedgerEntry.transfer_id == transfer.id)).scalar_one()
        source = session.get_one(LedgerAccount, entry.from_account_id)
        target = session.get_one(LedgerAccount, entry.to_account_id)
        assert (transfer.kind, transfer.reason) == ("deposit", credits.TEST_DEPOSIT_REASON)
        assert (source.owner_type, source.owner_id, source.purpose) == ("external", "manual", "provider_clearing")
        assert (target.owner_type, target.owner_id, target.purpose) == ("company", actor.company_id, "available")
        assert entry.amount_cents == 1234 == deposit.amount_cents == deposit.available_cents
        assert ledger_health(session).ok


@pytest.mark.parametrize(("values", "allowed"), [
    ({"environment": "development"}, True),
    ({"environment": "test"}, True),
    ({"environment": "production"}, False),
    ({"environment": "production", "sandbox": True}, True),
    ({"environment": "development", "sandbox": False}, False),
    ({"environment": "test", "payment_provider": "stripe"}, False),
])
def test_test_credit_is_allowed_only_in_a_sandbox_with_the_manual_provider(values, allowed):
    # given
    settings = Settings(_env_file=None, secret_key="s" * 40, **values)

    # then
    assert credits.test_credit_allowed(settings) is allowed


def test_the_service_refuses_test_credit_in_production_whichever_door_calls(actor, monkeypatch):
    # given
    monkeypatch.setenv("ENVIRONMENT", "production")
    get_settings.cache_clear()

    with unit_of_work() as session:
        # when
        with pytest.raises(Forbidden) as refused:
            credits.deposit_test(session, actor=actor, amount="10.00EUR")

        # then
        assert "only in sandbox deployments" in refused.value.message
        assert credits.how_to_add_credit(actor.company_id) in refused.value.message
        assert session.execute(select(LedgerTransfer)).first() is None


def test_a_company_without_ledger_accounts_has_an_empty_statement():
    # given
    actor = CompanyActor(user_id="usr_x", company_id="com_without_accounts", role=MemberRole.owner)

    with unit_of_work(read_only=True) as session:
        # when
        statement = credits.statement(session, actor=actor)

        # then
        assert statement.lines == [] and statement.has_more is False
        assert credits.balance(session, actor=actor) == credits.Balance(available_cents=0, escrowed_cents=0)


def test_lines_of_other_accounts_never_appear(actor):
    with unit_of_work() as session:
        # given (another company's deposit and a platform movement)
        other = owner_actor(session, factories.make_company(session, name="Other"))
        credits.deposit_test(session, actor=other, amount="9.00EUR")
        ours = credits.deposit_test(session, actor=actor, amount="1.00EUR")

        # when
        lines = credits.statement(session, actor=actor).lines

        # then
        assert [(line.reference_id, line.amount_cents) for line in lines] == [(ours.id, 100)]
        with pytest.raises(NotFound):
            credits.statement(session, actor=other, starting_after=lines[0].id)
        assert ledger_health(session).ok


def test_a_refund_reads_as_money_back_on_available_and_out_of_escrow(actor):
    with unit_of_work() as session:
        # given
        credits.deposit_test(session, actor=actor, amount="10.00EUR")
        ledger.place_hold(session, hold_id="hld_refund", source=available_account(actor.company_id),
                          escrow=escrow_account(actor.company_id), amount_cents=300, reason="Escrow")

        # when
        ledger.void_hold(session, hold_id="hld_refund", reason="Refunded")
        lines = credits.statement(session, actor=actor, limit=2).lines

        # then
        assert [(line.account, line.amount_cents, line.kind) for line in lines] == [
            ("escrow", -300, "escrow_void"), ("available", 300, "escrow_void")]
        assert ledger_health(session).ok
