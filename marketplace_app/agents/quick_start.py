"""Quick start (Humai): a sandbox agent and a `pk_test_…` key in one public call.

Only a sandbox deployment offers it (`SANDBOX`, which follows `ENVIRONMENT`: development and test
are sandboxes, production is not), the same rule as test credit: a deployment holding real money
hands out no keys to strangers, not even test ones, since every agent it makes is listed. The agent
gets an organisation of its own with no member (nobody's credit, nobody's account): test keys move
no credits, and a person who wants a live agent registers and activates one. Calls are counted per
client address. This is the one answer that carries a key secret, because it is a test key.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlmodel import Session

from marketplace_app.agents.models import Agent, AgentStatus, KeyScope
from marketplace_app.companies import service as companies
from marketplace_app.companies.fields import plain_text
from marketplace_app.companies.models import Company, KeyMode
from marketplace_app.core.clients import address_key
from marketplace_app.core.clock import now
from marketplace_app.core.crypto import keyed_hash
from marketplace_app.core.errors import Forbidden
from marketplace_app.core.ids import new_id
from marketplace_app.identity.service import normalize_email
from marketplace_app.ledger import service as ledger
from marketplace_app.ratelimit import service as ratelimit
from marketplace_app.settings import get_settings

HANDLE_PREFIX = "qs-"
_NOT_HANDLE = re.compile(r"[^a-z0-9]+", re.ASCII)


@dataclass(frozen=True, slots=True)
class QuickStart:
    """The sandbox agent just made, and its test key's secret (the only copy)."""

    agent: Agent
    api_key: str
    key_id: str


def quick_start(session: Session, *, name: str, owner_email: str | None, address: str) -> QuickStart:
    """Make an active sandbox agent with a test key scoped `*`.

    Raises:
        Forbidden: Not a sandbox deployment.
        RateLimited: Too many quick starts from this address this hour.
        ValidationFailed: Bad name or e-mail.
    """
    settings = get_settings()
    if not settings.sandbox:
        raise Forbidden("Quick start exists only in sandbox deployments; register an agent with "
                        "POST /v1/agents/register instead")
    name = plain_text("name", name, max_length=120)
    email = normalize_email(owner_email) if owner_email else ""
    usage = ratelimit.hit(subject="qsa:" + keyed_hash("quick-start", address_key(address))[:32],
                          limit=settings.quick_starts_per_address_per_hour)
    ratelimit.refuse_if_over(usage, what="quick starts from this address")
    company = _sandbox_organisation(session, name)
    project = companies.create_project(session, company_id=company.id, name=name)
    moment = now()
    agent = Agent(id=new_id("agt"), project_id=project.id, company_id=company.id, handle=_handle(name), name=name,
                  owner_email=email, status=AgentStatus.active, activated_at=moment, created_at=moment)
    session.add(agent)
    session.flush()
    issued = companies.issue_key(session, project_id=project.id, name="quick start", mode=KeyMode.test,
                                 scopes=[KeyScope.all.value])
    return QuickStart(agent=agent, api_key=issued.secret, key_id=issued.key.id)


def _sandbox_organisation(session: Session, name: str) -> Company:
    company = Company(id=new_id("com"), name=f"Sandbox: {name}"[:120])
    session.add(company)
    session.flush()
    ledger.account_id(session, companies.available_account(company.id))
    ledger.account_id(session, companies.escrow_account(company.id))
    return company


def _handle(name: str) -> str:
    """`qs-` + the name's letters and digits + 48 random bits: unique without asking, within the
    32 characters of a handle."""
    stem = _NOT_HANDLE.sub("-", name.lower()).strip("-")[:15].strip("-") or "agent"
    return f"{HANDLE_PREFIX}{stem}-{secrets.token_hex(6)}"
