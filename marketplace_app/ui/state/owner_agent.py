"""One agent of its owner: overview with the trust chart, keys, spend and requests (its webhooks:
`owner_webhooks.py`).

The agent is named by the URL; `owner_queries.agent_access` decides whether the signed-in person
manages it (anyone else's agent reads as not found). Key changes go through `agents/owner_keys.py`.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import reflex as rx
from sqlmodel import Session

from marketplace_app.agents import owner_keys
from marketplace_app.agents import owner_queries as owners
from marketplace_app.agents.models import AgentStatus, KeyScope, TrustChange
from marketplace_app.core.errors import HandoffError, NotFound
from marketplace_app.settings import get_settings
from marketplace_app.ui.state.base import role_page
from marketplace_app.ui.state.company import request_row
from marketplace_app.ui.state.company_keys import KeyRow, key_row, lifetime_days
from marketplace_app.ui.state.display import NEVER, label, money, when
from marketplace_app.ui.state.forms import ConfirmAction, ShowOnceSecret
from marketplace_app.ui.state.owner import OwnerState, used_percent

RECENT_REQUESTS = 20
SCOPE_FIELD = "scope:"
SCOPE_WORDS = {KeyScope.requests: "Hire humans (requests)", KeyScope.jobs: "Jobs", KeyScope.orders: "Orders",
               KeyScope.proxy: "Proxy calls", KeyScope.listings: "Listings", KeyScope.all: "Everything (*)"}


@dataclasses.dataclass
class AgentKeyRow(KeyRow):
    """One of the agent's keys: a company key row plus what it may do."""

    scopes: str = ""


@dataclasses.dataclass
class TrustRow:
    """One change of the trust score, with its cause."""

    at: str = ""
    cause: str = ""
    detail: str = ""
    change: str = ""
    score: int = 0
    tier: str = ""
    rose: bool = False


@dataclasses.dataclass
class CapRow:
    """One budget cap: the figure, what it is of, and how much of it is used."""

    name: str = ""
    figure: str = ""
    hint: str = ""
    percent: int = 0
    show_bar: bool = False


def ticked_scopes(form: dict[str, Any]) -> list[str]:
    """The scopes ticked in the create form (each a `scope:<value>` field; the service checks them)."""
    return [name.removeprefix(SCOPE_FIELD) for name, value in form.items()
            if name.startswith(SCOPE_FIELD) and value]


def trust_row(change: TrustChange) -> TrustRow:
    """A change as the history list shows it: "+3" or "-10" and the score it left."""
    delta = change.score_after - change.score_before
    return TrustRow(at=when(change.at), cause=label(change.cause), detail=change.detail,
                    change=f"{delta:+d}", score=change.score_after, tier=change.tier_after, rose=delta >= 0)


def agent_key_row(key: Any) -> AgentKeyRow:
    """A key of the agent with its scopes in words (a key without scopes may do everything)."""
    row = key_row(key, {})
    scopes = ", ".join(key.scopes) if key.scopes is not None else "*"
    return AgentKeyRow(**dataclasses.asdict(row), scopes=scopes)


def cap_rows(budget: owners.Budget) -> list[CapRow]:
    """Use today and this month against the daily and monthly caps, then the cap on one request."""
    def used(name: str, used_cents: int, cap_cents: int | None) -> CapRow:
        return CapRow(name=name, figure=money(used_cents), hint=f"of {money(cap_cents)}" if cap_cents else "no cap",
                      percent=used_percent(used_cents, cap_cents), show_bar=bool(cap_cents))
    per_request = budget.max_per_request_cents
    return [used("Today", budget.today_cents, budget.daily_budget_cents),
            used("This month", budget.month_cents, budget.monthly_budget_cents),
            CapRow(name="Per request", figure=money(per_request) if per_request else "no cap",
                   hint="the most one request may cost")]


def profile(agent: Any) -> list[dict[str, str]]:
    """The agent's public face and who it belongs to, as label / value lines."""
    return [{"label": "Handle", "value": agent.handle},
            {"label": "Category", "value": label(agent.category)},
            {"label": "Capabilities", "value": ", ".join(agent.capabilities) or NEVER},
            {"label": "Description", "value": agent.description or NEVER},
            {"label": "Endpoint", "value": agent.endpoint_url or NEVER},
            {"label": "Owner e-mail", "value": agent.owner_email},
            {"label": "Registered", "value": when(agent.created_at)},
            {"label": "Activated", "value": when(agent.activated_at)}]


def agent_snapshot(session: Session, user_id: str, *, agent_id: str) -> dict[str, Any]:
    """Everything the agent's page shows, read as the signed-in person."""
    access = owners.agent_access(session, user_id=user_id, agent_id=agent_id)
    agent = access.agent
    history = owners.trust_history(session, access=access)
    budget = owners.agent_budget(session, access=access)
    days = owners.agent_spend_by_day(session, access=access)
    requests = owners.agent_requests(session, access=access, limit=RECENT_REQUESTS).rows
    return {
        "name": agent.name, "handle": agent.handle, "status": agent.status, "tier": agent.trust_tier,
        "score": agent.trust_score, "active": agent.status == AgentStatus.active, "profile": profile(agent),
        "frozen_reason": agent.frozen_reason or "" if agent.status == AgentStatus.frozen else "",
        "history": [trust_row(change) for change in history],
        "chart": [{"at": when(change.at)[:10], "score": change.score_after} for change in reversed(history)],
        "keys": [agent_key_row(key) for key in owners.agent_keys(session, access=access)],
        "caps": cap_rows(budget),
        "spend": [{"day": day.day.strftime("%-d %b"), "cents": day.cents, "amount": money(day.cents)}
                  for day in days],
        "month_total": money(sum(day.cents for day in days)),
        "requests": [request_row(row, {}) for row in requests],
    }


def create_key(session: Session, user_id: str, *, agent_id: str, name: str, mode: str, scopes: list[str],
               expires_in_days: Any) -> str:
    """Issue a scoped key for the agent and return its secret (the only copy)."""
    return owner_keys.create_agent_key(session, user_id=user_id, agent_id=agent_id, name=name, mode=mode,
                                       scopes=scopes, expires_in_days=expires_in_days).secret


def revoke_key(session: Session, user_id: str, *, agent_id: str, key_id: str) -> str:
    """Revoke one of the agent's keys; returns its name."""
    return owner_keys.revoke_agent_key(session, user_id=user_id, agent_id=agent_id, key_id=key_id).name


def rotate_key(session: Session, user_id: str, *, agent_id: str, key_id: str) -> dict[str, str]:
    """Issue a successor with the same scopes; returns its secret and until when the old key works."""
    issued, old = owner_keys.rotate_agent_key(session, user_id=user_id, agent_id=agent_id, key_id=key_id)
    return {"secret": issued.secret, "old_until": when(old.expires_at), "name": old.name}


class OwnerAgentState(ConfirmAction, ShowOnceSecret, OwnerState):
    """The agent's page: its sections, the create-key dialog, the show-once secret and confirmations."""

    agent_id: str = ""
    found: bool = False
    missing: str = ""
    loaded: bool = False
    name: str = ""
    handle: str = ""
    status: str = ""
    tier: str = ""
    score: int = 0
    active: bool = False
    frozen_reason: str = ""
    profile: list[dict[str, str]] = []
    history: list[TrustRow] = []
    chart: list[dict[str, str | int]] = []
    keys: list[AgentKeyRow] = []
    caps: list[CapRow] = []
    spend: list[dict[str, str | int]] = []
    has_spend: bool = False
    month_total: str = ""
    requests: list[dict[str, str]] = []
    create_open: bool = False
    create_error: str = ""
    creating: bool = False
    new_mode: str = "live"
    grace_hours: int = 24
    _copied_message: str = "Key copied to the clipboard"
    _confirmable: ClassVar[frozenset[str]] = frozenset({"revoke", "rotate"})

    @rx.event
    @role_page("agent_owner")
    async def load(self):
        """Guard the page for agent owners, then read the agent named in the URL."""
        self.agent_id = self.router.url.path.rstrip("/").rsplit("/", 1)[-1][:64]
        self.grace_hours = get_settings().key_rotation_grace_hours
        self.secret, self.secret_open, self.create_open, self.confirm_open = "", False, False, False
        self.loaded = False
        await self._fetch()

    async def _fetch(self) -> None:
        try:
            snapshot = await self._as_owner(agent_snapshot, agent_id=self.agent_id)
        except NotFound as exc:
            self.found, self.missing, self.loaded = False, exc.message, True
            return
        for name, value in snapshot.items():
            setattr(self, name, value)
        self.has_spend = any(day["cents"] for day in snapshot["spend"])
        self.found, self.missing, self.loaded = True, "", True

    @rx.event
    def open_create(self):
        """Open the create-key dialog, live by default."""
        self.create_error, self.new_mode = "", "live"
        self.create_open = True

    @rx.event
    def set_create_open(self, is_open: bool):
        """Close the create dialog from its own controls."""
        self.create_open = is_open

    @rx.event
    def set_new_mode(self, mode: str):
        """Choose live or test."""
        self.new_mode = mode

    @rx.event
    async def create(self, form: dict[str, Any]):
        """Issue the key, then show its secret once; a refusal stays in the dialog."""
        self.create_error, self.creating = "", True
        yield
        try:
            secret = await self._as_owner(create_key, agent_id=self.agent_id, name=str(form.get("name", "")),
                                          mode=self.new_mode, scopes=ticked_scopes(form),
                                          expires_in_days=lifetime_days(str(form.get("expires_in_days", ""))))
        except HandoffError as exc:
            self.create_error, self.creating = exc.message, False
            return
        self.creating, self.create_open = False, False
        self._show_secret(secret, "")
        await self._fetch()

    @rx.event
    async def confirm(self):
        """Revoke or rotate the key the owner confirmed."""
        action, key_id = self._take_confirmed()
        yield  # the dialog closes even when the call is refused (the refusal's toast follows)
        yield await (self._revoke(key_id) if action == "revoke" else self._rotate(key_id))
        await self._fetch()

    async def _revoke(self, key_id: str):
        name = await self._as_owner(revoke_key, agent_id=self.agent_id, key_id=key_id)
        return rx.toast.success(f"Key “{name}” revoked: its next call is refused", close_button=True)

    async def _rotate(self, key_id: str) -> None:
        rotated = await self._as_owner(rotate_key, agent_id=self.agent_id, key_id=key_id)
        self._show_secret(rotated["secret"], f"The old key “{rotated['name']}” keeps working for {self.grace_hours} h, "
                                             f"until {rotated['old_until']}: move your agent to this new one.")
