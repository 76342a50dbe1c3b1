"""Who sits on a peer jury: verified operators who had no hand in the request (never its worker,
nor anyone assigned to it). Operators with the dispute's skill are drawn first, at random; the
seats they cannot fill go to other verified operators, also at random, so a rare skill or a young
platform still gets its peer jury. A jury is seated whole or not at all: only when fewer verified
uninvolved operators exist than `jury_size` does the dispute skip to a specialist."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import RowMapping, insert, select
from sqlmodel import Session

from marketplace_app.core.clock import now
from marketplace_app.disputes.models import DisputeJuror, JurorStatus
from marketplace_app.operators.models import KycStatus, OperatorProfile
from marketplace_app.work.models import WorkAssignment

JURORS = DisputeJuror.__table__
PROFILES = OperatorProfile.__table__
ASSIGNMENTS = WorkAssignment.__table__
_RANDOM = secrets.SystemRandom()


def seat(session: Session, dispute: Mapping[str, Any], count: int) -> int:
    """Fill the jury to `count` and return `count`; when there are too few eligible operators to
    fill it, seat nobody (the dispute escalates instead) and return how many could have sat."""
    seated = active(session, dispute["id"])
    chosen = _draw(_candidates(session, dispute), dispute["skill"])[:max(count - len(seated), 0)]
    if len(seated) + len(chosen) < count:
        return len(seated) + len(chosen)  # a partial jury cannot rule: seat nobody on a case they won't decide
    if chosen:
        moment = now()
        session.execute(insert(JURORS), [{"dispute_id": dispute["id"], "juror_id": user,
                                          "status": JurorStatus.active, "assigned_at": moment} for user in chosen])
    return len(seated) + len(chosen)


def _candidates(session: Session, dispute: Mapping[str, Any]) -> list[tuple[str, list[str] | None]]:
    """Verified operators never seated on this dispute (a replaced juror does not come back) and
    never assigned to its request, with their skills."""
    taken = select(JURORS.c.juror_id).where(JURORS.c.dispute_id == dispute["id"])
    worked = select(ASSIGNMENTS.c.operator_id).where(ASSIGNMENTS.c.request_id == dispute["request_id"])
    rows = session.execute(select(PROFILES.c.user_id, PROFILES.c.skills).where(
        PROFILES.c.kyc_status == KycStatus.verified, PROFILES.c.user_id.not_in(taken),
        PROFILES.c.user_id.not_in(worked),
        *([PROFILES.c.user_id != dispute["operator_id"]] if dispute["operator_id"] else []),
    ))
    return [(user, skills) for user, skills in rows]


def _draw(candidates: list[tuple[str, list[str] | None]], skill: str) -> list[str]:
    """Every candidate in seating order: those with `skill` first, then the others, each group
    shuffled by the operating system's random source (no party can predict or replay the draw)."""
    skilled = [user for user, skills in candidates if skill in (skills or [])]
    others = [user for user, skills in candidates if skill not in (skills or [])]
    _RANDOM.shuffle(skilled)
    _RANDOM.shuffle(others)
    return skilled + others


def active(session: Session, dispute_id: str) -> list[RowMapping]:
    """The jurors now sitting on the dispute (replaced ones excluded), with their votes so far."""
    return list(session.execute(select(JURORS).where(JURORS.c.dispute_id == dispute_id,
                                                     JURORS.c.status == JurorStatus.active)).mappings())
