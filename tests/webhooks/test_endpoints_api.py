"""`/v1/dashboard/…webhooks…`: endpoints are saved only after a signed `webhook.ping` gets a 2xx
(or explicitly disabled), the secret is shown once, members only read, and another company's
projects, endpoints and deliveries are `not_found` on every route, changing nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from marketplace_app.api.app import create_api
from marketplace_app.companies.access import resolve_actor
from marketplace_app.core import clock
from marketplace_app.core.clock import now
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import ValidationFailed
from marketplace_app.identity import service as identity
from marketplace_app.webhooks import service
from marketplace_app.webhooks.signing import verify_signature
from tests.support import assert_error, row_counts
from tests.webhooks.helpers import (
    DELIVERIES,
    create_endpoint,
    database_text,
    deliver_until_idle,
    deliveries,
    emit,
    endpoint_row,
    tenant_with_agent,
    webhooks_path,
)

ENDPOINT = "/v1/dashboard/webhooks/{endpoint_id}"
DELIVERY = "/v1/dashboard/webhook-deliveries/{delivery_id}"


def test_creating_an_endpoint_pings_it_and_shows_the_secret_once(client, receiver):
    # given
    tenant, agent = tenant_with_agent()

    # when
    response = client.post(webhooks_path(agent.project_id), json={
        "url": receiver.url, "event_types": ["request.completed"], "description": "Main receiver"},
        headers=tenant.headers("admin"))

    # then
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["id"].startswith("whe_") and body["project_id"] == agent.project_id
    assert (body["url"], body["event_types"], body["description"]) == (receiver.url, ["request.completed"],
                                                                        "Main receiver")
    assert (body["status"], body["disabled_reason"], body["ping_error"]) == ("enabled", None, None)
    secret = body["secret"]
    assert secret.startswith("whsec_") and len(secret) >= 40 and body["secret_last4"] == secret[-4:]
    [ping] = receiver.calls
    assert ping.json["type"] == "webhook.ping" and ping.json["data"] == {"url": receiver.url}
    assert set(ping.json) == {"event_id", "type", "request_id", "timestamp", "livemode", "data"}
    assert ping.json["livemode"] is False
    verify_signature(ping.body, ping.signature, secret)
    assert secret not in database_text()

    # and reading it back never shows the secret
    shown = client.get(ENDPOINT.format(endpoint_id=body["id"]), headers=tenant.headers("member"))
    listed = client.get(webhooks_path(agent.project_id), headers=tenant.headers("member"))
    assert shown.status_code == 200 and listed.status_code == 200
    for text in (shown.text, listed.text):
        assert secret not in text and '"secret"' not in text
    assert shown.json()["deliveries"] == {"pending": 0, "delivered": 0, "failed": 0}
    assert [item["id"] for item in listed.json()["data"]] == [body["id"]]


@pytest.mark.parametrize("problem", ["500", "404", "closed port", "timeout"])
def test_an_endpoint_whose_ping_fails_is_refused_and_nothing_is_saved(client, receiver, monkeypatch, problem):
    # given
    tenant, agent = tenant_with_agent()
    url = receiver.url
    if problem == "closed port":
        receiver.stop()
    elif problem == "timeout":
        monkeypatch.setattr(service, "PING_TIMEOUT_SECONDS", 0.3)
        receiver.delay_seconds = 1.0
    else:
        receiver.status = int(problem)
    before = row_counts()

    # when
    response = client.post(webhooks_path(agent.project_id), json={"url": url}, headers=tenant.headers())

    # then
    message = assert_error(response, status=422, code="validation_error")
    assert "webhook.ping" in message and "save it disabled" in message
    assert row_counts() == before


def test_save_disabled_keeps_an_endpoint_whose_ping_failed_disabled_with_the_reason(client, receiver):
    # given
    tenant, agent = tenant_with_agent()
    receiver.status = 503

    # when
    response = client.post(webhooks_path(agent.project_id), json={"url": receiver.url, "save_disabled": True},
                           headers=tenant.headers())
    emit(agent, ["request.matching"])

    # then
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "disabled" and body["secret"].startswith("whsec_")
    assert body["ping_error"] == "receiver answered 503"
    assert body["disabled_reason"] == "verification ping failed: receiver answered 503"
    assert endpoint_row(body["id"])["status"] == "disabled"
    assert deliveries() == []

    # and enabling it pings again: refused while it fails, enabled once it answers
    still_failing = client.patch(ENDPOINT.format(endpoint_id=body["id"]), json={"enabled": True},
                                 headers=tenant.headers())
    receiver.status = 204
    enabled = client.patch(ENDPOINT.format(endpoint_id=body["id"]), json={"enabled": True}, headers=tenant.headers())
    assert_error(still_failing, status=422, code="validation_error")
    assert enabled.status_code == 200 and enabled.json()["status"] == "enabled"
    assert enabled.json()["disabled_reason"] is None and enabled.json()["secret"] is None
    assert [call.json["type"] for call in receiver.calls] == ["webhook.ping"] * 3


def test_changing_the_url_pings_the_new_url_and_applies_to_queued_retries(client, receiver, make_receiver):
    # given an endpoint with a delivery waiting for a retry
    tenant, agent = tenant_with_agent()
    endpoint = create_endpoint(client, tenant, agent.project_id, receiver.url)
    receiver.status = 500
    emit(agent, ["request.matching"])
    deliver_until_idle()
    [row] = deliveries()
    assert row["status"] == "pending" and row["attempts"] == 1
    moved = make_receiver()
    broken = make_receiver(status=500)

    # when
    refused = client.patch(ENDPOINT.format(endpoint_id=endpoint["id"]), json={"url": broken.url},
                           headers=tenant.headers())
    changed = client.patch(ENDPOINT.format(endpoint_id=endpoint["id"]), json={"url": moved.url},
                           headers=tenant.headers())
    replayed = client.post(f"{ENDPOINT.format(endpoint_id=endpoint['id'])}/replay-failed", headers=tenant.headers())
    clock.freeze(now() + timedelta(minutes=6))
    deliver_until_idle()

    # then
    assert_error(refused, status=422, code="validation_error")
    assert changed.status_code == 200 and changed.json()["url"] == moved.url
    assert replayed.json() == {"queued": 0}
    assert [call.json["type"] for call in moved.calls] == ["webhook.ping", "request.matching"]
    assert [call.json["type"] for call in broken.calls] == ["webhook.ping"]


def test_event_types_and_description_change_without_a_ping(client, receiver):
    # given
    tenant, agent = tenant_with_agent()
    endpoint = create_endpoint(client, tenant, agent.project_id, receiver.url)

    # when
    response = client.patch(ENDPOINT.format(endpoint_id=endpoint["id"]),
                            json={"event_types": ["request.expired"], "description": "expiries"},
                            headers=tenant.headers())

    # then
    assert response.status_code == 200, response.text
    assert (response.json()["event_types"], response.json()["description"]) == (["request.expired"], "expiries")
    assert len(receiver.calls) == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"url": ""}, "url"), ({"url": "   "}, "url"), ({"url": None}, "url"), ({"url": "", "enabled": True}, "url"),
    ({"enabled": None}, "enabled"), ({"event_types": None}, "event_types"), ({"description": None}, "description"),
])
def test_a_field_sent_empty_or_null_is_refused_not_read_as_unchanged(client, receiver, body, field):
    # given (an empty url once re-pinged the old URL and answered 200)
    tenant, agent = tenant_with_agent()
    endpoint = create_endpoint(client, tenant, agent.project_id, receiver.url)
    before = endpoint_row(endpoint["id"])

    # when
    response = client.patch(ENDPOINT.format(endpoint_id=endpoint["id"]), json=body, headers=tenant.headers())

    # then
    assert field in assert_error(response, status=422, code="validation_error")
    assert [call.json["type"] for call in receiver.calls] == ["webhook.ping"]  # the create's ping only
    assert endpoint_row(endpoint["id"]) == before


@pytest.mark.parametrize("changes", [{"url": ""}, {"url": None}, {"enabled": None}])
def test_the_service_refuses_an_empty_or_null_change_for_every_door(client, receiver, changes):
    # given
    tenant, agent = tenant_with_agent()
    endpoint = create_endpoint(client, tenant, agent.project_id, receiver.url)
    with unit_of_work(read_only=True) as session:
        actor = resolve_actor(session, identity.user_for_token(session, tenant.tokens["owner"]).id)

    # when / then
    with pytest.raises(ValidationFailed, match=next(iter(changes))):
        service.update_endpoint(actor=actor, endpoint_id=endpoint["id"], changes=changes)
    assert len(receiver.calls) == 1


def test_deleting_an_endpoint_stops_it_and_fails_its_queued_deliveries(client, receiver):
    # given a delivery waiting for a retry
    tenant, agent = tenant_with_agent()
    endpoint = create_endpoint(client, tenant, agent.project_id, receiver.url)
    receiver.status = 500
    emit(agent, ["request.matching"])
    deliver_until_idle()

    # when
    deleted = client.delete(ENDPOINT.format(endpoint_id=endpoint["id"]), headers=tenant.headers())
    emit(agent, ["request.completed"])

    # then
    assert deleted.status_code == 200 and deleted.json()["status"] == "deleted"
    assert_error(client.get(ENDPOINT.format(endpoint_id=endpoint["id"]), headers=tenant.headers()),
                 status=404, code="not_found")
    assert client.get(webhooks_path(agent.project_id), headers=tenant.headers()).json()["data"] == []
    [row] = deliveries()
    assert (row["status"], row["last_error"]) == ("failed", "endpoint deleted")
    assert deliver_until_idle() == 0


def test_a_test_event_is_sent_to_that_endpoint_only_and_logged(client, receiver, make_receiver):
    # given two endpoints
    tenant, agent = tenant_with_agent()
    endpoint = create_endpoint(client, tenant, agent.project_id, receiver.url)
    other = make_receiver()
    create_endpoint(client, tenant, agent.project_id, other.url)

    # when
    queued = client.post(f"{ENDPOINT.format(endpoint_id=endpoint['id'])}/test", headers=tenant.headers())
    deliver_until_idle()

    # then
    assert queued.status_code == 202 and queued.json()["event_type"] == "webhook.test"
    test_call = receiver.calls[-1]
    assert test_call.json["type"] == "webhook.test" and test_call.json["event_id"] == queued.json()["event_id"]
    verify_signature(test_call.body, test_call.signature, endpoint["secret"])
    assert [call.json["type"] for call in other.calls] == ["webhook.ping"]
    shown = client.get(DELIVERY.format(delivery_id=queued.json()["id"]), headers=tenant.headers())
    assert shown.json()["status"] == "delivered" and len(shown.json()["attempt_log"]) == 1


def test_a_project_has_at_most_ten_endpoints(client, receiver):
    # given
    tenant, agent = tenant_with_agent()
    for _ in range(service.MAX_ENDPOINTS_PER_PROJECT):
        create_endpoint(client, tenant, agent.project_id, receiver.url)
    before = row_counts()

    # when
    response = client.post(webhooks_path(agent.project_id), json={"url": receiver.url}, headers=tenant.headers())

    # then
    assert "at most 10" in assert_error(response, status=422, code="validation_error")
    assert row_counts() == before


@pytest.mark.parametrize("field", ["id", "project_id", "status", "secret", "secret_sealed", "consecutive_failures",
                                   "created_at", "disabled_reason"])
def test_server_owned_fields_are_refused(client, receiver, field):
    # given
    tenant, agent = tenant_with_agent()
    endpoint = create_endpoint(client, tenant, agent.project_id, receiver.url)
    before = row_counts()

    # when
    created = client.post(webhooks_path(agent.project_id), json={"url": receiver.url, field: "x"},
                          headers=tenant.headers())
    patched = client.patch(ENDPOINT.format(endpoint_id=endpoint["id"]), json={field: "x"}, headers=tenant.headers())

    # then
    assert_error(created, status=422, code="validation_error")
    assert_error(patched, status=422, code="validation_error")
    assert row_counts() == before


def webhook_routes() -> set[tuple[str, str]]:
    """Every (method, path) of the API that deals with webhooks."""
    return {(method, context.path) for context in iter_route_contexts(create_api().routes)
            if isinstance(context.original_route, APIRoute) and "webhook" in context.path
            for method in context.methods}


def calls_for(project_id: str, endpoint_id: str, delivery_id: int) -> dict[tuple[str, str], tuple[str, str, dict]]:
    """One call per webhook route, with the given ids."""
    endpoint = ENDPOINT.format(endpoint_id=endpoint_id)
    delivery = DELIVERY.format(delivery_id=delivery_id)
    return {
        ("POST", "/v1/dashboard/projects/{project_id}/webhooks"): ("POST", webhooks_path(project_id),
                                                                   {"url": "https://hooks.example.com/x"}),
        ("GET", "/v1/dashboard/projects/{project_id}/webhooks"): ("GET", webhooks_path(project_id), {}),
        ("GET", ENDPOINT): ("GET", endpoint, {}),
        ("PATCH", ENDPOINT): ("PATCH", endpoint, {"description": "changed"}),
        ("DELETE", ENDPOINT): ("DELETE", endpoint, {}),
        ("POST", ENDPOINT + "/rotate-secret"): ("POST", f"{endpoint}/rotate-secret", {}),
        ("POST", ENDPOINT + "/test"): ("POST", f"{endpoint}/test", {}),
        ("POST", ENDPOINT + "/replay-failed"): ("POST", f"{endpoint}/replay-failed", {}),
        ("GET", ENDPOINT + "/deliveries"): ("GET", f"{endpoint}/deliveries", {}),
        ("GET", DELIVERY): ("GET", delivery, {}),
        ("POST", DELIVERY + "/replay"): ("POST", f"{delivery}/replay", {}),
    }


def send(client, call, headers):
    method, path, body = call
    return client.request(method, path, headers=headers, json=body if method in ("POST", "PATCH") else None)


@pytest.fixture
def foreign(client, receiver):
    """Another company's project, endpoint (with a delivered event) and delivery."""
    tenant, agent = tenant_with_agent(name="Foreign")
    endpoint = create_endpoint(client, tenant, agent.project_id, receiver.url)
    emit(agent, ["request.completed"])
    deliver_until_idle()
    [row] = deliveries(DELIVERIES.c.endpoint_id == endpoint["id"])
    return agent.project_id, endpoint, row["id"]


def test_the_tenancy_matrix_covers_every_webhook_route():
    # then
    assert set(calls_for("p", "e", 1)) == webhook_routes()


def test_another_companys_ids_are_not_found_on_every_route_and_nothing_changes(client, receiver, foreign):
    # given
    project_id, endpoint, delivery_id = foreign
    tenant, _agent = tenant_with_agent(name="Mine")
    before, calls_before = row_counts(), len(receiver.calls)
    stored = endpoint_row(endpoint["id"])

    for role in ("owner", "member"):
        # when
        answers = {route: send(client, call, tenant.headers(role))
                   for route, call in calls_for(project_id, endpoint["id"], delivery_id).items()}

        # then
        for route, response in answers.items():
            if role == "member" and route[0] != "GET":
                assert response.status_code in (403, 404), (route, response.text)
            else:
                assert_error(response, status=404, code="not_found")
            assert endpoint["url"] not in response.text and endpoint["id"] not in response.text.replace(
                f"{endpoint['id']} not found", ""), route
    assert row_counts() == before
    assert endpoint_row(endpoint["id"]) == stored
    assert deliver_until_idle() == 0
    assert len(receiver.calls) == calls_before


@pytest.mark.parametrize(("endpoint_id", "delivery_id"), [("whe_000000000000000000000000", "999999"),
                                                           ("whe_%00", "1"), ("x" * 300, "2")])
def test_unknown_and_malformed_ids_are_not_found(client, endpoint_id, delivery_id):
    # given
    tenant, _agent = tenant_with_agent()
    before = row_counts()

    # when
    answers = {route: send(client, call, tenant.headers())
               for route, call in calls_for(endpoint_id, endpoint_id, delivery_id).items()}

    # then
    for response in answers.values():
        assert_error(response, status=404, code="not_found")
    assert row_counts() == before


@pytest.mark.parametrize("delivery_id", ["abc", "0", "-1", str(2**63)])
def test_delivery_ids_that_are_not_ids_are_refused(client, delivery_id):
    # given
    tenant, _agent = tenant_with_agent()

    # when
    shown = client.get(DELIVERY.format(delivery_id=delivery_id), headers=tenant.headers())
    replayed = client.post(f"{DELIVERY.format(delivery_id=delivery_id)}/replay", headers=tenant.headers())

    # then
    for response in (shown, replayed):
        assert_error(response, status=422, code="validation_error")


def test_members_read_but_may_not_change_webhooks(client, receiver):
    # given
    tenant, agent = tenant_with_agent()
    endpoint = create_endpoint(client, tenant, agent.project_id, receiver.url)
    emit(agent, ["request.completed"])
    deliver_until_idle()
    [row] = deliveries()
    before, calls_before = row_counts(), len(receiver.calls)
    stored = endpoint_row(endpoint["id"])

    # when
    answers = {route: send(client, call, tenant.headers("member"))
               for route, call in calls_for(agent.project_id, endpoint["id"], row["id"]).items()}

    # then
    for (method, path), response in answers.items():
        if method == "GET":
            assert response.status_code == 200, (path, response.text)
        else:
            assert_error(response, status=403, code="forbidden")
    assert row_counts() == before
    assert endpoint_row(endpoint["id"]) == stored
    assert deliver_until_idle() == 0
    assert len(receiver.calls) == calls_before


def test_webhook_routes_refuse_agent_keys_and_anonymous_callers(client, receiver):
    # given
    tenant, agent = tenant_with_agent()
    endpoint = create_endpoint(client, tenant, agent.project_id, receiver.url)
    before = row_counts()

    # when
    answers = [send(client, call, headers) for call in calls_for(agent.project_id, endpoint["id"], 1).values()
               for headers in ({}, agent.headers())]

    # then
    for response in answers:
        assert_error(response, status=401, code="unauthorized")
    assert {k: v for k, v in row_counts().items() if k != "rate_limit_counter"} == {
        k: v for k, v in before.items() if k != "rate_limit_counter"}


@pytest.mark.parametrize("delivery_id", [2**31 - 1, 2**31, 2**62])
def test_delivery_ids_beyond_the_columns_range_are_simply_not_found(client, receiver, delivery_id):
    # given (delivery ids are 32-bit on PostgreSQL; the API accepts up to 2^62)
    tenant, agent = tenant_with_agent()
    endpoint = create_endpoint(client, tenant, agent.project_id, receiver.url)
    emit(agent, ["request.completed"])
    deliver_until_idle()

    # when
    shown = client.get(DELIVERY.format(delivery_id=delivery_id), headers=tenant.headers())
    replayed = client.post(f"{DELIVERY.format(delivery_id=delivery_id)}/replay", headers=tenant.headers())
    listed = client.get(f"{ENDPOINT.format(endpoint_id=endpoint['id'])}/deliveries",
                        params={"starting_after": delivery_id}, headers=tenant.headers())

    # then
    assert_error(shown, status=404, code="not_found")
    assert_error(replayed, status=404, code="not_found")
    assert listed.status_code == 200, listed.text
    assert len(listed.json()["data"]) == 1
