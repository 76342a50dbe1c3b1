"""`AppState`: who is signed in (from the HttpOnly session cookie) and how services are called.

Handlers never touch the database on the event loop: `_call` runs a service in a
worker thread inside one unit of work and turns a `HandoffError` into a toast
with the same message the API would send.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any, TypeVar

import reflex as rx

from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import HandoffError, Unauthorized
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import User
from marketplace_app.ui import routes

SESSION_COOKIE = "handoff_session"
T = TypeVar("T")


class AppState(rx.State):
    """The signed-in user, shared by every page."""

    user_email: str = ""
    user_name: str = ""
    user_role: str = ""
    _user_id: str = ""

    @rx.var
    def signed_in(self) -> bool:
        """Whether a user is signed in."""
        return bool(self.user_role)

    def _session_token(self) -> str:
        cookie = SimpleCookie()
        cookie.load(self.router.headers.cookie or "")
        morsel = cookie.get(SESSION_COOKIE)
        return morsel.value if morsel else ""

    async def _load_user(self) -> User | None:
        token = self._session_token()
        if not token:
            return None
        try:
            return await asyncio.to_thread(_read_user, token)
        except HandoffError:
            return None

    async def _require(self, *roles: str):
        """Load the user; redirect to login (or their own home) if they may not see this page."""
        user = await self._load_user()
        if user is None:
            self.user_email = self.user_name = self.user_role = self._user_id = ""
            return rx.redirect(routes.LOGIN)
        self.user_email, self.user_name, self.user_role, self._user_id = (
            user.email, user.display_name, user.role, user.id)
        if roles and user.role not in roles:
            return rx.redirect(routes.home_for_role(user.role))
        return None

    @rx.event
    async def require_signed_in(self):
        """on_load guard for any signed-in page."""
        return await self._require()

    async def _call(self, service: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run `service(session, *args, **kwargs)` in one unit of work off the event loop."""
        def run() -> T:
            with unit_of_work() as session:
                return service(session, *args, **kwargs)

        return await asyncio.to_thread(run)


def _read_user(token: str) -> User:
    with unit_of_work(read_only=True) as session:
        return identity.user_for_token(session, token)


def error_toast(exc: HandoffError):
    """Show a refusal the way the API words it."""
    return rx.toast.error(exc.message, close_button=True)


__all__ = ["AppState", "Unauthorized", "error_toast"]
