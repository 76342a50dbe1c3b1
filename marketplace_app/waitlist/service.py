"""Joining the waitlist: one entry per (type, e-mail); joining again returns the first entry."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from marketplace_app.core.clock import now
from marketplace_app.core.db import insert_ignore
from marketplace_app.core.errors import ValidationFailed
from marketplace_app.core.ids import new_id
from marketplace_app.identity.service import normalize_email
from marketplace_app.waitlist.models import WaitlistEntry

ENTRIES = WaitlistEntry.__table__
WAITLIST_TYPES = ("company", "operator", "patxer", "agent_owner")
NAME_MAX_LENGTH = 120
USE_CASE_MAX_LENGTH = 1000
_ALLOWED_CONTROLS = frozenset("\n\r\t")


@dataclass(frozen=True, slots=True)
class Joined:
    """The waitlist entry, and whether this call created it."""

    entry: WaitlistEntry
    created: bool


def join_waitlist(session: Session, *, type: str, email: str, name: str, use_case: str | None = None) -> Joined:
    """Add someone to the waitlist once per (type, e-mail).

    A second sign-up with the same type and (normalised) e-mail changes nothing and
    returns the existing entry, also under concurrency (the unique pair decides).

    Raises:
        ValidationFailed: Unknown type, invalid e-mail, empty or oversize name or use case.
    """
    if type not in WAITLIST_TYPES:
        raise ValidationFailed(f"type must be one of: {', '.join(WAITLIST_TYPES)}")
    email = normalize_email(email)
    name = _text("name", name, max_length=NAME_MAX_LENGTH, multiline=False)
    if isinstance(use_case, str) and not use_case.strip():
        use_case = None
    if use_case is not None:
        use_case = _text("use_case", use_case, max_length=USE_CASE_MAX_LENGTH, multiline=True)
    entry_id = new_id("wl")
    # Whether this call created the entry is read from the id, not from the rowcount (which
    # psycopg reports as -1 for `ON CONFLICT DO NOTHING`).
    insert_ignore(session, ENTRIES, {
        "id": entry_id, "type": type, "email": email, "name": name, "use_case": use_case,
        "created_at": now()}, conflict=["type", "email"])
    entry = session.execute(select(WaitlistEntry).where(WaitlistEntry.type == type, WaitlistEntry.email == email)
                            ).scalar_one()
    return Joined(entry=entry, created=entry.id == entry_id)


def _text(field: str, value: object, *, max_length: int, multiline: bool) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(f"{field} must not be blank")
    text = value.strip()
    if len(text) > max_length:
        raise ValidationFailed(f"{field} must be at most {max_length} characters")
    allowed = _ALLOWED_CONTROLS if multiline else frozenset()
    if any(unicodedata.category(character) == "Cc" and character not in allowed for character in text):
        raise ValidationFailed(f"{field} must not contain control characters")
    return text
