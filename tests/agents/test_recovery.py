"""Recovering an agent's key by e-mail (PRODUCT §11, VoxPact seed 002): the same 202 whether or not
the address owns agents; one ask per address per window (a flood answers 429 with `Retry-After` and
mails nothing more); a recovery token works once, for a short time, and its exchange revokes every
key of the agent, mails a new one and ends every session."""

from __future__ import annotations

import re
from datetime import timedelta

from marketplace_app.companies import service as companies
from marketplace_app.companies.models import KeyMode
from marketplace_app.core import clock
from marketplace_app.core.clock import now
from marketplace_app.core.db import unit_of_work
from tests.agents.helpers import (
    EXCHANGE,
    RECOVER,
    REQUESTS,
    committed_agent,
    event_data,
    mails,
    set_agent,
    token_of,
    usable_keys,
)
from tests.requests import helpers as h
from tests.support import assert_error, row_counts

TOKEN_IN_MAIL = re.compile(r"^- .+ \(@(\S+)\): (lt_\S+)$", re.MULTILINE)
KEY_IN_MAIL = re.compile(r"pk_(?:live|test)_[A-Za-z0-9_-]+")


def bearer(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}"}


def recovery_tokens() -> dict[str, str]:
    """Handle → token, from the newest recovery mail."""
    return dict(TOKEN_IN_MAIL.findall(mails("agent_key_recovery")[-1].body_text))


def test_the_answer_is_the_same_for_an_owner_and_a_stranger(client):
    # given
    committed_agent(owner_email="owner@example.com")

    # when
    owner = client.post(RECOVER, json={"email": "owner@example.com"})
    stranger = client.post(RECOVER, json={"email": "nobody@example.com"})
    owner_again = client.post(RECOVER, json={"email": "owner@example.com"})
    stranger_again = client.post(RECOVER, json={"email": "nobody@example.com"})

    # then
    assert (owner.status_code, stranger.status_code) == (202, 202)
    assert owner.json() == stranger.json()
    assert owner.json()["message"].endswith("One address can ask once every 24 hours.")
    assert (owner_again.status_code, stranger_again.status_code) == (429, 429)
    assert owner_again.json()["error"]["code"] == stranger_again.json()["error"]["code"] == "rate_limited"
    assert [mail.to_address for mail in mails("agent_key_recovery")] == ["owner@example.com"]


def test_one_mail_lists_a_token_for_each_active_agent_of_the_address(client):
    # given two active agents, a frozen one, and another owner's agent
    first = committed_agent(owner_email="owner@example.com", handle="first")
    second = committed_agent(owner_email="Owner@Example.com", handle="second")
    committed_agent(owner_email="owner@example.com", handle="frozen", status="frozen")
    committed_agent(owner_email="other@example.com", handle="other")

    # when
    answer = client.post(RECOVER, json={"email": " OWNER@example.com "})

    # then
    assert answer.status_code == 202, answer.text
    [mail] = mails("agent_key_recovery")
    assert mail.to_address == "owner@example.com"
    assert set(recovery_tokens()) == {"first", "second"}
    assert "15 min" in mail.body_text
    # … and nothing changed yet: both keys still work
    for agent in (first, second):
        assert client.get(REQUESTS, headers=agent.headers()).status_code == 200


def test_exchanging_a_token_revokes_every_key_mails_a_new_one_and_ends_every_session(client):
    # given an agent with a live and a test key, a token, and a second agent of the same owner
    agent = committed_agent(owner_email="owner@example.com", handle="lost", scopes=["requests"])
    with unit_of_work() as session:
        test_key = companies.issue_key(session, project_id=agent.project_id, name="t", mode=KeyMode.test,
                                       scopes=["*"]).secret
    sibling = committed_agent(owner_email="owner@example.com", handle="fine")
    token = token_of(client, agent)
    client.post(RECOVER, json={"email": "owner@example.com"})

    # when
    answer = client.post(EXCHANGE, json={"token": recovery_tokens()["lost"]})

    # then
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["agent_id"] == agent.id and len(body["revoked_key_ids"]) == 2
    for old in (agent.key, test_key, token):
        assert_error(client.get(REQUESTS, headers=bearer(old)), status=401, code="unauthorized")
    [mail] = mails("agent_key_recovered")
    new_key = KEY_IN_MAIL.findall(mail.body_text)[0]
    assert new_key not in answer.text and new_key.startswith("pk_live_")
    assert client.get(REQUESTS, headers=bearer(new_key)).status_code == 200
    [key] = usable_keys(agent.project_id)
    assert key.scopes == ["requests"]
    assert event_data("agent.key_rotated")[0]["cause"] == "recovery"
    # … the owner's other agent is untouched
    assert client.get(REQUESTS, headers=sibling.headers()).status_code == 200


def test_a_recovery_token_works_once(client):
    # given
    committed_agent(owner_email="owner@example.com", handle="lost")
    client.post(RECOVER, json={"email": "owner@example.com"})
    token = recovery_tokens()["lost"]
    assert client.post(EXCHANGE, json={"token": token}).status_code == 200
    before = row_counts()

    # when
    again = client.post(EXCHANGE, json={"token": token})

    # then
    assert_error(again, status=400, code="invalid_token")
    assert row_counts() == before
    assert len(mails("agent_key_recovered")) == 1


def test_a_recovery_token_expires(client):
    # given
    clock.freeze(now())
    agent = committed_agent(owner_email="owner@example.com", handle="lost")
    client.post(RECOVER, json={"email": "owner@example.com"})
    token = recovery_tokens()["lost"]

    # when
    clock.advance(timedelta(minutes=15))
    answer = client.post(EXCHANGE, json={"token": token})

    # then
    assert_error(answer, status=400, code="invalid_token")
    assert client.get(REQUESTS, headers=agent.headers()).status_code == 200


def test_a_forged_token_changes_nothing(client):
    # given
    committed_agent(owner_email="owner@example.com")
    before = row_counts()

    # then
    for forged in ("lt_nope", "", "x" * 200):
        assert_error(client.post(EXCHANGE, json={"token": forged}), status=400, code="invalid_token")
    assert row_counts() == before


def test_a_flood_answers_429_with_retry_after_and_mails_once():
    # given
    clock.freeze(now())
    committed_agent(owner_email="owner@example.com")

    # when 20 asks for one address arrive together
    result = h.burst([("POST", RECOVER, {}, {"email": "owner@example.com"})] * 20)

    # then one is accepted; the others wait out the window
    assert result.codes() == {(202, None): 1, (429, "rate_limited"): 19}, result.codes()
    waits = {int(headers["retry-after"]) for status, headers, _ in result.answers() if status == 429}
    assert waits == {24 * 3600}
    assert len(mails("agent_key_recovery")) == 1


def test_the_address_may_ask_again_once_the_window_has_passed(client):
    # given
    clock.freeze(now())
    committed_agent(owner_email="owner@example.com")
    assert client.post(RECOVER, json={"email": "owner@example.com"}).status_code == 202

    # when
    clock.advance(timedelta(hours=23, minutes=59))
    early = client.post(RECOVER, json={"email": "owner@example.com"})
    clock.advance(timedelta(minutes=1))
    later = client.post(RECOVER, json={"email": "owner@example.com"})

    # then
    assert_error(early, status=429, code="rate_limited")
    assert early.headers["retry-after"] == "60"
    assert later.status_code == 202
    assert len(mails("agent_key_recovery")) == 2


def test_an_address_that_is_not_one_is_422_never_500(client):
    # then
    assert client.post(RECOVER, json={"email": "x" * 240 + "@example.com"}).status_code == 202
    for address in ("\u0000@\u0000", "no-at-sign", "two@@signs", "x" * 255):
        assert_error(client.post(RECOVER, json={"email": address}), status=422, code="validation_error")
    assert_error(client.post(RECOVER, json={"email": 7}), status=422, code="validation_error")
    assert_error(client.post(RECOVER, json={}), status=422, code="validation_error")


def test_a_frozen_agents_recovery_token_is_refused_and_stays_usable(client):
    # given a token mailed while the agent was active, then the agent frozen
    agent = committed_agent(owner_email="owner@example.com", handle="lost")
    client.post(RECOVER, json={"email": "owner@example.com"})
    token = recovery_tokens()["lost"]
    set_agent(agent.id, status="frozen")

    # when
    refused = client.post(EXCHANGE, json={"token": token})
    set_agent(agent.id, status="active")
    later = client.post(EXCHANGE, json={"token": token})

    # then
    assert_error(refused, status=403, code="agent_frozen")
    assert later.status_code == 200, later.text
