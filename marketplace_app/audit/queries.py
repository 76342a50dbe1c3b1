"""Reading the audit log: newest first, keyset by id, with the actor's e-mail for people to read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from marketplace_app.audit.models import AuditEntry
from marketplace_app.core.errors import NotFound
from marketplace_app.core.pagination import integer_anchor, newest_first
from marketplace_app.identity.models import User

AUDIT = AuditEntry.__table__
USERS = User.__table__
MAX_ROW_ID = 2**31 - 1  # audit ids are 32-bit integers on PostgreSQL
# What each recorded action is called where people read the log.
ACTION_WORDS = {"company.credit": "Manual credit", "kyc.approved": "KYC approved", "kyc.rejected": "KYC rejected",
                "payout.paid": "Payout marked paid", "payout.failed": "Payout failed"}


def action_words(action: str) -> str:
    """An action as people read it ("KYC approved"); an unnamed one falls back to its words."""
    return ACTION_WORDS.get(action, action.replace(".", " ").replace("_", " ").capitalize())


@dataclass(frozen=True, slots=True)
class Entry:
    """One audit entry as readers see it."""

    id: int
    created_at: datetime
    actor_user_id: str
    actor_email: str
    action: str
    subject_type: str
    subject_id: str
    transfer_id: int | None
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Page:
    """A page of entries, newest first."""

    entries: list[Entry]
    has_more: bool


def entries(session: Session, *, limit: int = 20, starting_after: int | None = None, action: str | None = None,
            subject_type: str | None = None, subject_id: str | None = None) -> Page:
    """Audit entries newest first, optionally of one action and/or one subject.

    Args:
        session: A unit of work.
        limit: At most this many entries.
        starting_after: An entry id from an earlier page; only older entries follow.
        action: Only entries of this action.
        subject_type: Only entries about this kind of object.
        subject_id: Only entries about this object.
    """
    statement = _selected()
    for column, value in ((AUDIT.c.action, action), (AUDIT.c.subject_type, subject_type),
                          (AUDIT.c.subject_id, subject_id)):
        if value is not None:
            statement = statement.where(column == value)
    anchor = integer_anchor(starting_after, max_id=MAX_ROW_ID)
    page = newest_first(session, statement, columns=(AUDIT.c.id,), anchor=anchor, limit=limit)
    return Page(entries=[_entry(row) for row in page.rows], has_more=page.has_more)


def entry(session: Session, entry_id: int) -> Entry:
    """One audit entry.

    Raises:
        NotFound: No entry `entry_id`.
    """
    row = session.execute(_selected().where(AUDIT.c.id == entry_id)).mappings().one_or_none()
    if row is None:
        raise NotFound(f"Audit entry {entry_id} not found")
    return _entry(row)


def for_transfer(session: Session, transfer_id: int) -> Entry | None:
    """The entry of the action that made ledger transfer `transfer_id`, if one was audited."""
    row = session.execute(_selected().where(AUDIT.c.transfer_id == transfer_id)).mappings().one_or_none()
    return _entry(row) if row is not None else None


def _selected():
    return select(AUDIT, USERS.c.email.label("actor_email")).join(USERS, USERS.c.id == AUDIT.c.actor_user_id)


def _entry(row: Any) -> Entry:
    return Entry(id=row["id"], created_at=row["created_at"], actor_user_id=row["actor_user_id"],
                 actor_email=row["actor_email"], action=row["action"], subject_type=row["subject_type"],
                 subject_id=row["subject_id"], transfer_id=row["transfer_id"], detail=dict(row["detail"] or {}))
