"""Shared steps of the browser tests."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from playwright.sync_api import Page

from marketplace_app.api.app import create_api
from marketplace_app.core.db import unit_of_work
from marketplace_app.identity.models import Role
from marketplace_app.ui import routes
from tests import factories

Url = Callable[[str], str]
REQUEST_BODY = {"skill": "legal_review", "urgency": "5min", "duration": "15min", "max_price": "8.00EUR",
                "context": "Review NDA clause 4.2 for compliance with Spanish labor law"}


def make_user(*, role: Role, display_name: str = "Test User", email: str | None = None) -> str:
    """Create a user with the factories' password; return their e-mail."""
    with unit_of_work() as session:
        return factories.make_user(session, role=role, display_name=display_name, email=email).email


def sign_in(page: Page, url: Url, *, email: str, password: str = factories.PASSWORD) -> None:
    """Fill in and submit the login form."""
    page.goto(url(routes.LOGIN))
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("#login-submit").click()


def company_with_a_request(*, email: str, company_name: str = "Readable Ltd") -> str:
    """A funded company user with a project, a live key and one request made through the API; returns
    the request's id (so every company list has a row, and every ledger a line)."""
    with unit_of_work() as session:
        user = factories.make_user(session, role=Role.company, email=email, company_name=company_name)
        company = session.exec(factories.companies_for(user.id)).one()
        factories.fund(session, company=company, cents=5_000)
        secret = factories.make_key(session, project=factories.make_project(session, company=company))
    created = TestClient(create_api()).post("/v1/requests", json=REQUEST_BODY,
                                            headers={"Authorization": f"Bearer {secret}"})
    assert created.status_code == 201, created.text
    return created.json()["request_id"]
