"""Committed agents, their owners' sessions and their mail, for the agent key and token tests."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from marketplace_app.agents.models import Agent
from marketplace_app.companies.models import ApiKey, Company
from marketplace_app.core.db import unit_of_work
from marketplace_app.events.models import Event
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import Role
from marketplace_app.mail.models import EmailMessage
from tests import factories
from tests.factories import MadeAgent

TOKEN = "/v1/agents/auth/token"
REFRESH = "/v1/agents/auth/refresh"
ROTATE = "/v1/agents/rotate-key"
RECOVER = "/v1/agents/recover-key"
EXCHANGE = "/v1/agents/recover-key/exchange"
REQUESTS = "/v1/requests"


@dataclass(frozen=True, slots=True)
class Owner:
    """A signed-in owner of a company (`ses_…` token) and that company's id."""

    user_id: str
    company_id: str
    session_token: str

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.session_token}"}


def committed_owner(*, email: str | None = None) -> Owner:
    """A company owner, signed in, committed."""
    with unit_of_work() as session:
        user = factories.make_user(session, role=Role.company, email=email, company_name="Agents Inc")
        company = session.exec(factories.companies_for(user.id)).one()
        token = identity.create_session(session, user=user)
        return Owner(user_id=user.id, company_id=company.id, session_token=token)


def committed_agent(*, owner: Owner | None = None, **values: object) -> MadeAgent:
    """An agent (of `owner`'s company, else of a new one), committed, with one key."""
    with unit_of_work() as session:
        company = factories.make_company(session) if owner is None else session.get(Company, owner.company_id)
        return factories.make_agent(session, company=company, **values)


def token_of(client, agent: MadeAgent) -> str:
    """A JWT for the agent's key, through the API."""
    answer = client.post(TOKEN, json={"api_key": agent.key})
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


def set_agent(agent_id: str, **values: object) -> None:
    """Change the agent row directly (as freezing or deleting it would)."""
    with unit_of_work() as session:
        session.execute(update(Agent).where(Agent.id == agent_id).values(**values))


def mails(kind: str) -> list[EmailMessage]:
    """The outbox's mails of `kind`, oldest first."""
    with unit_of_work(read_only=True) as session:
        return list(session.execute(select(EmailMessage).where(EmailMessage.kind == kind)
                                    .order_by(EmailMessage.created_at, EmailMessage.id)).scalars())


def usable_keys(project_id: str) -> list[ApiKey]:
    """The project's keys that are not revoked."""
    with unit_of_work(read_only=True) as session:
        return list(session.execute(select(ApiKey).where(ApiKey.project_id == project_id,
                                                         ApiKey.status != "revoked")).scalars())


def event_data(event_type: str) -> list[dict]:
    """The data of every event of `event_type`."""
    with unit_of_work(read_only=True) as session:
        return [row.data for row in session.execute(select(Event).where(Event.type == event_type)).scalars()]
