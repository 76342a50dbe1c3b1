"""Agent JWTs (PRODUCT §11, VoxPact seed 002): a key exchanged for a token that authenticates every
agent route; forged, expired, `alg: none`, unknown-`kid` and garbage tokens are 401 `unauthorized`
(never a 500); a frozen or deleted agent's token is refused at once; an owner's session narrowed
to one agent acts as it while the owner stays in charge."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey
from sqlalchemy import update

from marketplace_app.agents import tokens
from marketplace_app.companies.models import CompanyMember
from marketplace_app.core import clock
from marketplace_app.core.clock import now
from marketplace_app.core.db import unit_of_work
from marketplace_app.settings import get_settings
from tests.agents.helpers import (
    REFRESH,
    REQUESTS,
    TOKEN,
    committed_agent,
    committed_owner,
    set_agent,
    token_of,
)
from tests.support import assert_error, override_settings


def bearer(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}"}


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def forged(claims: dict, *, secret: str, kid: str = "test1", alg: str = "HS256") -> str:
    return jwt.encode({"alg": alg, "kid": kid}, claims, OctKey.import_key(secret), algorithms=[alg])


def unsigned(claims: dict, *, kid: str = "test1") -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
    return f"{part({'alg': 'none', 'kid': kid, 'typ': 'JWT'})}.{part(claims)}."


# Getting and using a token


def test_a_key_is_exchanged_for_a_token_that_authenticates_agent_routes(client):
    # given
    agent = committed_agent()

    # when
    answer = client.post(TOKEN, json={"api_key": agent.key})
    listed = client.get(REQUESTS, headers=bearer(answer.json()["token"]))

    # then
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["token_type"], body["expires_in"], body["agent_id"]) == ("Bearer", 3600, agent.id)
    assert answer.headers["cache-control"] == "no-store"
    claims = claims_of(body["token"])
    assert {claims["sub"], claims["prj"], claims["key"], claims["ver"], claims["mode"]} == {
        agent.id, agent.project_id, agent.key_id, 1, "live"}
    assert claims["scp"] == ["*"] and claims["exp"] - claims["iat"] == 3600 and claims["iss"] == "handoff"
    assert listed.status_code == 200, listed.text
    assert listed.headers["x-ratelimit-remaining"] == "999"


def test_owner_email_must_be_the_agents_owners(client):
    # given
    agent = committed_agent(owner_email="owner@example.com")

    # when
    wrong = client.post(TOKEN, json={"api_key": agent.key, "owner_email": "someone@example.com"})
    right = client.post(TOKEN, json={"api_key": agent.key, "owner_email": " Owner@Example.com"})

    # then
    assert_error(wrong, status=401, code="unauthorized")
    assert right.status_code == 200, right.text


def test_a_project_key_and_an_unknown_key_get_no_token(client):
    # given
    agent = committed_agent()
    with unit_of_work() as session:
        from tests import factories
        project_key = factories.make_key(session, project=factories.make_project(
            session, company=session.get(factories.Company, agent.company_id)))

    # then
    assert_error(client.post(TOKEN, json={"api_key": project_key}), status=401, code="unauthorized")
    assert_error(client.post(TOKEN, json={"api_key": "pk_live_nope"}), status=401, code="unauthorized")


def test_a_frozen_agent_gets_no_token_and_its_token_is_refused_at_once(client):
    # given
    agent = committed_agent()
    token = token_of(client, agent)

    # when
    set_agent(agent.id, status="frozen")

    # then
    assert_error(client.get(REQUESTS, headers=bearer(token)), status=403, code="agent_frozen")
    assert_error(client.post(TOKEN, json={"api_key": agent.key}), status=403, code="agent_frozen")


@pytest.mark.parametrize("status", ["deleted", "pending_verification"])
def test_a_deleted_or_pending_agents_token_is_refused(client, status):
    # given
    agent = committed_agent()
    token = token_of(client, agent)

    # when
    set_agent(agent.id, status=status)

    # then
    assert_error(client.get(REQUESTS, headers=bearer(token)), status=401, code="unauthorized")


def test_a_bumped_token_version_ends_every_token(client):
    # given
    agent = committed_agent()
    token = token_of(client, agent)

    # when
    set_agent(agent.id, token_version=2)

    # then
    assert_error(client.get(REQUESTS, headers=bearer(token)), status=401, code="unauthorized")
    assert client.get(REQUESTS, headers=bearer(token_of(client, agent))).status_code == 200


# Bad tokens


def _bad_tokens(good: str) -> dict[str, str]:
    claims = claims_of(good)
    secret = get_settings().jwt_keys["test1"]
    header, payload, signature = good.split(".")
    return {
        "other secret": forged(claims, secret="another-secret-of-enough-length-0123456789"),
        "alg none": unsigned(claims),
        "alg none, no signature part": unsigned(claims)[:-1],
        "HS512": forged(claims, secret=secret, alg="HS512"),
        "unknown kid": forged(claims, secret=secret, kid="nope"),
        "no kid": jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(secret), algorithms=["HS256"]),
        "tampered claims": f"{header}.{forged({**claims, 'sub': 'agt_other'}, secret='x' * 32).split('.')[1]}."
                           f"{signature}",
        "bad signature": f"{header}.{payload}.{signature[:-4]}AAAA",
        "other issuer": forged({**claims, "iss": "someone-else"}, secret=secret),
        "no expiry": forged({key: value for key, value in claims.items() if key != "exp"}, secret=secret),
        "string version": forged({**claims, "ver": "1"}, secret=secret),
        "garbage": "a.b.c",
        "not base64": "%%%.%%%.%%%",
        "huge": "a" * 3000 + ".b.c",
        "json array": forged(claims, secret=secret).split(".")[0] + "." +
                      base64.urlsafe_b64encode(b"[1,2]").rstrip(b"=").decode() + ".x",
    }


@pytest.mark.parametrize("name", list(_bad_tokens(forged({"sub": "x"}, secret="y" * 32))))
def test_a_bad_token_is_401_never_500(client, name):
    # given
    agent = committed_agent()
    bad = _bad_tokens(token_of(client, agent))[name]

    # when
    answer = client.get(REQUESTS, headers=bearer(bad))

    # then
    assert_error(answer, status=401, code="unauthorized")


def test_a_token_signed_with_our_key_for_another_agents_key_is_refused(client):
    # given two agents; a token claiming one agent with the other's key id
    mine, theirs = committed_agent(), committed_agent()
    claims = claims_of(token_of(client, mine))

    # when
    crossed = forged({**claims, "key": theirs.key_id}, secret=get_settings().jwt_keys["test1"])

    # then
    assert_error(client.get(REQUESTS, headers=bearer(crossed)), status=401, code="unauthorized")


def test_an_expired_token_is_refused(client):
    # given
    clock.freeze(now())
    agent = committed_agent()
    token = token_of(client, agent)

    # when
    clock.advance(timedelta(seconds=3599))
    still = client.get(REQUESTS, headers=bearer(token))
    clock.advance(timedelta(seconds=1))
    expired = client.get(REQUESTS, headers=bearer(token))

    # then
    assert still.status_code == 200
    assert_error(expired, status=401, code="unauthorized")
    assert_error(client.post(REFRESH, headers=bearer(token)), status=401, code="unauthorized")


def test_keys_rotate_by_settings_and_old_tokens_live_until_their_kid_is_dropped(client, monkeypatch):
    # given a token signed with kid test1
    agent = committed_agent()
    old = token_of(client, agent)
    new_secret = "a-second-jwt-key-of-enough-length-0123456789"

    # when a second key becomes current
    override_settings(monkeypatch, jwt_keys=f"test1:{get_settings().jwt_keys['test1']},test2:{new_secret}",
                      jwt_current_kid="test2")
    new = token_of(client, agent)
    both = [client.get(REQUESTS, headers=bearer(token)).status_code for token in (old, new)]
    # … and the first is dropped
    override_settings(monkeypatch, jwt_keys=f"test2:{new_secret}")

    # then
    assert tokens.verify(new) and claims_of(new) and new.split(".")[0] != old.split(".")[0]
    assert both == [200, 200]
    assert_error(client.get(REQUESTS, headers=bearer(old)), status=401, code="unauthorized")
    assert client.get(REQUESTS, headers=bearer(new)).status_code == 200


# Refresh


def test_a_valid_token_is_refreshed_for_the_same_agent_and_key(client):
    # given
    clock.freeze(now())
    agent = committed_agent()
    token = token_of(client, agent)
    clock.advance(timedelta(minutes=30))

    # when
    answer = client.post(REFRESH, headers=bearer(token))

    # then
    assert answer.status_code == 200, answer.text
    fresh = answer.json()["token"]
    assert claims_of(fresh)["exp"] - claims_of(token)["exp"] == 1800
    assert {key: value for key, value in claims_of(fresh).items() if key not in ("iat", "exp")} == {
        key: value for key, value in claims_of(token).items() if key not in ("iat", "exp")}
    clock.advance(timedelta(minutes=45))
    assert client.get(REQUESTS, headers=bearer(fresh)).status_code == 200


def test_refresh_wants_a_token_not_a_key(client):
    # given
    agent = committed_agent()

    # then
    assert_error(client.post(REFRESH, headers=bearer(agent.key)), status=401, code="unauthorized")
    assert_error(client.post(REFRESH), status=401, code="unauthorized")


# An owner's session narrowed to one agent


def test_an_owner_narrows_their_session_to_an_agent_and_acts_as_it(client):
    # given
    owner = committed_owner()
    agent = committed_agent(owner=owner)

    # when
    answer = client.post(f"/v1/agents/{agent.id}/session", headers=owner.headers())
    listed = client.get(REQUESTS, headers=bearer(answer.json()["token"]))

    # then
    assert answer.status_code == 200, answer.text
    claims = claims_of(answer.json()["token"])
    assert (claims["sub"], claims["key"], claims["own"]) == (agent.id, agent.key_id, owner.user_id)
    assert listed.status_code == 200, listed.text


def test_another_owner_and_a_stranger_cannot_narrow_to_an_agent(client):
    # given
    owner, other = committed_owner(), committed_owner()
    agent = committed_agent(owner=owner)

    # when
    foreign = client.post(f"/v1/agents/{agent.id}/session", headers=other.headers())
    anonymous = client.post(f"/v1/agents/{agent.id}/session")
    unknown = client.post("/v1/agents/agt_nope/session", headers=owner.headers())

    # then
    assert_error(foreign, status=404, code="not_found")
    assert_error(anonymous, status=401, code="unauthorized")
    assert_error(unknown, status=404, code="not_found")


def test_a_narrowed_session_ends_when_the_owner_leaves_the_company(client):
    # given
    owner = committed_owner()
    agent = committed_agent(owner=owner)
    token = client.post(f"/v1/agents/{agent.id}/session", headers=owner.headers()).json()["token"]

    # when the owner is demoted to a plain member
    with unit_of_work() as session:
        session.execute(update(CompanyMember).where(CompanyMember.user_id == owner.user_id).values(role="member"))

    # then
    assert_error(client.get(REQUESTS, headers=bearer(token)), status=401, code="unauthorized")
    assert_error(client.post(f"/v1/agents/{agent.id}/session", headers=owner.headers()), status=404,
                 code="not_found")


def test_a_narrowed_session_needs_a_key_of_the_mode(client):
    # given an agent with only a live key
    owner = committed_owner()
    agent = committed_agent(owner=owner)

    # when
    answer = client.post(f"/v1/agents/{agent.id}/session", json={"mode": "test"}, headers=owner.headers())

    # then
    assert_error(answer, status=400, code="invalid_state")


# The event stream


def test_a_token_opens_the_event_stream_and_a_rotation_closes_it(client, monkeypatch):
    # given an open stream authenticated by a token, re-checked every 0.2 s
    from tests.webhooks.helpers import emit
    from tests.webhooks.test_stream import frame, receive
    override_settings(monkeypatch, stream_credential_check_seconds=0.2)
    agent = committed_agent()
    token = token_of(client, agent)

    with client.websocket_connect(f"/v1/ws?token={token}") as websocket:
        [event_id] = emit(agent, ["request.matching"], mode="live")
        assert frame(websocket)["event_id"] == event_id

        # when
        assert client.post("/v1/agents/rotate-key", headers=agent.headers()).status_code == 200

        # then
        assert frame(websocket, timeout=3)["error"]["code"] == "unauthorized"
        assert receive(websocket, timeout=3)["code"] == 4401


@pytest.mark.parametrize(("status", "answer_status", "code"), [
    ("frozen", 403, "agent_frozen"), ("pending_verification", 400, "invalid_state"), ("deleted", 404, "not_found")])
def test_only_an_active_agent_can_be_acted_as(client, status, answer_status, code):
    # given
    owner = committed_owner()
    agent = committed_agent(owner=owner, status=status)

    # when
    answer = client.post(f"/v1/agents/{agent.id}/session", headers=owner.headers())

    # then
    assert_error(answer, status=answer_status, code=code)
