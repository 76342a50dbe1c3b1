"""The live events an operator can receive (their scope on `/v1/ws` and the dashboards) carry none
of the agent's words: a request's events say its status and skill, so the information policy
cannot leak through the stream, whatever the request's fields hold. (Dispute events, which may
quote the verification reasons, reach only the worker, who was assigned.)"""

from __future__ import annotations

import json

from sqlalchemy import select

from marketplace_app.core.db import unit_of_work
from marketplace_app.events import scopes
from marketplace_app.events.models import Event
from marketplace_app.events.service import render
from tests.requests import agent_text as text
from tests.work import helpers as w


def visible_to(operator) -> list[dict]:
    """Every recorded event the operator's stream scope lets through, as sent on the wire."""
    scope = scopes.operator(operator.user_id)
    with unit_of_work(read_only=True) as session:
        rows = session.execute(select(Event.__table__).order_by(Event.created_at, Event.id)).mappings().all()
        return [render(Event(**row)) for row in rows if scope.matches(row)]


def test_no_event_an_operator_can_receive_carries_the_agents_words():
    # given a sandboxed request with personal data in every text field, taken by one operator and
    # handed in (verification fails it: disputed), while another operator watches
    assignee, other = w.make_operators(count=2)
    request_id = w.create(w.make_agent(terms=text.TERMS), **text.request_fields("sandboxed"))["id"]
    w.accept(assignee, request_id)
    assert w.submit(assignee, request_id, answer=w.BAD)["status"] == "disputed"

    # when each operator's stream scope is replayed from the log
    mine, theirs = visible_to(assignee), visible_to(other)

    # then the assignee gets the request's status events and nothing of its text; the other nothing
    requests = [event for event in mine if event["type"].startswith("request.")]
    assert {event["type"] for event in requests} == {"request.in_progress", "request.submitted", "request.disputed"}
    assert all(set(event["data"]) <= {"status", "skill"} for event in requests)
    assert {event["type"] for event in mine if event not in requests} <= {"dispute.opened", "dispute.ruling"}
    payload = json.dumps(requests)
    assert not any(secret in payload for secret in text.SECRETS)
    assert text.CALLBACK not in payload
    assert theirs == []
