"""Staff endpoints: the KYC queue, payouts to settle, disputed requests awaiting staff, ledger health,
sign-in unlocks."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StrictStr
from sqlalchemy import select

from marketplace_app.api.access import ADMIN
from marketplace_app.api.deps import AdminUser
from marketplace_app.api.routes.operator import payout_view
from marketplace_app.core.clock import isoformat, now
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.money import format_money
from marketplace_app.earnings import payouts
from marketplace_app.earnings.schemas import PayoutPublic
from marketplace_app.identity import service as identity
from marketplace_app.identity import staff
from marketplace_app.kyc import service as kyc
from marketplace_app.ledger.health import LedgerHealth, ledger_health
from marketplace_app.requests import service as requests
from marketplace_app.requests import views
from marketplace_app.requests.models import Request, RequestStatus
from marketplace_app.requests.public import RequestPublic, RequestSummary
from marketplace_app.requests.views import summary
from marketplace_app.settings import get_settings
from marketplace_app.uploads import links

router = APIRouter(prefix="/admin", tags=["admin"])
ERRORS = {401: {"description": "Not signed in"}, 403: {"description": "Staff only"},
          404: {"description": "Not found"}, 409: {"description": "Already decided"},
          422: {"description": "Invalid input"}}


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: StrictStr = Field(min_length=1, max_length=500)


class KycQueueItem(BaseModel):
    """A KYC submission waiting for review."""

    id: str
    user_id: str
    legal_name: str
    country: str
    date_of_birth: str
    document_upload_id: str
    submitted_at: str | None


class KycQueue(BaseModel):
    """KYC submissions waiting for review, oldest first."""

    data: list[KycQueueItem]


class KycDecision(BaseModel):
    """A KYC submission as decided."""

    id: str
    status: Literal["verified", "rejected"]


class StaffSkillsOut(BaseModel):
    """A staff member's specialties."""

    user_id: str
    skills: list[str]


class StaffPayout(PayoutPublic):
    """A payout waiting for the manual provider, with its operator."""

    operator_id: str


class StaffPayoutList(BaseModel):
    """Requested payouts, newest first."""

    data: list[StaffPayout]


class DisputedRequest(RequestSummary):
    """A request in dispute, with its company."""

    company_id: str


class DisputedRequestList(BaseModel):
    """Requests in dispute, newest first."""

    data: list[DisputedRequest]


class StaffRequestView(RequestPublic):
    """Any request as its buyer sees it, with its company and project."""

    company_id: str
    project_id: str


@router.get("/kyc", openapi_extra=ADMIN, responses=ERRORS, response_model=KycQueue)
def kyc_queue(_staff: AdminUser) -> dict[str, Any]:
    """KYC submissions waiting for review, oldest first."""
    with unit_of_work(read_only=True) as session:
        queue = kyc.pending_queue(session)
    return {"data": [{"id": item.id, "user_id": item.user_id, "legal_name": item.legal_name, "country": item.country,
                      "date_of_birth": item.date_of_birth.isoformat(), "document_upload_id": item.document_upload_id,
                      "submitted_at": isoformat(item.submitted_at)} for item in queue]}


@router.post("/kyc/{submission_id}/approve", openapi_extra=ADMIN, responses=ERRORS, response_model=KycDecision)
def approve_kyc(submission_id: str, staff: AdminUser) -> dict[str, str]:
    """Verify the operator."""
    with unit_of_work() as session:
        kyc.review(session, submission_id=submission_id[:40], reviewer_id=staff.id, approve=True, reason=None)
    return {"id": submission_id, "status": "verified"}


@router.post("/kyc/{submission_id}/reject", openapi_extra=ADMIN, responses=ERRORS, response_model=KycDecision)
def reject_kyc(submission_id: str, body: ReasonIn, staff: AdminUser) -> dict[str, str]:
    """Reject with a reason the operator can act on; they may submit again."""
    with unit_of_work() as session:
        kyc.review(session, submission_id=submission_id[:40], reviewer_id=staff.id, approve=False,
                   reason=body.reason)
    return {"id": submission_id, "status": "rejected"}


class SkillsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skills: list[StrictStr] = Field(max_length=staff.MAX_SKILLS)


@router.get("/staff/{user_id}/skills", openapi_extra=ADMIN, responses=ERRORS, response_model=StaffSkillsOut)
def staff_skills(user_id: str, _staff: AdminUser) -> dict[str, Any]:
    """A staff member's specialties: tier-2 disputes of these skills are theirs."""
    with unit_of_work(read_only=True) as session:
        return {"user_id": user_id[:40], "skills": staff.skills_of(session, user_id[:40])}


@router.put("/staff/{user_id}/skills", openapi_extra=ADMIN, responses=ERRORS, response_model=StaffSkillsOut)
def set_staff_skills(user_id: str, body: SkillsIn, _staff: AdminUser) -> dict[str, Any]:
    """Replace a staff member's specialties (known skills only; an empty list clears them)."""
    with unit_of_work() as session:
        return {"user_id": user_id[:40], "skills": staff.set_skills(session, staff_id=user_id, skills=body.skills)}


@router.get("/payouts", openapi_extra=ADMIN, responses=ERRORS, response_model=StaffPayoutList)
def payouts_to_settle(_staff: AdminUser) -> dict[str, Any]:
    """Requested payouts waiting for the manual provider."""
    with unit_of_work(read_only=True) as session:
        return {"data": [payout_view(payout) | {"operator_id": payout.operator_id}
                         for payout in payouts.list_payouts(session, status="requested", limit=100)]}


@router.post("/payouts/{payout_id}/paid", openapi_extra=ADMIN, responses=ERRORS, response_model=PayoutPublic)
def mark_paid(payout_id: str, staff: AdminUser) -> dict[str, Any]:
    """The money was sent: settle the payout."""
    with unit_of_work() as session:
        return payout_view(payouts.mark_paid(session, payout_id=payout_id[:40], staff_id=staff.id, by_staff=True))


@router.post("/payouts/{payout_id}/failed", openapi_extra=ADMIN, responses=ERRORS, response_model=PayoutPublic)
def mark_failed(payout_id: str, body: ReasonIn, staff: AdminUser) -> dict[str, Any]:
    """The money could not be sent: return it to the operator's available balance with the reason."""
    with unit_of_work() as session:
        return payout_view(payouts.mark_failed(session, payout_id=payout_id[:40], staff_id=staff.id,
                                               reason=body.reason, by_staff=True))


@router.get("/disputed-requests", openapi_extra=ADMIN, responses=ERRORS, response_model=DisputedRequestList)
def disputed_requests(_staff: AdminUser) -> dict[str, Any]:
    """Requests in dispute (escrow still held), newest first."""
    with unit_of_work(read_only=True) as session:
        rows = session.execute(select(Request.__table__).where(Request.status == RequestStatus.disputed)
                               .order_by(Request.created_at.desc()).limit(100)).mappings().all()
    return {"data": [summary(row) | {"company_id": row["company_id"]} for row in rows]}


@router.get("/requests/{request_id}", openapi_extra=ADMIN, responses=ERRORS, response_model=StaffRequestView,
             response_model_exclude_unset=True)
def request_for_staff(request_id: str, staff: AdminUser) -> dict[str, Any]:
    """Any request as its buyer sees it (result files through links issued to you), with its company."""
    with unit_of_work(read_only=True) as session:
        row = requests.get_request_for_staff(session, staff_id=staff.id, request_id=request_id[:40])
        body = views.detail(session, row, requests.timeline(session, row["id"]),
                            audience=links.audience("staff", staff.id))
    return body | {"company_id": row["company_id"], "project_id": row["project_id"]}


class BalanceMismatchOut(BaseModel):
    """An account whose stored (cached) balance differs from the sum of its entries."""

    account_id: int
    stored_cents: int
    entries_cents: int


class NegativeAccountOut(BaseModel):
    """A platform, company or operator account below zero (external accounts may be)."""

    account_id: int
    balance_cents: int


class EscrowMismatchOut(BaseModel):
    """An escrow account whose balance differs from the sum of its pending holds."""

    account_id: int
    balance_cents: int
    held_cents: int


class LedgerHealthOut(BaseModel):
    """The ledger's invariants, as the staff Ledger page shows them; `ok` only when every one holds."""

    ok: bool
    checked_at: str
    total: str = Field(description="Σ of every balance, e.g. \"0.00EUR\"; zero in a healthy ledger")
    total_cents: int
    account_count: int
    transfer_count: int
    entry_count: int
    balance_mismatches: list[BalanceMismatchOut]
    negative_accounts: list[NegativeAccountOut]
    empty_transfers: list[int] = Field(description="Ids of transfers without entries")
    escrow_mismatches: list[EscrowMismatchOut]


@router.get("/ledger/health", response_model=LedgerHealthOut, openapi_extra=ADMIN, responses=ERRORS)
def ledger_health_check(_staff: AdminUser) -> LedgerHealthOut:
    """Prove the ledger's invariants from the database: Σ balances = 0, each stored balance = Σ its
    entries, no non-external account negative, no transfer without entries, escrow = Σ pending holds."""
    with unit_of_work(read_only=True) as session:
        return health_view(ledger_health(session))


def health_view(health: LedgerHealth) -> LedgerHealthOut:
    """The wire shape of one health check."""
    return LedgerHealthOut(
        ok=health.ok, checked_at=isoformat(now()), total=format_money(health.total_cents, get_settings().currency),
        total_cents=health.total_cents, account_count=health.account_count, transfer_count=health.transfer_count,
        entry_count=health.entry_count,
        balance_mismatches=[BalanceMismatchOut(account_id=account, stored_cents=stored, entries_cents=entries)
                            for account, stored, entries in health.balance_mismatches],
        negative_accounts=[NegativeAccountOut(account_id=account, balance_cents=balance)
                           for account, balance in health.negative_accounts],
        empty_transfers=list(health.empty_transfers),
        escrow_mismatches=[EscrowMismatchOut(account_id=account, balance_cents=balance, held_cents=held)
                           for account, balance, held in health.escrow_mismatches],
    )


class UnlockOut(BaseModel):
    user_id: str
    failures_cleared: bool


@router.post("/users/{user_id}/unlock", response_model=UnlockOut, openapi_extra=ADMIN, responses=ERRORS)
def unlock_user(user_id: str, staff: AdminUser) -> UnlockOut:
    """Lift a sign-in lockout: the account's failed sign-ins are forgotten, so it may sign in at once."""
    with unit_of_work() as session:
        cleared = identity.unlock(session, user_id=user_id, staff=staff)
    return UnlockOut(user_id=user_id[:40], failures_cleared=cleared)
