"""An owner's changes to their agent's keys from the dashboard: create (scoped), rotate, revoke.

Each call resolves the agent through `owner_queries.agent_access` (another owner's agent is
`not_found`) and then acts through the company key service on the agent's project, so the
key rules, events and rotation grace are the ones project keys already have.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from marketplace_app.agents.models import AgentStatus, KeyScope
from marketplace_app.agents.owner_queries import AgentAccess, agent_access
from marketplace_app.companies import service as companies
from marketplace_app.companies.models import ApiKey
from marketplace_app.core.errors import InvalidState, NotFound, ValidationFailed

SCOPE_ORDER = tuple(KeyScope)


def checked_scopes(values: Iterable[object]) -> list[str]:
    """The chosen scopes in their canonical order; `*` alone when it is chosen.

    Raises:
        ValidationFailed: None chosen, or one that is not a scope.
    """
    chosen = set()
    for value in values:
        if value not in set(KeyScope):
            raise ValidationFailed(f"scopes must be among: {', '.join(SCOPE_ORDER)}")
        chosen.add(KeyScope(value))
    if not chosen:
        raise ValidationFailed("Choose at least one scope for the key")
    if KeyScope.all in chosen:
        return [KeyScope.all.value]
    return [scope.value for scope in SCOPE_ORDER if scope in chosen]


def create_agent_key(session: Session, *, user_id: str, agent_id: str, name: str, mode: str,
                     scopes: Iterable[object], expires_in_days: int | None = None) -> companies.IssuedKey:
    """Issue a scoped key for an active agent; the secret in the result is the only copy.

    Raises:
        NotFound: Not an agent the person manages.
        InvalidState: The agent is not active (a pending or frozen agent's key would be refused).
        ValidationFailed: Bad name, mode, scopes or lifetime.
    """
    access = _active(session, user_id=user_id, agent_id=agent_id)
    return companies.create_key(session, actor=access.actor, project_id=access.agent.project_id, name=name,
                                mode=mode, expires_in_days=expires_in_days, scopes=checked_scopes(scopes))


def revoke_agent_key(session: Session, *, user_id: str, agent_id: str, key_id: str) -> ApiKey:
    """Revoke one of the agent's keys at once.

    Raises:
        NotFound: Not an agent the person manages, or not one of its keys.
    """
    access = agent_access(session, user_id=user_id, agent_id=agent_id)
    _own_key(session, access, key_id)
    return companies.revoke_key(session, actor=access.actor, key_id=key_id)


def rotate_agent_key(session: Session, *, user_id: str, agent_id: str,
                     key_id: str) -> tuple[companies.IssuedKey, ApiKey]:
    """Issue a successor with the same scopes; the old key keeps working for the rotation grace.

    Raises:
        NotFound: Not an agent the person manages, or not one of its keys.
        InvalidState: The agent is not active, or the key is not.
    """
    access = _active(session, user_id=user_id, agent_id=agent_id)
    _own_key(session, access, key_id)
    return companies.rotate_key(session, actor=access.actor, key_id=key_id)


def _active(session: Session, *, user_id: str, agent_id: str) -> AgentAccess:
    access = agent_access(session, user_id=user_id, agent_id=agent_id)
    if access.agent.status != AgentStatus.active:
        raise InvalidState(f"Agent {agent_id} is {access.agent.status}; keys are issued to active agents only")
    return access


def _own_key(session: Session, access: AgentAccess, key_id: str) -> None:
    # The company key service accepts any key of the company; the agent page acts on this agent's only.
    key = companies.get_key(session, actor=access.actor, key_id=key_id)
    if key.project_id != access.agent.project_id:
        raise NotFound(f"Key {key_id} not found")
