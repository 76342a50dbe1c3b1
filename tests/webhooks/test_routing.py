"""Which events go where: endpoints get the types they subscribe to (all when the list is empty)
of their own project only; a request's `callback_url` gets that request's events, signed with its
`callback_secret` (unsigned without one); redirects are never followed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace_app.companies.models import KeyMode
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.requests import simulator
from marketplace_app.webhooks import delivery
from marketplace_app.webhooks.signing import SignatureError, verify_signature
from tests.requests.helpers import REQUESTS_PATH, add_project_agent, fund, request_body
from tests.support import assert_error, row_counts
from tests.webhooks.helpers import (
    ATTEMPTS,
    DELIVERIES,
    EVENTS,
    T0,
    attempts,
    create_endpoint,
    deliver_until_idle,
    deliveries,
    emit,
    events_of,
    tenant_with_agent,
    unix,
    webhooks_path,
)

CALLBACK_SECRET = "cb_secret_0123456789abcdef"
TYPES = ["request.matching", "request.in_progress", "request.completed", "payout.paid", "key.created"]


def test_endpoints_receive_only_the_types_they_subscribe_to(client, make_receiver, allow_localhost):
    # given one endpoint for everything, one for completions and cancellations, and one disabled
    tenant, agent = tenant_with_agent()
    everything, completions, disabled = make_receiver(), make_receiver(), make_receiver()
    create_endpoint(client, tenant, agent.project_id, everything.url)
    create_endpoint(client, tenant, agent.project_id, completions.url,
                    event_types=["request.completed", "request.cancelled"])
    off = create_endpoint(client, tenant, agent.project_id, disabled.url)
    client.patch(f"/v1/dashboard/webhooks/{off['id']}", json={"enabled": False}, headers=tenant.headers())

    # when
    ids = emit(agent, TYPES)
    deliver_until_idle()

    # then
    assert everything.event_ids() == ids
    assert completions.event_ids() == [ids[2]]
    assert [call.json["type"] for call in disabled.calls] == ["webhook.ping"]
    assert deliveries(DELIVERIES.c.endpoint_id == off["id"]) == []


def test_internal_events_are_never_fanned_out(client, receiver):
    # given
    tenant, agent = tenant_with_agent()
    create_endpoint(client, tenant, agent.project_id, receiver.url)

    # when
    emit(agent, ["webhook.disabled", "webhook.test", "webhook.ping"])

    # then
    assert deliveries() == []


def test_another_projects_events_do_not_reach_an_endpoint(client, receiver):
    # given an endpoint on one project; a sibling project and another company's project
    tenant, agent = tenant_with_agent()
    _, stranger = tenant_with_agent(name="Other")
    sibling = add_project_agent(agent)
    create_endpoint(client, tenant, agent.project_id, receiver.url)

    # when
    emit(stranger, TYPES)
    emit(sibling, TYPES)
    mine = emit(agent, ["request.matching"])
    deliver_until_idle()

    # then
    assert receiver.event_ids() == mine


def test_unknown_event_types_are_refused(client, receiver):
    # given
    tenant, agent = tenant_with_agent()
    before = row_counts()

    # when
    response = client.post(webhooks_path(agent.project_id), json={"url": receiver.url,
                                                                   "event_types": ["request.exploded"]},
                           headers=tenant.headers())

    # then
    assert_error(response, status=422, code="validation_error")
    assert row_counts() == before
    assert receiver.calls == []


def simulate_to_completion() -> None:
    """Walk test-mode requests through the simulator on a frozen clock, delivering as it goes."""
    for _ in range(2):
        deliver_until_idle()
        clock.advance(timedelta(seconds=3))
        with unit_of_work() as session:
            simulator.simulate(session)
    deliver_until_idle()


@pytest.mark.parametrize("mode", [KeyMode.test, KeyMode.live])
def test_a_callback_url_gets_its_requests_events_signed_with_the_callback_secret(client, receiver, mode):
    # given a request with a callback URL and secret (and another without either)
    clock.freeze(T0)
    tenant, agent = tenant_with_agent(mode=mode)
    fund(agent, cents=10_000)
    created = client.post(REQUESTS_PATH, json=request_body(callback_url=receiver.url,
                                                           callback_secret=CALLBACK_SECRET),
                          headers=agent.headers())
    assert created.status_code == 201, created.text
    request_id = created.json()["request_id"]
    other = client.post(REQUESTS_PATH, json=request_body(), headers=agent.headers())
    assert other.status_code == 201

    # when
    if mode is KeyMode.test:
        simulate_to_completion()
    else:
        cancelled = client.post(f"{REQUESTS_PATH}/{request_id}/cancel", headers=agent.headers())
        assert cancelled.status_code == 200, cancelled.text
        deliver_until_idle()

    # then every event of that request, and nothing else, arrived signed with the callback secret
    logged = [event["id"] for event in events_of(EVENTS.c.request_id == request_id)]
    assert receiver.event_ids() == logged and len(logged) >= 2
    for call in receiver.calls:
        assert call.json["request_id"] == request_id
        assert verify_signature(call.body, call.signature, CALLBACK_SECRET, now=unix(T0) + 10)
        with pytest.raises(SignatureError):
            verify_signature(call.body, call.signature, "some-other-secret-value", now=unix(T0) + 10)
    callback_rows = deliveries(DELIVERIES.c.endpoint_id.is_(None))
    assert {row["status"] for row in callback_rows} == {"delivered"}
    assert CALLBACK_SECRET not in str([dict(row) for row in callback_rows])

    # and the company sees those deliveries in its dashboard
    shown = client.get(f"/v1/dashboard/webhook-deliveries/{callback_rows[0]['id']}", headers=tenant.headers())
    assert shown.status_code == 200 and shown.json()["endpoint_id"] is None


def test_a_callback_without_a_secret_is_sent_unsigned(client, receiver):
    # given
    clock.freeze(T0)
    _tenant, agent = tenant_with_agent(mode=KeyMode.test)
    created = client.post(REQUESTS_PATH, json=request_body(callback_url=receiver.url), headers=agent.headers())
    assert created.status_code == 201, created.text

    # when
    simulate_to_completion()

    # then
    assert receiver.types() == ["request.matching", "request.in_progress", "request.completed"]
    assert all("x-handoff-signature" not in call.headers for call in receiver.calls)
    assert all(call.headers["x-handoff-event-id"] == call.json["event_id"] for call in receiver.calls)


@pytest.mark.parametrize("secret", ["short", "x" * 129, " padded-secret-value ", "tab\tinside-the-secret",
                                    "ünïcode-secret-value"])
def test_bad_callback_secrets_are_refused(client, receiver, secret):
    # given
    _tenant, agent = tenant_with_agent(mode=KeyMode.test)
    before = row_counts()

    # when
    response = client.post(REQUESTS_PATH, json=request_body(callback_url=receiver.url, callback_secret=secret),
                           headers=agent.headers())

    # then
    assert_error(response, status=422, code="validation_error")
    assert {k: v for k, v in row_counts().items() if k != "rate_limit_counter"} == {
        k: v for k, v in before.items() if k != "rate_limit_counter"}


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_are_not_followed_and_count_as_failures(client, receiver, make_receiver, status):
    # given an endpoint whose receiver now redirects to the metadata address or to another receiver
    clock.freeze(T0)
    tenant, agent = tenant_with_agent()
    endpoint = create_endpoint(client, tenant, agent.project_id, receiver.url)
    target = make_receiver()
    receiver.status = status

    for location in ("http://169.254.169.254/latest/meta-data/", target.url):
        receiver.location = location

        # when
        [event_id] = emit(agent, ["request.completed"])
        assert delivery.deliver_due() == 1

        # then
        [row] = deliveries(DELIVERIES.c.event_id == event_id)
        assert (row["status"], row["last_status_code"]) == ("pending", status)
        [attempt] = attempts(ATTEMPTS.c.delivery_id == row["id"])
        assert (attempt["status_code"], attempt["error"]) == (status, f"redirect ({status}) not followed")
    assert target.calls == []
    assert len(deliveries(DELIVERIES.c.endpoint_id == endpoint["id"])) == 2


def test_a_callback_that_redirects_is_not_followed(client, receiver, make_receiver):
    # given
    clock.freeze(T0)
    _tenant, agent = tenant_with_agent(mode=KeyMode.test)
    target = make_receiver()
    receiver.status, receiver.location = 302, target.url
    created = client.post(REQUESTS_PATH, json=request_body(callback_url=receiver.url), headers=agent.headers())
    assert created.status_code == 201

    # when
    delivery.deliver_due()

    # then
    [row] = deliveries()
    assert (row["status"], row["last_error"]) == ("pending", "redirect (302) not followed")
    assert len(receiver.calls) == 1 and target.calls == []


def test_a_receiver_that_redirects_fails_the_ping(client, receiver, make_receiver):
    # given
    tenant, agent = tenant_with_agent()
    target = make_receiver()
    receiver.status, receiver.location = 302, target.url
    before = row_counts()

    # when
    response = client.post(webhooks_path(agent.project_id), json={"url": receiver.url}, headers=tenant.headers())

    # then
    message = assert_error(response, status=422, code="validation_error")
    assert "redirect" in message
    assert row_counts() == before
    assert target.calls == []
