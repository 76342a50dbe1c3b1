"""`/v1/auth`: sign-up, login, who-am-I and logout — and every refusal changes nothing."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from marketplace_app.api.app import create_api
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.identity.models import User, UserStatus
from marketplace_app.settings import get_settings
from tests.support import assert_error, row_counts, run_concurrently

REGISTER, LOGIN, ME, LOGOUT = "/v1/auth/register", "/v1/auth/login", "/v1/auth/me", "/v1/auth/logout"
PASSWORD = "correct-horse-battery"
_emails = itertools.count(1)


def registration(**overrides: Any) -> dict[str, Any]:
    """A valid sign-up body; `overrides` replace fields (None values stay as JSON null)."""
    body = {"email": f"person{next(_emails)}@example.com", "password": PASSWORD, "display_name": "Ada Lovelace",
            "role": "company"}
    body.update(overrides)
    return body


def register(client: TestClient, **overrides: Any) -> dict[str, Any]:
    """Sign up through the API and return the response body (asserting 201)."""
    response = client.post(REGISTER, json=registration(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def changed_tables(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """The row-count difference per table, for tables that changed."""
    return {name: after[name] - before[name] for name in after if after[name] != before[name]}


@pytest.mark.parametrize(("role", "created"), [
    ("company", {"user_account": 1, "auth_session": 1, "company": 1, "company_member": 1, "ledger_account": 2}),
    ("operator", {"user_account": 1, "auth_session": 1, "operator_profile": 1}),
    ("agent_owner", {"user_account": 1, "auth_session": 1, "company": 1, "company_member": 1, "ledger_account": 2}),
])
def test_registering_creates_the_account_and_signs_it_in(client, role, created):
    # given
    before = row_counts()

    # when
    response = client.post(REGISTER, json=registration(email="Ada@Example.COM", role=role, company_name="Acme"))

    # then
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["token"].startswith("ses_") and body["token_type"] == "bearer"
    assert body["user"]["email"] == "ada@example.com"
    assert body["user"]["role"] == role
    assert body["user"]["id"].startswith("usr_")
    assert "password" not in response.text and PASSWORD not in response.text
    assert changed_tables(before, row_counts()) == created
    me = client.get(ME, headers=bearer(body["token"]))
    assert me.status_code == 200
    assert me.json() == body["user"]


def test_login_opens_a_new_session_whatever_the_email_case(client):
    # given
    registered = register(client, email="grace@example.com")
    sessions_before = row_counts()["auth_session"]

    # when
    response = client.post(LOGIN, json={"email": "  GRACE@example.com ", "password": PASSWORD})

    # then
    assert response.status_code == 200, response.text
    token = response.json()["token"]
    assert token.startswith("ses_") and token != registered["token"]
    assert row_counts()["auth_session"] == sessions_before + 1
    assert client.get(ME, headers=bearer(token)).json()["id"] == registered["user"]["id"]
    with unit_of_work(read_only=True) as session:
        assert session.get_one(User, registered["user"]["id"]).last_login_at is not None


def test_logout_revokes_only_the_session_it_was_called_with(client):
    # given
    first = register(client, email="linus@example.com")["token"]
    second = client.post(LOGIN, json={"email": "linus@example.com", "password": PASSWORD}).json()["token"]

    # when
    response = client.post(LOGOUT, headers=bearer(first))

    # then
    assert response.status_code == 204
    assert response.content == b""
    assert_error(client.get(ME, headers=bearer(first)), status=401, code="unauthorized")
    assert_error(client.post(LOGOUT, headers=bearer(first)), status=401, code="unauthorized")
    assert client.get(ME, headers=bearer(second)).status_code == 200


LONG = "x" * 300
REGISTER_REFUSALS = {
    "empty object": {},
    "missing email": {"email": None},
    "missing password": {"password": None},
    "missing display_name": {"display_name": None},
    "missing role": {"role": None},
    "email without at-sign": {"email": "not-an-email"},
    "email without domain": {"email": "someone@"},
    "email with spaces": {"email": "some one@example.com"},
    "email over 254 characters": {"email": "a" * 250 + "@example.com"},
    "password of 9 characters": {"password": "123456789"},
    "empty password": {"password": ""},
    "password over 256 characters": {"password": "p" * 257},
    "empty display_name": {"display_name": ""},
    "blank display_name": {"display_name": "   "},
    "display_name over 100 characters": {"display_name": "d" * 101},
    "company_name over 120 characters": {"company_name": "c" * 121},
    "role admin": {"role": "admin"},
    "unknown role": {"role": "superuser"},
    "NUL in display_name": {"display_name": "Ada\x00Lovelace"},
    "NUL in company_name": {"company_name": "Acme\x00"},
    "control character in display_name": {"display_name": "Ada\x1b[2J"},
    "server-owned status": {"status": "active"},
    "server-owned role_id": {"role_id": 1},
    "server-owned id": {"id": "usr_chosen"},
    "server-owned created_at": {"created_at": "2020-01-01T00:00:00Z"},
    "server-owned company_id": {"company_id": "com_someone_else"},
    "server-owned password_hash": {"password_hash": "$argon2id$v=19$..."},
    "email as number": {"email": 12345},
    "password as number": {"password": 12345678901},
    "display_name as list": {"display_name": ["Ada"]},
    "role as number": {"role": 1},
    "company_name as object": {"company_name": {"name": "Acme"}},
}


@pytest.mark.parametrize("overrides", REGISTER_REFUSALS.values(), ids=REGISTER_REFUSALS.keys())
def test_register_refuses_bad_input_and_creates_nothing(client, overrides):
    # given
    body = {} if not overrides else registration(**overrides)
    body = {key: value for key, value in body.items() if value is not None}
    before = row_counts()

    # when
    response = client.post(REGISTER, json=body)

    # then
    assert_error(response, status=422, code="validation_error")
    assert row_counts() == before


def test_mass_assignment_refusal_names_the_field(client):
    # when
    response = client.post(REGISTER, json=registration(status="frozen", company_id="com_x"))

    # then
    message = assert_error(response, status=422, code="validation_error")
    assert "status" in message and "company_id" in message


@pytest.mark.parametrize(("content", "content_type"), [
    (b'{"email": "a@example.com", "password": ', "application/json"),
    (b"not json at all", "application/json"),
    (b"", "application/json"),
    (b"[]", "application/json"),
    (b'"a string"', "application/json"),
    (b"null", "application/json"),
    (b'{"email": "a@example.com"}', "text/plain"),
    (b"\xff\xfe\x00garbage", "application/json"),
], ids=["truncated", "not json", "empty", "array", "string", "null", "text/plain", "binary"])
def test_register_refuses_malformed_bodies_and_creates_nothing(client, content, content_type):
    # given
    before = row_counts()

    # when
    response = client.post(REGISTER, content=content, headers={"content-type": content_type})

    # then
    assert_error(response, status=422, code="validation_error")
    assert row_counts() == before


def test_register_refuses_an_email_already_taken_in_any_case(client):
    # given
    register(client, email="taken@example.com", display_name="First")
    before = row_counts()

    # when
    response = client.post(REGISTER, json=registration(email="TAKEN@example.com", password="another-password-1"))

    # then
    assert_error(response, status=409, code="conflict")
    assert row_counts() == before
    original = client.post(LOGIN, json={"email": "taken@example.com", "password": PASSWORD})
    assert original.status_code == 200
    assert original.json()["user"]["display_name"] == "First"


def test_concurrent_registrations_of_one_email_create_exactly_one_account():
    # given
    body = registration(email="race@example.com")
    before = row_counts()

    # when
    def attempt(_index: int) -> int:
        with TestClient(create_api(), raise_server_exceptions=False) as own_client:
            response = own_client.post(REGISTER, json=body)
            assert "Traceback" not in response.text
            return response.status_code

    statuses = run_concurrently(10, attempt)

    # then
    assert sorted(statuses) == [201] + [409] * 9
    assert changed_tables(before, row_counts())["user_account"] == 1


def test_wrong_password_and_unknown_email_get_the_same_refusal(client):
    # given
    register(client, email="known@example.com")
    before = row_counts()

    # when
    wrong_password = client.post(LOGIN, json={"email": "known@example.com", "password": "wrong-password-1"})
    unknown_email = client.post(LOGIN, json={"email": "nobody@example.com", "password": PASSWORD})

    # then
    assert assert_error(wrong_password, status=401, code="unauthorized") == assert_error(
        unknown_email, status=401, code="unauthorized")
    assert row_counts() == before


LOGIN_REFUSALS = {
    "empty object": ({}, 422, "validation_error"),
    "missing password": ({"email": "a@example.com"}, 422, "validation_error"),
    "email as number": ({"email": 1, "password": PASSWORD}, 422, "validation_error"),
    "password as null": ({"email": "a@example.com", "password": None}, 422, "validation_error"),
    "extra field": ({"email": "a@example.com", "password": PASSWORD, "role": "admin"}, 422, "validation_error"),
    "overlong email": ({"email": "a" * 255, "password": PASSWORD}, 422, "validation_error"),
    "overlong password": ({"email": "a@example.com", "password": "p" * 257}, 422, "validation_error"),
    "NUL in email": ({"email": "a\x00@example.com", "password": PASSWORD}, 401, "unauthorized"),
    "empty strings": ({"email": "", "password": ""}, 401, "unauthorized"),
}


@pytest.mark.parametrize(("body", "status", "code"), LOGIN_REFUSALS.values(), ids=LOGIN_REFUSALS.keys())
def test_login_refuses_bad_input_and_opens_no_session(client, body, status, code):
    # given
    register(client, email="a@example.com")
    before = row_counts()

    # when
    response = client.post(LOGIN, json=body)

    # then
    assert_error(response, status=status, code=code)
    assert row_counts() == before


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer not-a-session"},
    {"Authorization": "Bearer ses_unknown"},
    {"Authorization": "Bearer pk_live_abcdef"},
    {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": "Bearer ses_" + "x" * 5000},
], ids=["none", "empty bearer", "malformed", "unknown ses_", "api key", "basic", "huge"])
def test_me_refuses_a_missing_or_invalid_token(client, headers):
    # when
    response = client.get(ME, headers=headers)

    # then
    assert_error(response, status=401, code="unauthorized")


def test_a_session_expires_after_the_configured_ttl(client):
    # given
    clock.freeze(datetime(2030, 1, 1, 12, 0, tzinfo=UTC))
    token = register(client)["token"]
    ttl = timedelta(hours=get_settings().session_ttl_hours)

    # when / then
    clock.advance(ttl - timedelta(seconds=1))
    assert client.get(ME, headers=bearer(token)).status_code == 200
    clock.advance(timedelta(seconds=2))
    assert_error(client.get(ME, headers=bearer(token)), status=401, code="unauthorized")


def test_a_frozen_user_is_refused_with_403(client):
    # given
    registered = register(client, email="frozen@example.com")
    with unit_of_work() as session:
        session.execute(update(User).where(User.id == registered["user"]["id"]).values(status=UserStatus.frozen))
    before = row_counts()

    # when
    me = client.get(ME, headers=bearer(registered["token"]))
    right_password = client.post(LOGIN, json={"email": "frozen@example.com", "password": PASSWORD})
    wrong_password = client.post(LOGIN, json={"email": "frozen@example.com", "password": "wrong-password-1"})

    # then
    assert_error(me, status=403, code="forbidden")
    assert_error(right_password, status=403, code="forbidden")
    assert_error(wrong_password, status=401, code="unauthorized")
    assert row_counts() == before
