"""Dashboard sign-in: a one-time ticket becomes an HttpOnly cookie; logout clears it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from marketplace_app.api.app import create_api
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import AuthSession, Role, User
from marketplace_app.settings import get_settings
from marketplace_app.ui.routes import home_for_role
from tests import factories
from tests.support import assert_error, row_counts, run_concurrently

BROWSER_SESSION, BROWSER_LOGOUT, ME = "/v1/auth/browser-session", "/v1/auth/browser-logout", "/v1/auth/me"


def make_ticket(*, role: Role = Role.company) -> tuple[User, str]:
    """A user and a fresh login ticket for them."""
    with unit_of_work() as session:
        user = factories.make_user(session, role=role)
        return user, identity.issue_login_ticket(session, user=user)


def redeem(client: TestClient, ticket: str):
    return client.get(BROWSER_SESSION, params={"ticket": ticket}, follow_redirects=False)


def session_cookie(response) -> SimpleCookie:
    cookie = SimpleCookie()
    cookie.load(response.headers["set-cookie"])
    assert "handoff_session" in cookie, response.headers["set-cookie"]
    return cookie


def assert_sent_to_login(response) -> None:
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}" == get_settings().app_url
    assert location.path == "/login"
    assert parse_qs(location.query)["error"][0]
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize("role", list(Role))
def test_a_valid_ticket_lands_on_the_role_home_with_an_httponly_cookie(client, role):
    # given
    user, ticket = make_ticket(role=role)

    # when
    response = redeem(client, ticket)

    # then
    assert response.status_code == 303
    assert response.headers["location"] == get_settings().app_url + home_for_role(role)
    morsel = session_cookie(response)["handoff_session"]
    assert morsel.value.startswith("ses_")
    assert morsel["httponly"] is True
    assert morsel["samesite"].lower() == "lax"
    assert morsel["path"] == "/"
    assert int(morsel["max-age"]) == get_settings().session_ttl_hours * 3600
    assert not morsel["secure"]
    me = client.get(ME)  # the client sends the cookie back, as a browser would
    assert me.status_code == 200
    assert me.json()["id"] == user.id


def test_the_cookie_is_secure_when_the_dashboard_is_served_over_https(client, monkeypatch):
    # given
    monkeypatch.setenv("APP_URL", "https://handoff.example")
    get_settings.cache_clear()
    _user, ticket = make_ticket()

    # when
    response = redeem(client, ticket)

    # then
    assert response.headers["location"] == "https://handoff.example/company"
    assert session_cookie(response)["handoff_session"]["secure"] is True


def test_a_ticket_works_only_once(client):
    # given
    _user, ticket = make_ticket()
    assert redeem(client, ticket).status_code == 303
    before = row_counts()

    # when
    again = redeem(client, ticket)

    # then
    assert_sent_to_login(again)
    assert row_counts() == before


@pytest.mark.parametrize("ticket", ["", "tkt_unknown", "x" * 5000, "tkt_\x00"], ids=["empty", "unknown", "huge", "nul"])
def test_an_unknown_ticket_sends_the_browser_to_login(client, ticket):
    # given
    make_ticket()
    before = row_counts()

    # when
    response = redeem(client, ticket)

    # then
    assert_sent_to_login(response)
    assert row_counts() == before


def test_a_ticket_expires_after_sixty_seconds(client):
    # given
    clock.freeze(datetime(2030, 1, 1, 12, 0, tzinfo=UTC))
    _user, fresh = make_ticket()
    _user, stale = make_ticket()

    # when
    clock.advance(timedelta(seconds=59))
    fresh_response = redeem(client, fresh)
    clock.advance(timedelta(seconds=2))
    stale_response = redeem(client, stale)

    # then
    assert fresh_response.status_code == 303
    assert urlsplit(fresh_response.headers["location"]).path == "/company"
    assert_sent_to_login(stale_response)


def test_twenty_concurrent_redemptions_of_one_ticket_open_exactly_one_session():
    # given
    user, ticket = make_ticket()

    # when
    def attempt(_index: int) -> str:
        with TestClient(create_api(), raise_server_exceptions=False) as own_client:
            response = redeem(own_client, ticket)
            assert response.status_code == 303, response.text
            return urlsplit(response.headers["location"]).path

    landings = run_concurrently(20, attempt)

    # then
    assert sorted(landings) == ["/company"] + ["/login"] * 19
    with unit_of_work(read_only=True) as session:
        kinds = session.execute(select(AuthSession.kind).where(AuthSession.user_id == user.id)).scalars().all()
    assert kinds == ["browser"]


def test_browser_logout_clears_the_cookie_and_revokes_the_session(client):
    # given
    _user, ticket = make_ticket()
    token = session_cookie(redeem(client, ticket))["handoff_session"].value
    assert client.get(ME).status_code == 200

    # when
    response = client.get(BROWSER_LOGOUT, follow_redirects=False)

    # then
    assert response.status_code == 303
    assert response.headers["location"] == get_settings().app_url + "/login"
    cleared = session_cookie(response)["handoff_session"]
    assert cleared.value == "" and int(cleared["max-age"]) <= 0
    assert "handoff_session" not in client.cookies
    assert_error(client.get(ME, headers={"Authorization": f"Bearer {token}"}), status=401, code="unauthorized")


def test_browser_logout_without_a_cookie_still_lands_on_login(client):
    # when
    response = client.get(BROWSER_LOGOUT, follow_redirects=False)

    # then
    assert response.status_code == 303
    assert urlsplit(response.headers["location"]).path == "/login"


@pytest.mark.parametrize(("notice", "passed_on"), [("agent_activated", True), ("You are hacked", False)])
def test_a_known_landing_notice_is_passed_on_and_any_other_text_dropped(client, notice, passed_on):
    # given
    _user, ticket = make_ticket(role=Role.agent_owner)

    # when
    response = client.get(BROWSER_SESSION, params={"ticket": ticket, "notice": notice}, follow_redirects=False)

    # then
    landing = get_settings().app_url + home_for_role(Role.agent_owner)
    assert response.headers["location"] == (landing + "?notice=agent_activated" if passed_on else landing)
