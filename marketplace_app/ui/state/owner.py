"""The agent-owner dashboard's shared state and its home: the person's agents, their credit and
the register form.

Every read runs as the signed-in person through `agents/owner_queries.py`, which resolves what
they manage itself (another owner's agent is not found); rows reach the page as dataclasses of
plain strings and real booleans.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import reflex as rx
from sqlmodel import Session

from marketplace_app.agents import owner_queries as owners
from marketplace_app.agents import registration
from marketplace_app.agents.models import AgentStatus
from marketplace_app.agents.schemas import AgentRegister
from marketplace_app.core.errors import HandoffError
from marketplace_app.core.validation import validated
from marketplace_app.ui.state.base import AppState, role_page
from marketplace_app.ui.state.display import money, when
from marketplace_app.ui.state.forms import clean_text

T = TypeVar("T")
PERCENT = 100


@dataclasses.dataclass
class AgentCard:
    """One agent as the home page's card shows it."""

    id: str = ""
    name: str = ""
    handle: str = ""
    status: str = ""
    tier: str = ""
    score: int = 0
    spent: str = ""
    budget: str = ""
    used_percent: int = 0
    has_budget: bool = False
    over_budget: bool = False
    pending: bool = False
    owner_email: str = ""
    created: str = ""


@dataclasses.dataclass
class CreditLine:
    """One organisation's credit."""

    name: str = ""
    available: str = ""
    note: str = ""


def used_percent(spent_cents: int, cap_cents: int | None) -> int:
    """How much of a cap is used, 0 to 100 (a bar cannot run past its end)."""
    if not cap_cents:
        return 0
    return min(PERCENT, spent_cents * PERCENT // cap_cents)


def agent_card(agent: owners.OwnedAgent) -> AgentCard:
    """One agent as a card: status, tier and this month's spend against its monthly cap."""
    cap = agent.monthly_budget_cents
    return AgentCard(
        id=agent.id, name=agent.name, handle=agent.handle, status=agent.status, tier=agent.trust_tier,
        score=agent.trust_score, spent=money(agent.month_spent_cents), budget=money(cap) if cap else "no cap",
        used_percent=used_percent(agent.month_spent_cents, cap), has_budget=bool(cap),
        over_budget=bool(cap) and agent.month_spent_cents >= cap,
        pending=agent.status == AgentStatus.pending_verification, owner_email=agent.owner_email,
        created=when(agent.created_at),
    )


def home_snapshot(session: Session, user_id: str) -> dict[str, Any]:
    """The person's agents as cards and each organisation's credit."""
    agents = owners.owned_agents(session, user_id=user_id)
    credits = owners.organisation_credits(session, user_id=user_id)
    return {"agents": [agent_card(agent) for agent in agents],
            "credits": [CreditLine(name=line.name, available=money(line.available_cents),
                                   note=f"{line.name} · {money(line.escrowed_cents)} held for open requests")
                        for line in credits]}


def register_fields(form: Mapping[str, Any], *, owner_email: str) -> dict[str, Any]:
    """The register form's fields as the registration service takes them (its schema checks them)."""
    capabilities = [tag.strip() for tag in str(form.get("capabilities", "")).split(",") if tag.strip()]
    return {"name": clean_text(form.get("name"), field="name", maximum=120),
            "handle": clean_text(form.get("handle"), field="handle", maximum=32).lower(),
            "description": clean_text(form.get("description"), field="description", maximum=2000,
                                      multiline=True, required=False),
            "category": clean_text(form.get("category"), field="category", maximum=40, required=False) or "other",
            "capabilities": capabilities, "owner_email": owner_email}


def register_agent(session: Session, *, fields: dict[str, Any], client_address: str) -> str:
    """Register an agent through the registration service (counted per address, as by API); its id.

    Raises:
        ValidationFailed: A field the registration schema refuses.
        HandleTaken: The handle is another agent's.
        RateLimited: Too many registrations from this address this hour.
    """
    form = validated(AgentRegister, {**fields, "handle": fields.get("handle") or None})
    return registration.register(session, form, address=client_address).id


class OwnerState(AppState):
    """What every agent-owner page shares: running readers as the signed-in person."""

    async def _as_owner(self, reader: Callable[..., T], /, **kwargs: Any) -> T:
        """Run `reader(session, user_id=<the person>, **kwargs)` in one unit of work off the event loop."""
        return await self._call(_as_owner, self._user_id, reader, kwargs)


def _as_owner(session: Session, user_id: str, reader: Callable[..., T], kwargs: Mapping[str, Any]) -> T:
    return reader(session, user_id, **kwargs)


class OwnerHomeState(OwnerState):
    """The agent owner's home: agents as cards, credit, pending activations and the register form."""

    agents: list[AgentCard] = []
    credits: list[CreditLine] = []
    loaded: bool = False
    register_open: bool = False
    register_error: str = ""
    registering: bool = False

    @rx.var
    def pending(self) -> list[AgentCard]:
        """The agents waiting for their owner to open the activation e-mail."""
        return [agent for agent in self.agents if agent.pending]

    @rx.event
    @role_page("agent_owner")
    async def load(self):
        """Guard the page for agent owners, then read their agents and credit."""
        self.register_open = False
        await self._fetch()

    async def _fetch(self) -> None:
        snapshot = await self._as_owner(home_snapshot)
        self.agents, self.credits, self.loaded = snapshot["agents"], snapshot["credits"], True

    @rx.event
    def open_register(self):
        """Open the register form."""
        self.register_error, self.register_open = "", True

    @rx.event
    def set_register_open(self, is_open: bool):
        """Close the register form from its own controls."""
        self.register_open = is_open

    @rx.event
    async def register(self, form: dict[str, Any]):
        """Register the agent; the activation e-mail goes to the owner. A refusal stays in the form."""
        self.register_error, self.registering = "", True
        yield
        try:
            fields = register_fields(form, owner_email=self.user_email)
            await self._call(register_agent, fields=fields, client_address=self.router.session.client_ip or "unknown")
        except HandoffError as exc:
            self.register_error, self.registering = exc.message, False
            return
        self.registering, self.register_open = False, False
        yield rx.toast.success(f"Registered. Activation e-mail sent to {self.user_email}.", close_button=True)
        await self._fetch()

