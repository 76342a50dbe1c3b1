"""The staff audit log (`GET /v1/admin/audit`): every recorded staff action, newest first."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from marketplace_app.api.access import ADMIN
from marketplace_app.api.deps import AdminUser
from marketplace_app.audit import queries
from marketplace_app.core.clock import isoformat
from marketplace_app.core.db import unit_of_work

router = APIRouter(prefix="/admin", tags=["admin"])
ERRORS: dict[int | str, dict[str, Any]] = {401: {"description": "Not signed in (`unauthorized`)"},
                                           403: {"description": "Staff only (`forbidden`)"},
                                           422: {"description": "Invalid filter or page (`validation_error`)"}}


class AuditEntryOut(BaseModel):
    """One staff action: who, what, on which object, and the details as recorded."""

    id: int
    created_at: str
    actor_user_id: str
    actor_email: str
    action: str
    subject_type: str
    subject_id: str
    transfer_id: int | None
    detail: dict[str, Any]

    @classmethod
    def of(cls, entry: queries.Entry) -> AuditEntryOut:
        return cls(id=entry.id, created_at=isoformat(entry.created_at), actor_user_id=entry.actor_user_id,
                   actor_email=entry.actor_email, action=entry.action, subject_type=entry.subject_type,
                   subject_id=entry.subject_id, transfer_id=entry.transfer_id, detail=entry.detail)


class AuditList(BaseModel):
    data: list[AuditEntryOut]
    has_more: bool
    next_starting_after: int | None


@router.get("/audit", response_model=AuditList, responses=ERRORS, openapi_extra=ADMIN)
def audit_log(_staff: AdminUser, limit: Annotated[int, Query(ge=1, le=100)] = 20,
              starting_after: Annotated[int | None, Query(ge=1, le=2**62)] = None,
              action: Annotated[str | None, Query(pattern=r"^[a-z_]{1,20}\.[a-z_]{1,19}$")] = None,
              subject_type: Annotated[str | None, Query(pattern=r"^[a-z_]{1,32}$")] = None,
              subject_id: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,64}$")] = None) -> AuditList:
    """Staff actions newest first (`starting_after` an entry id for the next page), optionally of one
    `action` (`company.credit`) or one subject (`subject_type`, `subject_id`)."""
    with unit_of_work(read_only=True) as session:
        page = queries.entries(session, limit=limit, starting_after=starting_after, action=action,
                               subject_type=subject_type, subject_id=subject_id)
    data = [AuditEntryOut.of(entry) for entry in page.entries]
    return AuditList(data=data, has_more=page.has_more, next_starting_after=data[-1].id if page.has_more else None)
