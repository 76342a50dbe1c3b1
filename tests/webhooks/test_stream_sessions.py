"""`/v1/ws` without a token streams a dashboard session's own scope: a company member sees every
event of the company's projects (both modes), an operator the events of the requests they work
on and of their payouts, staff everything; nobody sees another tenant's events or internal ones."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import delete

from marketplace_app.api.deps import SESSION_COOKIE
from marketplace_app.companies.models import CompanyMember, KeyMode
from marketplace_app.core.db import unit_of_work
from marketplace_app.earnings import payouts
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import Role
from tests import factories
from tests.requests.helpers import add_project_agent
from tests.support import api_client
from tests.webhooks.helpers import emit, tenant_with_agent
from tests.webhooks.test_stream import frame, receive
from tests.work import helpers as wh

QUIET_SECONDS = 1.5


@pytest.fixture
def stream_as() -> Iterator[Callable[..., Any]]:
    """Open WebSockets as browsers signed in with a session (the cookie, no `token`). All of a test's
    sockets share one client, so one event loop: the hub serves the loop of the process, as in the app."""
    with api_client() as client:
        def open_as(session_token: str, query: str = ""):
            return client.websocket_connect(f"/v1/ws{query}",
                                            headers={"cookie": f"{SESSION_COOKIE}={session_token}"})

        yield open_as


def frames_until_quiet(websocket) -> list[dict]:
    """Every frame that arrives before the stream goes quiet."""
    seen = []
    while True:
        try:
            message = receive(websocket, timeout=QUIET_SECONDS)
        except TimeoutError:
            return seen
        assert message["type"] == "websocket.send", message
        seen.append(json.loads(message["text"]))


def assert_quiet(websocket) -> None:
    """Nothing more arrives (the next message would be a frame)."""
    try:
        message = receive(websocket, timeout=QUIET_SECONDS)
    except TimeoutError:
        return
    raise AssertionError(f"unexpected message {message}")


def test_a_company_session_sees_all_its_projects_in_both_modes_and_nothing_else(stream_as):
    # given a company with two projects, and another company
    tenant, agent = tenant_with_agent(mode=KeyMode.test)
    sibling = add_project_agent(agent, mode=KeyMode.live)
    _stranger_tenant, stranger = tenant_with_agent(mode=KeyMode.test, name="Stranger")

    with stream_as(tenant.tokens["member"]) as websocket:
        # when events happen in both projects, both modes, in another company, and internally
        ours = emit(agent, ["request.matching"], mode="test") + emit(sibling, ["request.completed"], mode="live")
        emit(stranger, ["request.matching", "request.completed"], mode="test")
        emit(agent, ["webhook.ping"], mode="test")
        last = emit(agent, ["key.created"], mode="live")

        # then the member sees exactly the company's public events, in log order
        seen = [frame(websocket) for _ in range(3)]
        assert_quiet(websocket)

    assert [item["event_id"] for item in seen] == [*ours, *last]
    assert [item["livemode"] for item in seen] == [False, True, True]


def test_an_operator_session_sees_the_requests_it_works_on_and_its_payouts_only(stream_as):
    # given a request the operator will take, and another operator watching too
    agent = wh.make_agent()
    worker, bystander = wh.make_operators(count=2)
    request_id = wh.create(agent)["id"]

    with stream_as(worker.token) as mine, stream_as(bystander.token) as theirs:
        # when the worker takes and finishes it, and asks for a payout
        wh.accept(worker, request_id)
        wh.submit(worker, request_id)
        wh.give_available(worker.user_id, cents=5_000)
        wh.in_unit(lambda session: payouts.request_payout(session, operator_id=worker.user_id, amount_cents=5_000))

        # then the worker sees its request from the moment it took it, then its payout
        seen = frames_until_quiet(mine)
        # and the other operator sees none of it
        assert_quiet(theirs)

    assert [item["type"] for item in seen] == ["request.in_progress", "request.submitted", "request.completed",
                                               "payout.requested"]
    assert {item["request_id"] for item in seen[:3]} == {request_id}
    assert seen[3]["data"]["operator_id"] == worker.user_id


def test_staff_see_every_tenants_events_but_not_internal_ones(stream_as):
    # given two companies
    _first, first = tenant_with_agent(mode=KeyMode.test)
    _second, second = tenant_with_agent(mode=KeyMode.live, name="Second")
    staff = wh.staff_headers()["Authorization"].removeprefix("Bearer ")

    with stream_as(staff) as websocket:
        # when
        expected = emit(first, ["request.matching"], mode="test") + emit(second, ["request.expired"], mode="live")
        emit(first, ["webhook.test"], mode="test")
        expected += emit(second, ["key.revoked"], mode="live")

        # then
        seen = [frame(websocket)["event_id"] for _ in range(3)]
        assert_quiet(websocket)

    assert seen == expected


def test_since_replays_a_sessions_missed_events_within_its_scope_only(stream_as):
    # given a member who saw one event, then disconnected while more happened (some not theirs)
    tenant, agent = tenant_with_agent(mode=KeyMode.test)
    _other_tenant, other = tenant_with_agent(mode=KeyMode.test, name="Other")
    first = emit(agent, ["request.matching"])[0]
    missed = emit(agent, ["request.in_progress"]) + emit(agent, ["request.completed"], mode="live")
    emit(other, ["request.matching"])

    # when it reconnects with since=
    with stream_as(tenant.tokens["owner"], f"?since={first}") as websocket:
        replayed = [frame(websocket)["event_id"] for _ in range(2)]
        assert_quiet(websocket)

    # then
    assert replayed == missed


def test_since_cannot_point_into_another_tenants_log(stream_as):
    # given an event of another company
    tenant, _agent = tenant_with_agent(mode=KeyMode.test)
    _other_tenant, other = tenant_with_agent(mode=KeyMode.test, name="Other")
    theirs = emit(other, ["request.matching"])[0]

    # when / then
    with stream_as(tenant.tokens["owner"], f"?since={theirs}") as websocket:
        error = frame(websocket)
        closed = receive(websocket)
    assert error["error"]["code"] == "not_found"
    assert closed["code"] == 4404


def test_a_session_of_a_user_with_no_company_is_refused_with_4403(stream_as):
    # given an agent-owner account that no longer belongs to any company
    with unit_of_work() as session:
        user = factories.make_user(session, role=Role.agent_owner)
        session.execute(delete(CompanyMember).where(CompanyMember.user_id == user.id))
        token = identity.create_session(session, user=user)

    # when / then
    with stream_as(token) as websocket:
        error = frame(websocket)
        closed = receive(websocket)
    assert error["error"]["code"] == "forbidden"
    assert closed == {"type": "websocket.close", "code": 4403, "reason": "forbidden"}
