"""How an agent authenticates: its `pk_…` key, or a JWT issued for it (`agents/tokens.py`).

Both give the same `companies.keys.KeyContext`, so every agent route works with either. A key
costs what it always did (one indexed read); a token costs its signature check and one read of
the agent, its key and (for an owner's narrowed session) the owner's membership, so a rotated
key, a bumped `token_version`, a frozen or deleted agent or an owner who left is refused at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, and_, bindparam, or_, select
from sqlmodel import Session

from marketplace_app.agents import tokens
from marketplace_app.agents.models import Agent, AgentStatus
from marketplace_app.companies.access import WRITER_ROLES, checked_id
from marketplace_app.companies.keys import AgentFrozen, KeyContext, authenticate_key
from marketplace_app.companies.models import ApiKey, CompanyMember, KeyMode, KeyStatus, Project
from marketplace_app.core.clock import now
from marketplace_app.core.errors import InvalidState, NotFound, Unauthorized
from marketplace_app.identity.models import User

KEYS = ApiKey.__table__
PROJECTS = Project.__table__
AGENTS = Agent.__table__
MEMBERS = CompanyMember.__table__
USABLE_KEY = (KEYS.c.status.in_([KeyStatus.active, KeyStatus.rotating]),
              or_(KEYS.c.expires_at.is_(None), KEYS.c.expires_at > bindparam("moment")))
# Built once: a token is checked on every call it is used for.
TOKEN_SUBJECT = (
    select(KEYS.c.mode, KEYS.c.scopes, KEYS.c.last_used_at, PROJECTS.c.company_id, PROJECTS.c.rate_limit_per_hour,
           AGENTS.c.status, AGENTS.c.token_version, MEMBERS.c.role.label("owner_role"))
    .select_from(AGENTS)
    .join(PROJECTS, PROJECTS.c.id == AGENTS.c.project_id)
    .join(KEYS, KEYS.c.project_id == AGENTS.c.project_id)
    .outerjoin(MEMBERS, and_(MEMBERS.c.company_id == AGENTS.c.company_id, MEMBERS.c.user_id == bindparam("owner")))
    .where(AGENTS.c.id == bindparam("agent_id"), AGENTS.c.project_id == bindparam("project_id"),
           KEYS.c.id == bindparam("key_id"), *USABLE_KEY)
)


@dataclass(frozen=True, slots=True)
class AgentToken:
    """A token handed to a caller, with the agent it acts as."""

    agent_id: str
    issued: tokens.IssuedToken


def authenticate(session: Session | Connection, secret: str | None) -> KeyContext:
    """The caller's context from a `pk_…` key or an agent JWT (told apart by the `pk_` prefix).

    Raises:
        Unauthorized: Missing, malformed, unknown, revoked or expired key or token; a token of an
            older `token_version`, of a deleted or pending agent, or of an owner no longer in charge.
        AgentFrozen: The agent is frozen (403 `agent_frozen`).
    """
    if secret is None or secret.startswith("pk_") or not tokens.looks_like_jwt(secret):
        return authenticate_key(session, secret)
    return authenticate_token(session, tokens.verify(secret))


def authenticate_token(session: Session | Connection, claims: tokens.AgentClaims) -> KeyContext:
    """Check a verified token against the database now (one read) and give its context.

    Raises:
        Unauthorized: The key is gone, the version is old, the agent not active, the owner gone.
        AgentFrozen: The agent is frozen.
    """
    row = session.execute(TOKEN_SUBJECT, {
        "agent_id": claims.agent_id, "project_id": claims.project_id, "key_id": claims.key_id,
        "owner": claims.owner_user_id, "moment": now()}).one_or_none()
    if row is None or row.token_version != claims.version:
        raise Unauthorized(tokens.INVALID)
    if row.status == AgentStatus.frozen:
        raise AgentFrozen("This agent is frozen by Handoff staff; its owner can see why on the dashboard")
    if row.status != AgentStatus.active:
        raise Unauthorized(tokens.INVALID)
    if claims.owner_user_id is not None and row.owner_role not in WRITER_ROLES:
        raise Unauthorized(tokens.INVALID)
    return KeyContext(key_id=claims.key_id, project_id=claims.project_id, company_id=row.company_id, mode=row.mode,
                      rate_limit_per_hour=row.rate_limit_per_hour, last_used_at=row.last_used_at,
                      agent_id=claims.agent_id, scopes=tuple(row.scopes) if row.scopes is not None else None)


def token_for_key(session: Session, *, api_key: str, owner_email: str | None = None) -> AgentToken:
    """Exchange an agent's key for a token (`POST /v1/agents/auth/token`).

    Raises:
        Unauthorized: Not a usable agent key, or `owner_email` is not the agent's owner's.
        AgentFrozen: The agent is frozen.
    """
    ctx = authenticate_key(session, api_key)
    if ctx.agent_id is None:
        raise Unauthorized("This key belongs to a project, not to an agent; agent tokens need an agent key")
    agent = session.get(Agent, ctx.agent_id)
    if owner_email is not None and owner_email.strip().lower() != agent.owner_email.strip().lower():
        raise Unauthorized("owner_email is not this agent's owner")
    return AgentToken(agent_id=agent.id, issued=_issue(agent, ctx.key_id, ctx.scopes, ctx.mode))


def refresh(session: Session, *, token: str) -> AgentToken:
    """A fresh token for a valid one, for the same agent, key and owner (`POST /v1/agents/auth/refresh`).

    Raises:
        Unauthorized: The token is not valid now (see `authenticate_token`).
        AgentFrozen: The agent is frozen.
    """
    claims = tokens.verify(token)
    ctx = authenticate_token(session, claims)
    agent = session.get(Agent, claims.agent_id)
    return AgentToken(agent_id=agent.id, issued=_issue(agent, ctx.key_id, ctx.scopes, ctx.mode,
                                                       owner_user_id=claims.owner_user_id))


def owner_session(session: Session, *, user: User, agent_id: str, mode: str = KeyMode.live) -> AgentToken:
    """Narrow an owner's dashboard session to one agent: a token acting as the agent, through its newest
    usable key of `mode`, that dies with the owner's place in the company (`POST /v1/agents/{id}/session`).

    Raises:
        NotFound: No such agent in a company the user owns or administers (another owner's included).
        AgentFrozen: The agent is frozen.
        InvalidState: The agent is not active, or has no usable key of `mode`.
    """
    agent = session.get(Agent, checked_id(agent_id, "Agent"))
    if agent is None or agent.status == AgentStatus.deleted or not _in_charge(session, user.id, agent.company_id):
        raise NotFound(f"Agent {agent_id} not found")
    if agent.status == AgentStatus.frozen:
        raise AgentFrozen("This agent is frozen by Handoff staff; see why on its page")
    if agent.status != AgentStatus.active:
        raise InvalidState(f"Agent {agent_id} is {agent.status}; only an active agent can be acted as")
    key = session.execute(
        select(KEYS.c.id, KEYS.c.scopes).where(KEYS.c.project_id == agent.project_id, KEYS.c.mode == mode, *USABLE_KEY)
        .order_by(KEYS.c.created_at.desc(), KEYS.c.id.desc()).limit(1), {"moment": now()}).one_or_none()
    if key is None:
        raise InvalidState(f"Agent {agent_id} has no usable {mode} key; create one first")
    return AgentToken(agent_id=agent.id, issued=_issue(agent, key.id, key.scopes, mode, owner_user_id=user.id))


def _in_charge(session: Session, user_id: str, company_id: str) -> bool:
    role = session.execute(select(MEMBERS.c.role).where(MEMBERS.c.company_id == company_id,
                                                         MEMBERS.c.user_id == user_id)).scalar_one_or_none()
    return role in WRITER_ROLES


def _issue(agent: Agent, key_id: str, scopes: tuple[str, ...] | list[str] | None, mode: str, *,
           owner_user_id: str | None = None) -> tokens.IssuedToken:
    return tokens.issue(agent_id=agent.id, project_id=agent.project_id, key_id=key_id, version=agent.token_version,
                        scopes=list(scopes) if scopes is not None else None, mode=mode, owner_user_id=owner_user_id)
