"""Security issue 5 over HTTP: the operator API (`/v1/operator/requests`, `/requests/{id}`, `/work`)
applies the information policy to every free-text field an agent sends, not only `context`:
title, location, each proof requirement and the whole output schema; never the callback."""

from __future__ import annotations

import json

import pytest

from tests.requests import agent_text as text
from tests.requests import helpers as rh
from tests.work import helpers as w


def _create(client, policy: str) -> str:
    agent = w.make_agent(terms=text.TERMS, policy=policy)
    body = rh.request_body(max_price=w.PRICE, **text.request_fields(policy))
    return rh.created(client.post("/v1/requests", json=body, headers=agent.headers()))


def _get(client, operator, path: str):
    response = client.get(f"/v1/operator{path}", headers=operator.headers())
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("policy", text.POLICIES)
def test_the_operator_api_applies_the_policy_to_every_agent_text_field(client, policy):
    # given a request whose every text field carries personal data, a redaction term and a callback
    operator, other = w.make_operators(count=2)
    request_id = _create(client, policy)

    # when an operator reads the feed and the request before accepting
    (item,) = _get(client, operator, "/requests")["data"]
    before = _get(client, operator, f"/requests/{request_id}")

    # then open shows, redacted masks, sandboxed hides every field; the callback never shows
    assert text.agent_text(item) == text.agent_text(before) == text.BEFORE_ACCEPT[policy]
    for body in (item, before):
        assert "callback_url" not in body and text.CALLBACK not in json.dumps(body)
    if policy != "open":
        assert not any(secret in json.dumps([item, before]) for secret in text.SECRETS)

    # when they accept and read the request and their work
    accepted = client.post(f"/v1/operator/requests/{request_id}/accept", headers=operator.headers())
    assert accepted.status_code == 200, accepted.text
    after = _get(client, operator, f"/requests/{request_id}")
    (work_item,) = _get(client, operator, "/work")["data"]

    # then the assignee sees every field as the policy shows it to them (redacted stays masked);
    # each sandboxed view is logged; nobody else sees it
    assert text.agent_text(after) == text.agent_text(work_item) == text.AFTER_ACCEPT[policy]
    assert text.CALLBACK not in json.dumps([after, work_item])
    assert text.context_views(request_id) == (2 if policy == "sandboxed" else 0)
    assert client.get(f"/v1/operator/requests/{request_id}", headers=other.headers()).status_code == 404
    assert _get(client, other, "/requests")["data"] == []
