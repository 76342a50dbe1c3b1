"""Sign-in by e-mail: one mail carries a link and a 6-digit code; either opens a session, once.

Asking for a mail always answers the same, whether the address has an account or not; the mails
are counted per e-mail and per client address. The link and the code are two single-use tokens
(`mail/tokens.py`, purpose `sign_in`, subject the e-mail); using either uses up every open sign-in
token of that e-mail in ONE conditional UPDATE, so a link and its code used at the same moment
open one session, never two. A wrong code counts as a failed sign-in (`identity/throttle.py`), and
after `magic_code_max_failures` of them the e-mail's open link and code are dead: six digits are
guessable, a fresh mail is not. The first sign-in of an unknown e-mail opens an `agent_owner`
account with an organisation of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from marketplace_app.companies import service as companies
from marketplace_app.companies.models import CompanyMember
from marketplace_app.core import wording
from marketplace_app.core.clients import address_key
from marketplace_app.core.clock import now
from marketplace_app.core.crypto import keyed_hash
from marketplace_app.core.db import after_refusal
from marketplace_app.core.errors import Forbidden, ValidationFailed
from marketplace_app.core.ids import new_id, new_secret
from marketplace_app.identity import throttle
from marketplace_app.identity.models import Role, User, UserStatus
from marketplace_app.identity.passwords import hash_password
from marketplace_app.identity.service import normalize_email
from marketplace_app.mail import service as mail
from marketplace_app.mail import tokens
from marketplace_app.mail.models import LinkToken
from marketplace_app.ratelimit import service as ratelimit
from marketplace_app.settings import get_settings

PURPOSE = "sign_in"
MAIL_KIND = "sign_in"
MAGIC_PATH = "/auth/magic/"
TOKENS = LinkToken.__table__
DIGEST_CHARS = 32


@dataclass(frozen=True, slots=True)
class SignedIn:
    """Who just signed in by e-mail, and whether the account was opened by this sign-in."""

    user: User
    created: bool


def send_link(session: Session, *, email: str, address: str) -> None:
    """Queue one sign-in mail (link + code) for `email`, ending the e-mail's earlier ones.

    Answers the same for every valid address: whether an account exists is not revealed.

    Raises:
        ValidationFailed: Not an e-mail address.
        RateLimited: Too many mails for this e-mail or from this address this hour.
    """
    email = normalize_email(email)
    _count_mail(email=email, address=address)
    tokens.revoke_all(session, purpose=PURPOSE, subject=email)
    ttl = timedelta(minutes=get_settings().magic_link_ttl_minutes)
    link_secret = tokens.issue(session, purpose=PURPOSE, subject=email, ttl=ttl)
    code = tokens.issue(session, purpose=PURPOSE, subject=email, ttl=ttl, code=True)
    mail.queue(session, to=email, subject=f"Your Handoff sign-in code: {code}", kind=MAIL_KIND,
               text=_mail_text(link=f"{get_settings().app_url}{MAGIC_PATH}{link_secret}", code=code))


def verify_link(session: Session, *, token: str) -> SignedIn:
    """Sign in with the secret of a mailed link (exactly once; the mail's code dies with it).

    Raises:
        TokenInvalid: Unknown, used, expired or superseded link.
        Forbidden: The account is frozen.
    """
    row = tokens.peek(session, purpose=PURPOSE, secret=token)
    _use_all(session, token_id=row.id, email=row.subject)
    return _sign_in(session, row.subject)


def verify_code(session: Session, *, email: str, code: str, address: str) -> SignedIn:
    """Sign in with the 6-digit code of a mail (exactly once; the mail's link dies with it).

    Raises:
        RateLimited: The e-mail or the address must wait after failed sign-ins.
        TokenInvalid: Wrong, used or expired code (counted as a failed sign-in).
        Forbidden: The account is frozen.
    """
    email = _as_sent(email)
    throttle.refuse_if_waiting(session, email=email, address=address)
    try:
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise tokens.TokenInvalid(WRONG_CODE)
        row = tokens.peek(session, purpose=PURPOSE, secret=code, subject=email)
    except tokens.TokenInvalid:
        after_refusal(session, lambda kept: _record_wrong_code(kept, email=email, address=address))
        raise tokens.TokenInvalid(WRONG_CODE) from None
    _use_all(session, token_id=row.id, email=email)
    throttle.clear_account(session, email=email)
    return _sign_in(session, email)


def _as_sent(email: str) -> str:
    """The e-mail as `send_link` stored it; one that is no address still counts its failures."""
    try:
        return normalize_email(email)
    except ValidationFailed:
        return email.strip().lower().replace("\x00", "")


WRONG_CODE = "This code is wrong, used or expired. Check the latest sign-in mail, or ask for a new one."


def _use_all(session: Session, *, token_id: str, email: str) -> None:
    """Use up every open sign-in token of `email` in one statement, refusing unless `token_id` is
    among them: of two concurrent uses (a link and its code) the second finds nothing open."""
    moment = now()
    used = session.execute(
        update(TOKENS).where(TOKENS.c.purpose == PURPOSE, TOKENS.c.subject == email,
                             TOKENS.c.used_at.is_(None), TOKENS.c.expires_at > moment)
        .values(used_at=moment).returning(TOKENS.c.id)).scalars().all()
    if token_id not in used:
        raise tokens.TokenInvalid("This sign-in link or code was already used or replaced by a newer mail.")


def _record_wrong_code(session: Session, *, email: str, address: str) -> None:
    throttle.record_failure(session, email=email, address=address)
    if throttle.account_failures(session, email=email) >= get_settings().magic_code_max_failures:
        tokens.revoke_all(session, purpose=PURPOSE, subject=email)


def _sign_in(session: Session, email: str) -> SignedIn:
    user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    created = user is None
    if user is None:
        user = _open_account(session, email)
    if user.status != UserStatus.active:
        raise Forbidden("This account is frozen; contact support")
    if user.role == Role.agent_owner:
        ensure_organisation(session, user)
    user.last_login_at = now()
    session.flush()
    return SignedIn(user=user, created=created)


def _open_account(session: Session, email: str) -> User:
    # No password: an unguessable one is hashed so a password sign-in can never match it.
    user = User(id=new_id("usr"), email=email, password_hash=hash_password(new_secret("pw")),
                display_name=email.split("@", 1)[0][:100] or email[:100], role=Role.agent_owner)
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError:
        # A password sign-up of the same e-mail committed meanwhile: that account is theirs.
        return session.execute(select(User).where(User.email == email)).scalar_one()
    return user


def ensure_organisation(session: Session, user: User) -> None:
    """Give an agent owner their own organisation (a company where they are `owner`) if they have none."""
    member = session.execute(select(CompanyMember.id).where(CompanyMember.user_id == user.id).limit(1)).first()
    if member is None:
        companies.create_company(session, owner_user_id=user.id, name=f"{user.display_name}'s agents")


def _count_mail(*, email: str, address: str) -> None:
    settings = get_settings()
    by_email = ratelimit.hit(subject="mle:" + keyed_hash("magic-link", email)[:DIGEST_CHARS],
                             limit=settings.magic_links_per_email_per_hour)
    ratelimit.refuse_if_over(by_email, what="sign-in mails for this e-mail")
    by_address = ratelimit.hit(subject="mla:" + keyed_hash("magic-link", address_key(address))[:DIGEST_CHARS],
                               limit=settings.magic_links_per_address_per_hour)
    ratelimit.refuse_if_over(by_address, what="sign-in mails from this address")


def _mail_text(*, link: str, code: str) -> str:
    minutes = get_settings().magic_link_ttl_minutes
    return (f"Sign in to Handoff by opening this link:\n\n{link}\n\n"
            f"or by typing this code on the sign-in page: {code}\n\n"
            f"The link and the code work once, for {wording.delay(minutes * 60)}; using one ends the other. "
            "If you did not ask to sign in, ignore this mail: nothing happens without the link or the code.\n")

