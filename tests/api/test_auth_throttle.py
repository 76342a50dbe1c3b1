"""`/v1/auth` against guessing and caching: failed logins lock the account (and a spraying
address) with `429` and `Retry-After`, staff can lift a lock, sign-ups are counted per address,
and answers that carry a session token are never stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import Role, User
from tests import factories
from tests.support import assert_error, override_settings

LOGIN, REGISTER, ME = "/v1/auth/login", "/v1/auth/register", "/v1/auth/me"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WRONG = "not-the-password"


@pytest.fixture
def ada() -> str:
    with unit_of_work() as session:
        return factories.make_user(session, email="ada@example.com").email


def login(client, email: str, password: str):
    return client.post(LOGIN, json={"email": email, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_fifty_wrong_passwords_are_cut_off_after_five_and_the_right_one_waits_too(client, ada):
    # given
    clock.freeze(T0)

    # when
    answers = [login(client, ada, WRONG) for _ in range(50)]
    right_during_lock = login(client, ada, factories.PASSWORD)

    # then
    assert [answer.status_code for answer in answers] == [401] * 5 + [429] * 45
    message = assert_error(answers[5], status=429, code="rate_limited")
    assert "temporarily locked" in message
    assert all(answer.headers["retry-after"] == "30" for answer in answers[5:])
    assert_error(right_during_lock, status=429, code="rate_limited")
    assert right_during_lock.headers["retry-after"] == "30"
    assert "token" not in right_during_lock.text


def test_after_the_wait_the_right_password_works_and_starts_the_count_again(client, ada):
    # given
    clock.freeze(T0)
    for _ in range(50):
        login(client, ada, WRONG)

    # when
    clock.advance(timedelta(seconds=30))
    signed_in = login(client, ada, factories.PASSWORD)

    # then
    assert signed_in.status_code == 200, signed_in.text
    assert client.get(ME, headers=bearer(signed_in.json()["token"])).status_code == 200
    assert [login(client, ada, WRONG).status_code for _ in range(6)] == [401] * 5 + [429]


def test_one_address_spraying_thirty_accounts_gets_429(client):
    # given
    clock.freeze(T0)
    with unit_of_work() as session:
        emails = [factories.make_user(session).email for _ in range(30)]

    # when
    answers = [login(client, email, WRONG) for email in emails]

    # then
    assert [answer.status_code for answer in answers] == [401] * 20 + [429] * 10
    assert "your network" in assert_error(answers[20], status=429, code="rate_limited")
    assert answers[20].headers["retry-after"] == "900"


def test_a_forged_forwarded_for_does_not_escape_the_address_limit(client):
    # given an address at its limit (no trusted proxy: the header is the caller's own words)
    clock.freeze(T0)
    for index in range(20):
        login(client, f"guess{index}@example.com", WRONG)

    # when
    forged = client.post(LOGIN, json={"email": "more@example.com", "password": WRONG},
                         headers={"X-Forwarded-For": "203.0.113.77"})

    # then
    assert_error(forged, status=429, code="rate_limited")


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(client, monkeypatch):
    # given one proxy in front, and one client at its limit
    override_settings(monkeypatch, trusted_proxy_hops=1)
    clock.freeze(T0)
    for index in range(20):
        client.post(LOGIN, json={"email": f"guess{index}@example.com", "password": WRONG},
                    headers={"X-Forwarded-For": "203.0.113.77"})

    # when
    same = client.post(LOGIN, json={"email": "more@example.com", "password": WRONG},
                       headers={"X-Forwarded-For": "10.0.0.1, 203.0.113.77"})
    other = client.post(LOGIN, json={"email": "more@example.com", "password": WRONG},
                        headers={"X-Forwarded-For": "203.0.113.78"})

    # then the entry the proxy appended decides; what the client wrote before it does not
    assert same.status_code == 429
    assert other.status_code == 401


def test_staff_unlock_lets_the_owner_sign_in_at_once(client, ada):
    # given a locked account
    clock.freeze(T0)
    for _ in range(5):
        login(client, ada, WRONG)
    with unit_of_work() as session:
        staff_token = identity.create_session(session, user=factories.make_user(session, role=Role.admin))
        user_id = session.execute(select(User.id).where(User.email == ada)).scalar_one()

    # when
    unlocked = client.post(f"/v1/admin/users/{user_id}/unlock", headers=bearer(staff_token))

    # then
    assert unlocked.status_code == 200, unlocked.text
    assert unlocked.json() == {"user_id": user_id, "failures_cleared": True}
    assert login(client, ada, factories.PASSWORD).status_code == 200


def test_unlock_is_for_staff_only(client, ada):
    # given
    with unit_of_work() as session:
        owner = factories.make_user(session, role=Role.company)
        token = identity.create_session(session, user=owner)

    # when
    response = client.post(f"/v1/admin/users/{owner.id}/unlock", headers=bearer(token))

    # then
    assert_error(response, status=403, code="forbidden")


def test_login_and_register_answers_are_never_stored(client, ada):
    # when
    registered = client.post(REGISTER, json={"email": "new@example.com", "password": factories.PASSWORD,
                                             "display_name": "New", "role": "operator"})
    signed_in = login(client, ada, factories.PASSWORD)

    # then
    for response in (registered, signed_in):
        assert response.status_code in (200, 201), response.text
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["pragma"] == "no-cache"


def test_sign_ups_are_counted_per_address_refusals_included(client, monkeypatch):
    # given a limit of 3 sign-ups per address and hour
    override_settings(monkeypatch, sign_ups_per_address_per_hour=3)
    clock.freeze(T0)
    body = {"email": "taken@example.com", "password": factories.PASSWORD, "display_name": "T", "role": "operator"}

    # when one sign-up and two attempts on the taken e-mail use the allowance
    answers = [client.post(REGISTER, json=body).status_code for _ in range(3)]
    refused = client.post(REGISTER, json=body | {"email": "fresh@example.com"})

    # then
    assert answers == [201, 409, 409]
    assert_error(refused, status=429, code="rate_limited")
    assert refused.headers["retry-after"] == str(3600 + 1)
    assert refused.headers["x-ratelimit-limit"] == "3"
    assert refused.headers["x-ratelimit-remaining"] == "0"
