"""Single-use link tokens: issued with an expiry, stored as a keyed hash, consumed exactly once.

Consuming is one conditional UPDATE (`used_at IS NULL AND expires_at > now`), so two concurrent
uses of one token let exactly one through, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlmodel import Session

from marketplace_app.core.clock import now
from marketplace_app.core.crypto import keyed_hash
from marketplace_app.core.errors import HandoffError
from marketplace_app.core.ids import new_id, new_secret
from marketplace_app.mail.models import LinkToken

TOKENS = LinkToken.__table__
MAX_TOKEN_LENGTH = 200


class TokenInvalid(HandoffError):
    """A link token that is unknown, used, expired or meant for something else."""

    code = "invalid_token"
    status = 400


@dataclass(frozen=True, slots=True)
class Redeemed:
    """A token just used: what it stood for."""

    token_id: str
    subject: str


def issue(session: Session, *, purpose: str, subject: str, ttl: timedelta, code: bool = False) -> str:
    """Store a new token and return its secret (the only copy: it goes into a mail).

    Args:
        purpose: What it may be used for (`agent_activation`, `key_recovery`, `sign_in`, …).
        subject: Whom or what it stands for (an agent id, an e-mail address).
        ttl: How long it stays usable.
        code: A 6-digit code instead of a long link secret (typed by a person; keep the ttl short
            and the purpose's subject narrow, since a code is guessable in a million tries).
    """
    secret = f"{secrets.randbelow(1_000_000):06d}" if code else new_secret("lt")
    moment = now()
    session.add(LinkToken(id=new_id("ltk"), token_hash=_hash(purpose, subject if code else "", secret),
                          purpose=purpose, subject=subject, created_at=moment, expires_at=moment + ttl))
    session.flush()
    return secret


def peek(session: Session, *, purpose: str, secret: str, subject: str = "") -> LinkToken:
    """The unused, unexpired token for `secret`, without using it (to render a confirmation page).

    Raises:
        TokenInvalid: Unknown, used, expired or for another purpose.
    """
    if not secret or len(secret) > MAX_TOKEN_LENGTH:
        raise TokenInvalid(_INVALID)
    row = session.execute(
        select(LinkToken).where(LinkToken.token_hash == _hash(purpose, subject, secret), LinkToken.purpose == purpose)
    ).scalars().first()
    if row is None or row.used_at is not None or _expired(row):
        raise TokenInvalid(_INVALID)
    return row


def redeem(session: Session, *, purpose: str, secret: str, subject: str = "") -> Redeemed:
    """Use the token: exactly once, even when two requests race for it.

    Args:
        subject: For 6-digit codes, the subject the code was issued to (a code is only unique
            together with whom it was sent to); empty for link secrets.

    Raises:
        TokenInvalid: Unknown, used, expired or for another purpose (nothing changes).
    """
    if not secret or len(secret) > MAX_TOKEN_LENGTH:
        raise TokenInvalid(_INVALID)
    moment = now()
    row = session.execute(
        update(TOKENS)
        .where(TOKENS.c.token_hash == _hash(purpose, subject, secret), TOKENS.c.purpose == purpose,
               TOKENS.c.used_at.is_(None), TOKENS.c.expires_at > moment)
        .values(used_at=moment)
        .returning(TOKENS.c.id, TOKENS.c.subject)
    ).one_or_none()
    if row is None:
        raise TokenInvalid(_INVALID)
    return Redeemed(token_id=row.id, subject=row.subject)


def revoke_all(session: Session, *, purpose: str, subject: str) -> int:
    """Use up every open token of `purpose` for `subject` (a newer one replaces them)."""
    result = session.execute(
        update(TOKENS).where(TOKENS.c.purpose == purpose, TOKENS.c.subject == subject, TOKENS.c.used_at.is_(None))
        .values(used_at=now())
    )
    return result.rowcount or 0


_INVALID = "This link is invalid, already used or expired. Ask for a new one."


def _hash(purpose: str, subject: str, secret: str) -> str:
    return keyed_hash(f"link_token:{purpose}", f"{subject}\n{secret}")


def _expired(row: LinkToken) -> bool:
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=now().tzinfo)
    return expires <= now()
