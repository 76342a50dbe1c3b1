"""Rotating an agent's key (PRODUCT §11, VoxPact seed 002): the new key is mailed to the owner and
never answered; the old key and every JWT of the agent are refused from the next call on; two
rotations at once leave exactly one valid key (on SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from dataclasses import replace

from marketplace_app.companies.models import KeyMode
from tests.agents.helpers import (
    REQUESTS,
    ROTATE,
    committed_agent,
    event_data,
    mails,
    set_agent,
    token_of,
    usable_keys,
)
from tests.requests import helpers as h
from tests.support import assert_error, row_counts

KEY_IN_MAIL = re.compile(r"pk_(?:live|test)_[A-Za-z0-9_-]+")


def bearer(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}"}


def mailed_key() -> str:
    """The key in the newest rotation mail."""
    return KEY_IN_MAIL.findall(mails("agent_key_rotated")[-1].body_text)[0]


def test_rotation_mails_a_new_key_and_refuses_the_old_key_and_every_old_token_at_once(client):
    # given an agent with a key and two tokens
    agent = committed_agent(owner_email="owner@example.com")
    tokens = [token_of(client, agent), token_of(client, agent)]

    # when
    answer = client.post(ROTATE, headers=agent.headers())

    # then the answer says where the key went, and does not hold it
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["mailed_to"] == "o***@example.com" and body["sessions_ended"] is True
    assert body["revoked_key_ids"] == [agent.key_id]
    # … the old key and both tokens are refused, the mailed key works
    assert_error(client.get(REQUESTS, headers=agent.headers()), status=401, code="unauthorized")
    for token in tokens:
        assert_error(client.get(REQUESTS, headers=bearer(token)), status=401, code="unauthorized")
    [mail] = mails("agent_key_rotated")
    assert mail.to_address == "owner@example.com"
    new_key = mailed_key()
    assert new_key not in answer.text
    assert new_key.startswith(body["key_prefix"]) and new_key[-4:] == body["key_last4"]
    assert client.get(REQUESTS, headers=bearer(new_key)).status_code == 200
    new_token = token_of(client, replace(agent, key=new_key))
    assert client.get(REQUESTS, headers=bearer(new_token)).status_code == 200
    # … and one event says so
    [event] = event_data("agent.key_rotated")
    assert event["agent_id"] == agent.id and event["key_id"] == body["key_id"] and event["cause"] == "rotation"


def test_rotation_by_token_replaces_the_key_the_token_came_from_and_keeps_its_scopes(client):
    # given
    agent = committed_agent(scopes=["requests", "jobs"], mode=KeyMode.test)
    token = token_of(client, agent)

    # when
    answer = client.post(ROTATE, headers=bearer(token))

    # then
    assert answer.status_code == 200, answer.text
    assert_error(client.get(REQUESTS, headers=bearer(token)), status=401, code="unauthorized")
    [key] = usable_keys(agent.project_id)
    assert (key.id, key.mode, key.scopes) == (answer.json()["key_id"], "test", ["requests", "jobs"])
    assert mailed_key().startswith("pk_test_")


def test_a_project_key_is_not_rotated_here(client):
    # given a plain project key
    agent = h.make_agent()
    before = row_counts()

    # when
    answer = client.post(ROTATE, headers={"Authorization": f"Bearer {agent.key}"})

    # then
    assert_error(answer, status=403, code="forbidden")
    assert row_counts() == before


def test_a_frozen_agent_cannot_rotate(client):
    # given
    agent = committed_agent()
    set_agent(agent.id, status="frozen")

    # then
    assert_error(client.post(ROTATE, headers=agent.headers()), status=403, code="agent_frozen")
    assert mails("agent_key_rotated") == []


def test_concurrent_rotations_leave_exactly_one_valid_key():
    # given
    agent = committed_agent()

    # when 10 rotations with the same key arrive together
    result = h.burst([("POST", ROTATE, agent.headers(), None)] * 10)

    # then one rotated; every other one found its key gone
    assert result.count(200) == 1, result.codes()
    assert result.codes() == {(200, None): 1, (401, "unauthorized"): 9}
    [key] = usable_keys(agent.project_id)
    assert key.id == next(body["key_id"] for body in result.bodies if "key_id" in body)
    assert len(mails("agent_key_rotated")) == 1
    assert len(event_data("agent.key_rotated")) == 1
    assert h.client().get(REQUESTS, headers=bearer(mailed_key())).status_code == 200


def test_concurrent_rotations_from_three_processes_leave_exactly_one_valid_key(database):
    # given (each process has its own engine: on SQLite, writers really meet at the database)
    agent = committed_agent()

    # when 9 rotations with the same key arrive together from 3 processes
    result = h.burst_from_processes(database, [("POST", ROTATE, agent.headers(), None)] * 9, processes=3)

    # then
    assert result.codes() == {(200, None): 1, (401, "unauthorized"): 8}, result.codes()
    assert len(usable_keys(agent.project_id)) == 1
    assert len(mails("agent_key_rotated")) == 1
