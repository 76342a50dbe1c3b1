"""Cancelling and rating change a request, so the requests service itself refuses a company
member who may only read (the page hides the buttons too, but no door may skip the check)."""

from __future__ import annotations

import pytest

from marketplace_app.companies.models import MemberRole
from marketplace_app.core.errors import Forbidden
from marketplace_app.requests import service as requests
from marketplace_app.requests.service import CompanyScope
from tests.ledger.helpers import assert_ledger_balanced, hold_state
from tests.requests import helpers as rh
from tests.work import helpers as w


def member(agent, role: MemberRole) -> CompanyScope:
    return CompanyScope(company_id=agent.company_id, user_id=f"usr_{role}", mode="live", role=role)


def test_a_read_only_member_cannot_cancel_and_the_escrow_stays_held():
    # given a matching request with its escrow held
    agent = w.make_agent()
    request_id = w.create(agent)["id"]

    # when a plain member cancels it through the service
    with pytest.raises(Forbidden, match="owners and admins can cancel requests"):
        w.in_unit(lambda session: requests.cancel_request(session, ctx=member(agent, MemberRole.member),
                                                          request_id=request_id))

    # then nothing changed
    row = rh.request_row(request_id)
    assert row["status"] == "matching" and hold_state(row["hold_id"]) == "pending"
    assert_ledger_balanced()


@pytest.mark.parametrize("role", [MemberRole.owner, MemberRole.admin])
def test_owners_and_admins_cancel_through_the_same_service(role):
    agent = w.make_agent()
    request_id = w.create(agent)["id"]

    w.in_unit(lambda session: requests.cancel_request(session, ctx=member(agent, role), request_id=request_id))

    row = rh.request_row(request_id)
    assert row["status"] == "cancelled" and hold_state(row["hold_id"]) == "voided"
    assert_ledger_balanced()


def test_a_read_only_member_cannot_rate_but_an_admin_can():
    # given a completed request
    agent, operator = w.make_agent(), w.make_operator()
    request_id = w.completed_request(agent, operator)

    # when a plain member rates it, then it is refused and the rating stays empty
    with pytest.raises(Forbidden, match="owners and admins can rate requests"):
        w.in_unit(lambda session: requests.rate_request(session, ctx=member(agent, MemberRole.member),
                                                        request_id=request_id, score=1, comment=None))
    assert rh.request_row(request_id)["rating"] is None

    # and an admin's rating is kept
    w.in_unit(lambda session: requests.rate_request(session, ctx=member(agent, MemberRole.admin),
                                                    request_id=request_id, score=5, comment="Quick"))
    assert rh.request_row(request_id)["rating"] == 5
