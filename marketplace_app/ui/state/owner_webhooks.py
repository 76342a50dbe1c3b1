"""The Webhooks section of an agent's page: its endpoints, the add dialog (pinged first), the
show-once signing secret and the delete confirmation. Changes go through `agents/owner_webhooks.py`."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import reflex as rx
from sqlmodel import Session

from marketplace_app.agents import owner_queries as owners
from marketplace_app.agents import owner_webhooks
from marketplace_app.core.errors import HandoffError, NotFound
from marketplace_app.ui.state.base import role_page
from marketplace_app.ui.state.company_webhooks import MAX_DESCRIPTION_CHARACTERS, MAX_URL_CHARACTERS
from marketplace_app.ui.state.forms import ConfirmAction, ShowOnceSecret, clean_text
from marketplace_app.ui.state.owner import OwnerState
from marketplace_app.ui.state.webhook_views import EndpointRow, endpoint_row


def endpoint_rows(session: Session, user_id: str, *, agent_id: str) -> list[EndpointRow]:
    """The agent's endpoints as cards (another owner's agent is not found)."""
    access = owners.agent_access(session, user_id=user_id, agent_id=agent_id)
    return [endpoint_row(endpoint, {}) for endpoint in owners.agent_endpoints(session, access=access)]


def delete_endpoint(session: Session, user_id: str, *, agent_id: str, endpoint_id: str) -> str:
    """Delete one of the agent's endpoints; returns its URL."""
    return owner_webhooks.delete_agent_endpoint(session, user_id=user_id, agent_id=agent_id,
                                                endpoint_id=endpoint_id).url


class OwnerWebhooksState(ConfirmAction, ShowOnceSecret, OwnerState):
    """The agent's endpoints and the dialogs that change them."""

    agent_id: str = ""
    endpoints: list[EndpointRow] = []
    add_open: bool = False
    add_error: str = ""
    adding: bool = False
    _copied_message: str = "Signing secret copied to the clipboard"
    _confirmable: ClassVar[frozenset[str]] = frozenset({"delete"})

    @rx.event
    @role_page("agent_owner")
    async def load(self):
        """Guard the page, then read the endpoints of the agent named in the URL."""
        self.agent_id = self.router.url.path.rstrip("/").rsplit("/", 1)[-1][:64]
        self.add_open = self.secret_open = self.confirm_open = False
        self.secret = ""
        await self._fetch()

    async def _fetch(self) -> None:
        try:
            self.endpoints = await self._as_owner(endpoint_rows, agent_id=self.agent_id)
        except NotFound:
            self.endpoints = []  # the agent's page says it is not found

    @rx.event
    def open_add(self):
        """Open the add dialog."""
        self.add_error, self.add_open = "", True

    @rx.event
    def set_add_open(self, is_open: bool):
        """Close the add dialog from its own controls."""
        self.add_open = is_open

    @rx.event
    async def add(self, form: dict[str, Any]):
        """Ping the URL and save the endpoint; a refusal (a failed ping included) stays in the dialog."""
        self.add_error, self.adding = "", True
        yield
        try:
            url = clean_text(form.get("url"), field="url", maximum=MAX_URL_CHARACTERS)
            description = clean_text(form.get("description"), field="description",
                                     maximum=MAX_DESCRIPTION_CHARACTERS, required=False)
            saved = await asyncio.to_thread(owner_webhooks.add_agent_endpoint, user_id=self._user_id,
                                            agent_id=self.agent_id, url=url, description=description)
        except HandoffError as exc:
            self.add_error, self.adding = exc.message, False
            return
        self.adding, self.add_open = False, False
        self._show_secret(saved.secret or "", "")
        await self._fetch()

    @rx.event
    async def confirm(self):
        """Delete the endpoint the owner confirmed."""
        _action, endpoint_id = self._take_confirmed()
        yield  # the dialog closes even when the call is refused (the refusal's toast follows)
        url = await self._as_owner(delete_endpoint, agent_id=self.agent_id, endpoint_id=endpoint_id)
        yield rx.toast.success(f"Endpoint {url} deleted: it receives nothing more", close_button=True)
        await self._fetch()
