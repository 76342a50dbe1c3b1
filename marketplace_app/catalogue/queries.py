"""Reading the skill catalogue for pages: names with the titles people read."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from marketplace_app.catalogue.models import Skill

SKILLS = Skill.__table__


def active_skill_titles(session: Session) -> list[dict[str, str]]:
    """Every active skill as `{"name", "title"}`, by title."""
    rows = session.execute(select(SKILLS.c.name, SKILLS.c.title).where(SKILLS.c.active)
                           .order_by(SKILLS.c.title, SKILLS.c.name))
    return [{"name": row.name, "title": row.title} for row in rows]
