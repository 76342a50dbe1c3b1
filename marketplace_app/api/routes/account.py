"""`GET /v1/account/limits` and `GET /v1/account/policy` for the calling key's project."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import Session

from marketplace_app.api.access import access
from marketplace_app.api.agent import Agent
from marketplace_app.catalogue import service as catalogue
from marketplace_app.companies.keys import KeyContext
from marketplace_app.companies.models import Project
from marketplace_app.companies.service import available_account, escrow_account
from marketplace_app.core.clock import isoformat
from marketplace_app.core.db import unit_of_work
from marketplace_app.ledger import service as ledger
from marketplace_app.ratelimit import service as ratelimit
from marketplace_app.requests import redaction
from marketplace_app.requests import service as requests
from marketplace_app.requests.views import price

router = APIRouter(prefix="/account", tags=["account"])
AGENT = access("api_key", scope="requests")
ERRORS = {401: {"description": "Missing or invalid API key"}, 429: {"description": "Rate limited"}}


class CapOut(BaseModel):
    """A budget cap, what is used of it and what remains (all null caps mean no cap)."""

    cap: str | None
    cap_cents: int | None
    used: str
    used_cents: int
    remaining: str | None
    remaining_cents: int | None


class CreditsOut(BaseModel):
    """The company's available and escrowed credit (zero for a test key)."""

    available: str
    available_cents: int
    escrowed: str
    escrowed_cents: int


class BudgetUseOut(BaseModel):
    """Spend today and this month against the project's caps, and its per-request cap."""

    daily: CapOut
    monthly: CapOut
    max_per_request: str | None
    max_per_request_cents: int | None


class RateLimitOut(BaseModel):
    """The key's hourly request limit and what is left of this window."""

    limit: int
    remaining: int
    window: str
    reset_at: str | None


class LimitsOut(BaseModel):
    """Everything that can refuse the key's next request, in the key's mode."""

    mode: str
    credits: CreditsOut
    budget: BudgetUseOut
    rate_limit: RateLimitOut


class RedactionOut(BaseModel):
    """What the redacted policy masks: kinds of personal data, and the project's own terms."""

    masks: list[str]
    terms: list[str]


class PolicyOut(BaseModel):
    """The project's information policy, allowed skills and redaction rules."""

    information_policy: str
    allowed_skills: list[str]
    all_skills_allowed: bool
    redaction: RedactionOut
    policies: dict[str, str]


def _cap(cap_cents: int | None, used_cents: int) -> dict[str, Any]:
    if cap_cents is None:
        return {"cap": None, "cap_cents": None, "used": price(used_cents), "used_cents": used_cents,
                "remaining": None, "remaining_cents": None}
    remaining = max(cap_cents - used_cents, 0)
    return {"cap": price(cap_cents), "cap_cents": cap_cents, "used": price(used_cents), "used_cents": used_cents,
            "remaining": price(remaining), "remaining_cents": remaining}


def _credits(session: Session, agent: KeyContext) -> tuple[int, int]:
    """The company's available and escrowed credit; none in test mode, whose requests hold nothing
    and are never refused for credit (and a test key is shown no live figure)."""
    if agent.is_test:
        return 0, 0
    return (ledger.balance_cents(session, available_account(agent.company_id)),
            ledger.balance_cents(session, escrow_account(agent.company_id)))


@router.get("/limits", openapi_extra=AGENT, responses=ERRORS, response_model=LimitsOut)
def limits(agent: Agent) -> dict[str, Any]:
    """Credits, budget used today and this month against the caps, per-request cap and rate limit,
    all in the key's mode: a `pk_test_` key sees test spend and no credits (test mode moves none)."""
    with unit_of_work(read_only=True) as session:
        project = session.execute(select(Project).where(Project.id == agent.project_id)).scalar_one()
        available, escrowed = _credits(session, agent)
        day_used, month_used = requests.budget_used_cents(session, agent.project_id, mode=agent.mode)
    usage = ratelimit.peek(subject=agent.key_id, limit=agent.rate_limit_per_hour)
    return {
        "mode": agent.mode,
        "credits": {"available": price(available), "available_cents": available, "escrowed": price(escrowed),
                    "escrowed_cents": escrowed},
        "budget": {"daily": _cap(project.daily_budget_cents, day_used),
                   "monthly": _cap(project.monthly_budget_cents, month_used),
                   "max_per_request": price(project.max_per_request_cents)
                   if project.max_per_request_cents is not None else None,
                   "max_per_request_cents": project.max_per_request_cents},
        "rate_limit": {"limit": usage.limit, "remaining": usage.remaining, "window": "1h",
                       "reset_at": isoformat(usage.reset_at)},
    }


@router.get("/policy", openapi_extra=AGENT, responses=ERRORS, response_model=PolicyOut)
def policy(agent: Agent) -> dict[str, Any]:
    """The project's information policy, allowed skills and redaction rules."""
    with unit_of_work(read_only=True) as session:
        project = session.execute(select(Project).where(Project.id == agent.project_id)).scalar_one()
        skills = sorted(project.allowed_skills) or sorted(catalogue.active_skill_names(session))
    return {
        "information_policy": project.information_policy,
        "allowed_skills": skills, "all_skills_allowed": not project.allowed_skills,
        "redaction": {"masks": list(redaction.MASK_KINDS), "terms": project.redaction_terms},
        "policies": {"open": "Matching operators see the full context",
                     "redacted": "Operators see the context with personal and secret data masked",
                     "sandboxed": "Only skill, price and urgency are shown until an operator accepts; "
                                  "the assigned operator then sees the context and every view is logged"},
    }
