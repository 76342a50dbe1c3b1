"""An agent's profile as its owner and the agent itself see it, and the one way to change it.

The budget caps are the caps of the agent's project (`max_per_request_cents`, `daily_budget_cents`,
`monthly_budget_cents`): the request policy engine already enforces them for every key of it.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator
from sqlmodel import Session

from marketplace_app.agents.models import Agent
from marketplace_app.companies import service as companies
from marketplace_app.companies.fields import BUDGET_COLUMNS, check_budget_order, plain_text, project_values
from marketplace_app.companies.models import Project
from marketplace_app.core.clock import isoformat
from marketplace_app.core.money import format_money, parse_positive_money
from marketplace_app.core.validation import validated
from marketplace_app.ledger import service as ledger
from marketplace_app.requests import spend
from marketplace_app.settings import get_settings
from marketplace_app.webhooks import ssrf

MAX_CAPABILITIES = 20
_TAG = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}", re.ASCII)
_CATEGORY = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}", re.ASCII)
Money = Annotated[StrictStr | None, Field(default=None, max_length=32, examples=["50.00EUR"])]


class AgentBudget(BaseModel):
    """Spending caps as money strings; a cap sent as `null` is cleared, one left out stays."""

    model_config = ConfigDict(extra="forbid")

    max_per_job: Money
    daily: Money
    monthly: Money


class AgentUpdate(BaseModel):
    """What an owner (or the agent itself) may change; only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    name: StrictStr | None = Field(default=None, min_length=1, max_length=120)
    description: StrictStr | None = Field(default=None, max_length=2000)
    category: StrictStr | None = Field(default=None, max_length=40, examples=["research"])
    capabilities: list[StrictStr] | None = Field(default=None, max_length=MAX_CAPABILITIES,
                                                 examples=[["translation", "summarising"]])
    endpoint_url: StrictStr | None = Field(default=None, max_length=ssrf.MAX_URL_LENGTH)
    service_price: Money
    budget: AgentBudget | None = None

    @field_validator("category")
    @classmethod
    def _category(cls, value: str | None) -> str | None:
        if value is not None and not _CATEGORY.fullmatch(value):
            raise ValueError("category is lowercase letters, digits, '-' and '_' (at most 40)")
        return value

    @field_validator("capabilities")
    @classmethod
    def _tags(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        bad = [tag for tag in value if not _TAG.fullmatch(tag)]
        if bad:
            raise ValueError("each capability is lowercase letters, digits, '-' and '_' (at most 40)")
        return list(dict.fromkeys(value))


def update(session: Session, *, agent: Agent, project: Project, changes: dict[str, Any]) -> None:
    """Apply a partial update to `agent` and its project's caps (the caller holds their locks).

    Args:
        changes: The fields sent (as `AgentUpdate`'s fields); `null` clears what may be cleared.

    Raises:
        ValidationFailed: A field is invalid, the endpoint is not a public https URL, or a cap is
            above a wider one; nothing changes.
    """
    form = validated(AgentUpdate, changes)
    sent = form.model_fields_set
    values = _agent_values(form, sent)
    if "budget" in sent:
        budget = changes.get("budget")
        caps = project_values(session, {"budget": _project_budget(budget)})
        check_budget_order({column: caps.get(column, getattr(project, column)) for column in BUDGET_COLUMNS.values()})
        for column, value in caps.items():
            setattr(project, column, value)
    for column, value in values.items():
        setattr(agent, column, value)
    session.flush()


def _agent_values(form: AgentUpdate, sent: set[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "name" in sent:
        values["name"] = plain_text("name", form.name, max_length=120)
    if "description" in sent:
        values["description"] = plain_text("description", form.description or "", max_length=2000, min_length=0)
    if "category" in sent and form.category is not None:
        values["category"] = form.category
    if "capabilities" in sent:
        values["capabilities"] = form.capabilities or []
    if "endpoint_url" in sent:
        values["endpoint_url"] = None if form.endpoint_url is None else ssrf.validate_url(
            form.endpoint_url, allow_localhost=get_settings().webhooks_allow_localhost)
    if "service_price" in sent:
        values["service_price_cents"] = None if form.service_price is None else parse_positive_money(
            form.service_price, currency=get_settings().currency, field="service_price")
    return values


def _project_budget(budget: object) -> object:
    """The agent's `max_per_job` is its project's `max_per_request`."""
    if not isinstance(budget, dict):
        return budget
    return {("max_per_request" if name == "max_per_job" else name): amount for name, amount in budget.items()}


def view(session: Session, *, agent: Agent, project: Project, mode: str = "live") -> dict[str, Any]:
    """The agent as its owner and the agent itself read it: profile, trust, caps, spend, balance."""
    today_cents, month_cents = spend.budget_used_cents(session, project.id, mode=mode)
    return {
        "id": agent.id, "handle": agent.handle, "name": agent.name, "description": agent.description,
        "category": agent.category, "capabilities": list(agent.capabilities or []),
        "endpoint_url": agent.endpoint_url, "service_price": money(agent.service_price_cents),
        "service_price_cents": agent.service_price_cents, "status": agent.status,
        "owner_email": agent.owner_email, "project_id": agent.project_id, "company_id": agent.company_id,
        "trust": {"score": agent.trust_score, "tier": agent.trust_tier},
        "budget": {"max_per_job": money(project.max_per_request_cents),
                   "max_per_job_cents": project.max_per_request_cents,
                   "daily": money(project.daily_budget_cents), "daily_cents": project.daily_budget_cents,
                   "monthly": money(project.monthly_budget_cents), "monthly_cents": project.monthly_budget_cents},
        "spend": {"mode": mode, "today": money(today_cents), "today_cents": today_cents,
                  "this_month": money(month_cents), "this_month_cents": month_cents},
        "balance": balance(session, company_id=agent.company_id),
        "created_at": isoformat(agent.created_at),
        "activated_at": isoformat(agent.activated_at) if agent.activated_at else None,
    }


def balance(session: Session, *, company_id: str) -> dict[str, Any]:
    """The owning organisation's credit: what the agent can spend and what is held for its work."""
    available = ledger.balance_cents(session, companies.available_account(company_id))
    escrowed = ledger.balance_cents(session, companies.escrow_account(company_id))
    return {"available": money(available), "available_cents": available, "escrowed": money(escrowed),
            "escrowed_cents": escrowed, "currency": get_settings().currency}


def money(cents: int | None) -> str | None:
    """Cents in the wire format (`"8.00EUR"`), or None."""
    return None if cents is None else format_money(cents, get_settings().currency)
