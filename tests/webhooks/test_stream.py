"""`/v1/ws?token=pk_…[&since=evt_…]`: a key's project events, live. A `pk_test_` key sees its
test-mode request go matching → in_progress → completed within 10 s; live keys see live events
only; other projects' events are invisible; `since=` replays what a client missed, same ids, in
order; a bad token or an unknown `since` gets an error frame and a close code."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import anyio
import pytest

from marketplace_app.companies.models import KeyMode
from marketplace_app.core.db import unit_of_work
from marketplace_app.events import hub as hub_module
from marketplace_app.requests import simulator
from tests.requests.helpers import REQUESTS_PATH, add_key, add_project_agent, fund, request_body
from tests.webhooks.helpers import EVENTS, emit, events_of, tenant_with_agent

FRAME_TIMEOUT_SECONDS = 10.0


def receive(websocket, timeout: float = FRAME_TIMEOUT_SECONDS) -> dict[str, Any]:
    """The next message (a frame or the close), failing the test instead of hanging forever."""
    async def next_message() -> dict[str, Any]:
        with anyio.fail_after(timeout):
            return await websocket._send_rx.receive()  # the test client's own queue of server messages

    return websocket.portal.call(next_message)


def frame(websocket, timeout: float = FRAME_TIMEOUT_SECONDS) -> dict[str, Any]:
    message = receive(websocket, timeout)
    assert message["type"] == "websocket.send", message
    return json.loads(message["text"])


@pytest.fixture
def simulating() -> Iterator[None]:
    """The test-mode simulator ticking in the background, as the scheduler would run it."""
    stop = threading.Event()

    def tick() -> None:
        while not stop.is_set():
            with unit_of_work() as session:
                simulator.simulate(session)
            stop.wait(0.2)

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=10)


def create_request(client, agent) -> str:
    response = client.post(REQUESTS_PATH, json=request_body(), headers=agent.headers())
    assert response.status_code == 201, response.text
    return response.json()["request_id"]


def test_a_test_key_sees_its_request_matching_in_progress_and_completed_within_10_seconds(client, simulating):
    # given
    _tenant, agent = tenant_with_agent(mode=KeyMode.test)

    with client.websocket_connect(f"/v1/ws?token={agent.key}") as websocket:
        # when
        started = time.monotonic()
        request_id = create_request(client, agent)
        frames = [frame(websocket) for _ in range(3)]
        elapsed = time.monotonic() - started

    # then
    assert [item["type"] for item in frames] == ["request.matching", "request.in_progress", "request.completed"]
    assert elapsed < 10
    assert [item["event_id"] for item in frames] == [event["id"] for event in events_of(
        EVENTS.c.request_id == request_id)]
    assert all(item["request_id"] == request_id and item["livemode"] is False and set(item) == {
        "event_id", "type", "request_id", "timestamp", "livemode", "data"} for item in frames)


@pytest.mark.parametrize("token", ["", "pk_test_nope", "pk_live_" + "x" * 43, "ses_not_a_key", "x" * 5_000])
def test_a_bad_token_is_refused_with_an_error_frame_and_close_4401(client, token):
    # when
    with client.websocket_connect(f"/v1/ws?token={token}") as websocket:
        error = frame(websocket)
        closed = receive(websocket)

    # then
    assert error == {"error": {"code": "unauthorized", "message": error["error"]["message"]}}
    assert (closed["type"], closed["code"]) == ("websocket.close", 4401)


def test_a_revoked_key_is_refused(client):
    # given
    tenant, agent = tenant_with_agent(mode=KeyMode.test)
    response = client.delete(f"/v1/dashboard/keys/{agent.key_id}", headers=tenant.headers())
    assert response.status_code == 200, response.text

    # when
    with client.websocket_connect(f"/v1/ws?token={agent.key}") as websocket:
        error = frame(websocket)

    # then
    assert error["error"]["code"] == "unauthorized"


def test_a_live_key_does_not_see_test_events_and_no_key_sees_another_projects(client):
    # given a project with a test and a live key, and another project (same company) with a test key
    _tenant, test_agent = tenant_with_agent(mode=KeyMode.test)
    live_agent = add_key(test_agent, mode=KeyMode.live)
    fund(live_agent, cents=10_000)
    sibling = add_project_agent(test_agent, mode=KeyMode.test)

    with client.websocket_connect(f"/v1/ws?token={live_agent.key}") as live, \
            client.websocket_connect(f"/v1/ws?token={test_agent.key}") as test, \
            client.websocket_connect(f"/v1/ws?token={sibling.key}") as other:
        # when test events, another project's event, then live events happen
        test_ids = emit(test_agent, ["request.matching", "request.completed"], mode="test")
        other_ids = emit(sibling, ["request.cancelled"], mode="test")
        live_ids = emit(test_agent, ["request.expired", "request.matching"], mode="live")

        # then each key sees exactly its own project's events of its own mode (frames come in log order)
        seen_live = [frame(live)["event_id"] for _ in range(2)]
        seen_test = [frame(test)["event_id"] for _ in range(2)]
        seen_other = [frame(other)["event_id"]]
        marker = emit(sibling, ["key.created"], mode="test") + emit(test_agent, ["key.created"], mode="test") + \
            emit(test_agent, ["key.created"], mode="live")
        seen_other.append(frame(other)["event_id"])
        seen_test.append(frame(test)["event_id"])
        seen_live.append(frame(live)["event_id"])

    assert seen_live == [*live_ids, marker[2]]
    assert seen_test == [*test_ids, marker[1]]
    assert seen_other == [*other_ids, marker[0]]


def test_since_replays_what_was_missed_with_the_same_ids_in_order(client):
    # given a client that saw the first event, then disconnected
    _tenant, agent = tenant_with_agent(mode=KeyMode.test)
    with client.websocket_connect(f"/v1/ws?token={agent.key}") as websocket:
        first = emit(agent, ["request.matching"])
        assert frame(websocket)["event_id"] == first[0]

    # when events happen while it is away, and it reconnects with since= the last id it saw
    missed = emit(agent, ["request.in_progress", "request.submitted", "request.completed"])
    emit(agent, ["request.matching"], mode="live")  # not for this key
    with client.websocket_connect(f"/v1/ws?token={agent.key}&since={first[0]}") as websocket:
        replayed = [frame(websocket) for _ in range(len(missed))]
        after = emit(agent, ["request.cancelled"])
        live = frame(websocket)

    # then
    assert [item["event_id"] for item in replayed] == missed
    assert [item["type"] for item in replayed] == ["request.in_progress", "request.submitted", "request.completed"]
    assert live["event_id"] == after[0]


def test_since_replays_more_than_one_page(client):
    # given
    _tenant, agent = tenant_with_agent(mode=KeyMode.test)
    [start] = emit(agent, ["request.matching"])
    missed = emit(agent, ["request.in_progress"] * 1_200)

    # when
    with client.websocket_connect(f"/v1/ws?token={agent.key}&since={start}") as websocket:
        replayed = [frame(websocket)["event_id"] for _ in range(len(missed))]

    # then
    assert replayed == missed


@pytest.mark.parametrize("since", ["evt_000000000000000000000000", "not-an-id", "x" * 200, "OTHER"])
def test_an_unknown_since_gets_an_error_frame_and_close_4404(client, since):
    # given (OTHER: a real event id of another project)
    _tenant, agent = tenant_with_agent(mode=KeyMode.test)
    if since == "OTHER":
        [since] = emit(tenant_with_agent(name="Other", mode=KeyMode.test)[1], ["request.matching"])

    # when
    with client.websocket_connect(f"/v1/ws?token={agent.key}&since={since}") as websocket:
        error = frame(websocket)
        closed = receive(websocket)

    # then
    assert error["error"]["code"] == "not_found"
    assert (closed["type"], closed["code"]) == ("websocket.close", 4404)


def test_internal_webhook_events_are_not_streamed(client):
    # given
    _tenant, agent = tenant_with_agent(mode=KeyMode.test)

    with client.websocket_connect(f"/v1/ws?token={agent.key}") as websocket:
        # when
        emit(agent, ["webhook.disabled", "webhook.test"])
        [visible] = emit(agent, ["request.matching"])

        # then
        assert frame(websocket)["event_id"] == visible


def test_clients_subscribing_at_the_same_moment_start_one_poller_and_get_each_event_once():
    # given a hub that is not running yet, and two subscribers arriving together
    _tenant, agent = tenant_with_agent(mode=KeyMode.test)
    fresh = hub_module.EventHub()

    async def scenario() -> list[list[str]]:
        subscriptions = await asyncio.gather(*(fresh.subscribe(lambda row: True) for _ in range(2)))
        ids = await asyncio.to_thread(emit, agent, ["request.matching"] * 5)
        received: list[list[str]] = [[] for _ in subscriptions]
        deadline = time.monotonic() + FRAME_TIMEOUT_SECONDS
        while any(len(seen) < len(ids) for seen in received) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            for seen, subscription in zip(received, subscriptions, strict=True):
                while not subscription.queue.empty():
                    seen.append(subscription.queue.get_nowait()["event_id"])
        await asyncio.sleep(3 * hub_module.POLL_SECONDS)  # a second poller would deliver again by now
        for seen, subscription in zip(received, subscriptions, strict=True):
            while not subscription.queue.empty():
                seen.append(subscription.queue.get_nowait()["event_id"])
        fresh._task.cancel()
        return [ids, *received]

    # when
    ids, *received = asyncio.run(scenario())

    # then
    assert received == [ids, ids]


def test_a_new_connection_starts_from_now_even_after_the_hub_sat_idle(client):
    # given a hub that ran once, then had no listener while events happened
    _tenant, agent = tenant_with_agent(mode=KeyMode.test)
    with client.websocket_connect(f"/v1/ws?token={agent.key}") as websocket:
        [seen] = emit(agent, ["request.matching"])
        assert frame(websocket)["event_id"] == seen
    time.sleep(3 * hub_module.POLL_SECONDS)  # the poller is idle now, its cursor left behind
    emit(agent, ["request.in_progress", "request.completed"])

    # when a new client connects without since= and one more event happens
    with client.websocket_connect(f"/v1/ws?token={agent.key}") as websocket:
        [after] = emit(agent, ["request.cancelled"])
        first = frame(websocket)

    # then the first frame is the event after it connected, not one from before
    assert first["event_id"] == after


def test_since_sends_strictly_newer_events_after_the_hub_sat_idle(client):
    # given a hub that ran once and then sat idle while events happened; the client learnt the
    # newest of them elsewhere (a webhook, GET /v1/requests), then more happened
    _tenant, agent = tenant_with_agent(mode=KeyMode.test)
    with client.websocket_connect(f"/v1/ws?token={agent.key}") as websocket:
        [seen] = emit(agent, ["request.matching"])
        assert frame(websocket)["event_id"] == seen
    time.sleep(3 * hub_module.POLL_SECONDS)
    _older, cursor = emit(agent, ["request.in_progress", "request.submitted"])
    missed = emit(agent, ["request.needs_review"])

    # when it connects with since= that event
    with client.websocket_connect(f"/v1/ws?token={agent.key}&since={cursor}") as websocket:
        replayed = frame(websocket)
        [after] = emit(agent, ["request.completed"])
        live = frame(websocket)

    # then it gets what came after it, never the cursor event or older ones
    assert [replayed["event_id"], live["event_id"]] == [*missed, after]
