"""Staff freeze and unfreeze agents (`/v1/admin/agents…`): a frozen agent's every call gets 403
`agent_frozen`, its open WebSocket closes at the next credential check (a real socket on a loopback
server), each change is audited with who and why and sent as an event; staff list and search agents."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
import simple_websocket
import uvicorn
from sqlalchemy import select

from marketplace_app.audit.models import AuditEntry
from marketplace_app.core.db import unit_of_work
from marketplace_app.events.models import Event
from marketplace_app.settings import get_settings
from tests.agents.guard_support import agent_row, make_scoped_agent
from tests.requests.helpers import SEED_BODY, count_requests
from tests.support import api_client, assert_error, row_counts, run_concurrently, shared_api
from tests.work.helpers import company_headers, staff_headers

REASON = "Chargeback fraud reported by the card issuer"
CHECK_SECONDS = 0.2
CLOSE_WITHIN_SECONDS = 5.0


@pytest.fixture
def client():
    """An API client seeing server errors as responses (tests/agents has no shared conftest of its own)."""
    with api_client() as test_client:
        yield test_client


@pytest.fixture
def staff():
    return staff_headers()


def freeze_path(agent_id: str, action: str = "freeze") -> str:
    return f"/v1/admin/agents/{agent_id}/{action}"


def audit_entries(agent_id: str) -> list[AuditEntry]:
    with unit_of_work(read_only=True) as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.subject_id == agent_id)
                                 .order_by(AuditEntry.id)).scalars())


def agent_events(agent_id: str) -> list[tuple[str, dict]]:
    with unit_of_work(read_only=True) as session:
        rows = session.execute(select(Event.type, Event.data).where(Event.type.like("agent.%"))
                               .order_by(Event.created_at)).all()
    return [(kind, data) for kind, data in rows if data.get("agent_id") == agent_id]


def test_staff_freeze_an_agent_and_every_call_of_its_key_is_refused(client, staff):
    # given an agent with money that works
    agent = make_scoped_agent(scopes=["requests"], funded_cents=2_000)
    assert client.get("/v1/requests", headers=agent.headers()).status_code == 200
    version = agent_row(agent.agent_id)["token_version"]

    # when
    response = client.post(freeze_path(agent.agent_id), json={"reason": REASON}, headers=staff)

    # then the agent is frozen with who and why, and its tokens' version moved on
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["frozen_reason"], body["frozen_at"] is not None) == ("frozen", REASON, True)
    row = agent_row(agent.agent_id)
    assert (row["status"], row["frozen_reason"], row["frozen_by"]) == ("frozen", REASON, body["frozen_by"])
    assert row["token_version"] == version + 1
    # and every call is refused, creating nothing
    for response in (client.get("/v1/requests", headers=agent.headers()),
                     client.post("/v1/requests", json=SEED_BODY, headers=agent.headers()),
                     client.get("/v1/requests/req_0123456789abcdef01234567", headers=agent.headers()),
                     client.get("/v1/account/limits", headers=agent.headers())):
        assert_error(response, status=403, code="agent_frozen")
    assert count_requests() == 0
    # and the freeze is audited and sent as an event
    [entry] = audit_entries(agent.agent_id)
    assert (entry.action, entry.subject_type, entry.actor_user_id, entry.detail["reason"]) == (
        "agent.frozen", "agent", row["frozen_by"], REASON)
    [(kind, data)] = agent_events(agent.agent_id)
    assert (kind, data["reason"], data["status"]) == ("agent.frozen", REASON, "frozen")


def test_staff_unfreeze_an_agent_and_its_key_works_again(client, staff):
    # given a frozen agent
    agent = make_scoped_agent(scopes=["*"], funded_cents=2_000)
    assert client.post(freeze_path(agent.agent_id), json={"reason": REASON}, headers=staff).status_code == 200

    # when
    response = client.post(freeze_path(agent.agent_id, "unfreeze"), json={"reason": "Issuer withdrew the claim"},
                           headers=staff)

    # then
    assert response.status_code == 200, response.text
    row = agent_row(agent.agent_id)
    assert (row["status"], row["frozen_at"], row["frozen_reason"], row["frozen_by"]) == ("active", None, None, None)
    assert client.post("/v1/requests", json=SEED_BODY, headers=agent.headers()).status_code == 201
    assert [entry.action for entry in audit_entries(agent.agent_id)] == ["agent.frozen", "agent.unfrozen"]
    assert audit_entries(agent.agent_id)[1].detail["reason"] == "Issuer withdrew the claim"
    assert [kind for kind, _data in agent_events(agent.agent_id)] == ["agent.frozen", "agent.unfrozen"]


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 501}, {"reason": 7},
                                  {"reason": REASON, "extra": 1}, {"reason": "null\x00byte"},
                                  {"reason": "bell\x07"}])
def test_a_freeze_without_a_proper_reason_is_refused_and_changes_nothing(client, staff, body):
    # given
    agent = make_scoped_agent()
    before = row_counts()

    # when
    response = client.post(freeze_path(agent.agent_id), json=body, headers=staff)

    # then
    assert_error(response, status=422, code="validation_error")
    assert row_counts() == before
    assert agent_row(agent.agent_id)["status"] == "active"


def test_a_reason_on_several_lines_is_kept(client, staff):
    # given
    agent = make_scoped_agent()

    # when
    response = client.post(freeze_path(agent.agent_id), json={"reason": "Line one\nline two"}, headers=staff)

    # then
    assert response.status_code == 200, response.text
    assert agent_row(agent.agent_id)["frozen_reason"] == "Line one\nline two"


def test_a_reason_of_exactly_500_characters_is_kept(client, staff):
    # given
    agent = make_scoped_agent()

    # when
    response = client.post(freeze_path(agent.agent_id), json={"reason": "x" * 500}, headers=staff)

    # then
    assert response.status_code == 200, response.text
    assert agent_row(agent.agent_id)["frozen_reason"] == "x" * 500


def test_only_staff_may_freeze_list_or_unfreeze(client):
    # given
    agent = make_scoped_agent()
    company = company_headers()

    # when
    answers = [client.post(freeze_path(agent.agent_id), json={"reason": REASON}, headers=company),
               client.post(freeze_path(agent.agent_id, "unfreeze"), json={"reason": REASON}, headers=company),
               client.get("/v1/admin/agents", headers=company)]
    by_key = client.post(freeze_path(agent.agent_id), json={"reason": REASON}, headers=agent.headers())

    # then
    for response in answers:
        assert_error(response, status=403, code="forbidden")
    assert_error(by_key, status=401, code="unauthorized")
    assert agent_row(agent.agent_id)["status"] == "active"


def test_freezing_twice_unfreezing_an_active_agent_and_an_unknown_agent_are_refused(client, staff):
    # given
    agent = make_scoped_agent()
    assert client.post(freeze_path(agent.agent_id), json={"reason": REASON}, headers=staff).status_code == 200
    other = make_scoped_agent()

    # when
    again = client.post(freeze_path(agent.agent_id), json={"reason": REASON}, headers=staff)
    active = client.post(freeze_path(other.agent_id, "unfreeze"), json={"reason": REASON}, headers=staff)
    unknown = client.post(freeze_path("agt_000000000000000000000000"), json={"reason": REASON}, headers=staff)
    malformed = client.post(freeze_path("agt_%00x"), json={"reason": REASON}, headers=staff)

    # then
    assert "frozen" in assert_error(again, status=409, code="invalid_state")
    assert "active" in assert_error(active, status=409, code="invalid_state")
    assert_error(unknown, status=404, code="not_found")
    assert_error(malformed, status=404, code="not_found")
    assert len(audit_entries(agent.agent_id)) == 1 and audit_entries(other.agent_id) == []


def test_a_pending_agent_cannot_be_frozen(client, staff):
    # given
    agent = make_scoped_agent(status="pending_verification")

    # when
    response = client.post(freeze_path(agent.agent_id), json={"reason": REASON}, headers=staff)

    # then
    assert "pending_verification" in assert_error(response, status=409, code="invalid_state")


def test_two_staff_freezing_at_once_freeze_once(staff):
    # given
    agent = make_scoped_agent()
    second = staff_headers()

    # when
    def freeze(index: int) -> int:
        with api_client() as test_client:
            return test_client.post(freeze_path(agent.agent_id), json={"reason": f"{REASON} {index}"},
                                    headers=staff if index % 2 else second).status_code

    answers = run_concurrently(6, freeze)

    # then
    assert sorted(answers) == [200, 409, 409, 409, 409, 409], answers
    assert len(audit_entries(agent.agent_id)) == 1
    assert agent_row(agent.agent_id)["token_version"] == 2
    assert len(agent_events(agent.agent_id)) == 1


# --- staff list -----------------------------------------------------------------------------------


def test_staff_list_agents_newest_first_filter_by_status_search_and_page(client, staff):
    # given three agents, one frozen
    first, second, third = (make_scoped_agent(company_name=name) for name in ("Alpha", "Beta", "Gamma"))
    assert client.post(freeze_path(second.agent_id), json={"reason": REASON}, headers=staff).status_code == 200
    handle = agent_row(third.agent_id)["handle"]

    # when
    everything = client.get("/v1/admin/agents", headers=staff).json()
    frozen = client.get("/v1/admin/agents?status=frozen", headers=staff).json()
    searched = client.get(f"/v1/admin/agents?q={handle.upper()}", headers=staff).json()
    page1 = client.get("/v1/admin/agents?limit=2", headers=staff).json()
    page2 = client.get(f"/v1/admin/agents?limit=2&starting_after={page1['next_starting_after']}",
                       headers=staff).json()

    # then
    assert [item["agent_id"] for item in everything["data"]] == [third.agent_id, second.agent_id, first.agent_id]
    assert [(item["agent_id"], item["frozen_reason"]) for item in frozen["data"]] == [(second.agent_id, REASON)]
    assert [item["agent_id"] for item in searched["data"]] == [third.agent_id]
    assert ([item["agent_id"] for item in page1["data"]], page1["has_more"]) == ([third.agent_id, second.agent_id],
                                                                                 True)
    assert ([item["agent_id"] for item in page2["data"]], page2["has_more"]) == ([first.agent_id], False)


@pytest.mark.parametrize("query", ["status=asleep", "starting_after=agt_000000000000000000000000",
                                   "starting_after=not%20an%20id", "limit=0", f"q={'x' * 101}", "q=a%00b"])
def test_a_bad_list_query_is_a_validation_error(client, staff, query):
    # given
    make_scoped_agent()

    # when
    response = client.get(f"/v1/admin/agents?{query}", headers=staff)

    # then
    assert_error(response, status=422, code="validation_error")


def test_a_search_treats_percent_and_underscore_as_characters(client, staff):
    # given
    make_scoped_agent()

    # when
    response = client.get("/v1/admin/agents?q=%25", headers=staff)

    # then
    assert response.json()["data"] == []


# --- open streams ----------------------------------------------------------------------------------


@pytest.fixture
def live_ws(database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The API on a loopback port with real WebSockets (wsproto), checking credentials every 0.2 s."""
    monkeypatch.setenv("STREAM_CREDENTIAL_CHECK_SECONDS", str(CHECK_SECONDS))
    get_settings.cache_clear()
    server = uvicorn.Server(uvicorn.Config(shared_api(), host="127.0.0.1", port=0, log_level="warning",
                                           lifespan="off", ws="wsproto"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the API server did not start"
        time.sleep(0.02)
    yield f"ws://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)
    get_settings.cache_clear()


def test_an_open_websocket_of_a_frozen_agent_is_closed_at_the_next_check(live_ws, client, staff):
    # given an agent streaming its events over a real socket, outliving a few checks
    agent = make_scoped_agent(scopes=["requests"])
    socket = simple_websocket.Client.connect(f"{live_ws}/v1/ws?token={agent.key}")
    try:
        assert socket.receive(timeout=CHECK_SECONDS * 3) is None  # still open, nothing to say

        # when staff freeze it
        started = time.monotonic()
        assert client.post(freeze_path(agent.agent_id), json={"reason": REASON}, headers=staff).status_code == 200

        # then the stream says why and closes with 4403
        error = json.loads(socket.receive(timeout=CLOSE_WITHIN_SECONDS))
        with pytest.raises(simple_websocket.ConnectionClosed) as closed:
            socket.receive(timeout=CLOSE_WITHIN_SECONDS)
    finally:
        if socket.connected:
            socket.close()
    assert error["error"]["code"] == "agent_frozen"
    assert closed.value.reason == 4403
    assert time.monotonic() - started < CLOSE_WITHIN_SECONDS
