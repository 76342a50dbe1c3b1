"""Who sits on a peer jury: verified operators with the dispute's skill who had no hand in the
request (never its worker, nor anyone assigned to it), drawn at random; a jury is seated whole
or not at all."""

from __future__ import annotations

import random
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


def seat(session: Session, dispute: Mapping[str, Any], count: int) -> int:
    """Fill the jury to `count` with eligible jurors and return `count`; when there are too few to
    fill it, seat nobody (the dispute escalates instead) and return how many could have sat."""
    taken = select(JURORS.c.juror_id).where(JURORS.c.dispute_id == dispute["id"])
    worked = select(ASSIGNMENTS.c.operator_id).where(ASSIGNMENTS.c.request_id == dispute["request_id"])
    candidates = session.execute(select(PROFILES.c.user_id, PROFILES.c.skills).where(
        PROFILES.c.kyc_status == KycStatus.verified, PROFILES.c.user_id.not_in(taken),
        PROFILES.c.user_id.not_in(worked),
        *([PROFILES.c.user_id != dispute["operator_id"]] if dispute["operator_id"] else []),
    )).all()
    eligible = [user for user, skills in candidates if dispute["skill"] in (skills or [])]
    random.shuffle(eligible)
    seated = active(session, dispute["id"])
    chosen = eligible[:max(count - len(seated), 0)]
    if len(seated) + len(chosen) < count:
        return len(seated) + len(chosen)  # a partial jury cannot rule: seat nobody on a case they won't decide
    if chosen:
        moment = now()
        session.execute(insert(JURORS), [{"dispute_id": dispute["id"], "juror_id": user,
                                          "status": JurorStatus.active, "assigned_at": moment} for user in chosen])
    return len(seated) + len(chosen)


def active(session: Session, dispute_id: str) -> list[RowMapping]:
    """The jurors now sitting on the dispute (replaced ones excluded), with their votes so far."""
    return list(session.execute(select(JURORS).where(JURORS.c.dispute_id == dispute_id,
                                                     JURORS.c.status == JurorStatus.active)).mappings())
