"""Staff endpoints: the KYC queue, payouts to settle, disputed requests awaiting staff, sign-in unlocks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StrictStr
from sqlalchemy import select

from marketplace_app.api.access import ADMIN
from marketplace_app.api.deps import AdminUser
from marketplace_app.api.routes.operator import payout_view
from marketplace_app.core.clock import isoformat
from marketplace_app.core.db import unit_of_work
from marketplace_app.earnings import payouts
from marketplace_app.identity import service as identity
from marketplace_app.identity import staff
from marketplace_app.kyc import service as kyc
from marketplace_app.requests.models import Request, RequestStatus
from marketplace_app.requests.views import summary

router = APIRouter(prefix="/admin", tags=["admin"])
ERRORS = {401: {"description": "Not signed in"}, 403: {"description": "Staff only"},
          404: {"description": "Not found"}, 409: {"description": "Already decided"},
          422: {"description": "Invalid input"}}


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: StrictStr = Field(min_length=1, max_length=500)


@router.get("/kyc", openapi_extra=ADMIN, responses=ERRORS)
def kyc_queue(_staff: AdminUser) -> dict[str, Any]:
    """KYC submissions waiting for review, oldest first."""
    with unit_of_work(read_only=True) as session:
        queue = kyc.pending_queue(session)
    return {"data": [{"id": item.id, "user_id": item.user_id, "legal_name": item.legal_name, "country": item.country,
                      "date_of_birth": item.date_of_birth.isoformat(), "document_upload_id": item.document_upload_id,
                      "submitted_at": isoformat(item.submitted_at)} for item in queue]}


@router.post("/kyc/{submission_id}/approve", openapi_extra=ADMIN, responses=ERRORS)
def approve_kyc(submission_id: str, staff: AdminUser) -> dict[str, str]:
    """Verify the operator."""
    with unit_of_work() as session:
        kyc.review(session, submission_id=submission_id[:40], reviewer_id=staff.id, approve=True, reason=None)
    return {"id": submission_id, "status": "verified"}


@router.post("/kyc/{submission_id}/reject", openapi_extra=ADMIN, responses=ERRORS)
def reject_kyc(submission_id: str, body: ReasonIn, staff: AdminUser) -> dict[str, str]:
    """Reject with a reason the operator can act on; they may submit again."""
    with unit_of_work() as session:
        kyc.review(session, submission_id=submission_id[:40], reviewer_id=staff.id, approve=False,
                   reason=body.reason)
    return {"id": submission_id, "status": "rejected"}


class SkillsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skills: list[StrictStr] = Field(max_length=staff.MAX_SKILLS)


@router.get("/staff/{user_id}/skills", openapi_extra=ADMIN, responses=ERRORS)
def staff_skills(user_id: str, _staff: AdminUser) -> dict[str, Any]:
    """A staff member's specialties: tier-2 disputes of these skills are theirs."""
    with unit_of_work(read_only=True) as session:
        return {"user_id": user_id[:40], "skills": staff.skills_of(session, user_id[:40])}


@router.put("/staff/{user_id}/skills", openapi_extra=ADMIN, responses=ERRORS)
def set_staff_skills(user_id: str, body: SkillsIn, _staff: AdminUser) -> dict[str, Any]:
    """Replace a staff member's specialties (known skills only; an empty list clears them)."""
    with unit_of_work() as session:
        return {"user_id": user_id[:40], "skills": staff.set_skills(session, staff_id=user_id, skills=body.skills)}


@router.get("/payouts", openapi_extra=ADMIN, responses=ERRORS)
def payouts_to_settle(_staff: AdminUser) -> dict[str, Any]:
    """Requested payouts waiting for the manual provider."""
    with unit_of_work(read_only=True) as session:
        return {"data": [payout_view(payout) | {"operator_id": payout.operator_id}
                         for payout in payouts.list_payouts(session, status="requested", limit=100)]}


@router.post("/payouts/{payout_id}/paid", openapi_extra=ADMIN, responses=ERRORS)
def mark_paid(payout_id: str, staff: AdminUser) -> dict[str, Any]:
    """The money was sent: settle the payout."""
    with unit_of_work() as session:
        return payout_view(payouts.mark_paid(session, payout_id=payout_id[:40], staff_id=staff.id))


@router.post("/payouts/{payout_id}/failed", openapi_extra=ADMIN, responses=ERRORS)
def mark_failed(payout_id: str, body: ReasonIn, staff: AdminUser) -> dict[str, Any]:
    """The money could not be sent: return it to the operator's available balance with the reason."""
    with unit_of_work() as session:
        return payout_view(payouts.mark_failed(session, payout_id=payout_id[:40], staff_id=staff.id,
                                               reason=body.reason))


@router.get("/disputed-requests", openapi_extra=ADMIN, responses=ERRORS)
def disputed_requests(_staff: AdminUser) -> dict[str, Any]:
    """Requests in dispute (escrow still held), newest first."""
    with unit_of_work(read_only=True) as session:
        rows = session.execute(select(Request.__table__).where(Request.status == RequestStatus.disputed)
                               .order_by(Request.created_at.desc()).limit(100)).mappings().all()
    return {"data": [summary(row) | {"company_id": row["company_id"]} for row in rows]}


class UnlockOut(BaseModel):
    user_id: str
    failures_cleared: bool


@router.post("/users/{user_id}/unlock", response_model=UnlockOut, openapi_extra=ADMIN, responses=ERRORS)
def unlock_user(user_id: str, staff: AdminUser) -> UnlockOut:
    """Lift a sign-in lockout: the account's failed sign-ins are forgotten, so it may sign in at once."""
    with unit_of_work() as session:
        cleared = identity.unlock(session, user_id=user_id, staff=staff)
    return UnlockOut(user_id=user_id[:40], failures_cleared=cleared)
