"""Owner sign-in by e-mail: one mail with a link and a 6-digit code, either used once (and the
other with it), the same answer for every address, flooding and wrong codes refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from marketplace_app.companies.models import CompanyMember, MemberRole
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.identity.models import Role, User
from marketplace_app.mail.models import EmailMessage
from tests import factories
from tests.support import api_client, assert_error, override_settings, run_concurrently

SEND, VERIFY, ME = "/v1/auth/magic-link", "/v1/auth/magic-link/verify", "/v1/auth/me"
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
OWNER = "Owner@Example.com"


@pytest.fixture
def client():
    with api_client() as test_client:
        yield test_client


def sign_in_mails(address: str = "owner@example.com") -> list[EmailMessage]:
    with unit_of_work(read_only=True) as session:
        return list(session.execute(select(EmailMessage).where(
            EmailMessage.to_address == address, EmailMessage.kind == "sign_in")
            .order_by(EmailMessage.created_at, EmailMessage.id)).scalars())


def link_and_code(message: EmailMessage) -> tuple[str, str]:
    token = re.search(r"/auth/magic/(\S+)", message.body_text).group(1)
    code = re.search(r"code on the sign-in page: (\d{6})", message.body_text).group(1)
    return token, code


def mail_for(client, email: str = OWNER) -> tuple[str, str]:
    assert client.post(SEND, json={"email": email}).status_code == 202
    return link_and_code(sign_in_mails(email.lower())[-1])


def test_the_answer_is_the_same_for_a_known_and_an_unknown_address(client):
    # given
    with unit_of_work() as session:
        factories.make_user(session, email="known@example.com")

    # when
    known = client.post(SEND, json={"email": "known@example.com"})
    unknown = client.post(SEND, json={"email": "nobody@example.com"})

    # then
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert len(sign_in_mails("known@example.com")) == len(sign_in_mails("nobody@example.com")) == 1


def test_the_link_opens_an_agent_owner_account_with_its_own_organisation(client):
    # given
    token, _code = mail_for(client)

    # when
    answer = client.post(VERIFY, json={"token": token})

    # then
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["token"].startswith("ses_") and body["user"]["role"] == "agent_owner"
    assert body["user"]["email"] == "owner@example.com"
    me = client.get(ME, headers={"Authorization": f"Bearer {body['token']}"})
    assert me.json()["id"] == body["user"]["id"]
    with unit_of_work(read_only=True) as session:
        member = session.execute(select(CompanyMember).where(CompanyMember.user_id == body["user"]["id"])).scalar_one()
        assert member.role == MemberRole.owner


def test_the_code_signs_in_an_existing_account_without_changing_its_role(client):
    # given
    with unit_of_work() as session:
        user = factories.make_user(session, role=Role.company, email="owner@example.com")

    # when
    _token, code = mail_for(client)
    answer = client.post(VERIFY, json={"email": OWNER, "code": code})

    # then
    assert answer.status_code == 200, answer.text
    assert answer.json()["user"]["id"] == user.id and answer.json()["user"]["role"] == "company"


@pytest.mark.parametrize("first", ["token", "code"])
def test_using_the_link_or_the_code_ends_the_other(client, first):
    # given
    token, code = mail_for(client)
    by_token, by_code = {"token": token}, {"email": OWNER, "code": code}
    first_body, second_body = (by_token, by_code) if first == "token" else (by_code, by_token)

    # when
    first_answer = client.post(VERIFY, json=first_body)
    second_answer = client.post(VERIFY, json=second_body)

    # then
    assert first_answer.status_code == 200
    assert_error(second_answer, status=400, code="invalid_token")


def test_a_link_and_its_code_used_at_once_open_one_session():
    # given
    with api_client() as client:
        token, code = mail_for(client)

    def verify(body):
        with api_client() as own_client:
            return own_client.post(VERIFY, json=body).status_code

    # when
    bodies = [{"token": token}, {"email": OWNER, "code": code}] * 3
    statuses = run_concurrently(len(bodies), lambda index: verify(bodies[index]))

    # then
    assert sorted(statuses) == [200] + [400] * 5
    with unit_of_work(read_only=True) as session:
        assert len(session.execute(select(User).where(User.email == "owner@example.com")).all()) == 1


def test_a_newer_mail_replaces_the_older_one(client):
    # given
    old_token, old_code = mail_for(client)
    new_token, _new_code = mail_for(client)

    # when
    old_link = client.post(VERIFY, json={"token": old_token})
    old_code_answer = client.post(VERIFY, json={"email": OWNER, "code": old_code})

    # then
    assert_error(old_link, status=400, code="invalid_token")
    assert_error(old_code_answer, status=400, code="invalid_token")
    assert client.post(VERIFY, json={"token": new_token}).status_code == 200


def test_an_expired_link_is_refused():
    # given
    clock.freeze(T0)
    with api_client() as client:
        token, code = mail_for(client)
        clock.advance(timedelta(minutes=15, seconds=1))

        # when
        link = client.post(VERIFY, json={"token": token})
        typed = client.post(VERIFY, json={"email": OWNER, "code": code})

    # then
    assert_error(link, status=400, code="invalid_token")
    assert_error(typed, status=400, code="invalid_token")


def test_wrong_codes_are_throttled_and_after_a_few_the_real_code_is_dead(client):
    # given
    clock.freeze(T0)
    token, code = mail_for(client)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    # when
    answers = [client.post(VERIFY, json={"email": OWNER, "code": wrong}) for _ in range(5)]
    during_wait = client.post(VERIFY, json={"email": OWNER, "code": code})
    clock.advance(timedelta(hours=1))
    after_wait = client.post(VERIFY, json={"email": OWNER, "code": code})
    link = client.post(VERIFY, json={"token": token})

    # then
    assert [answer.status_code for answer in answers] == [400] * 5
    assert_error(during_wait, status=429, code="rate_limited")
    assert int(during_wait.headers["retry-after"]) > 0
    assert_error(after_wait, status=400, code="invalid_token")
    assert_error(link, status=400, code="invalid_token")
    fresh_token, _fresh_code = mail_for(client)
    assert client.post(VERIFY, json={"token": fresh_token}).status_code == 200  # a fresh mail's link works


def test_mails_are_limited_per_email_and_per_address(client, monkeypatch):
    # given
    clock.freeze(T0)
    override_settings(monkeypatch, magic_links_per_email_per_hour=3, magic_links_per_address_per_hour=5)

    # when
    same_email = [client.post(SEND, json={"email": OWNER}).status_code for _ in range(4)]
    others = [client.post(SEND, json={"email": f"x{n}@example.com"}).status_code for n in range(3)]

    # then
    assert same_email == [202, 202, 202, 429]
    assert others == [202, 202, 429]
    assert len(sign_in_mails()) == 3
    flooded = client.post(SEND, json={"email": "late@example.com"})
    assert_error(flooded, status=429, code="rate_limited")
    assert int(flooded.headers["retry-after"]) > 0


@pytest.mark.parametrize("body", [
    {"token": "lt_forged"}, {"email": OWNER, "code": "12345"}, {"email": OWNER, "code": "abcdef"},
    {"email": "nul\x00@example.com", "code": "123456"}, {"token": "x" * 200},
])
def test_forged_tokens_and_malformed_codes_are_clear_refusals(client, body):
    mail_for(client)
    assert_error(client.post(VERIFY, json=body), status=400, code="invalid_token")


@pytest.mark.parametrize("body", [{}, {"email": OWNER}, {"token": "a", "email": OWNER, "code": "123456"},
                                  {"code": "123456"}, {"token": 5}])
def test_a_body_that_is_neither_a_link_nor_a_code_is_invalid_input(client, body):
    assert_error(client.post(VERIFY, json=body), status=422, code="validation_error")


def test_a_bad_address_is_invalid_input_and_sends_nothing(client):
    assert_error(client.post(SEND, json={"email": "not-an-address"}), status=422, code="validation_error")
    with unit_of_work(read_only=True) as session:
        assert session.execute(select(EmailMessage)).first() is None


def test_an_agent_owner_without_an_organisation_gets_one_and_a_frozen_account_is_refused(client):
    # given
    with unit_of_work() as session:
        owner = factories.make_user(session, role=Role.agent_owner, email="owner@example.com")
        frozen = factories.make_user(session, role=Role.company, email="frozen@example.com")
        frozen.status = "frozen"

    # when
    owner_token, _ = mail_for(client, "owner@example.com")
    signed_in = client.post(VERIFY, json={"token": owner_token})
    frozen_token, _ = mail_for(client, "frozen@example.com")
    refused = client.post(VERIFY, json={"token": frozen_token})

    # then
    assert signed_in.status_code == 200 and signed_in.json()["user"]["id"] == owner.id
    with unit_of_work(read_only=True) as session:
        roles = session.execute(select(CompanyMember.role).where(CompanyMember.user_id == owner.id)).scalars().all()
    assert roles == [MemberRole.owner]
    assert_error(refused, status=403, code="forbidden")
    assert "token" not in refused.json()
