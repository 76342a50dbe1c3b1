"""Reading the skill catalogue."""

from __future__ import annotations

import time

from sqlalchemy import Engine, event, select
from sqlmodel import Session

from marketplace_app.catalogue.models import Skill
from marketplace_app.core.errors import ValidationFailed
from marketplace_app.settings import get_settings

SKILLS = Skill.__table__
_ACTIVE_NAMES = select(SKILLS.c.name).where(SKILLS.c.active)
# The active skill names by database, with when they were read (monotonic seconds). The catalogue
# changes only by migration (or a rare admin edit), so every process re-reads it now and then.
_active_by_database: dict[str, tuple[float, frozenset[str]]] = {}


@event.listens_for(Engine, "engine_disposed")
def _forget_catalogue(_engine: Engine) -> None:
    _active_by_database.clear()


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


def require_active_skill(session: Session, name: str) -> str:
    """Return `name` if it is an active skill, from a per-process copy of the catalogue re-read
    after `skill_cache_seconds` (the hot create path reads no skill row).

    Raises:
        ValidationFailed: Unknown or retired skill (the message lists the valid ones).
    """
    database = str(session.get_bind().url)
    cached = _active_by_database.get(database)
    if cached is None or time.monotonic() - cached[0] > get_settings().skill_cache_seconds:
        cached = (time.monotonic(), frozenset(session.execute(_ACTIVE_NAMES).scalars()))
        _active_by_database[database] = cached
    if name not in cached[1]:
        raise ValidationFailed(f"skill must be one of: {', '.join(sorted(cached[1]))}")
    return name
