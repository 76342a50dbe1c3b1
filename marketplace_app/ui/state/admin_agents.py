"""Staff and agents: every agent, searchable and filtered by status, and freezing or unfreezing
one with a reason (`agents.freeze`: audited with who and why, every call of the agent refused)."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx
from sqlmodel import Session

from marketplace_app.agents import admin_queries, freeze
from marketplace_app.core.errors import HandoffError
from marketplace_app.ui.state.admin_queues import StaffState
from marketplace_app.ui.state.base import role_page
from marketplace_app.ui.state.company import Pages
from marketplace_app.ui.state.display import when

AGENTS_PER_PAGE = 20
STATUS_CHOICES = ("all", "active", "frozen", "pending_verification", "deleted")


@dataclasses.dataclass
class AgentItem:
    """One agent as the staff table shows it."""

    id: str = ""
    handle: str = ""
    name: str = ""
    owner_email: str = ""
    status: str = ""
    trust: str = ""
    created: str = ""
    frozen_reason: str = ""


def agent_item(row: admin_queries.AgentRow) -> AgentItem:
    """What staff read of an agent."""
    return AgentItem(id=row.id, handle=row.handle, name=row.name, owner_email=row.owner_email, status=row.status,
                     trust=f"{row.trust_score} · {row.trust_tier.capitalize()}", created=when(row.created_at),
                     frozen_reason=row.frozen_reason or "")


def agents_page(session: Session, *, status: str, q: str, starting_after: str | None) -> tuple[list[AgentItem], bool]:
    """One page of agents, newest first, and whether older ones follow."""
    page = admin_queries.list_agents(session, status=None if status == "all" else status, q=q,
                                     limit=AGENTS_PER_PAGE, starting_after=starting_after)
    return [agent_item(row) for row in page.agents], page.has_more


def change_freeze(session: Session, *, action: str, staff_id: str, agent_id: str, reason: str) -> str:
    """Freeze or unfreeze; returns the sentence the toast shows."""
    if action == "freeze":
        row = freeze.freeze(session, staff_user_id=staff_id, agent_id=agent_id, reason=reason)
        return f"Frozen: every call of {row['handle']} is refused until you unfreeze it"
    row = freeze.unfreeze(session, staff_user_id=staff_id, agent_id=agent_id, reason=reason)
    return f"Unfrozen: {row['handle']} may call Handoff again"


class AdminAgentsState(Pages, StaffState):
    """The agents page: search, status filter, and the freeze / unfreeze dialog."""

    agents: list[AgentItem] = []
    loaded: bool = False
    status: str = "all"
    query: str = ""
    acting: dict[str, str] = {}
    """The agent the reason dialog is open for: `id`, `handle`, `action` (`freeze` | `unfreeze`)."""
    reason_error: str = ""

    @rx.event
    @role_page("admin")
    async def load(self):
        """Guard the page for staff, then read the newest agents."""
        self.acting, self.reason_error = {}, ""
        self._first_page()
        return await self._fetch()

    async def _fetch(self):
        self.agents, self.has_more = await self._call(agents_page, status=self.status, q=self.query,
                                                      starting_after=self._cursor())
        self._last_id = self.agents[-1].id if self.agents else ""
        self.loaded = True
        return None

    @rx.event
    async def search(self, form: dict[str, Any]):
        """Filter by the text and status of the search form, from the first page."""
        self.query = str(form.get("q") or "").strip()[:admin_queries.MAX_QUERY_LENGTH]
        status = str(form.get("status") or "all")
        self.status = status if status in STATUS_CHOICES else "all"
        self._first_page()
        return await self._fetch()

    @rx.event
    def start(self, agent: dict[str, str], action: str):
        """Open the reason dialog to freeze or unfreeze one agent."""
        self.acting, self.reason_error = {"id": agent["id"], "handle": agent["handle"], "action": action}, ""

    @rx.event
    def close(self, _open: bool = False):
        """Close the reason dialog without changing anything."""
        self.acting, self.reason_error = {}, ""

    @rx.event
    async def confirm(self, form: dict[str, Any]):
        """Freeze or unfreeze the agent of the open dialog with its reason (a refusal shows in the dialog)."""
        acting = dict(self.acting)
        try:
            sentence = await self._call(change_freeze, action=acting.get("action", ""), staff_id=await self._staff_id(),
                                        agent_id=acting.get("id", ""), reason=str(form.get("reason") or ""))
        except HandoffError as exc:
            self.reason_error = exc.message
            return
        self.acting, self.reason_error = {}, ""
        yield await self._fetch()
        yield rx.toast.success(sentence, close_button=True)
