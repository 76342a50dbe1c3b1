"""The company's movements as a person reads them: one row per ledger transfer, in words
("Top-up", "Held for request …", "Paid to the operator …", "Refunded …"), signed changes to the
available balance and the held credit, and the available balance after each one."""

from __future__ import annotations

import pytest

from marketplace_app.companies import statements
from marketplace_app.companies.models import Company
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import NotFound
from marketplace_app.requests import service as requests
from tests.companies.helpers import owner_actor
from tests.ledger.helpers import assert_ledger_balanced
from tests.requests import helpers as rh
from tests.work import helpers as w

FUNDED = 5_000


def read(company_id: str, **page) -> statements.Movements:
    with unit_of_work(read_only=True) as session:
        actor = owner_actor(session, session.get_one(Company, company_id))
        return statements.movements(session, actor=actor, **page)


def rows_of(page: statements.Movements) -> list[tuple[str, int, int, int]]:
    return [(row.what, row.available_change_cents, row.held_change_cents, row.available_after_cents)
            for row in page.rows]


def test_a_top_up_a_paid_request_and_a_cancelled_one_read_as_five_movements():
    # given a company topped up with 50.00, one 20.00 request completed and one cancelled
    agent, worker = w.make_agent(funded_cents=FUNDED), w.make_operator()
    w.completed_request(agent, worker, title="Verify address")
    cancelled = w.create(agent, title="Check a signature")["id"]
    context = agent.context()
    w.in_unit(lambda session: requests.cancel_request(session, ctx=context, request_id=cancelled))

    # when the company reads its movements
    page = read(agent.company_id)

    # then one row per movement, newest first, with the available balance after each
    assert rows_of(page) == [
        ("Refunded: request 'Check a signature' ended without payment", 2_000, -2_000, 3_000),
        ("Held for request 'Check a signature'", -2_000, 2_000, 1_000),
        ("Paid to the operator for request 'Verify address'", 0, -2_000, 3_000),
        ("Held for request 'Verify address'", -2_000, 2_000, 3_000),
        ("Top-up (test credit, not real money)", 5_000, 0, 5_000),
    ]
    assert [row.from_held for row in page.rows] == [False, False, True, False, False]
    assert page.rows[2].request_id is not None and not page.has_more
    assert_ledger_balanced()


def test_pages_carry_the_running_balance_across_the_cursor():
    # given three top-ups
    agent = w.make_agent(funded_cents=1_000)
    rh.fund(agent, cents=200)
    rh.fund(agent, cents=30)

    # when read two at a time
    first = read(agent.company_id, limit=2)
    second = read(agent.company_id, limit=2, starting_after=first.rows[-1].id)

    # then the balance after each continues from page to page
    assert [row.available_after_cents for row in first.rows] == [1_230, 1_200] and first.has_more
    assert [row.available_after_cents for row in second.rows] == [1_000] and not second.has_more


@pytest.mark.parametrize("cursor", ["abc", "999999", "1" * 30])
def test_a_cursor_that_is_not_one_of_the_companys_movements_is_not_found(cursor):
    agent = w.make_agent(funded_cents=1_000)
    with pytest.raises(NotFound):
        read(agent.company_id, starting_after=cursor)


def test_another_companys_movements_never_appear_and_a_new_company_has_none():
    # given two companies, one funded
    funded = w.make_agent(funded_cents=1_000, company_name="Funded")
    empty = w.make_agent(funded_cents=0, company_name="Empty")

    # then each sees only its own
    assert len(read(funded.company_id).rows) == 1
    assert read(empty.company_id).rows == []
    with pytest.raises(NotFound):
        read(empty.company_id, starting_after=read(funded.company_id).rows[0].id)


def test_kinds_it_does_not_know_keep_the_ledgers_reason():
    assert statements.describe("settlement_release", "Released to available", title=None) == "Released to available"
    assert statements.describe("dispute_refund", "x", title="A" * 80) == (
        "Refunded after the dispute on request '" + "A" * 59 + "…'")
    assert statements.describe("manual_credit", "Credited by Handoff staff: SEPA 42", title=None) == (
        "Top-up by bank transfer: SEPA 42")
