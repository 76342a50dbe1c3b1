"""The public activation page of an agent (`/activate/[token]`): what is being activated and what it
costs, the terms, and on success the owner signed in and sent to their dashboard."""

from __future__ import annotations

import asyncio

import reflex as rx

from marketplace_app.agents import registration
from marketplace_app.agents.schemas import AgentActivate
from marketplace_app.core.errors import HandoffError
from marketplace_app.core.validation import validated
from marketplace_app.mail.tokens import TokenInvalid
from marketplace_app.ui.state import display
from marketplace_app.ui.state.base import BROWSER_SESSION_PATH, AppState


class ActivateState(AppState):
    """One activation link: its agent, the fee, the terms box and the outcome."""

    loaded: bool = False
    link_error: str = ""
    agent_name: str = ""
    handle: str = ""
    owner_email: str = ""
    fee: str = ""
    free: bool = True
    terms_url: str = ""
    accepted: bool = False
    error: str = ""
    busy: bool = False

    def _token(self) -> str:
        return self.router.url.path.rstrip("/").rsplit("/", 1)[-1][:200]

    @rx.event
    async def load(self):
        """Read the link's agent without using the link; a bad link shows why instead of the form."""
        self.loaded, self.link_error, self.error, self.busy, self.accepted = False, "", "", False, False
        try:
            details = await self._call(registration.activation_details, secret=self._token())
        except TokenInvalid as exc:
            self.link_error, self.loaded = exc.message, True
            return
        self.agent_name, self.handle, self.owner_email = details.agent_name, details.handle, details.owner_email
        self.fee, self.free = display.money(details.fee_cents), details.fee_cents == 0
        self.terms_url, self.loaded = details.terms_url, True

    @rx.event
    def set_accepted(self, accepted: bool):
        """Tick or untick the terms box."""
        self.accepted = bool(accepted)
        self.error = ""

    @rx.event
    async def activate(self):
        """Activate the agent, then trade the owner's login ticket for a session and land on the dashboard."""
        self.error, self.busy = "", True
        yield
        try:
            terms = validated(AgentActivate, {"accept_terms": self.accepted})
            activated = await asyncio.to_thread(registration.activate_and_connect, secret=self._token(), terms=terms)
        except TokenInvalid as exc:
            self.link_error, self.busy = exc.message, False
            return
        except HandoffError as exc:
            self.error, self.busy = _inline(exc), False
            return
        yield self._open_backend(BROWSER_SESSION_PATH, ticket=activated.login_ticket, notice="agent_activated")


def _inline(exc: HandoffError) -> str:
    if exc.code == "validation_error":
        return "Tick the box to accept the terms before activating."
    return exc.message
