"""Reading who people are (e-mail, display name), for pages that must name them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from marketplace_app.identity.models import User

USERS = User.__table__


@dataclass(frozen=True, slots=True)
class Person:
    """How a page names a user."""

    id: str
    email: str
    display_name: str


def people(session: Session, user_ids: Collection[str]) -> dict[str, Person]:
    """The users among `user_ids`, by id (ids that name nobody are left out)."""
    if not user_ids:
        return {}
    rows = session.execute(select(USERS.c.id, USERS.c.email, USERS.c.display_name)
                           .where(USERS.c.id.in_(list(user_ids)))).mappings()
    return {row["id"]: Person(**row) for row in rows}
