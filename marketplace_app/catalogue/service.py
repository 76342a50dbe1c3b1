"""Reading the skill catalogue."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from marketplace_app.catalogue.models import Skill
from marketplace_app.core.errors import ValidationFailed

SKILLS = Skill.__table__


def active_skills(session: Session) -> list[Skill]:
    """Every skill operators can be asked for, by name."""
    return list(session.execute(select(Skill).where(Skill.active).order_by(Skill.name)).scalars())


def active_skill_names(session: Session) -> set[str]:
    """The names of the active skills."""
    return set(session.execute(select(SKILLS.c.name).where(SKILLS.c.active)).scalars())


def get_active_skill(session: Session, name: str) -> Skill:
    """Return the active skill `name`.

    Raises:
        ValidationFailed: Unknown or retired skill (the message lists the valid ones).
    """
    skill = session.get(Skill, name) if isinstance(name, str) else None
    if skill is None or not skill.active:
        known = ", ".join(sorted(active_skill_names(session)))
        raise ValidationFailed(f"skill must be one of: {known}")
    return skill
