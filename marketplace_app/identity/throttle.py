"""Password guessing, throttled: failed sign-ins counted per account and per client address.

The account is the e-mail tried, whether anyone has it or not, so the answers say nothing about
which e-mails are registered. From `login_failures_before_lockout` failures in a row an account
waits `login_lockout_first_seconds` after its last failure, twice as long after each further
one, at most `login_lockout_max_seconds`; its failures are forgotten
`login_failure_memory_hours` after the last one, and a successful sign-in (or staff) clears
them. An address that fails `login_failures_per_address` times without a pause of
`login_address_window_seconds` waits that long: it stops one client spraying many accounts.
A waiting attempt is refused before any password is checked, and is not counted.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from marketplace_app.core.clients import address_key
from marketplace_app.core.clock import now
from marketplace_app.core.crypto import keyed_hash
from marketplace_app.core.db import is_postgres
from marketplace_app.core.errors import RateLimited
from marketplace_app.identity.models import LoginThrottle
from marketplace_app.settings import get_settings

THROTTLES = LoginThrottle.__table__
# 128 bits of a keyed hash: `acct:` or `addr:` plus the digest fits the 40-character subject.
DIGEST_CHARS = 32
# Doubling stops long before this; the cap only keeps the arithmetic small.
MAX_DOUBLINGS = 20


def account_subject(email: str) -> str:
    """The subject an e-mail's failures are counted under (the e-mail as sign-in looks it up)."""
    return "acct:" + keyed_hash("login-throttle", email)[:DIGEST_CHARS]


def address_subject(address: str) -> str:
    """The subject a client address's failures are counted under (IPv6 by its /64)."""
    return "addr:" + keyed_hash("login-throttle", address_key(address))[:DIGEST_CHARS]


def refuse_if_waiting(session: Session, *, email: str, address: str) -> bool:
    """Refuse a sign-in attempt while its account or its address must wait.

    Returns:
        Whether the account has failures on record (a success then clears them).

    Raises:
        RateLimited: The account or the address must wait (`Retry-After` set).
    """
    account, client = account_subject(email), address_subject(address)
    moment = now()
    rows = {row.subject: row for row in session.execute(
        select(THROTTLES).where(THROTTLES.c.subject.in_([account, client]), THROTTLES.c.forget_at > moment))}
    account_free_at = _account_free_at(rows.get(account))
    if account_free_at is not None and account_free_at > moment:
        raise _waiting(account_free_at, "This account is temporarily locked after too many failed sign-ins. "
                                        "Try again after {at} ({wait}), or ask support to unlock it.")
    address_free_at = _address_free_at(rows.get(client))
    if address_free_at is not None and address_free_at > moment:
        raise _waiting(address_free_at, "Too many failed sign-ins from your network. Try again after {at} ({wait}).")
    return account in rows


def record_failure(session: Session, *, email: str, address: str) -> None:
    """Count one failed sign-in for the account and for the address, in one upsert.

    A subject whose failures are past their memory starts again from one.
    """
    settings = get_settings()
    moment = now()
    rows = [{"subject": account_subject(email), "failures": 1, "last_failure_at": moment,
             "forget_at": moment + timedelta(hours=settings.login_failure_memory_hours)},
            {"subject": address_subject(address), "failures": 1, "last_failure_at": moment,
             "forget_at": moment + timedelta(seconds=settings.login_address_window_seconds)}]
    builder = pg_insert if is_postgres(session) else sqlite_insert
    statement = builder(THROTTLES).values(rows)
    forgotten = THROTTLES.c.forget_at <= statement.excluded.last_failure_at
    session.execute(statement.on_conflict_do_update(index_elements=["subject"], set_={
        "failures": case((forgotten, 1), else_=THROTTLES.c.failures + 1),
        "last_failure_at": statement.excluded.last_failure_at,
        "forget_at": statement.excluded.forget_at}))


def account_failures(session: Session, *, email: str) -> int:
    """How many failed sign-ins the account has on record (0 once forgotten)."""
    failures = session.execute(select(THROTTLES.c.failures).where(
        THROTTLES.c.subject == account_subject(email), THROTTLES.c.forget_at > now())).scalar_one_or_none()
    return failures or 0


def clear_account(session: Session, *, email: str) -> bool:
    """Forget the account's failed sign-ins (a success, or staff lifting a lock); whether any were kept."""
    return session.execute(delete(THROTTLES).where(THROTTLES.c.subject == account_subject(email))).rowcount > 0


def purge_forgotten(session: Session) -> int:
    """Delete failure records past their memory; return how many went."""
    return session.execute(delete(THROTTLES).where(THROTTLES.c.forget_at <= now())).rowcount


def _account_free_at(row) -> datetime | None:
    settings = get_settings()
    if row is None or row.failures < settings.login_failures_before_lockout:
        return None
    doublings = min(row.failures - settings.login_failures_before_lockout, MAX_DOUBLINGS)
    wait = min(settings.login_lockout_first_seconds * 2 ** doublings, settings.login_lockout_max_seconds)
    return row.last_failure_at + timedelta(seconds=wait)


def _address_free_at(row) -> datetime | None:
    settings = get_settings()
    if row is None or row.failures < settings.login_failures_per_address:
        return None
    return row.last_failure_at + timedelta(seconds=settings.login_address_window_seconds)


def _waiting(free_at: datetime, template: str) -> RateLimited:
    seconds = max(math.ceil((free_at - now()).total_seconds()), 1)
    message = template.format(at=free_at.strftime("%H:%M:%S UTC"), wait=_in_words(seconds))
    return RateLimited(message, headers={"Retry-After": str(seconds)})


def _in_words(seconds: int) -> str:
    if seconds < 120:
        return f"in {seconds} seconds"
    return f"in {(seconds + 59) // 60} minutes"
