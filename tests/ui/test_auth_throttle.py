"""The dashboard's sign-in and sign-up forms obey the API's throttle: they call the same service
(`login_ticket`, `sign_up_ticket`, run in one unit of work as `AppState._call` runs them), and the
counters are shared with the API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import RateLimited, Unauthorized
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import Role
from marketplace_app.ui.state.auth import login_ticket, sign_up_ticket
from tests import factories
from tests.support import assert_error, override_settings, shared_api

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADDRESS = "198.51.100.7"
WRONG = "not-the-password"


@pytest.fixture
def ada() -> str:
    with unit_of_work() as session:
        return factories.make_user(session, email="ada@example.com").email


@pytest.fixture
def api() -> Iterator[TestClient]:
    """An API client calling from `ADDRESS`, as the same person's browser would."""
    with TestClient(shared_api(), raise_server_exceptions=False, client=(ADDRESS, 50000)) as client:
        yield client


def dashboard_login(email: str, password: str, *, address: str = ADDRESS) -> str:
    with unit_of_work() as session:
        return login_ticket(session, email=email, password=password, address=address)


def test_five_failed_dashboard_sign_ins_lock_the_account_on_both_doors(ada, api):
    # given
    clock.freeze(T0)
    for _ in range(5):
        with pytest.raises(Unauthorized):
            dashboard_login(ada, WRONG)

    # when
    with pytest.raises(RateLimited) as on_the_dashboard:
        dashboard_login(ada, factories.PASSWORD)
    on_the_api = api.post("/v1/auth/login", json={"email": ada, "password": factories.PASSWORD})

    # then the form shows when the lock ends, in the API's words
    assert "temporarily locked" in on_the_dashboard.value.message
    assert "09:00:30 UTC" in on_the_dashboard.value.message
    assert assert_error(on_the_api, status=429, code="rate_limited") == on_the_dashboard.value.message


def test_api_failures_lock_the_dashboard_form_until_the_wait_is_over(ada, api):
    # given
    clock.freeze(T0)
    for _ in range(5):
        assert api.post("/v1/auth/login", json={"email": ada, "password": WRONG}).status_code == 401

    # when / then
    with pytest.raises(RateLimited):
        dashboard_login(ada, factories.PASSWORD, address="203.0.113.9")
    clock.advance(timedelta(seconds=30))
    assert dashboard_login(ada, factories.PASSWORD).startswith("tkt_")


def test_the_sign_up_form_and_the_api_share_the_per_address_count(api, monkeypatch):
    # given two sign-ups allowed per address and hour, one used by the form
    override_settings(monkeypatch, sign_ups_per_address_per_hour=2)
    clock.freeze(T0)
    form = identity.SignUp(email="first@example.com", password=factories.PASSWORD, display_name="First",
                           role=Role.operator)
    with unit_of_work() as session:
        assert sign_up_ticket(session, form, address=ADDRESS).startswith("tkt_")

    # when
    second = api.post("/v1/auth/register", json={"email": "second@example.com", "password": factories.PASSWORD,
                                                 "display_name": "Second", "role": "operator"})

    # then the third, from the form, is refused
    assert second.status_code == 201, second.text
    with pytest.raises(RateLimited) as refused, unit_of_work() as session:
        sign_up_ticket(session, form, address=ADDRESS)
    assert refused.value.headers["X-RateLimit-Limit"] == "2"
