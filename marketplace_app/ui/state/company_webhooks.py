"""The webhooks page: a project's endpoints, the add dialog with its verification ping, the
show-once secret, per-endpoint actions, and the delivery log with each delivery's attempts."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import reflex as rx

from marketplace_app.companies.access import CompanyActor, resolve_actor
from marketplace_app.core.errors import HandoffError, ValidationFailed
from marketplace_app.settings import get_settings
from marketplace_app.ui.state import webhook_views as views
from marketplace_app.ui.state.base import role_page
from marketplace_app.ui.state.company import CompanyState, Pages
from marketplace_app.ui.state.forms import ConfirmAction, ShowOnceSecret, clean_text
from marketplace_app.ui.state.webhook_views import EndpointRow
from marketplace_app.webhooks.service import PingFailed

MAX_URL_CHARACTERS = 2048
MAX_DESCRIPTION_CHARACTERS = 200


class WebhooksState(ConfirmAction, ShowOnceSecret, Pages, CompanyState):
    """Endpoints of the chosen project and, below them, one endpoint's delivery log (paginated)."""

    projects: list[dict[str, str]] = []
    project_id: str = ""
    endpoints: list[EndpointRow] = []
    can_write: bool = False
    loaded: bool = False
    add_open: bool = False
    add_error: str = ""
    ping_failed: bool = False
    adding: bool = False
    all_events: bool = True
    _copied_message: str = "Signing secret copied to the clipboard"
    log_endpoint_id: str = ""
    log_url: str = ""
    log_filter: str = views.ALL
    log_rows: list[dict[str, str]] = []
    detail_open: bool = False
    detail: dict[str, str] = {}
    detail_fields: list[dict[str, str]] = []
    attempts: list[dict[str, str]] = []
    grace_hours: int = 24
    _pending: dict[str, Any] = {}
    _confirmable: ClassVar[frozenset[str]] = frozenset({"delete", "rotate"})

    @rx.event
    @role_page("company")
    async def load(self):
        """Guard the page, open the project named in `?project=` (or the first), read its endpoints."""
        self.grace_hours = get_settings().key_rotation_grace_hours
        self.add_open = self.secret_open = self.confirm_open = self.detail_open = False
        self.secret, self.log_endpoint_id, self.log_rows = "", "", []
        return await self._refresh(self.router.url.query_parameters.get("project", "")[:40])

    async def _refresh(self, project_id: str | None = None):
        snapshot = await self._as_member(views.webhooks_snapshot, project_id=project_id or self.project_id)
        self.projects, self.project_id = snapshot["projects"], snapshot["project_id"]
        self.endpoints, self.can_write, self.loaded = snapshot["endpoints"], snapshot["can_write"], True
        return None

    async def _actor(self) -> CompanyActor:
        return await self._call(resolve_actor, self._user_id)

    @rx.event
    async def choose_project(self, project_id: str):
        """Show another project's endpoints."""
        self.log_endpoint_id, self.log_rows = "", []
        return await self._refresh(project_id)

    @rx.event
    def open_add(self):
        """Open the add dialog with every event chosen."""
        self.add_error, self.ping_failed, self.all_events, self._pending = "", False, True, {}
        self.add_open = True

    @rx.event
    def set_add_open(self, is_open: bool):
        """Close the add dialog from its own controls."""
        self.add_open = is_open

    @rx.event
    def set_all_events(self, on: bool):
        """Receive every event, or only the ticked types."""
        self.all_events = bool(on)

    @rx.event
    async def add(self, form: dict[str, Any]):
        """Ping the URL and save the endpoint; a failed ping stays in the dialog with a way to save it disabled."""
        try:
            self._pending = {
                "url": clean_text(form.get("url"), field="url", maximum=MAX_URL_CHARACTERS),
                "description": clean_text(form.get("description"), field="description",
                                          maximum=MAX_DESCRIPTION_CHARACTERS, required=False),
                "types": views.chosen_types(form, all_events=self.all_events)}
        except ValidationFailed as exc:
            self.add_error, self.ping_failed = exc.message, False
            return
        async for update in self._save(save_disabled=False):
            yield update

    @rx.event
    async def add_disabled(self):
        """Save the endpoint whose ping failed, disabled; it can be enabled once the receiver answers."""
        if not self._pending:
            return
        async for update in self._save(save_disabled=True):
            yield update

    async def _save(self, *, save_disabled: bool):
        self.add_error, self.ping_failed, self.adding = "", False, True
        yield
        try:
            pending = self._pending
            types = None if pending["types"] is None else list(pending["types"])
            saved = await asyncio.to_thread(views.add_endpoint, await self._actor(), project_id=self.project_id,
                                            url=str(pending["url"]), types=types,
                                            description=str(pending["description"]), save_disabled=save_disabled)
        except HandoffError as exc:
            self.adding, self.add_error = False, exc.message
            self.ping_failed = isinstance(exc, PingFailed)
            return
        self.adding, self.add_open, self._pending = False, False, {}
        note = f"Saved disabled: the verification ping failed ({saved['ping_error']})." if saved["ping_error"] else ""
        self._show_secret(saved["secret"], note)
        yield await self._refresh()

    @rx.event
    async def confirm(self):
        """Delete the endpoint, or rotate its secret and show the new one once."""
        action, endpoint_id = self._take_confirmed()
        yield  # the dialog closes even when the call is refused (the refusal's toast follows)
        if action == "delete":
            url = await self._as_member(views.delete, endpoint_id=endpoint_id)
            done = rx.toast.success(f"Endpoint {url} deleted: it receives nothing more", close_button=True)
            if self.log_endpoint_id == endpoint_id:
                self.log_endpoint_id, self.log_rows = "", []
        else:
            secret = await self._as_member(views.rotate, endpoint_id=endpoint_id)
            self._show_secret(secret, f"The previous secret also signs deliveries for {self.grace_hours} h: "
                                      "move your receiver to this one.")
            done = None
        yield done
        yield await self._refresh()

    @rx.event
    async def set_enabled(self, endpoint_id: str, enabled: bool):
        """Enable (the receiver is pinged first) or disable an endpoint."""
        url = await asyncio.to_thread(views.switch, await self._actor(), endpoint_id=endpoint_id,
                                      enabled=enabled)
        refreshed = await self._refresh()
        return refreshed or rx.toast.success(f"{url} {'enabled' if enabled else 'disabled'}", close_button=True)

    @rx.event
    async def send_test(self, endpoint_id: str):
        """Queue a test event to one endpoint and open its delivery log."""
        event_id = await self._as_member(views.send_test, endpoint_id=endpoint_id)
        await self._refresh()
        await self._open_log(endpoint_id)
        return rx.toast.success(f"Test event {event_id} queued", close_button=True)

    @rx.event
    async def replay_failed(self, endpoint_id: str):
        """Queue every failed delivery of the endpoint again."""
        count = await self._as_member(views.replay_failed, endpoint_id=endpoint_id)
        await self._refresh()
        if self.log_endpoint_id == endpoint_id:
            await self._fetch()
        return rx.toast.success(f"{count} failed deliver{'y' if count == 1 else 'ies'} queued again",
                                close_button=True)

    @rx.event
    async def show_log(self, endpoint_id: str):
        """Open an endpoint's delivery log, newest first."""
        self.log_filter = views.ALL
        return await self._open_log(endpoint_id)

    async def _open_log(self, endpoint_id: str):
        shown = next((endpoint for endpoint in self.endpoints if endpoint.id == endpoint_id), None)
        self.log_endpoint_id, self.log_url = endpoint_id, shown.url if shown else ""
        self._first_page()
        return await self._fetch()

    @rx.event
    async def set_log_filter(self, status: str):
        """Show only pending, delivered or failed deliveries (or all)."""
        self.log_filter = status if status in views.LOG_FILTERS else views.ALL
        self._first_page()
        return await self._fetch()

    @rx.event
    async def refresh_log(self):
        """Read the endpoints and the log again (deliveries are sent in the background)."""
        await self._refresh()
        return await self._fetch()

    async def _fetch(self):
        if not self.log_endpoint_id:
            return None
        page = await self._as_member(views.deliveries_page, endpoint_id=self.log_endpoint_id,
                                     status=self.log_filter, starting_after=self._cursor())
        self.log_rows, self.has_more, self._last_id = page["rows"], page["has_more"], page["last_id"]
        return None

    @rx.event
    async def open_delivery(self, delivery: str):
        """Show one delivery and every attempt at it."""
        found = await self._as_member(views.delivery_detail, delivery=delivery)
        self.detail, self.detail_fields, self.attempts = found["delivery"], found["fields"], found["attempts"]
        self.detail_open = True
        return None

    @rx.event
    def set_detail_open(self, is_open: bool):
        """Close the delivery dialog."""
        self.detail_open = is_open

    @rx.event
    async def replay(self):
        """Send the open delivery again (same event id), now."""
        delivery = self.detail.get("id", "")
        await self._as_member(views.replay, delivery=delivery)
        self.detail_open = False
        await self._refresh()
        await self._fetch()
        return rx.toast.success(f"Delivery {delivery} queued again", close_button=True)
