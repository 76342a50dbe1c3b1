"""Staff specialties: which skills a staff member rules on as a tier-2 dispute specialist.

A skill nobody on staff specialises in is open to any staff member, so a dispute never waits
for a specialist who does not exist.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, delete, exists, insert, literal, select
from sqlmodel import Session

from marketplace_app.catalogue.models import Skill
from marketplace_app.core.clock import now
from marketplace_app.core.errors import Forbidden, NotFound, ValidationFailed
from marketplace_app.identity.models import Role, StaffSkill, User, UserStatus

STAFF_SKILLS = StaffSkill.__table__
MAX_SKILLS = 50


def skills_of(session: Session, staff_id: str) -> list[str]:
    """The staff member's specialties, by name."""
    return list(session.execute(select(STAFF_SKILLS.c.skill).where(STAFF_SKILLS.c.user_id == staff_id)
                                .order_by(STAFF_SKILLS.c.skill)).scalars())


def set_skills(session: Session, *, staff_id: str, skills: Sequence[str]) -> list[str]:
    """Replace the staff member's specialties with `skills` (known, active skills only).

    Raises:
        NotFound: No staff member `staff_id`.
        ValidationFailed: An unknown skill, or too many.
    """
    user = session.get(User, staff_id[:40])
    if user is None or user.role != Role.admin:
        raise NotFound(f"Staff member {staff_id[:40]} not found")
    wanted = sorted(set(skills))
    if len(wanted) > MAX_SKILLS:
        raise ValidationFailed(f"At most {MAX_SKILLS} skills")
    known = set(session.execute(select(Skill.name).where(Skill.name.in_(wanted), Skill.active)).scalars())
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise ValidationFailed(f"Unknown skill: {', '.join(unknown[:5])}")
    session.execute(delete(STAFF_SKILLS).where(STAFF_SKILLS.c.user_id == user.id))
    if wanted:
        moment = now()
        session.execute(insert(STAFF_SKILLS), [{"user_id": user.id, "skill": name, "created_at": moment}
                                               for name in wanted])
    return wanted


def specialist_condition(skill_column: ColumnElement[str], staff_id: str) -> ColumnElement[bool]:
    """SQL: the staff member specialises in the skill, or nobody on staff does."""
    mine = exists().where(STAFF_SKILLS.c.user_id == staff_id, STAFF_SKILLS.c.skill == skill_column)
    anyones = exists().where(STAFF_SKILLS.c.skill == skill_column)
    return mine | ~anyones


def may_rule_as_specialist(session: Session, *, staff_id: str, skill: str) -> bool:
    """Whether this staff member may take a tier-2 dispute of `skill` (the queue's rule, asked once)."""
    return bool(session.execute(select(specialist_condition(literal(skill), staff_id))).scalar())


def require_staff(session: Session, staff_id: str) -> User:
    """The active staff member `staff_id`, for services that act only for staff.

    Raises:
        Forbidden: No such user, not staff, or frozen.
    """
    user = session.get(User, staff_id[:40])
    if user is None or user.role != Role.admin or user.status != UserStatus.active:
        raise Forbidden("Only active Handoff staff may do this")
    return user
