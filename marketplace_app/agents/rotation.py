"""Replacing an agent's key: rotation by the agent, recovery by its owner's e-mail.

Either way the new key goes only to the owner's mailbox (never into an API answer), the old key is
revoked at once (no grace: a key is rotated because it may be known to someone else) and the
agent's `token_version` is bumped, so every JWT issued before is refused from the next call on.
The agent row is locked first and the presenting key read again under the lock, so two concurrent
rotations leave exactly one new key: the second finds its key revoked and is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BindParameter, bindparam, func, select
from sqlmodel import Session

from marketplace_app.agents.models import Agent, AgentStatus, KeyRecoveryRequest, KeyScope
from marketplace_app.companies import service as companies
from marketplace_app.companies.keys import AgentFrozen, KeyContext
from marketplace_app.companies.models import ApiKey, KeyMode, KeyStatus
from marketplace_app.core import wording
from marketplace_app.core.clock import now
from marketplace_app.core.crypto import keyed_hash
from marketplace_app.core.db import built_once, is_postgres
from marketplace_app.core.errors import Forbidden, RateLimited, Unauthorized
from marketplace_app.events import service as events
from marketplace_app.mail import service as mail
from marketplace_app.mail import tokens as link_tokens
from marketplace_app.settings import get_settings

RECOVERY_PURPOSE = "key_recovery"
# The mail that carries the new key, by what replaced it.
KEY_MAIL_KINDS = {"rotation": "agent_key_rotated", "recovery": "agent_key_recovered"}
RECOVERIES = KeyRecoveryRequest.__table__
USABLE = (KeyStatus.active, KeyStatus.rotating)


@dataclass(frozen=True, slots=True)
class Replaced:
    """A key just replaced: what the caller may be told (never the secret)."""

    agent_id: str
    key_id: str
    prefix: str
    last4: str
    mailed_to: str
    """The owner's address, masked (`o***@example.com`)."""
    revoked_key_ids: list[str]


def rotate(session: Session, *, ctx: KeyContext) -> Replaced:
    """Replace the key the call was authenticated with (or the key its token came from).

    Raises:
        Forbidden: A project key, not an agent's.
        Unauthorized: The key was revoked meanwhile (a concurrent rotation won).
        AgentFrozen: The agent is frozen.
    """
    if ctx.agent_id is None:
        raise Forbidden("Only an agent's key can be rotated here; project keys rotate on the dashboard")
    agent = _locked_agent(session, ctx.agent_id)
    old = session.get(ApiKey, ctx.key_id, populate_existing=True)
    if old is None or not _usable(old):
        raise Unauthorized("This key was replaced meanwhile; use the key mailed to the owner")
    lifetime = old.expires_at - old.created_at if old.expires_at is not None else None
    _revoke(old)
    new = companies.issue_key(session, project_id=agent.project_id, name=old.name, mode=KeyMode(old.mode),
                              expires_at=now() + lifetime if lifetime is not None else None, scopes=old.scopes)
    return _finish(session, agent, new, revoked=[old], cause="rotation")


def request_recovery(session: Session, *, email: str) -> None:
    """Mail each active agent of `email` a recovery token, at most once a window per address.

    The window is claimed whether or not the address owns agents, so neither the answer nor a
    second try tells a stranger anything.

    Raises:
        RateLimited: This address asked within the window (`Retry-After` says until when).
    """
    address = email.strip().lower()
    _claim_window(session, address)
    agents = session.execute(select(Agent).where(func.lower(Agent.owner_email) == address,
                                                 Agent.status == AgentStatus.active)
                             .order_by(Agent.created_at, Agent.id)).scalars().all()
    if not agents:
        return
    settings = get_settings()
    ttl = timedelta(minutes=settings.key_recovery_token_minutes)
    lines = []
    for agent in agents:
        link_tokens.revoke_all(session, purpose=RECOVERY_PURPOSE, subject=agent.id)
        secret = link_tokens.issue(session, purpose=RECOVERY_PURPOSE, subject=agent.id, ttl=ttl)
        lines.append(f"- {agent.name} (@{agent.handle}): {secret}")
    mail.queue(session, to=address, subject="Recover your Handoff agent keys", kind="agent_key_recovery", text=(
        "Someone (hopefully you) asked to recover the API keys of these agents:\n\n" + "\n".join(lines) +
        f"\n\nEach token works once, for {wording.delay(int(ttl.total_seconds()))}. Exchange one for a new key with\n"
        f"  curl -X POST {settings.api_url}/v1/agents/recover-key/exchange -H 'Content-Type: application/json' "
        "-d '{\"token\": \"<token>\"}'\n"
        "The new key is mailed to you; the agent's old keys and sessions stop working.\n"
        "If you did not ask for this, ignore this mail: nothing changes until a token is used."))


def exchange_recovery(session: Session, *, token: str) -> Replaced:
    """Use a recovery token: every key of its agent revoked, one new key mailed, every session ended.

    Raises:
        TokenInvalid: Unknown, used or expired token (400 `invalid_token`; nothing changes).
        AgentFrozen: The agent was frozen since the mail.
    """
    redeemed = link_tokens.redeem(session, purpose=RECOVERY_PURPOSE, secret=token)
    agent = _locked_agent(session, redeemed.subject)
    link_tokens.revoke_all(session, purpose=RECOVERY_PURPOSE, subject=agent.id)
    keys = session.execute(select(ApiKey).where(ApiKey.project_id == agent.project_id, ApiKey.status.in_(USABLE))
                           .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())).scalars().all()
    template = next((key for key in keys if key.mode == KeyMode.live), keys[0] if keys else None)
    for key in keys:
        _revoke(key)
    new = companies.issue_key(session, project_id=agent.project_id, name="Recovered key",
                              mode=KeyMode(template.mode) if template else KeyMode.live,
                              scopes=template.scopes if template else [KeyScope.all.value])
    return _finish(session, agent, new, revoked=list(keys), cause="recovery")


def _locked_agent(session: Session, agent_id: str) -> Agent:
    """The agent, locked (PostgreSQL; SQLite's writers already queue), refused unless active."""
    statement = select(Agent).where(Agent.id == agent_id).execution_options(populate_existing=True)
    if is_postgres(session):
        statement = statement.with_for_update()
    agent = session.execute(statement).scalar_one_or_none()
    if agent is not None and agent.status == AgentStatus.frozen:
        raise AgentFrozen("This agent is frozen by Handoff staff; its owner can see why on the dashboard")
    if agent is None or agent.status != AgentStatus.active:
        raise Unauthorized("This agent is not active")
    return agent


def _usable(key: ApiKey) -> bool:
    return key.status in USABLE and (key.expires_at is None or _aware(key.expires_at) > now())


def _revoke(key: ApiKey) -> None:
    key.status = KeyStatus.revoked
    key.revoked_at = now()


def _finish(session: Session, agent: Agent, new: companies.IssuedKey, *, revoked: list[ApiKey],
            cause: str) -> Replaced:
    """Bump the version (every older JWT dies), mail the key, record the event."""
    agent.token_version += 1
    session.flush()
    mail.queue(session, to=agent.owner_email, subject=f"New API key for {agent.name}", kind=KEY_MAIL_KINDS[cause],
               text=(f"The API key of your agent {agent.name} (@{agent.handle}) was replaced ({cause}).\n\n"
                     f"New key: {new.secret}\n\nThe old key and every token issued with it no longer work. "
                     "Keep the key secret: Handoff shows it nowhere else."))
    revoked_ids = [key.id for key in revoked]
    events.emit(session, [events.NewEvent(
        type="agent.key_rotated", project_id=agent.project_id, company_id=agent.company_id, mode=new.key.mode,
        data={"agent_id": agent.id, "key_id": new.key.id, "prefix": new.key.prefix, "last4": new.key.last4,
              "revoked_key_ids": revoked_ids, "cause": cause})])
    return Replaced(agent_id=agent.id, key_id=new.key.id, prefix=new.key.prefix, last4=new.key.last4,
                    mailed_to=mask(agent.owner_email), revoked_key_ids=revoked_ids)


def _claim_window(session: Session, address: str) -> None:
    """Record this request unless the address asked within the window (one atomic upsert).

    Raises:
        RateLimited: It did; `Retry-After` is the seconds until the window ends.
    """
    moment = now()
    window = timedelta(hours=get_settings().key_recovery_window_hours)
    email_hash = keyed_hash("key_recovery_email", address)
    statement = built_once(session, "agent_key_recovery_claim", lambda insert: (
        insert(RECOVERIES).values(email_hash=bindparam("email_hash"), requested_at=_at("moment"))
        .on_conflict_do_update(index_elements=[RECOVERIES.c.email_hash], set_={"requested_at": _at("moment")},
                               where=RECOVERIES.c.requested_at <= _at("window_start"))
        .returning(RECOVERIES.c.email_hash)))
    claimed = session.execute(statement, {"email_hash": email_hash, "moment": moment,
                                          "window_start": moment - window}).first()
    if claimed is not None:
        return
    last = session.execute(select(RECOVERIES.c.requested_at).where(RECOVERIES.c.email_hash == email_hash)).scalar_one()
    retry_after = max(1, int((_aware(last) + window - moment).total_seconds()))
    raise RateLimited(f"Key recovery for this address was asked for less than "
                      f"{wording.hours(get_settings().key_recovery_window_hours)} ago; retry in {retry_after}s",
                      headers={"Retry-After": str(retry_after)})


def _at(name: str) -> BindParameter:
    return bindparam(name, type_=RECOVERIES.c.requested_at.type)


def mask(address: str) -> str:
    """`owner@example.com` → `o***@example.com`: says where a mail went without spelling it out."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def _aware(moment: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; every stored one is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=now().tzinfo)
