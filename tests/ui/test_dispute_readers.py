"""The dispute pages' readers and adapters, without a browser: what the company, a juror and
staff are shown at each step, and who may act."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from sqlalchemy import select, update

from marketplace_app.companies.access import resolve_actor
from marketplace_app.companies.models import CompanyMember
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import Forbidden, NotFound
from marketplace_app.disputes import service as disputes
from marketplace_app.identity.models import Role
from marketplace_app.ui.state import admin_disputes, company_disputes, operator_disputes
from tests import factories
from tests.ledger.helpers import assert_ledger_balanced
from tests.work import helpers as w

UPHELD = "No compliance review of the NDA was done"


@pytest.fixture(autouse=True)
def frozen_clock(database: str) -> Iterator[None]:
    clock.freeze(w.T0)
    yield
    clock.unfreeze()


def owner_id(company_id: str) -> str:
    with unit_of_work(read_only=True) as session:
        return session.execute(select(CompanyMember.user_id).where(CompanyMember.company_id == company_id)
                               .order_by(CompanyMember.id).limit(1)).scalar_one()


def as_owner(company_id: str, reader, **kwargs):
    user_id = owner_id(company_id)
    with unit_of_work() as session:
        return reader(session, resolve_actor(session, user_id), **kwargs)


def test_the_company_sees_the_window_then_the_tier0_ruling_and_lists_the_dispute():
    # given a completed request
    agent, worker = w.make_agent(), w.make_operator()
    request_id = w.completed_request(agent, worker)

    # then the company may dispute it, with the time left in its 24 hours
    before = as_owner(agent.company_id, company_disputes.request_dispute, mode="live", request_id=request_id)
    assert before["can_dispute"] and before["window_left"] == "24 h 0 min" and before["dispute"].id == ""

    # when the owner disputes it
    status = as_owner(agent.company_id, company_disputes.open_dispute, mode="live", request_id=request_id,
                      reason=UPHELD)

    # then tier 0 has ruled, with its reasoning, and the appeal window counts down
    shown = as_owner(agent.company_id, company_disputes.request_dispute, mode="live", request_id=request_id)
    dispute = shown["dispute"]
    assert status == "awaiting_appeal" and not shown["can_dispute"]
    assert dispute.status_words == "awaiting appeal" and dispute.tier == "Tier 0 · automated triage"
    assert dispute.awaiting_appeal is True and dispute.open is True and dispute.time_left == "48 h 0 min"
    assert [ruling["tier"] for ruling in shown["rulings"]] == ["Tier 0 · automated triage"]
    assert shown["rulings"][0]["reasoning"].startswith("Automated triage")
    assert [step["kind"] for step in shown["history"]] == ["Opened", "Ruling"]
    listed = as_owner(agent.company_id, company_disputes.dispute_page, mode="live", starting_after=None)
    assert [row.request_id for row in listed["rows"]] == [request_id] and not listed["has_more"]


def test_a_plain_member_reads_but_may_not_dispute():
    # given a completed request and a member who is not an owner or admin
    agent, worker = w.make_agent(), w.make_operator()
    request_id = w.completed_request(agent, worker)
    user_id = owner_id(agent.company_id)
    with unit_of_work() as session:
        session.execute(update(CompanyMember).where(CompanyMember.user_id == user_id).values(role="member"))

    # when / then
    with pytest.raises(Forbidden):
        as_owner(agent.company_id, company_disputes.open_dispute, mode="live", request_id=request_id, reason=UPHELD)
    assert not as_owner(agent.company_id, company_disputes.request_dispute, mode="live",
                        request_id=request_id)["can_write"]


def test_a_juror_sees_the_case_votes_once_and_staff_rule_a_split_at_tier_two():
    # given a dispute appealed to a jury of three
    agent, worker = w.make_agent(), w.make_operator()
    jurors = w.make_operators(count=3)
    request_id = w.completed_request(agent, worker)
    as_owner(agent.company_id, company_disputes.open_dispute, mode="live", request_id=request_id, reason=UPHELD)
    [mine] = w.in_unit(lambda session: operator_disputes.my_disputes(session, operator_id=worker.user_id))
    w.in_unit(lambda session: operator_disputes.act(session, operator_id=worker.user_id, dispute_id=mine.id,
                                                    action="statement", text="I checked every clause"))
    w.in_unit(lambda session: operator_disputes.act(session, operator_id=worker.user_id, dispute_id=mine.id,
                                                    action="appeal", text="The work was right"))

    # when a juror reads the case and votes
    [case] = w.in_unit(lambda session: operator_disputes.jury_cases(session, juror_id=jurors[0].user_id))
    assert case.can_vote is True and case.operator_statement == "I checked every clause"
    assert case.company_statement == UPHELD and case.price == "20.00 EUR"
    w.in_unit(lambda session: operator_disputes.cast_vote(session, juror_id=jurors[0].user_id, dispute_id=case.id,
                                                          vote_for="for_company", comment="Clause 4 was skipped"))

    # then the case shows the vote, and nobody else's dispute is theirs to act on
    [voted] = w.in_unit(lambda session: operator_disputes.jury_cases(session, juror_id=jurors[0].user_id))
    assert voted.my_vote_words == "for the company" and voted.can_vote is False
    with pytest.raises(NotFound):
        w.in_unit(lambda session: operator_disputes.act(session, operator_id=jurors[1].user_id,
                                                        dispute_id=case.id, action="appeal", text="mine"))

    # when the other two vote for the operator, the company appeals, and a specialist rules a split
    for juror in jurors[1:]:
        w.in_unit(lambda session, juror=juror: disputes.vote(session, dispute_id=case.id, juror_id=juror.user_id,
                                                             vote_for="for_operator"))
    w.in_unit(lambda session: disputes.appeal(session, dispute_id=case.id, actor=agent.context(),
                                              reason="The jury missed clause 4"))
    staff_id = w.in_unit(lambda session: factories.make_user(session, role=Role.admin).id)
    queues = w.in_unit(lambda session: admin_disputes.staff_queues(session, staff_id=staff_id))
    assert [item.dispute.id for item in queues["specialist"]] == [case.id] and queues["board"] == []
    assert queues["specialist"][0].dispute.jury_result == "for the operator"
    # and the ruling dialog says whether the ruling is final with a real boolean (only the board's is)
    case_fields = queues["specialist"][0].dispute
    assert admin_disputes.ruling_dialog(case_fields).final is False
    assert admin_disputes.ruling_dialog(dataclasses.replace(case_fields, status="board_review")).final is True
    assert queues["my_skills"] == [] and "legal_review" in {skill["name"] for skill in queues["skills"]}
    status = w.in_unit(lambda session: admin_disputes.rule(session, staff_id=staff_id, dispute_id=case.id,
                                                           ruling="split", refund_cents=500, reasoning="Half done"))

    # then the ruling awaits appeal, shown to the company with its refund
    assert status == "awaiting_appeal"
    shown = as_owner(agent.company_id, company_disputes.request_dispute, mode="live", request_id=request_id)
    assert shown["dispute"].ruling == "split" and shown["dispute"].ruling_refund == "5.00 EUR"
    assert shown["dispute"].ruling_refund_words == "refund 5.00 EUR to the company"
    assert shown["rulings"][-1]["refund"] == "refund 5.00 EUR to the company"
    assert shown["dispute"].tier == "Tier 2 · specialist"
    with unit_of_work(read_only=True) as session:
        assert_ledger_balanced(session)


def test_each_party_reads_what_happens_next_in_its_own_words():
    # given a completed request the company disputes without a low rating: tier 0 rules for the operator
    agent, worker = w.make_agent(), w.make_operator()
    request_id = w.completed_request(agent, worker)
    as_owner(agent.company_id, company_disputes.open_dispute, mode="live", request_id=request_id, reason=UPHELD)

    # when each side reads the dispute
    company = as_owner(agent.company_id, company_disputes.request_dispute, mode="live", request_id=request_id)
    with unit_of_work() as session:
        dispute_id = company["dispute"].id
        operator = operator_disputes.my_dispute(session, operator_id=worker.user_id, dispute_id=dispute_id)

    # then each reads whose money goes where, the appeal deadline (48 h from now) and who can stop it
    assert company["dispute"].next_step.startswith(
        "The operator keeps the 16.40 EUR paid on 4 Mar 09:00 UTC unless you appeal, and nothing is refunded.")
    assert operator["dispute"].next_step.startswith(
        "You keep your 16.40 EUR reward on 4 Mar 09:00 UTC unless the company appeals.")
