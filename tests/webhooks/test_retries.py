"""RELIABILITY 20: a failing receiver is tried at 0, +5 min, +30 min, +2 h (±10 % jitter), then the
delivery is `failed` and visible with its attempt log (status, latency, our error; never the
receiver's body); a replay sends the same `event_id` again; a 2xx stops retries; 50 consecutive
failed attempts disable the endpoint and record `webhook.disabled`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace_app.core import clock
from marketplace_app.core.clock import now
from marketplace_app.webhooks import delivery
from tests.support import assert_error
from tests.webhooks.helpers import (
    ATTEMPTS,
    DELIVERIES,
    EVENTS,
    T0,
    attempts,
    create_endpoint,
    database_text,
    deliver_until_idle,
    deliveries,
    delivery_row,
    emit,
    endpoint_row,
    events_of,
    tenant_with_agent,
)
from tests.webhooks.receiver import RECEIVER_BODY

RETRY_SECONDS = [300, 1800, 7200]
PAST_EVERY_RETRY = timedelta(hours=3)


def naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@pytest.fixture
def failing(client, receiver):
    """A frozen clock, a tenant and an endpoint whose receiver answered the ping, then only 500s."""
    clock.freeze(T0)
    tenant, agent = tenant_with_agent()
    endpoint = create_endpoint(client, tenant, agent.project_id, receiver.url)
    receiver.status = 500
    return tenant, agent, endpoint


def fail_completely() -> None:
    """Run the job through every retry (the clock jumps past each)."""
    for _ in range(len(RETRY_SECONDS) + 1):
        delivery.deliver_due()
        clock.advance(PAST_EVERY_RETRY)


def test_a_failing_receiver_is_tried_at_0_5m_30m_and_2h_then_the_delivery_fails(client, receiver, failing):
    # given
    _tenant, agent, endpoint = failing
    [event_id] = emit(agent, ["request.matching"])
    [row] = deliveries(DELIVERIES.c.endpoint_id == endpoint["id"])
    attempted_at = []

    # when the first attempt runs at once, and each retry runs when it falls due
    assert delivery.deliver_due() == 1
    attempted_at.append(now())
    waits = []
    for _retry in RETRY_SECONDS:
        due = aware(delivery_row(row["id"])["next_attempt_at"])
        waits.append((due - now()).total_seconds())
        clock.freeze(due - timedelta(seconds=1))
        assert delivery.deliver_due() == 0, "a retry ran before it was due"
        clock.freeze(due)
        assert delivery.deliver_due() == 1
        attempted_at.append(now())

    # then each wait is the schedule's within ±10 %, and the fourth failure is final
    for wait, delay in zip(waits, RETRY_SECONDS, strict=True):
        assert delay * 0.9 <= wait <= delay * 1.1, (wait, delay)
    final = delivery_row(row["id"])
    assert (final["status"], final["attempts"], final["next_attempt_at"]) == ("failed", 4, None)
    assert (final["last_status_code"], final["last_error"]) == (500, "receiver answered 500")
    clock.advance(timedelta(days=2))
    assert delivery.deliver_due() == 0
    assert len(receiver.calls) == 1 + 4  # the ping, then four attempts
    assert {call.json["event_id"] for call in receiver.calls[1:]} == {event_id}

    # and the log has four rows: time, status code, latency, our error, never the receiver's body
    log = attempts(ATTEMPTS.c.delivery_id == row["id"])
    assert [naive(item["attempted_at"]) for item in log] == [naive(moment) for moment in attempted_at]
    assert [(item["status_code"], item["error"]) for item in log] == [(500, "receiver answered 500")] * 4
    assert all(isinstance(item["latency_ms"], int) and 0 <= item["latency_ms"] < 10_000 for item in log)
    assert RECEIVER_BODY.decode() not in database_text()


def test_the_failed_delivery_and_its_attempts_are_visible_in_the_dashboard_api(client, receiver, failing):
    # given
    tenant, agent, endpoint = failing
    [event_id] = emit(agent, ["request.completed"])
    fail_completely()
    [row] = deliveries(DELIVERIES.c.endpoint_id == endpoint["id"])

    # when
    listed = client.get(f"/v1/dashboard/webhooks/{endpoint['id']}/deliveries", params={"status": "failed"},
                        headers=tenant.headers("member"))
    shown = client.get(f"/v1/dashboard/webhook-deliveries/{row['id']}", headers=tenant.headers("member"))
    counts = client.get(f"/v1/dashboard/webhooks/{endpoint['id']}", headers=tenant.headers("member"))

    # then
    assert listed.status_code == 200 and [item["id"] for item in listed.json()["data"]] == [row["id"]]
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert (body["event_id"], body["event_type"], body["status"], body["attempts"]) == (
        event_id, "request.completed", "failed", 4)
    assert [(item["status_code"], item["error"]) for item in body["attempt_log"]] == [
        (500, "receiver answered 500")] * 4
    assert all(item["latency_ms"] >= 0 and item["attempted_at"].endswith("Z") for item in body["attempt_log"])
    assert counts.json()["deliveries"] == {"pending": 0, "delivered": 0, "failed": 1}
    for response in (listed, shown, counts):
        assert RECEIVER_BODY.decode() not in response.text


def test_a_replay_delivers_the_same_event_id_again(client, receiver, failing):
    # given a failed delivery and a receiver that works again
    tenant, agent, endpoint = failing
    [event_id] = emit(agent, ["request.completed"])
    fail_completely()
    [row] = deliveries(DELIVERIES.c.endpoint_id == endpoint["id"])
    receiver.status = 200

    # when
    replayed = client.post(f"/v1/dashboard/webhook-deliveries/{row['id']}/replay", headers=tenant.headers("admin"))
    again = client.post(f"/v1/dashboard/webhook-deliveries/{row['id']}/replay", headers=tenant.headers())
    deliver_until_idle()

    # then
    assert replayed.status_code == 202, replayed.text
    assert (replayed.json()["status"], replayed.json()["attempts"]) == ("pending", 0)
    assert_error(again, status=409, code="invalid_state")
    final = delivery_row(row["id"])
    assert (final["status"], final["attempts"], final["last_status_code"]) == ("delivered", 1, 200)
    assert receiver.calls[-1].json["event_id"] == event_id
    assert receiver.calls[-1].headers["x-handoff-event-id"] == event_id
    assert len(attempts(ATTEMPTS.c.delivery_id == row["id"])) == 5
    assert [call.json["event_id"] for call in receiver.calls[1:]] == [event_id] * 5


def test_a_delivered_event_can_be_replayed_too(client, receiver):
    # given
    tenant, agent = tenant_with_agent()
    endpoint = create_endpoint(client, tenant, agent.project_id, receiver.url)
    [event_id] = emit(agent, ["request.matching"])
    deliver_until_idle()
    [row] = deliveries(DELIVERIES.c.endpoint_id == endpoint["id"])

    # when
    replayed = client.post(f"/v1/dashboard/webhook-deliveries/{row['id']}/replay", headers=tenant.headers())
    deliver_until_idle()

    # then
    assert replayed.status_code == 202
    assert receiver.event_ids() == [event_id, event_id]
    assert delivery_row(row["id"])["status"] == "delivered"


def test_replay_failed_queues_every_failed_delivery_of_the_endpoint(client, receiver, failing):
    # given three failed deliveries and one delivered
    tenant, agent, endpoint = failing
    failed_ids = emit(agent, ["request.matching", "request.in_progress", "request.completed"])
    fail_completely()
    receiver.status = 200
    [delivered_id] = emit(agent, ["key.created"])
    deliver_until_idle()
    calls_before = len(receiver.calls)

    # when
    queued = client.post(f"/v1/dashboard/webhooks/{endpoint['id']}/replay-failed", headers=tenant.headers())
    deliver_until_idle()

    # then
    assert queued.status_code == 202 and queued.json() == {"queued": 3}
    assert sorted(receiver.event_ids()[calls_before - 1:]) == sorted(failed_ids)
    assert {row["status"] for row in deliveries(DELIVERIES.c.endpoint_id == endpoint["id"])} == {"delivered"}
    assert receiver.event_ids().count(delivered_id) == 1


def test_a_2xx_stops_the_retries(client, receiver, failing):
    # given a receiver failing once, then answering 200
    _tenant, agent, endpoint = failing
    receiver.statuses, receiver.status = [503], 200
    [event_id] = emit(agent, ["request.matching"])

    # when
    assert delivery.deliver_due() == 1
    clock.advance(timedelta(minutes=6))
    assert delivery.deliver_due() == 1
    clock.advance(timedelta(days=1))
    later = delivery.deliver_due()

    # then
    assert later == 0
    [row] = deliveries(DELIVERIES.c.endpoint_id == endpoint["id"])
    assert (row["status"], row["attempts"], row["next_attempt_at"]) == ("delivered", 2, None)
    assert [(item["status_code"], item["error"]) for item in attempts(ATTEMPTS.c.delivery_id == row["id"])] == [
        (503, "receiver answered 503"), (200, None)]
    assert receiver.event_ids() == [event_id, event_id]
    assert endpoint_row(endpoint["id"])["consecutive_failures"] == 0


def test_50_consecutive_failed_attempts_disable_the_endpoint_and_record_webhook_disabled(client, receiver, failing):
    # given 49 failed attempts: still enabled
    tenant, agent, endpoint = failing
    emit(agent, ["request.matching"] * 49)
    assert delivery.deliver_due() == 49
    assert endpoint_row(endpoint["id"])["status"] == "enabled"
    assert endpoint_row(endpoint["id"])["consecutive_failures"] == 49

    # when the 50th fails
    emit(agent, ["request.completed"])
    assert delivery.deliver_due() == 1

    # then
    row = endpoint_row(endpoint["id"])
    assert row["status"] == "disabled" and "50 consecutive" in row["disabled_reason"]
    [disabled] = events_of(EVENTS.c.type == "webhook.disabled")
    assert disabled["project_id"] == agent.project_id and disabled["company_id"] == tenant.company_id
    assert disabled["data"]["endpoint_id"] == endpoint["id"]
    shown = client.get(f"/v1/dashboard/webhooks/{endpoint['id']}", headers=tenant.headers()).json()
    assert shown["status"] == "disabled" and "50 consecutive" in shown["disabled_reason"]

    # and nothing more reaches the receiver: retries are logged as refused, new events are not queued
    calls = len(receiver.calls)
    emit(agent, ["request.cancelled"])
    clock.advance(PAST_EVERY_RETRY)
    assert delivery.deliver_due() == 50
    assert len(receiver.calls) == calls
    assert {item["error"] for item in attempts()[-50:]} == {"endpoint disabled"}
    assert len(deliveries(DELIVERIES.c.endpoint_id == endpoint["id"])) == 50
    assert len(events_of(EVENTS.c.type == "webhook.disabled")) == 1


def test_a_success_resets_the_consecutive_failure_count(client, receiver, failing):
    # given 49 failures
    _tenant, agent, endpoint = failing
    emit(agent, ["request.matching"] * 49)
    delivery.deliver_due()

    # when one attempt succeeds, then 49 more fail
    receiver.status = 200
    emit(agent, ["request.completed"])
    delivery.deliver_due()
    assert endpoint_row(endpoint["id"])["consecutive_failures"] == 0
    receiver.status = 500
    emit(agent, ["request.matching"] * 49)
    delivery.deliver_due()

    # then
    row = endpoint_row(endpoint["id"])
    assert (row["status"], row["consecutive_failures"]) == ("enabled", 49)
    assert events_of(EVENTS.c.type == "webhook.disabled") == []


def test_re_enabling_a_disabled_endpoint_pings_and_replay_failed_sends_what_was_missed(client, receiver, failing):
    # given an endpoint disabled after 50 failures, its deliveries failed
    tenant, agent, endpoint = failing
    ids = emit(agent, ["request.matching"] * 50)
    fail_completely()
    assert endpoint_row(endpoint["id"])["status"] == "disabled"
    refused = client.post(f"/v1/dashboard/webhooks/{endpoint['id']}/replay-failed", headers=tenant.headers())

    # when the receiver is fixed and the endpoint enabled again
    receiver.status = 200
    enabled = client.patch(f"/v1/dashboard/webhooks/{endpoint['id']}", json={"enabled": True},
                           headers=tenant.headers())
    queued = client.post(f"/v1/dashboard/webhooks/{endpoint['id']}/replay-failed", headers=tenant.headers())
    deliver_until_idle()

    # then
    assert_error(refused, status=409, code="invalid_state")
    assert enabled.status_code == 200, enabled.text
    assert (enabled.json()["status"], enabled.json()["consecutive_failures"]) == ("enabled", 0)
    assert receiver.calls[-51].json["type"] == "webhook.ping"
    assert queued.json() == {"queued": 50}
    assert sorted(receiver.event_ids()[-50:]) == sorted(ids)
