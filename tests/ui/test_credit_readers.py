"""The readers behind the credits pages: what the company is offered, and the staff console's rows."""

from __future__ import annotations

import pytest

from marketplace_app.companies import credits
from marketplace_app.companies.models import Company
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import ValidationFailed
from marketplace_app.identity.models import Role
from marketplace_app.settings import get_settings
from marketplace_app.ui.state import admin_credits, company_credits
from tests import factories
from tests.companies.helpers import owner_actor
from tests.work import helpers as w

FORM = {"amount": "250.00", "reason": "Bank transfer received", "reference": "SEPA-42"}


@pytest.fixture
def staff_and_company() -> tuple[str, str]:
    with unit_of_work() as session:
        return (factories.make_user(session, role=Role.admin).id,
                factories.make_company(session, name="Bankwire Ltd").id)


@pytest.mark.parametrize(("sandbox", "offered"), [("true", True), ("false", False)])
def test_the_company_is_offered_test_credit_only_in_a_sandbox(monkeypatch, sandbox, offered):
    # given
    monkeypatch.setenv("SANDBOX", sandbox)
    monkeypatch.setenv("BANK_TRANSFER_DETAILS", "IBAN DE00 0000 0000 0000 0000 00")
    get_settings.cache_clear()

    with unit_of_work() as session:
        actor = owner_actor(session, factories.make_company(session))

        # when
        ways = company_credits.ways_to_add_credit(session, actor)

    # then
    assert ways["test_credit"] is offered
    assert ways["company_id"] == actor.company_id
    assert ways["bank_transfer"].startswith("Card top-ups are coming; until then, send a bank transfer")
    assert actor.company_id in ways["bank_transfer"]
    assert ways["bank_details"] == "IBAN DE00 0000 0000 0000 0000 00"


def test_the_staff_console_confirms_then_credits_then_lists(staff_and_company):
    # given
    staff_id, company_id = staff_and_company
    form = {"company_id": company_id, **FORM}

    with unit_of_work() as session:
        # when
        pending = admin_credits.pending_credit(session, staff_id=staff_id, form=form)
        first = admin_credits.make_credit(session, staff_id=staff_id, form=form)
        again = admin_credits.make_credit(session, staff_id=staff_id, form=form)
        rows, has_more = admin_credits.recent_rows(session, staff_id=staff_id, starting_after=None)

    # then
    assert pending == admin_credits.PendingCredit(company_id=company_id, company="Bankwire Ltd", amount="250.00 EUR",
                                                  reason="Bank transfer received", reference="SEPA-42",
                                                  already_credited=False)
    assert first == f"Credited 250.00 EUR to {company_id}"
    assert again == "Reference SEPA-42 was already credited: nothing more was added"
    assert [(row.company, row.amount, row.reference) for row in rows] == [("Bankwire Ltd", "250.00 EUR", "SEPA-42")]
    assert has_more is False


@pytest.mark.parametrize(("typed", "shown"), [("25", "25.00 EUR"), ("25.5", "25.50 EUR"), ("€25", "25.00 EUR")])
def test_test_credit_takes_an_amount_as_a_person_types_it(typed, shown):
    with unit_of_work() as session:
        actor = owner_actor(session, factories.make_company(session))

        # when
        added = company_credits.add_test_credit(session, actor, amount=typed)

        # then
        assert added == shown
        assert credits.balance(session, actor=actor).available_cents == int(shown[:-4].replace(".", ""))


def test_test_credit_refuses_words_saying_how_to_type_an_amount():
    with unit_of_work() as session:
        actor = owner_actor(session, factories.make_company(session))
        with pytest.raises(ValidationFailed) as refused:
            company_credits.add_test_credit(session, actor, amount="abc")
    assert refused.value.message == "Enter an amount in euros, for example 25 or 25.50."


def test_the_ledger_says_which_lines_were_paid_from_held_credit_as_a_boolean():
    # given a company whose request was completed (held, then paid to the operator from the hold)
    agent = w.make_agent(funded_cents=100_000)
    w.completed_request(agent, w.make_operator())

    # when the credits page reads its ledger
    with unit_of_work() as session:
        company = session.get_one(Company, agent.company_id)
        lines = company_credits.credits_snapshot(session, owner_actor(session, company), starting_after=None)["lines"]

    # then the payment is marked as paid from the held credit and the rest are not, with real booleans
    assert {line.from_held for line in lines} == {True, False}
    assert all(line.from_held is (line.what.startswith("Paid")) for line in lines), [line.what for line in lines]
