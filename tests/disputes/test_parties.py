"""The dispute service checks who acts, whatever the door: a company member who may only read is
refused by the service itself (not just by the page), another tenant's or mode's member and
another operator find nothing, staff are no party, and owners and admins act. Every refusal
changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace_app.companies.models import MemberRole
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import Forbidden, NotFound
from marketplace_app.disputes import service as disputes
from marketplace_app.disputes.models import Dispute, DisputeStep
from marketplace_app.disputes.parties import OperatorActor, StaffActor
from marketplace_app.requests.service import CompanyScope
from tests.disputes import helpers as d
from tests.requests import helpers as rh
from tests.work import helpers as w

READER = MemberRole.member


def member(agent, role: MemberRole = READER, *, mode: str = "live", company_id: str | None = None) -> CompanyScope:
    """A dashboard member of `agent`'s company (or `company_id`) acting in `mode` with `role`."""
    return CompanyScope(company_id=company_id or agent.company_id, user_id="usr_member", mode=mode, role=role)


ACTIONS = {
    "appeal": lambda session, dispute_id, actor: disputes.appeal(
        session, dispute_id=dispute_id, actor=actor, reason="Please look again"),
    "offer": lambda session, dispute_id, actor: disputes.propose_settlement(
        session, dispute_id=dispute_id, actor=actor, refund_cents=400),
    "accept": lambda session, dispute_id, actor: disputes.accept_settlement(
        session, dispute_id=dispute_id, actor=actor, refund_cents=800),
}


def settled_by(dispute_id: str) -> list[str | None]:
    with unit_of_work(read_only=True) as session:
        return list(session.execute(select(DisputeStep.actor_id).where(
            DisputeStep.dispute_id == dispute_id, DisputeStep.kind == "settled")).scalars())


def with_operator_offer(api, agent, worker) -> tuple[str, str]:
    """A tier 0 ruling awaiting appeal with the operator's standing offer of 8.00 EUR."""
    request_id, body = d.disputed(api, agent, worker)
    d.ok(api.post(f"/v1/operator/disputes/{body['dispute_id']}/settlement", json={"refund": "8.00EUR"},
                  headers=worker.headers()))
    return request_id, body["dispute_id"]


def test_a_read_only_member_cannot_open_a_dispute_through_the_service(agent, worker):
    # given a completed request
    request_id = w.completed_request(agent, worker)

    # when a plain member opens a dispute through the service (no page in between)
    with pytest.raises(Forbidden, match="owners and admins"):
        w.in_unit(lambda session: disputes.open_by_company(session, ctx=member(agent), request_id=request_id,
                                                           reason=d.OVERRULED))

    # then nothing was disputed
    assert rh.request_row(request_id)["status"] == "completed"
    assert w.count(Dispute, Dispute.request_id == request_id) == 0


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_a_read_only_member_cannot_appeal_offer_or_accept_through_the_service(api, agent, worker, action):
    # given a ruling awaiting appeal with the operator's standing offer
    _, dispute_id = with_operator_offer(api, agent, worker)
    before = d.row(dispute_id)

    # when a plain member acts through the service
    with pytest.raises(Forbidden, match="owners and admins"):
        w.in_unit(lambda session: ACTIONS[action](session, dispute_id, member(agent)))

    # then the dispute is unchanged
    assert d.row(dispute_id) == before


@pytest.mark.parametrize("role", [MemberRole.owner, MemberRole.admin])
def test_owners_and_admins_act_through_the_same_service(api, agent, worker, role):
    # given a ruling awaiting appeal with the operator's standing offer
    _, dispute_id = with_operator_offer(api, agent, worker)

    # when an owner or admin accepts the offer
    resolved = w.in_unit(lambda session: ACTIONS["accept"](session, dispute_id, member(agent, role)))

    # then it is settled, and the history names the member
    assert resolved["status"] == "resolved" and resolved["resolution"] == "split"
    assert settled_by(dispute_id) == ["usr_member"]
    # 8.00 of 20.00 comes back pro rata from the reward (6.56) and the fee (1.44)
    d.assert_books(agent, worker, company=d.FUNDED - d.PRICE + 800, pending=d.REWARD - 656, revenue=d.FEE - 144)


@pytest.mark.parametrize("outsider", ["another company", "the other mode", "another operator"])
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_a_dispute_that_is_not_the_actors_is_not_found(api, agent, worker, outsider, action):
    # given a dispute of `agent`'s company
    _, dispute_id = with_operator_offer(api, agent, worker)
    before = d.row(dispute_id)
    actor = {"another company": member(agent, MemberRole.owner, company_id=w.make_agent().company_id),
             "the other mode": member(agent, MemberRole.owner, mode="test"),
             "another operator": OperatorActor(w.make_operator().user_id)}[outsider]

    # when / then
    with pytest.raises(NotFound):
        w.in_unit(lambda session: ACTIONS[action](session, dispute_id, actor))
    assert d.row(dispute_id) == before


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_staff_are_no_party_to_appeal_or_settle(api, agent, worker, action):
    # given a dispute
    _, dispute_id = with_operator_offer(api, agent, worker)
    before = d.row(dispute_id)

    # when staff try a party's action
    with pytest.raises(Forbidden):
        w.in_unit(lambda session: ACTIONS[action](session, dispute_id, StaffActor("usr_staff")))

    # then nothing changed
    assert d.row(dispute_id) == before


def test_only_the_worker_states_its_side(api, agent, worker):
    # given a dispute
    _, dispute_id = with_operator_offer(api, agent, worker)

    # when the company's owner or another operator adds an operator statement
    for actor in (member(agent, MemberRole.owner), OperatorActor(w.make_operator().user_id)):
        with pytest.raises(NotFound):
            w.in_unit(lambda session, actor=actor: disputes.add_statement(
                session, dispute_id=dispute_id, actor=actor, statement="mine"))

    # then only the worker's own statement lands
    stated = w.in_unit(lambda session: disputes.add_statement(
        session, dispute_id=dispute_id, actor=OperatorActor(worker.user_id), statement="I checked every clause"))
    assert stated["operator_statement"] == "I checked every clause"
