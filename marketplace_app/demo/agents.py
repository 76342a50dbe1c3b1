"""The demo agent owner's organisation: two active agents, each with a key (shown once), a few
completed requests and a trust history. Loaded by `demo/seed.py`; safe to run again (it does
nothing once the agents exist, and nothing before the demo accounts do).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from marketplace_app.agents import trust
from marketplace_app.agents.models import Agent, AgentStatus
from marketplace_app.companies import service as companies
from marketplace_app.companies.keys import authenticate_key
from marketplace_app.companies.models import Company, CompanyMember
from marketplace_app.core.clock import now
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.ids import new_id
from marketplace_app.identity.models import User
from marketplace_app.ledger import service as ledger
from marketplace_app.ledger.models import OwnerType, Purpose
from marketplace_app.requests import service as requests
from marketplace_app.requests import status as machine
from marketplace_app.requests.models import RequestStatus
from marketplace_app.requests.schemas import RequestCreate
from marketplace_app.work import completion
from marketplace_app.work import service as work

OWNER_EMAIL = "owner@example.com"
OPERATOR_EMAIL = "operator1@example.com"
ORGANISATION = "Avery's agents"
CREDIT_CENTS = 20_000
MONTHLY_BUDGET_CENTS = 15_000


@dataclass(frozen=True, slots=True)
class DemoAgent:
    handle: str
    name: str
    description: str
    category: str
    skill: str
    """What its completed requests asked of a person (the demo operator has it)."""
    capabilities: tuple[str, ...]
    contexts: tuple[str, ...]
    """One completed request per context."""


DEMO_AGENTS = (
    DemoAgent("contract-scout", "Contract Scout", "Finds risky clauses in supplier contracts.", "legal", "legal_review",
              ("contracts", "spanish-law"),
              ("Review NDA clause 4.2 for compliance with Spanish labour law",
               "Check the termination clause of a supplier agreement",
               "Confirm the governing-law clause names Spain")),
    DemoAgent("fact-finder", "Fact Finder", "Verifies claims against public sources.", "research", "research",
              ("research", "fact-checking"),
              ("Verify the founding year of a listed company",)),
)


def seed_owner_agents() -> list[tuple[str, str]]:
    """Create the demo owner's agents once; return (handle, key secret) pairs, empty if done before."""
    with unit_of_work() as session:
        owner = session.execute(select(User).where(User.email == OWNER_EMAIL)).scalar_one_or_none()
        operator = session.execute(select(User).where(User.email == OPERATOR_EMAIL)).scalar_one_or_none()
        taken = session.execute(select(Agent.id).where(Agent.handle == DEMO_AGENTS[0].handle)).first()
        if owner is None or operator is None or taken is not None:
            return []
        company = _organisation(session, owner_id=owner.id)
        _fund(session, company_id=company.id)
        return [(demo.handle, _agent(session, demo, company_id=company.id, operator_id=operator.id))
                for demo in DEMO_AGENTS]


def _agent(session: Session, demo: DemoAgent, *, company_id: str, operator_id: str) -> str:
    project = companies.create_project(session, company_id=company_id, name=demo.name,
                                       monthly_budget_cents=MONTHLY_BUDGET_CENTS, max_per_request_cents=5_000)
    agent = Agent(id=new_id("agt"), project_id=project.id, company_id=company_id, handle=demo.handle,
                  name=demo.name, description=demo.description, category=demo.category,
                  capabilities=list(demo.capabilities), owner_email=OWNER_EMAIL, status=AgentStatus.active,
                  activated_at=now())
    session.add(agent)
    session.flush()
    # Its trust history is real: the starting score, then one line per completed request (agents/trust.py).
    trust.recompute(session, agent.id, cause="activated", detail="Activated by its owner")
    issued = companies.issue_key(session, project_id=project.id, name=f"{demo.name} key", scopes=["*"])
    for context in demo.contexts:
        _completed_request(session, secret=issued.secret, skill=demo.skill, context=context,
                           operator_id=operator_id)
    return issued.secret


def _completed_request(session: Session, *, secret: str, skill: str, context: str, operator_id: str) -> None:
    body = RequestCreate(skill=skill, urgency="30min", duration="15min", context=context,
                         max_price="8.00EUR")
    created = requests.create_request(session, ctx=authenticate_key(session, secret), body=body)
    work.accept(session, operator_id=operator_id, request_id=created["id"])
    moment = now()
    row = machine.transition(session, request_id=created["id"], to=RequestStatus.completed,
                             sources=[RequestStatus.in_progress], actor=machine.Actor("operator", operator_id),
                             values={"completed_at": moment, "submitted_at": moment,
                                     "result": {"answer": "Checked: no issue found", "confidence": "high"}},
                             note="demo data")
    completion.settle(session, row)


def _organisation(session: Session, *, owner_id: str) -> Company:
    """The demo owner's organisation (made at sign-up), named for the demo."""
    company_id = session.execute(select(CompanyMember.company_id).where(CompanyMember.user_id == owner_id)
                                 .order_by(CompanyMember.created_at)).scalars().first()
    if company_id is None:
        return companies.create_company(session, owner_user_id=owner_id, name=ORGANISATION)
    company = session.get_one(Company, company_id)
    company.name = ORGANISATION
    return company


def _fund(session: Session, *, company_id: str) -> None:
    source = ledger.account_id(session, ledger.AccountRef(OwnerType.external, "manual", Purpose.provider_clearing))
    target = ledger.account_id(session, companies.available_account(company_id))
    ledger.transfer(session, idempotency_key=f"demo-credit:{company_id}", kind="deposit",
                    reason="Demo credit (manual payment provider)",
                    legs=[ledger.Leg(source, target, CREDIT_CENTS)])
