"""Sign-in and sign-up: check the form through the identity service, then hand the browser a
one-time ticket that the API trades for the HttpOnly session cookie."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx
from sqlmodel import Session

from marketplace_app.core.errors import HandoffError
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import Role
from marketplace_app.ui import routes
from marketplace_app.ui.state.base import BROWSER_SESSION_PATH, AppState

SIGN_UP_ROLES = ("company", "operator", "agent_owner")


def login_ticket(session: Session, *, email: str, password: str, address: str) -> str:
    """Check the credentials (throttled as on the API) and return a one-time browser login ticket."""
    user = identity.authenticate(session, email=email, password=password, address=address)
    return identity.issue_login_ticket(session, user=user)


def sign_up_ticket(session: Session, form: identity.SignUp, *, address: str) -> str:
    """Open the account (counted per address as on the API) and return a one-time browser login ticket."""
    user = identity.register(session, form, address=address)
    return identity.issue_login_ticket(session, user=user)


class AuthFormState(AppState):
    """What the two public forms share: an inline error and a busy flag."""

    error: str = ""
    busy: bool = False

    def _client_address(self) -> str:
        # Reflex resolves it from the socket's peer, or from X-Forwarded-For behind the
        # TRUSTED_PROXY_HOPS proxies rxconfig.py passes on: the API's rule.
        return self.router.session.client_ip or "unknown"

    async def _redirect_if_signed_in(self):
        user = await self._load_user()
        return rx.redirect(routes.home_for_role(user.role), replace=True) if user else None

    async def _submit(self, service: Callable[..., str], /, **kwargs: Any):
        """Run `service` for a ticket, then send the browser to trade it for the session cookie."""
        self.error, self.busy = "", True
        yield
        try:
            ticket = await self._call(service, **kwargs)
        except HandoffError as exc:
            self.error, self.busy = exc.message, False
            return
        yield self._open_backend(BROWSER_SESSION_PATH, ticket=ticket)


class LoginState(AuthFormState):
    """The sign-in form."""

    @rx.event
    async def load(self):
        """Show an error passed back by the ticket route; skip the form when already signed in."""
        self.busy = False
        self.error = self.router.url.query_parameters.get("error", "")[:200]
        return await self._redirect_if_signed_in()

    @rx.event
    async def submit(self, form: dict[str, Any]):
        """Sign in with the e-mail and password from the form."""
        async for update in self._submit(login_ticket, email=str(form.get("email", "")),
                                         password=str(form.get("password", "")), address=self._client_address()):
            yield update


class SignUpState(AuthFormState):
    """The sign-up form; the role is controlled so the company name shows only for companies."""

    role: str = "company"

    @rx.event
    def set_role(self, role: str):
        """Choose what kind of account to open."""
        if role in SIGN_UP_ROLES:
            self.role = role

    @rx.event
    async def load(self):
        """Start with a clean form; skip it when already signed in."""
        self.error, self.busy = "", False
        return await self._redirect_if_signed_in()

    @rx.event
    async def submit(self, form: dict[str, Any]):
        """Open an account from the form and sign it in."""
        sign_up = identity.SignUp(
            email=str(form.get("email", "")), password=str(form.get("password", "")),
            display_name=str(form.get("display_name", "")), role=Role(self.role),
            company_name=(str(form.get("company_name", "")).strip() or None) if self.role == "company" else None,
        )
        async for update in self._submit(sign_up_ticket, form=sign_up, address=self._client_address()):
            yield update
