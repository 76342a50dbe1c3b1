"""Shared steps of the browser tests."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page

from marketplace_app.core.db import unit_of_work
from marketplace_app.identity.models import Role
from marketplace_app.ui import routes
from tests import factories

Url = Callable[[str], str]


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
