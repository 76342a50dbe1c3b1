"""A real loopback receiver answering 2xx gets every event of a request's life exactly once, in
order, each signed so that `verify_signature` accepts it: in test mode (the simulator) and live
(operator accept and submit, company approval)."""

from __future__ import annotations

import time

from marketplace_app.companies.models import KeyMode
from marketplace_app.core.db import unit_of_work
from marketplace_app.requests import simulator
from marketplace_app.webhooks import delivery
from marketplace_app.webhooks.signing import verify_signature
from marketplace_app.work import review
from tests.requests.helpers import REQUESTS_PATH, fund, request_body
from tests.webhooks.helpers import (
    DELIVERIES,
    EVENTS,
    create_endpoint,
    deliver_until_idle,
    deliveries,
    events_of,
    tenant_with_agent,
)
from tests.work import helpers as w


def assert_received_exactly_the_log(receiver, request_id: str, secret: str) -> None:
    """Every event of the request reached the receiver once, in log order, verifiably signed."""
    logged = events_of(EVENTS.c.request_id == request_id)
    received = [call for call in receiver.calls if call.json["request_id"] == request_id]
    assert [call.json["event_id"] for call in received] == [event["id"] for event in logged]
    assert [call.json["type"] for call in received] == [event["type"] for event in logged]
    for call in received:
        verify_signature(call.body, call.signature, secret)  # fresh: the real clock, 300 s tolerance
        assert call.headers["x-handoff-event-id"] == call.json["event_id"]
        assert call.headers["x-handoff-event"] == call.json["type"]
        assert call.headers["content-type"] == "application/json"
        assert set(call.json) == {"event_id", "type", "request_id", "timestamp", "livemode", "data"}
    assert {row["status"] for row in deliveries(DELIVERIES.c.request_id == request_id)} == {"delivered"}


def test_a_test_mode_lifecycle_reaches_the_receiver_once_per_event_in_order_and_signed(client, receiver):
    # given a project with an endpoint (its ping was the first call) and a pk_test_ key
    tenant, agent = tenant_with_agent(mode=KeyMode.test)
    endpoint = create_endpoint(client, tenant, agent.project_id, receiver.url)
    assert [call.json["type"] for call in receiver.calls] == ["webhook.ping"]
    verify_signature(receiver.calls[0].body, receiver.calls[0].signature, endpoint["secret"])

    # when the simulated operator takes the request to completion, the job delivering as it goes
    created = client.post(REQUESTS_PATH, json=request_body(), headers=agent.headers())
    assert created.status_code == 201, created.text
    request_id = created.json()["request_id"]
    deadline = time.monotonic() + 20
    while "request.completed" not in receiver.types() and time.monotonic() < deadline:
        with unit_of_work() as session:
            simulator.simulate(session)
        delivery.deliver_due()
        time.sleep(0.2)
    deliver_until_idle()

    # then
    assert receiver.types() == ["request.matching", "request.in_progress", "request.completed"]
    assert_received_exactly_the_log(receiver, request_id, endpoint["secret"])
    assert receiver.calls[-1].json["data"]["status"] == "completed"


def test_a_live_lifecycle_through_accept_submit_and_approval_reaches_the_receiver_in_order(client, receiver):
    # given a funded live key, an endpoint and an operator
    tenant, agent = tenant_with_agent(mode=KeyMode.live)
    fund(agent, cents=10_000)
    endpoint = create_endpoint(client, tenant, agent.project_id, receiver.url)
    operator = w.make_operator()

    # when the request is created, accepted, submitted (mediocre: needs review) and approved,
    # the delivery job running between the steps
    created = client.post(REQUESTS_PATH, json=request_body(max_price=w.PRICE), headers=agent.headers())
    assert created.status_code == 201, created.text
    request_id = created.json()["request_id"]
    deliver_until_idle()
    w.accept(operator, request_id)
    deliver_until_idle()
    assert w.submit(operator, request_id, answer=w.MEDIOCRE)["status"] == "needs_review"
    deliver_until_idle()
    context = agent.context()
    w.in_unit(lambda session: review.approve(session, ctx=context, request_id=request_id))
    deliver_until_idle()

    # then
    assert receiver.types() == ["request.matching", "request.in_progress", "request.submitted",
                                "request.needs_review", "request.completed"]
    assert_received_exactly_the_log(receiver, request_id, endpoint["secret"])


def test_events_queued_together_are_delivered_in_order_per_request(client, receiver):
    # given several requests whose whole lives are queued before the job runs once
    tenant, agent = tenant_with_agent(mode=KeyMode.live)
    fund(agent, cents=10_000)
    endpoint = create_endpoint(client, tenant, agent.project_id, receiver.url)
    operators = w.make_operators(count=3)
    request_ids = []
    for operator in operators:
        request_id = w.create(agent)["id"]
        w.accept(operator, request_id)
        w.submit(operator, request_id)
        request_ids.append(request_id)

    # when
    deliver_until_idle()

    # then
    for request_id in request_ids:
        assert_received_exactly_the_log(receiver, request_id, endpoint["secret"])
