"""Registering an agent and activating it (VoxPact's quick start, PRODUCT §11).

Registering is public: it creates the agent (`pending_verification`), the project behind it and,
when needed, its organisation, and mails the owner a single-use activation link. Activating uses
that link exactly once: the owner's account (made on first use), the fee for every agent after the
organisation's first (one ledger transfer to platform revenue), the key (mailed, never returned),
the `agent.activated` event and an audit entry, all in one transaction. See docs/DECISIONS.md,
"Agent registration and activation".
"""

from __future__ import annotations

import logging
import re
import secrets
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from marketplace_app.agents import trust
from marketplace_app.agents.models import Agent, AgentStatus, KeyScope
from marketplace_app.agents.schemas import RESERVED_HANDLES, AgentActivate, AgentRegister
from marketplace_app.audit import service as audit
from marketplace_app.companies import service as companies
from marketplace_app.companies.access import CompanyActor
from marketplace_app.companies.models import Company, CompanyMember, MemberRole
from marketplace_app.core import wording
from marketplace_app.core.clock import isoformat, now
from marketplace_app.core.db import insert_ignore, is_postgres, unit_of_work
from marketplace_app.core.errors import Conflict, Forbidden, HandoffError, InsufficientCredits, InsufficientFunds
from marketplace_app.core.ids import new_id
from marketplace_app.core.money import format_money
from marketplace_app.earnings.accounts import PLATFORM_REVENUE
from marketplace_app.events import service as events
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import Role, User
from marketplace_app.ledger import service as ledger
from marketplace_app.mail import service as mail
from marketplace_app.mail import tokens
from marketplace_app.ratelimit import service as ratelimit
from marketplace_app.ratelimit.service import Rule
from marketplace_app.settings import get_settings
from marketplace_app.webhooks import service as webhooks

log = logging.getLogger(__name__)
PURPOSE = "agent_activation"
ACTIVATION_MAIL = "agent_activation"
KEY_MAIL = "agent_key"
FEE_KIND = "agent_activation_fee"
KEY_NAME = "Agent key"
# Never a valid Argon2 hash, so no password ever matches: the owner signs in by e-mailed link.
NO_PASSWORD = "!no-password: signs in by e-mailed link"
OWNER_ROLES = frozenset({Role.agent_owner, Role.company})
HANDLE_ATTEMPTS = 5
HANDLE_BASE_LENGTH = 26  # leaves room for "-" and a 4-character suffix within 32
AGENTS = Agent.__table__
INVALID_LINK = "This activation link is invalid, already used or expired."
MEMBERS = CompanyMember.__table__


class HandleTaken(Conflict):
    """Another agent has this handle (409)."""

    code = "handle_taken"


@dataclass(frozen=True, slots=True)
class ActivationDetails:
    """What the activation page shows before the owner accepts."""

    agent_id: str
    agent_name: str
    handle: str
    owner_email: str
    fee_cents: int
    terms_url: str


@dataclass(frozen=True, slots=True)
class Activated:
    """An agent just activated; `login_ticket` signs its owner into the dashboard (browser door)."""

    agent_id: str
    owner_email: str
    fee_cents: int
    login_ticket: str


def register(session: Session, form: AgentRegister, *, address: str) -> Agent:
    """Register an agent at a front door: registrations are counted per client address.

    Raises:
        RateLimited: Too many registrations from this address this hour.
        HandleTaken: The handle given is another agent's.
    """
    # Counted outside the transaction, so refused registrations count too (handle probing).
    usage = ratelimit.count(rule=Rule.agent_registration, who=address)
    ratelimit.refuse_if_over(usage, what=ratelimit.RULE_WORDS[Rule.agent_registration])
    return register_agent(session, form)


def register_agent(session: Session, form: AgentRegister) -> Agent:
    """Create a pending agent, its project (and organisation if new), and mail the activation link.

    Raises:
        HandleTaken: The handle given is another agent's (also when a concurrent registration
            took it first).
    """
    _serialise_owner(session, form.owner_email)
    company_id = _organisation(session, form.owner_email)
    project = companies.create_project(session, company_id=company_id, name=form.name)
    agent = _insert_agent(session, form, company_id=company_id, project_id=project.id)
    ttl = timedelta(days=get_settings().agent_activation_link_days)
    secret = tokens.issue(session, purpose=PURPOSE, subject=agent.id, ttl=ttl)
    fee_cents = activation_fee_cents(session, company_id)
    mail.queue(session, to=agent.owner_email, subject=f"Activate your agent {agent.name}",
               text=_activation_text(agent, secret, fee_cents), kind=ACTIVATION_MAIL)
    return agent


def activation_fee_cents(session: Session, company_id: str) -> int:
    """What activating one more agent of the organisation costs: its first is free.

    Every agent ever activated counts, deleted ones too, so deleting and registering again does
    not make the next one free.
    """
    activated = session.execute(select(func.count()).where(
        AGENTS.c.company_id == company_id, AGENTS.c.activated_at.is_not(None))).scalar_one()
    return 0 if activated == 0 else get_settings().agent_activation_fee_cents


def activation_details(session: Session, *, secret: str) -> ActivationDetails:
    """The activation page's facts, without using the link.

    Raises:
        TokenInvalid: Unknown, used or expired link, or its agent is no longer pending.
    """
    token = tokens.peek(session, purpose=PURPOSE, secret=secret)
    agent = session.get(Agent, token.subject)
    if agent is None or agent.status != AgentStatus.pending_verification:
        raise tokens.TokenInvalid(INVALID_LINK)
    return ActivationDetails(agent_id=agent.id, agent_name=agent.name, handle=agent.handle,
                             owner_email=agent.owner_email, fee_cents=activation_fee_cents(session, agent.company_id),
                             terms_url=terms_url())


def activate(session: Session, *, secret: str, terms: AgentActivate) -> Activated:
    """Use the activation link once: owner account, fee, status, key mail, event and audit entry.

    A refusal (402 included) rolls the whole transaction back, so the link stays usable.

    Raises:
        TokenInvalid: Unknown, used or expired link (a concurrent activation used it first).
        Forbidden: The owner e-mail belongs to an operator or staff account.
        InsufficientCredits: The fee is not covered by the organisation's credits.
    """
    if terms.accept_terms is not True:  # the schema refuses it; a caller building it by hand must not skip it
        raise Forbidden("The terms must be accepted to activate an agent")
    redeemed = tokens.redeem(session, purpose=PURPOSE, secret=secret)
    agent = _pending_agent(session, redeemed.subject)
    _lock_company(session, agent.company_id)
    owner = _owner_account(session, agent)
    fee_cents = activation_fee_cents(session, agent.company_id)
    transfer_id = _charge(session, agent, fee_cents)
    _mark_active(session, agent, owner)
    trust.recompute(session, agent.id, cause="activated", detail="Activated by its owner")
    issued = companies.issue_key(session, project_id=agent.project_id, name=KEY_NAME, scopes=[KeyScope.all])
    mail.queue(session, to=agent.owner_email, subject=f"The API key of your agent {agent.name}",
               text=_key_text(agent, issued.secret), kind=KEY_MAIL)
    data = {"agent_id": agent.id, "handle": agent.handle, "name": agent.name,
            "fee_charged": format_money(fee_cents, get_settings().currency),
            "activated_at": isoformat(agent.activated_at), "key_id": issued.key.id}
    events.emit(session, [events.NewEvent(type="agent.activated", project_id=agent.project_id,
                                          company_id=agent.company_id, data=data)])
    audit.record(session, actor_user_id=owner.id, action="agent.activate", subject_type="agent",
                 subject_id=agent.id, detail={**data, "fee_cents": fee_cents}, transfer_id=transfer_id)
    return Activated(agent_id=agent.id, owner_email=agent.owner_email, fee_cents=fee_cents,
                     login_ticket=identity.issue_login_ticket(session, user=owner))


def activate_and_connect(*, secret: str, terms: AgentActivate) -> Activated:
    """Activate in one transaction, then save the registered webhook URL as an endpoint of the
    agent's project through the webhook service (its ping runs outside any transaction; an endpoint
    that does not answer is saved disabled, and the activation stands either way).

    Raises:
        As `activate`.
    """
    with unit_of_work() as session:
        activated = activate(session, secret=secret, terms=terms)
    _connect_webhook(activated.agent_id)
    return activated


def _connect_webhook(agent_id: str) -> None:
    with unit_of_work(read_only=True) as session:
        agent = session.get_one(Agent, agent_id)
    if not agent.webhook_url or agent.owner_user_id is None:
        return
    owner = CompanyActor(user_id=agent.owner_user_id, company_id=agent.company_id, role=MemberRole.owner)
    try:
        webhooks.create_endpoint(actor=owner, project_id=agent.project_id, url=agent.webhook_url, types=None,
                                 description=f"Registered with agent {agent.handle}", save_disabled=True)
    except HandoffError as exc:
        # The URL passed the guard at registration; one refused now (its host moved to a private
        # address, the project is full) leaves the agent active and the owner adds it by hand.
        log.warning("agent %s: registered webhook URL not saved: %s", agent.id, exc.message)


def terms_url() -> str:
    """Where the terms an owner accepts are published."""
    settings = get_settings()
    return settings.terms_url or f"{settings.app_url}/terms"


def activation_link(secret: str) -> str:
    """The page the activation mail links to."""
    return f"{get_settings().app_url}/activate/{secret}"


def derived_handle(name: str, *, suffixed: bool) -> str:
    """A handle made from the agent's name (`Contract Checker` → `contract-checker`); `suffixed`
    adds `-` and four random characters, for when the plain one is taken."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:HANDLE_BASE_LENGTH].strip("-")
    if len(base) < 3:
        base = f"{base}-agent" if base else "agent"
    return f"{base}-{secrets.token_hex(2)}" if suffixed or base in RESERVED_HANDLES else base


def _serialise_owner(session: Session, email: str) -> None:
    # Two first registrations for one new e-mail must not make two organisations (each with a free
    # first agent). SQLite already runs one write transaction at a time; PostgreSQL takes a
    # transaction-scoped lock on the address.
    if is_postgres(session):
        key = zlib.crc32(f"agent-owner:{email}".encode())
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _organisation(session: Session, email: str) -> str:
    """The owner's company if the e-mail is a company owner's, else the organisation of their
    earlier agents, else a new one (without members until the owner activates)."""
    owned = session.execute(
        select(MEMBERS.c.company_id).join(User, User.id == MEMBERS.c.user_id)
        .where(User.email == email, MEMBERS.c.role == MemberRole.owner)
        .order_by(MEMBERS.c.created_at, MEMBERS.c.id).limit(1)).scalar_one_or_none()
    if owned is not None:
        return owned
    earlier = session.execute(select(AGENTS.c.company_id).where(AGENTS.c.owner_email == email)
                              .order_by(AGENTS.c.created_at).limit(1)).scalar_one_or_none()
    if earlier is not None:
        return earlier
    return companies.create_company(session, owner_user_id=None, name=f"{email}'s agents").id


def _insert_agent(session: Session, form: AgentRegister, *, company_id: str, project_id: str) -> Agent:
    for attempt in range(HANDLE_ATTEMPTS):
        handle = form.handle or derived_handle(form.name, suffixed=attempt > 0)
        if attempt == 0 and _handle_used(session, handle) and form.handle is None:
            continue
        agent = Agent(id=new_id("agt"), project_id=project_id, company_id=company_id, handle=handle,
                      name=form.name, description=form.description, category=form.category,
                      capabilities=form.capabilities, endpoint_url=form.endpoint_url,
                      service_price_cents=form.service_price_cents, webhook_url=form.webhook_url,
                      owner_email=form.owner_email)
        try:
            # The unique handle decides between concurrent registrations; the savepoint keeps the
            # rest of this transaction when it refuses.
            with session.begin_nested():
                session.add(agent)
            return agent
        except IntegrityError:
            if form.handle is not None:
                break
    raise HandleTaken(f"The handle {form.handle or derived_handle(form.name, suffixed=False)} is taken; "
                      "choose another one")


def _handle_used(session: Session, handle: str) -> bool:
    return session.execute(select(AGENTS.c.id).where(AGENTS.c.handle == handle)).first() is not None


def _pending_agent(session: Session, agent_id: str) -> Agent:
    statement = select(Agent).where(Agent.id == agent_id)
    if is_postgres(session):
        statement = statement.with_for_update()
    agent = session.execute(statement.execution_options(populate_existing=True)).scalar_one_or_none()
    if agent is None or agent.status != AgentStatus.pending_verification:
        raise tokens.TokenInvalid(INVALID_LINK)
    return agent


def _lock_company(session: Session, company_id: str) -> None:
    # Activations of two agents of one organisation count each other's activation: one is free.
    if is_postgres(session):
        session.execute(select(Company.id).where(Company.id == company_id).with_for_update())


def _owner_account(session: Session, agent: Agent) -> User:
    """The owner's user (an `agent_owner` made now if the e-mail has none), owner of the organisation."""
    user = _user_by_email(session, agent.owner_email)
    if user is None:
        try:
            with session.begin_nested():  # a sign-up of the same e-mail may have committed meanwhile
                user = User(id=new_id("usr"), email=agent.owner_email, password_hash=NO_PASSWORD,
                            display_name=agent.owner_email.split("@")[0][:100], role=Role.agent_owner)
                session.add(user)
        except IntegrityError:
            user = _user_by_email(session, agent.owner_email)
    if user is None or user.role not in OWNER_ROLES:
        raise Forbidden("This owner e-mail belongs to an operator or staff account, which cannot own "
                        "agents; register the agent with another owner e-mail")
    insert_ignore(session, MEMBERS, {"company_id": agent.company_id, "user_id": user.id,
                                     "role": MemberRole.owner, "created_at": now()},
                  conflict=["company_id", "user_id"])
    return user


def _user_by_email(session: Session, email: str) -> User | None:
    return session.execute(select(User).where(User.email == email)).scalar_one_or_none()


def _charge(session: Session, agent: Agent, fee_cents: int) -> int | None:
    """Debit the fee from the organisation's credits to platform revenue; the transfer is its record."""
    if fee_cents == 0:
        return None
    legs = [ledger.Leg(ledger.account_id(session, companies.available_account(agent.company_id)),
                       ledger.account_id(session, PLATFORM_REVENUE), fee_cents)]
    try:
        return ledger.transfer(session, idempotency_key=f"agent_activation:{agent.id}", kind=FEE_KIND,
                               reason=f"Activation of agent {agent.handle}", legs=legs,
                               reference_type="agent", reference_id=agent.id)
    except InsufficientFunds as exc:
        raise InsufficientCredits(
            f"Activating another agent costs {wording.money(fee_cents)}, and the organisation's credits "
            f"({wording.money(exc.balance_cents)}) do not cover it; add credits and use the link again"
        ) from exc


def _mark_active(session: Session, agent: Agent, owner: User) -> None:
    moment = now()
    changed = session.execute(
        update(AGENTS).where(AGENTS.c.id == agent.id, AGENTS.c.status == AgentStatus.pending_verification)
        .values(status=AgentStatus.active, activated_at=moment, owner_user_id=owner.id)).rowcount
    if changed != 1:
        raise tokens.TokenInvalid(INVALID_LINK)
    session.refresh(agent)


def _activation_text(agent: Agent, secret: str, fee_cents: int) -> str:
    price = wording.money(get_settings().agent_activation_fee_cents)
    fee = (f"The first agent your organisation activates is free; each further one costs {price}, debited "
           "from its credits." if fee_cents == 0 else
           f"Activation costs {wording.money(fee_cents)}, debited from your organisation's credits.")
    days = wording.days(get_settings().agent_activation_link_days)
    return (f"Someone registered the agent {agent.name} (@{agent.handle}) on Handoff with this address as "
            f"its owner.\n\nTo activate it, open this link within {days} and accept the terms:\n\n"
            f"{activation_link(secret)}\n\n{fee}\n\nIf you did not expect this, ignore this e-mail: the agent "
            "stays inactive.\n")


def _key_text(agent: Agent, secret: str) -> str:
    api = get_settings().api_url
    return (f"Your agent {agent.name} (@{agent.handle}) is active.\n\nIts API key, shown only in this "
            f"e-mail (Handoff keeps no readable copy; store it now):\n\n{secret}\n\n"
            f"Exchange it for a token with POST {api}/v1/agents/auth/token, or send it as "
            "'Authorization: Bearer <key>'. Lost it? POST /v1/agents/recover-key.\n")
