"""The buttons a page shows are the service's own rules: for a grid of (status, moment relative
to the window) cases, the boolean the dashboard reader returns equals whether the API call
then succeeds — cancel, dispute, appeal and accepting a settlement (for both parties)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace_app.companies.models import CompanyMember
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.requests.rules import aware
from marketplace_app.ui.state import company_disputes, company_request, operator_disputes
from marketplace_app.ui.state.company import as_member
from tests.disputes import helpers as d
from tests.requests import helpers as rh
from tests.work import helpers as w

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def case_id(value: object) -> str:
    """"accepted-+1m", "completed-+24h": readable test ids."""
    if isinstance(value, timedelta):
        minutes = int(value.total_seconds() // 60)
        return f"+{minutes // 60}h{minutes % 60:02d}m"
    return str(value).replace(" ", "_")


@pytest.fixture(autouse=True)
def frozen_clock(database: str) -> Iterator[None]:
    clock.freeze(w.T0)
    yield
    clock.unfreeze()


@pytest.fixture
def api():
    return rh.client()


def owner_of(agent: rh.Agent) -> str:
    with unit_of_work(read_only=True) as session:
        return session.execute(select(CompanyMember.user_id).where(CompanyMember.company_id == agent.company_id)
                               .order_by(CompanyMember.id).limit(1)).scalar_one()


def page(agent: rh.Agent, reader, **kwargs):
    """What the company's dashboard reader returns, called exactly as the page calls it."""
    with unit_of_work() as session:
        return as_member(session, owner_of(agent), reader, {"mode": "live", **kwargs})


def in_state(agent: rh.Agent, worker: w.Operator, state: str) -> str:
    """A request left in `state` ("matching", "accepted", "completed") at the current moment."""
    request_id = w.create(agent)["id"]
    if state == "matching":
        return request_id
    w.accept(worker, request_id)
    if state == "completed":
        assert w.submit(worker, request_id)["status"] == "completed"
    return request_id


CANCEL_CASES = [
    ("matching", timedelta(0)),
    ("matching", 10 * MINUTE),
    ("matching", "past its match window"),
    ("accepted", timedelta(0)),
    ("accepted", MINUTE),
    ("accepted", 2 * MINUTE),
    ("accepted", 3 * MINUTE),
    ("completed", timedelta(0)),
]


@pytest.mark.parametrize(("state", "later"), CANCEL_CASES, ids=case_id)
def test_the_cancel_button_shows_exactly_when_the_api_cancels(api, state, later):
    # given a request in `state`, read `later`
    agent, worker = w.make_agent(), w.make_operator()
    request_id = in_state(agent, worker, state)
    if later == "past its match window":
        later = aware(rh.request_row(request_id)["match_deadline_at"]) - clock.now()
    clock.advance(later)

    # when the page asks, then the agent's key cancels
    shown = page(agent, company_request.request_detail, request_id=request_id)["can_cancel"]
    response = api.post(f"/v1/requests/{request_id}/cancel", headers=agent.headers())

    # then the page offered the button exactly when the API accepts
    assert shown is (response.status_code == 200), response.text


DISPUTE_CASES = [
    ("accepted", HOUR),
    ("completed", timedelta(0)),
    ("completed", HOUR),
    ("completed", 24 * HOUR - MINUTE),
    ("completed", 24 * HOUR),
    ("completed", 30 * HOUR),
]


@pytest.mark.parametrize(("state", "later"), DISPUTE_CASES, ids=case_id)
def test_the_dispute_button_shows_exactly_when_the_api_opens_one(api, state, later):
    # given a request in `state`, read `later`
    agent, worker = w.make_agent(), w.make_operator()
    request_id = in_state(agent, worker, state)
    clock.advance(later)

    # when the page asks, then the agent disputes
    shown = page(agent, company_disputes.request_dispute, request_id=request_id)["can_dispute"]
    response = api.post(f"/v1/requests/{request_id}/dispute", json={"reason": d.OVERRULED}, headers=agent.headers())

    # then the page offered it exactly when the API opens the dispute
    assert shown is (response.status_code == 201), response.text


APPEAL_MOMENTS = [timedelta(0), HOUR, 48 * HOUR - MINUTE, 48 * HOUR, 49 * HOUR]


@pytest.mark.parametrize("party", ["company", "operator"])
@pytest.mark.parametrize("later", APPEAL_MOMENTS, ids=case_id)
def test_the_appeal_form_shows_exactly_when_the_api_takes_the_appeal(api, party, later):
    # given a tier 0 ruling awaiting appeal for 48 h, read `later` (no sweep has run)
    agent, worker = w.make_agent(), w.make_operator()
    w.make_operators(count=3)
    request_id, body = d.disputed(api, agent, worker)
    clock.advance(later)

    # when each side's page asks, then `party` appeals through the API
    company_sees = page(agent, company_disputes.request_dispute, request_id=request_id)["can_appeal"]
    operator_sees = w.in_unit(lambda session: operator_disputes.my_dispute(
        session, operator_id=worker.user_id, dispute_id=body["dispute_id"]))["can_appeal"]
    if party == "company":
        response = d.appeal_as_company(api, agent, request_id)
    else:
        response = d.appeal_as_operator(api, worker, body["dispute_id"])

    # then both pages offered the appeal exactly when the API takes it
    assert company_sees is operator_sees is (response.status_code == 200), response.text


def offer(api, agent, worker, request_id: str, dispute_id: str, by: str) -> None:
    """A standing offer of 8.00 EUR by `by` ("company", "operator"; "nobody" makes none)."""
    if by == "company":
        d.ok(api.post(f"/v1/requests/{request_id}/dispute/settlement", json={"refund": "8.00EUR"},
                      headers=agent.headers()))
    elif by == "operator":
        d.ok(api.post(f"/v1/operator/disputes/{dispute_id}/settlement", json={"refund": "8.00EUR"},
                      headers=worker.headers()))


@pytest.mark.parametrize("accepter", ["company", "operator"])
@pytest.mark.parametrize("offered_by", ["nobody", "company", "operator"])
def test_the_accept_button_shows_exactly_when_the_api_settles(api, offered_by, accepter):
    # given a ruling awaiting appeal and maybe a standing offer
    agent, worker = w.make_agent(), w.make_operator()
    request_id, body = d.disputed(api, agent, worker)
    dispute_id = body["dispute_id"]
    offer(api, agent, worker, request_id, dispute_id, offered_by)

    # when the accepter's page asks, then the accepter accepts through the API
    if accepter == "company":
        shown = page(agent, company_disputes.request_dispute, request_id=request_id)["can_accept_offer"]
        response = api.post(f"/v1/requests/{request_id}/dispute/settlement/accept", json={"refund": "8.00EUR"},
                            headers=agent.headers())
    else:
        shown = w.in_unit(lambda session: operator_disputes.my_dispute(
            session, operator_id=worker.user_id, dispute_id=dispute_id))["can_accept_offer"]
        response = api.post(f"/v1/operator/disputes/{dispute_id}/settlement/accept", json={"refund": "8.00EUR"},
                            headers=worker.headers())

    # then the page offered it exactly when the API settles
    assert shown is (response.status_code == 200), response.text
