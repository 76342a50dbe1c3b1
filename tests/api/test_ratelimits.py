"""Hourly limits of the routes that are not an agent's, applied once by the route's declared
access: dashboard-session routes per user, public routes and the waitlist per client address,
with `X-RateLimit-Limit/Remaining/Reset` and `429 rate_limited` + `Retry-After` past the limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from marketplace_app.api.access import ACCESS_KEY
from marketplace_app.api.app import create_api
from marketplace_app.api.ratelimits import rule_of
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import Role
from marketplace_app.ratelimit.service import Rule
from tests import factories
from tests.support import assert_error, override_settings, run_concurrently

ME, WAITLIST, HEALTH, BROWSER_LOGOUT = "/v1/auth/me", "/v1/waitlist", "/v1/health", "/v1/auth/browser-logout"
T0 = datetime(2026, 3, 2, 9, 59, 30, tzinfo=UTC)
RESET = str(int(datetime(2026, 3, 2, 10, 0, tzinfo=UTC).timestamp()))


def session_token(role: Role = Role.company) -> str:
    with unit_of_work() as session:
        return identity.create_session(session, user=factories.make_user(session, role=role))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def rate_headers(response) -> dict[str, str | None]:
    return {name: response.headers.get(name) for name in
            ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")}


def joiner(index: int) -> dict[str, str]:
    return {"type": "company", "email": f"founder{index}@acme.example", "name": "Founder"}


def test_130_dashboard_session_reads_are_cut_off_past_the_limit_with_headers(client, monkeypatch):
    # given a limit of 120 calls per user and hour
    override_settings(monkeypatch, session_requests_per_user_per_hour=120)
    clock.freeze(T0)
    token = session_token()

    # when
    answers = [client.get(ME, headers=bearer(token)) for _ in range(130)]

    # then
    assert [answer.status_code for answer in answers] == [200] * 120 + [429] * 10
    assert rate_headers(answers[0]) == {"x-ratelimit-limit": "120", "x-ratelimit-remaining": "119",
                                        "x-ratelimit-reset": RESET}
    assert rate_headers(answers[119])["x-ratelimit-remaining"] == "0"
    assert_error(answers[120], status=429, code="rate_limited")
    assert answers[120].headers["retry-after"] == "31"
    assert rate_headers(answers[129]) == {"x-ratelimit-limit": "120", "x-ratelimit-remaining": "0",
                                          "x-ratelimit-reset": RESET}


def test_the_session_limit_is_per_user_and_resets_on_the_hour(client, monkeypatch):
    # given one user at the limit
    override_settings(monkeypatch, session_requests_per_user_per_hour=3)
    clock.freeze(T0)
    spent, fresh = session_token(), session_token(Role.operator)
    for _ in range(3):
        client.get(ME, headers=bearer(spent))

    # when / then
    assert client.get(ME, headers=bearer(spent)).status_code == 429
    assert client.get(ME, headers=bearer(fresh)).status_code == 200
    clock.advance(timedelta(seconds=31))
    assert client.get(ME, headers=bearer(spent)).status_code == 200


def test_an_unauthenticated_session_call_is_refused_without_counting(client):
    # when
    response = client.get(ME, headers=bearer("ses_unknown"))

    # then
    assert_error(response, status=401, code="unauthorized")
    assert rate_headers(response) == dict.fromkeys(("x-ratelimit-limit", "x-ratelimit-remaining",
                                                    "x-ratelimit-reset"))


def test_company_operator_and_staff_routes_are_counted_too(client, monkeypatch):
    # given
    override_settings(monkeypatch, session_requests_per_user_per_hour=1)
    calls = [("/v1/dashboard/projects", Role.company), ("/v1/operator/profile", Role.operator),
             ("/v1/admin/kyc", Role.admin)]

    for path, role in calls:
        token = session_token(role)

        # when
        first, second = client.get(path, headers=bearer(token)), client.get(path, headers=bearer(token))

        # then
        assert first.status_code == 200, (path, first.text)
        assert first.headers["x-ratelimit-limit"] == "1"
        assert_error(second, status=429, code="rate_limited")


def test_41_waitlist_sign_ups_from_one_address_get_429(client):
    # given
    clock.freeze(T0)

    # when
    answers = [client.post(WAITLIST, json=joiner(index)) for index in range(41)]

    # then the default allows 20 an hour
    assert [answer.status_code for answer in answers] == [201] * 20 + [429] * 21
    assert assert_error(answers[20], status=429, code="rate_limited").startswith("Rate limit of 20 waitlist")
    assert answers[20].headers["retry-after"] == "31"
    assert rate_headers(answers[0]) == {"x-ratelimit-limit": "20", "x-ratelimit-remaining": "19",
                                        "x-ratelimit-reset": RESET}


def test_public_routes_are_limited_per_address(client, monkeypatch):
    # given
    override_settings(monkeypatch, public_requests_per_address_per_hour=5)

    # when
    answers = [client.get(BROWSER_LOGOUT, follow_redirects=False) for _ in range(6)]

    # then
    assert [answer.status_code for answer in answers] == [303] * 5 + [429]
    assert [answer.headers["x-ratelimit-remaining"] for answer in answers] == ["4", "3", "2", "1", "0", "0"]
    assert_error(answers[5], status=429, code="rate_limited")


def test_the_health_check_is_never_limited(client, monkeypatch):
    # given
    override_settings(monkeypatch, public_requests_per_address_per_hour=1)

    # when
    answers = [client.get(HEALTH) for _ in range(3)]

    # then
    assert [answer.status_code for answer in answers] == [200] * 3
    assert "x-ratelimit-limit" not in answers[2].headers


def test_concurrent_session_calls_get_exactly_the_limit(monkeypatch):
    # given
    override_settings(monkeypatch, session_requests_per_user_per_hour=10)
    token = session_token()
    api = create_api()

    # when 20 calls start at once
    def call(_index: int) -> int:
        with TestClient(api, raise_server_exceptions=False) as own_client:
            return own_client.get(ME, headers=bearer(token)).status_code

    answers = run_concurrently(20, call)

    # then
    assert sorted(answers) == [200] * 10 + [429] * 10


def test_every_route_but_agent_ones_and_the_health_check_has_an_hourly_rule():
    # given
    contexts = [context for context in iter_route_contexts(create_api().routes)
                if isinstance(context.original_route, APIRoute)]

    # when
    rules = {context.path: rule_of(context.openapi_extra) for context in contexts}
    levels = {context.path: (context.openapi_extra or {}).get(ACCESS_KEY) for context in contexts}

    # then login, sign-up and agent registration are throttled by their services instead
    unlimited = {path for path, rule in rules.items() if rule is None}
    assert {path for path in unlimited if levels[path] not in ("api_key", "api_key_or_session")} == {
        "/v1/health", "/v1/auth/login", "/v1/auth/register", "/v1/agents/register"}
    assert rules["/v1/waitlist"] is Rule.waitlist
    assert rules["/v1/auth/me"] is Rule.session
    assert rules["/v1/admin/kyc"] is Rule.session


def test_unknown_api_paths_are_counted_as_public_calls(client, monkeypatch):
    # given
    override_settings(monkeypatch, public_requests_per_address_per_hour=1)

    # when
    first, second = client.get("/v1/no-such-thing"), client.get("/v1/no-such-thing")

    # then
    assert_error(first, status=404, code="not_found")
    assert_error(second, status=429, code="rate_limited")


@pytest.mark.parametrize("path", ["/v1/auth/me", "/v1/waitlist", "/v1/auth/login", "/v1/dashboard/projects",
                                  "/v1/admin/users/{user_id}/unlock"])
def test_the_openapi_document_lists_429(client, path):
    # when
    operations = client.get("/v1/openapi.json").json()["paths"][path]

    # then
    assert all("429" in operation["responses"] for operation in operations.values())
