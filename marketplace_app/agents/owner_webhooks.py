"""An owner's webhook endpoints for their agent: add (pinged first) and delete.

Each call resolves the agent through `owner_queries.agent_access` (another owner's agent is
`not_found`) and acts through the webhooks service on the agent's project, so the SSRF guard,
the verification ping and the limits are the ones every project endpoint has.
"""

from __future__ import annotations

from sqlmodel import Session

from marketplace_app.agents.owner_queries import AgentAccess, agent_access
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import NotFound
from marketplace_app.webhooks import service as webhooks
from marketplace_app.webhooks.models import WebhookEndpoint


def add_agent_endpoint(*, user_id: str, agent_id: str, url: str, description: str = "") -> webhooks.SavedEndpoint:
    """Ping `url` and save it as an endpoint of the agent for every event; the secret is shown once.

    Runs its own transactions, as `webhooks.create_endpoint` does: the ping leaves outside them.

    Raises:
        NotFound: Not an agent the person manages.
        ValidationFailed: Unsafe URL, too many endpoints, or the ping failed (`PingFailed`).
    """
    with unit_of_work(read_only=True) as session:
        access = agent_access(session, user_id=user_id, agent_id=agent_id)
    return webhooks.create_endpoint(actor=access.actor, project_id=access.agent.project_id, url=url, types=None,
                                    description=description)


def delete_agent_endpoint(session: Session, *, user_id: str, agent_id: str, endpoint_id: str) -> WebhookEndpoint:
    """Delete one of the agent's endpoints: it receives nothing more.

    Raises:
        NotFound: Not an agent the person manages, or not one of its endpoints.
    """
    access = agent_access(session, user_id=user_id, agent_id=agent_id)
    _own_endpoint(session, access, endpoint_id)
    return webhooks.delete_endpoint(session, actor=access.actor, endpoint_id=endpoint_id)


def _own_endpoint(session: Session, access: AgentAccess, endpoint_id: str) -> None:
    # The webhooks service accepts any endpoint of the company; the agent page acts on this agent's only.
    endpoint = webhooks.get_endpoint(session, actor=access.actor, endpoint_id=endpoint_id)
    if endpoint.project_id != access.agent.project_id:
        raise NotFound(f"Webhook endpoint {endpoint_id} not found")
