"""Reading the outbox: every mail for staff, and (outside production) a person's own mail.

Both readers take who is asking and check it themselves, so each door (the staff API, the admin
page, the development inbox) gets the same refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from marketplace_app.core.errors import Forbidden, NotFound
from marketplace_app.core.pagination import decode_cursor, find_anchor, newest_first
from marketplace_app.identity.models import Role, User
from marketplace_app.mail.models import EmailMessage
from marketplace_app.settings import Environment, get_settings

MAILS = EmailMessage.__table__
COLUMNS = (MAILS.c.created_at, MAILS.c.id)


@dataclass(frozen=True, slots=True)
class Mail:
    """One mail as its readers see it."""

    id: str
    to: str
    subject: str
    text: str
    kind: str
    status: str
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class Page:
    """A page of mail, newest first; `next_cursor` is the id to pass as `starting_after` for older mail."""

    mails: list[Mail]
    has_more: bool
    next_cursor: str | None


def inbox_available() -> bool:
    """Whether the development inbox exists here (never in production, where mail really leaves)."""
    return get_settings().environment is not Environment.production


def all_mail(session: Session, *, viewer_id: str, limit: int = 20, starting_after: str | None = None,
             to: str | None = None, kind: str | None = None) -> Page:
    """Every mail in the outbox, newest first, optionally to one address and/or of one kind (staff only).

    Raises:
        Forbidden: The viewer is not staff.
        ValidationFailed: `starting_after` is not shaped like an id.
    """
    viewer = session.get(User, viewer_id)
    if viewer is None or viewer.role != Role.admin:
        raise Forbidden("Only staff read every mail")
    return _page(session, limit=limit, starting_after=starting_after, to=to, kind=kind)


def inbox(session: Session, *, viewer_id: str, limit: int = 20, starting_after: str | None = None) -> Page:
    """The mail sent to the viewer's own address, newest first (development and test only).

    Raises:
        NotFound: In production (mail leaves by SMTP there; the inbox does not exist) or no such user.
    """
    viewer = session.get(User, viewer_id)
    if not inbox_available() or viewer is None:
        raise NotFound("There is no inbox here")
    return _page(session, limit=limit, starting_after=starting_after, to=viewer.email)


def _page(session: Session, *, limit: int, starting_after: str | None, to: str | None = None,
          kind: str | None = None) -> Page:
    """An unknown cursor (another address's or kind's mail) starts from the top."""
    conditions = []
    if to:
        conditions.append(MAILS.c.to_address == to.strip().lower())
    if kind:
        conditions.append(MAILS.c.kind == kind)
    cursor = decode_cursor(starting_after)
    anchor = find_anchor(session, COLUMNS, MAILS.c.id == cursor, *conditions) if cursor else None
    page = newest_first(session, select(MAILS).where(*conditions), columns=COLUMNS, anchor=anchor, limit=limit)
    return Page(mails=[_mail(row) for row in page.rows], has_more=page.has_more, next_cursor=page.next_cursor)


def _mail(row: Any) -> Mail:
    return Mail(id=row["id"], to=row["to_address"], subject=row["subject"], text=row["body_text"],
                kind=row["kind"], status=row["status"], created_at=row["created_at"], sent_at=row["sent_at"],
                last_error=row["last_error"])
