"""`/v1/ws` keeps checking who may stream: a cookie-riding page from a foreign origin is refused
before the socket opens (cross-site WebSocket hijacking), and an open stream ends with an error
frame and 4401 within a few seconds of its key being revoked or rotated past its grace, or of its
session being logged out."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from starlette.websockets import WebSocketDisconnect

from marketplace_app.api.deps import SESSION_COOKIE
from marketplace_app.companies.models import KeyMode
from marketplace_app.core import clock
from marketplace_app.settings import get_settings
from tests.webhooks.helpers import emit, tenant_with_agent
from tests.webhooks.test_stream import frame, receive

OWN_ORIGIN = "http://localhost:3000"
FOREIGN_ORIGIN = "https://evil.example"
CHECK_SECONDS = 0.2
# The promise is "within a few seconds"; the check runs every CHECK_SECONDS here.
CLOSE_WITHIN_SECONDS = 3.0
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def quick_checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("STREAM_CREDENTIAL_CHECK_SECONDS", str(CHECK_SECONDS))
    monkeypatch.delenv("ALLOWED_ORIGINS", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def cookie_headers(session_token: str, origin: str | None = None) -> dict[str, str]:
    headers = {"cookie": f"{SESSION_COOKIE}={session_token}"}
    return headers | ({"origin": origin} if origin else {})


def assert_closed_unauthorized(websocket) -> float:
    """The stream sends the error frame, then closes with 4401; return how long that took."""
    started = time.monotonic()
    error = frame(websocket, timeout=CLOSE_WITHIN_SECONDS)
    closed = receive(websocket, timeout=CLOSE_WITHIN_SECONDS)
    assert error["error"]["code"] == "unauthorized", error
    assert (closed["type"], closed["code"], closed["reason"]) == ("websocket.close", 4401, "unauthorized")
    return time.monotonic() - started


def assert_still_streaming(websocket, agent) -> None:
    """The stream outlives a few checks and still delivers events."""
    time.sleep(CHECK_SECONDS * 3)
    [event_id] = emit(agent, ["request.matching"])
    assert frame(websocket)["event_id"] == event_id


def test_a_cookie_stream_from_a_foreign_origin_is_refused_before_it_opens(client):
    # given
    tenant, _agent = tenant_with_agent(mode=KeyMode.test)

    # when
    with pytest.raises(WebSocketDisconnect) as refused, \
            client.websocket_connect("/v1/ws", headers=cookie_headers(tenant.tokens["member"], FOREIGN_ORIGIN)):
        pass

    # then
    assert refused.value.code == 4403


@pytest.mark.parametrize("origin", [OWN_ORIGIN, "http://localhost:8000", None])
def test_a_cookie_stream_from_our_own_pages_or_without_origin_opens(client, origin):
    # given
    tenant, agent = tenant_with_agent(mode=KeyMode.test)

    with client.websocket_connect("/v1/ws", headers=cookie_headers(tenant.tokens["member"], origin)) as websocket:
        # when
        [event_id] = emit(agent, ["request.matching"])

        # then
        assert frame(websocket)["event_id"] == event_id


def test_the_allowed_origins_come_from_the_setting(client, monkeypatch):
    # given a deployment that names its one public origin
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://handoff.example")
    get_settings.cache_clear()
    tenant, agent = tenant_with_agent(mode=KeyMode.test)

    # when / then
    with pytest.raises(WebSocketDisconnect) as refused, \
            client.websocket_connect("/v1/ws", headers=cookie_headers(tenant.tokens["member"], OWN_ORIGIN)):
        pass
    assert refused.value.code == 4403
    with client.websocket_connect("/v1/ws", headers=cookie_headers(tenant.tokens["member"],
                                                                  "https://handoff.example")) as websocket:
        [event_id] = emit(agent, ["request.matching"])
        assert frame(websocket)["event_id"] == event_id


def test_a_key_stream_may_come_from_any_origin(client):
    # given
    _tenant, agent = tenant_with_agent(mode=KeyMode.test)

    with client.websocket_connect(f"/v1/ws?token={agent.key}", headers={"origin": FOREIGN_ORIGIN}) as websocket:
        # when
        [event_id] = emit(agent, ["request.matching"])

        # then
        assert frame(websocket)["event_id"] == event_id


def test_a_key_stream_is_closed_with_4401_soon_after_the_key_is_revoked(client):
    # given
    tenant, agent = tenant_with_agent(mode=KeyMode.test)

    with client.websocket_connect(f"/v1/ws?token={agent.key}") as websocket:
        assert_still_streaming(websocket, agent)

        # when
        revoked = client.delete(f"/v1/dashboard/keys/{agent.key_id}", headers=tenant.headers())
        assert revoked.status_code == 200, revoked.text

        # then
        assert assert_closed_unauthorized(websocket) < CLOSE_WITHIN_SECONDS


def test_a_key_stream_outlives_the_rotation_and_closes_when_the_grace_ends(client):
    # given a key rotated at T0: it keeps working for the grace
    clock.freeze(T0)
    tenant, agent = tenant_with_agent(mode=KeyMode.test)
    rotated = client.post(f"/v1/dashboard/keys/{agent.key_id}/rotate", headers=tenant.headers())
    assert rotated.status_code == 201, rotated.text
    grace = timedelta(hours=get_settings().key_rotation_grace_hours)

    with client.websocket_connect(f"/v1/ws?token={agent.key}") as websocket:
        clock.advance(grace - timedelta(seconds=1))
        assert_still_streaming(websocket, agent)

        # when the grace passes
        clock.advance(timedelta(seconds=1))

        # then
        assert assert_closed_unauthorized(websocket) < CLOSE_WITHIN_SECONDS


def test_a_cookie_stream_is_closed_with_4401_soon_after_logout(client):
    # given
    tenant, agent = tenant_with_agent(mode=KeyMode.test)
    token = tenant.tokens["member"]

    with client.websocket_connect("/v1/ws", headers=cookie_headers(token, OWN_ORIGIN)) as websocket:
        assert_still_streaming(websocket, agent)

        # when
        logged_out = client.post("/v1/auth/logout", headers={"Authorization": f"Bearer {token}"})
        assert logged_out.status_code == 204, logged_out.text

        # then
        assert assert_closed_unauthorized(websocket) < CLOSE_WITHIN_SECONDS


def test_a_cookie_stream_is_closed_when_its_session_expires(client):
    # given
    clock.freeze(T0)
    tenant, agent = tenant_with_agent(mode=KeyMode.test)

    with client.websocket_connect("/v1/ws", headers=cookie_headers(tenant.tokens["member"])) as websocket:
        assert_still_streaming(websocket, agent)

        # when
        clock.advance(timedelta(hours=get_settings().session_ttl_hours, seconds=1))

        # then
        assert assert_closed_unauthorized(websocket) < CLOSE_WITHIN_SECONDS
