"""Sign-up, password login (throttled), bearer sessions and browser login tickets."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from marketplace_app.companies import service as companies
from marketplace_app.core.clock import now
from marketplace_app.core.crypto import keyed_hash
from marketplace_app.core.db import after_refusal
from marketplace_app.core.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from marketplace_app.core.ids import new_id, new_secret
from marketplace_app.identity import throttle
from marketplace_app.identity.models import AuthSession, LoginTicket, Role, User, UserStatus
from marketplace_app.identity.passwords import dummy_hash, hash_password, verify_password
from marketplace_app.operators import service as operators
from marketplace_app.ratelimit import service as ratelimit
from marketplace_app.ratelimit.service import Rule
from marketplace_app.settings import get_settings

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
TICKET_TTL = timedelta(seconds=60)
SELF_SERVICE_ROLES = frozenset({Role.company, Role.operator, Role.agent_owner})
SESSIONS = AuthSession.__table__
TICKETS = LoginTicket.__table__


@dataclass(frozen=True, slots=True)
class SignUp:
    """What a person gives to open an account."""

    email: str
    password: str
    display_name: str
    role: Role
    company_name: str | None = None


def normalize_email(email: str) -> str:
    """Validate an e-mail address and return its normalized form."""
    try:
        return validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed(f"email is not a valid address: {exc}") from exc


def sign_up(session: Session, form: SignUp, *, allow_admin: bool = False) -> User:
    """Create a user (and their company or operator profile) from a sign-up form.

    Raises:
        ValidationFailed: Bad e-mail, short password, unknown role.
        Conflict: The e-mail is already registered.
    """
    email = normalize_email(form.email)
    _check_password(form.password)
    display_name = form.display_name.strip()
    if not 1 <= len(display_name) <= 100:
        raise ValidationFailed("display_name must be 1 to 100 characters")
    _check_plain_text("display_name", display_name)
    _check_plain_text("company_name", form.company_name or "")
    if form.role not in SELF_SERVICE_ROLES and not (allow_admin and form.role == Role.admin):
        raise ValidationFailed(f"role must be one of {', '.join(sorted(SELF_SERVICE_ROLES))}")
    if session.execute(select(User.id).where(User.email == email)).first() is not None:
        raise Conflict("An account with this e-mail already exists")
    user = User(id=new_id("usr"), email=email, password_hash=hash_password(form.password),
                display_name=display_name, role=form.role)
    try:
        # A concurrent sign-up can pass the check above; the unique e-mail decides.
        with session.begin_nested():
            session.add(user)
    except IntegrityError as exc:
        raise Conflict("An account with this e-mail already exists") from exc
    if form.role == Role.company:
        companies.create_company(session, owner_user_id=user.id, name=form.company_name or f"{display_name}'s company")
    elif form.role == Role.operator:
        operators.create_profile(session, user_id=user.id, display_name=display_name)
    elif form.role == Role.agent_owner:
        # Their agents' organisation: registering an agent under their e-mail lands in it, and its
        # credits pay the agents' work and activation fees (docs/DECISIONS.md, "An agent is a project").
        companies.create_company(session, owner_user_id=user.id, name=f"{display_name}'s agents")
    return user


def _check_plain_text(field: str, value: str) -> None:
    # Control characters have no place in names, and PostgreSQL refuses NUL outright.
    if any(unicodedata.category(character) == "Cc" for character in value):
        raise ValidationFailed(f"{field} must not contain control characters")


def _check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(f"password must be at most {MAX_PASSWORD_LENGTH} characters")


def register(session: Session, form: SignUp, *, address: str) -> User:
    """Open an account for someone at a front door: sign-ups are counted per client address.

    Raises:
        RateLimited: Too many sign-ups from this address this hour.
        ValidationFailed, Conflict: As `sign_up`.
    """
    # Counted outside the transaction, so it stands even when the sign-up is refused: probing which
    # e-mails are taken is counted too.
    usage = ratelimit.count(rule=Rule.sign_up, who=address)
    ratelimit.refuse_if_over(usage, what=ratelimit.RULE_WORDS[Rule.sign_up])
    return sign_up(session, form)


def authenticate(session: Session, *, email: str, password: str, address: str) -> User:
    """Return the user these credentials belong to, throttling guesses (identity/throttle.py).

    Raises:
        RateLimited: The account or the client address must wait; no password is checked.
        Unauthorized: Unknown e-mail or wrong password (one message for both).
        Forbidden: The account is frozen.
    """
    email = email.strip().lower()
    had_failures = throttle.refuse_if_waiting(session, email=email, address=address)
    # No account has a NUL in its e-mail, and PostgreSQL would refuse to even compare one.
    user = None if "\x00" in email else session.execute(
        select(User).where(User.email == email)).scalar_one_or_none()
    if user is None:
        verify_password(dummy_hash(), password)  # spend the same time as a real check
    if user is None or not verify_password(user.password_hash, password):
        after_refusal(session, lambda kept: throttle.record_failure(kept, email=email, address=address))
        raise Unauthorized("Invalid e-mail or password")
    if user.status != UserStatus.active:
        raise Forbidden("This account is frozen; contact support")
    if had_failures:
        throttle.clear_account(session, email=email)
    user.last_login_at = now()
    return user


def unlock(session: Session, *, user_id: str, staff: User) -> bool:
    """Lift a sign-in lockout: forget the account's failed sign-ins; whether it had any.

    Raises:
        Forbidden: `staff` is not staff.
        NotFound: No user `user_id`.
    """
    if staff.role != Role.admin:
        raise Forbidden("Only staff can unlock an account")
    user = session.get(User, user_id[:40])
    if user is None:
        raise NotFound(f"User {user_id[:40]} not found")
    return throttle.clear_account(session, email=user.email)


def create_session(session: Session, *, user: User, kind: str = "api") -> str:
    """Open a session for `user` and return its bearer token (shown only now)."""
    token = new_secret("ses")
    ttl = timedelta(hours=get_settings().session_ttl_hours)
    session.add(AuthSession(id=new_id("sess"), token_hash=keyed_hash("session", token), user_id=user.id,
                            kind=kind, expires_at=now() + ttl))
    session.flush()
    return token


def user_for_token(session: Session, token: str | None) -> User:
    """Return the active user behind a `ses_…` token.

    Raises:
        Unauthorized: Missing, unknown, expired or revoked token.
    """
    if not token or not token.startswith("ses_"):
        raise Unauthorized("Missing or invalid session token")
    row = session.execute(
        select(User).join(AuthSession, AuthSession.user_id == User.id).where(
            AuthSession.token_hash == keyed_hash("session", token), AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > now())
    ).scalar_one_or_none()
    if row is None:
        raise Unauthorized("Missing or invalid session token")
    if row.status != UserStatus.active:
        raise Forbidden("This account is frozen; contact support")
    return row


def revoke_session(session: Session, token: str) -> None:
    """End the session behind `token` (no error if it is already gone)."""
    session.execute(update(SESSIONS).where(SESSIONS.c.token_hash == keyed_hash("session", token),
                                           SESSIONS.c.revoked_at.is_(None)).values(revoked_at=now()))


def issue_login_ticket(session: Session, *, user: User) -> str:
    """Return a one-time ticket (valid 60 s) that the browser trades for a session cookie."""
    ticket = new_secret("tkt")
    session.add(LoginTicket(id=new_id("tkt"), ticket_hash=keyed_hash("ticket", ticket), user_id=user.id,
                            expires_at=now() + TICKET_TTL))
    session.flush()
    return ticket


def redeem_login_ticket(session: Session, ticket: str) -> User:
    """Spend a login ticket exactly once and return its user.

    Raises:
        Unauthorized: Unknown, expired or already used ticket.
    """
    ticket_hash = keyed_hash("ticket", ticket or "")
    claimed = session.execute(update(TICKETS).where(
        TICKETS.c.ticket_hash == ticket_hash, TICKETS.c.used_at.is_(None), TICKETS.c.expires_at > now(),
    ).values(used_at=now())).rowcount
    if claimed != 1:
        raise Unauthorized("This sign-in link has expired; please sign in again")
    user_id = session.execute(select(TICKETS.c.user_id).where(TICKETS.c.ticket_hash == ticket_hash)).scalar_one()
    return session.get_one(User, user_id)


def purge_expired(session: Session) -> int:
    """Delete expired tickets and sessions, and forgotten failed sign-ins; return how many rows went."""
    moment = now()
    removed = session.execute(TICKETS.delete().where(TICKETS.c.expires_at < moment - TICKET_TTL)).rowcount
    removed += session.execute(SESSIONS.delete().where(SESSIONS.c.expires_at < moment)).rowcount
    return removed + throttle.purge_forgotten(session)
