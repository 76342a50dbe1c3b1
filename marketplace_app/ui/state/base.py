"""`AppState`: who is signed in (from the HttpOnly session cookie) and how services are called.

Handlers never touch the database on the event loop: `_call` runs a service in a
worker thread inside one unit of work. A `HandoffError` a handler does not catch becomes one
toast in `ui/errors.py` (the app's `backend_exception_handler`), in the same words the API
sends; a handler catches it only to show it inline (and then shows no toast).
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit, urlunsplit

import reflex as rx
from reflex.config import get_config

from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import HandoffError, Unauthorized
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import User
from marketplace_app.ui import routes

SESSION_COOKIE = "handoff_session"
BROWSER_SESSION_PATH = "/v1/auth/browser-session"
BROWSER_LOGOUT_PATH = "/v1/auth/browser-logout"
# The host names Reflex's frontend swaps for the page's own host (`getBackendURL` in state.js).
SAME_DOMAIN_HOSTNAMES = frozenset({"localhost", "0.0.0.0", "::", "0:0:0:0:0:0:0:0"})
ROLE_LABELS = {"company": "Company", "operator": "Operator", "agent_owner": "Agent owner", "admin": "Admin"}
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

    @rx.var
    def role_label(self) -> str:
        """The signed-in user's role in plain words."""
        return ROLE_LABELS.get(self.user_role, "")

    @rx.var
    def user_initial(self) -> str:
        """One letter for the avatar."""
        return (self.user_name or self.user_email or "?")[:1].upper()

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
    async def load_visitor(self):
        """on_load for pages anyone may open (the 404 page): who is signed in, if anyone; never redirects."""
        user = await self._load_user()
        if user is None:
            self.user_email = self.user_name = self.user_role = self._user_id = ""
            return
        self.user_email, self.user_name, self.user_role, self._user_id = (
            user.email, user.display_name, user.role, user.id)

    @rx.event
    async def require_signed_in(self):
        """on_load guard for any signed-in page."""
        return await self._require()

    @rx.event
    async def require_role(self, role: str):
        """on_load guard for a page of one role."""
        return await self._require(role)

    @rx.event
    async def go_home(self):
        """Send the visitor to their dashboard, or to the login page if nobody is signed in."""
        redirect = await self._require()
        return redirect or rx.redirect(routes.home_for_role(self.user_role), replace=True)

    @rx.event
    def show_landing_notice(self):
        """on_load of every dashboard page: the notice a sign-in landed with (`?notice=<key>`)."""
        template = routes.LANDING_NOTICES.get(self.router.url.query_parameters.get("notice", ""))
        if template is None or not self.signed_in:
            return None
        return rx.toast.success(template.format(email=self.user_email), close_button=True)

    @rx.event
    def sign_out(self):
        """End the browser session on the API (which clears the HttpOnly cookie) and land on login."""
        return self._open_backend(BROWSER_LOGOUT_PATH)

    def _open_backend(self, path: str, **query: str) -> rx.event.EventSpec:
        """Navigate the whole page to an API route (a full load, so cookies are set and sent).

        `rx.redirect` would route a same-origin URL inside the single-page app, which never
        reaches the API in a single-port deployment; `location.assign` always does.
        """
        url = backend_url(path, query=query, page_url=str(self.router.url))
        return rx.call_script(f"window.location.assign({json.dumps(url)})")

    async def _call(self, service: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run `service(session, *args, **kwargs)` in one unit of work off the event loop."""
        def run() -> T:
            with unit_of_work() as session:
                return service(session, *args, **kwargs)

        return await asyncio.to_thread(run)


def role_page(role: str) -> Callable[[Callable[[Any], Awaitable[Any]]], Callable[[Any], Awaitable[Any]]]:
    """The one guard of a role's page loader: sign-in and role first, then the page's own reading.

    Put it under `@rx.event` on an `on_load` handler of an `AppState` subclass; a visitor who is
    not signed in goes to the login page, one of another role to their own home, and the
    loader's body runs only for the role.

    Args:
        role: The role the page is for (`company`, `operator`, `admin`).

    Returns:
        A decorator for `async def load(self)`.
    """
    def guard(load: Callable[[Any], Awaitable[Any]]) -> Callable[[Any], Awaitable[Any]]:
        @functools.wraps(load)
        async def guarded(self: AppState) -> Any:
            redirect = await self._require(role)
            if redirect:
                return redirect
            return await load(self)
        return guarded
    return guard


def backend_url(path: str, *, query: dict[str, str] | None = None, page_url: str = "") -> str:
    """The absolute URL of an API route, resolved the way Reflex's frontend resolves its backend.

    A `localhost`-style `api_url` is rewritten to the page's own host name (and to https
    without a port on an https page), so the session cookie lands on the same host that
    the websocket connects to.
    """
    api = urlsplit(get_config().api_url)
    page = urlsplit(page_url)
    scheme, netloc = api.scheme, api.netloc
    if api.hostname in SAME_DOMAIN_HOSTNAMES and page.hostname:
        host = f"[{page.hostname}]" if ":" in page.hostname else page.hostname
        netloc = host if page.scheme == "https" or not api.port else f"{host}:{api.port}"
        scheme = "https" if page.scheme == "https" else scheme
    return urlunsplit((scheme, netloc, api.path.rstrip("/") + path, urlencode(query or {}), ""))


def _read_user(token: str) -> User:
    with unit_of_work(read_only=True) as session:
        return identity.user_for_token(session, token)


__all__ = ["AppState", "Unauthorized", "backend_url", "role_page"]
