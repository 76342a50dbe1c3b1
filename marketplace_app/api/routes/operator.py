"""The operator API (`ses_` session of an operator): profile, KYC, uploads, the feed,
accept and submit, my work, earnings and payouts."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Header, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, field_validator
from starlette.concurrency import run_in_threadpool

from marketplace_app.api.access import access
from marketplace_app.api.deps import require_role
from marketplace_app.api.idempotent import fingerprint, run_idempotent
from marketplace_app.core import wording
from marketplace_app.core.clock import isoformat
from marketplace_app.core.db import unit_of_work
from marketplace_app.earnings import payouts
from marketplace_app.earnings import service as earnings
from marketplace_app.earnings.schemas import EarningsPublic, PayoutList, PayoutPublic
from marketplace_app.identity.models import Role, User
from marketplace_app.kyc import service as kyc
from marketplace_app.operators import service as operators
from marketplace_app.requests.schemas import parse_price, reject_control_characters
from marketplace_app.requests.views import price
from marketplace_app.settings import get_settings
from marketplace_app.uploads import service as uploads
from marketplace_app.work import flows
from marketplace_app.work import service as work
from marketplace_app.work.schemas import (
    AcceptedPublic,
    SubmissionCreate,
    SubmittedPublic,
    TaskDetail,
    TaskList,
    WorkList,
)

router = APIRouter(prefix="/operator", tags=["operator"])
OPERATOR = access("operator")
Operator = Annotated[User, Depends(require_role(Role.operator))]
ERRORS = {401: {"description": "Not signed in"}, 403: {"description": "Not an operator, not verified or unavailable"},
          404: {"description": "Not found"},
          409: {"description": "Changed concurrently, or the first call with this Idempotency-Key is still running"},
          410: {"description": "The request expired"}, 413: {"description": "File too large"},
          422: {"description": "Invalid input"}}


class ProfilePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: StrictStr | None = Field(default=None, min_length=1, max_length=100)
    skills: list[StrictStr] | None = Field(default=None, max_length=20)
    languages: list[StrictStr] | None = Field(default=None, max_length=10)
    country: StrictStr | None = Field(default=None, min_length=2, max_length=2)
    available: StrictBool | None = None

    @field_validator("display_name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return reject_control_characters(value)


class KycIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    legal_name: StrictStr = Field(min_length=2, max_length=200)
    country: StrictStr = Field(min_length=2, max_length=2)
    date_of_birth: date
    document_upload_id: StrictStr = Field(max_length=40)

    @field_validator("legal_name")
    @classmethod
    def _name(cls, value: str) -> str:
        return reject_control_characters(value)


class PayoutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: StrictStr = Field(max_length=32, examples=["25.00EUR"])

    @field_validator("amount")
    @classmethod
    def _amount(cls, value: str) -> str:
        parse_price(value, field="amount")
        return value



class ProfilePublic(BaseModel):
    """The operator's public profile and verification status."""

    id: str
    display_name: str | None
    skills: list[str]
    languages: list[str]
    country: str | None
    available: bool
    kyc_status: str


class UploadPublic(BaseModel):
    """A stored file, by the id a submission or KYC names it with."""

    id: str
    filename: str
    content_type: str
    size_bytes: int
    purpose: str
    created_at: str | None


class KycSubmitted(BaseModel):
    """A KYC submission as filed."""

    id: str
    status: str
    submitted_at: str | None


class KycSubmissionPublic(KycSubmitted):
    """The latest KYC submission and its outcome."""

    reason: str | None
    reviewed_at: str | None


class KycStatusPublic(BaseModel):
    """The operator's verification status and their latest submission, if any."""

    kyc_status: str
    submission: KycSubmissionPublic | None


def _profile(profile: Any) -> dict[str, Any]:
    return {"id": profile.public_id, "display_name": profile.display_name, "skills": profile.skills,
            "languages": profile.languages, "country": profile.country, "available": profile.available,
            "kyc_status": profile.kyc_status}


@router.get("/profile", openapi_extra=OPERATOR, responses=ERRORS, response_model=ProfilePublic)
def get_profile(user: Operator) -> dict[str, Any]:
    """The operator's profile and KYC status."""
    with unit_of_work(read_only=True) as session:
        return _profile(operators.get_profile(session, user_id=user.id))


@router.patch("/profile", openapi_extra=OPERATOR, responses=ERRORS, response_model=ProfilePublic)
def patch_profile(body: ProfilePatch, user: Operator) -> dict[str, Any]:
    """Change display name, skills, languages, country or availability."""
    with unit_of_work() as session:
        profile = operators.update_profile(session, user_id=user.id, changes=body.model_dump(exclude_unset=True))
        return _profile(profile)


@router.post("/uploads", status_code=201, openapi_extra=OPERATOR, responses=ERRORS, response_model=UploadPublic)
async def upload(user: Operator, file: UploadFile = File(...),  # noqa: B008
                 purpose: Literal["kyc_document", "proof"] = Form(...)) -> dict[str, Any]:
    """Upload a KYC document or proof file (JPEG, PNG, WebP or PDF, at most 10 MiB)."""
    data = await file.read(uploads.MAX_UPLOAD_BYTES + 1)

    def save() -> dict[str, Any]:
        with unit_of_work() as session:
            saved = uploads.save_upload(session, owner_user_id=user.id, purpose=purpose,
                                        filename=file.filename or "file", data=data)
            return {"id": saved.id, "filename": saved.filename, "content_type": saved.content_type,
                    "size_bytes": saved.size_bytes, "purpose": saved.purpose, "created_at": isoformat(saved.created_at)}

    return await run_in_threadpool(save)


@router.post("/kyc", status_code=201, openapi_extra=OPERATOR, responses=ERRORS, response_model=KycSubmitted)
def submit_kyc(body: KycIn, user: Operator) -> dict[str, Any]:
    """Submit legal name, country, date of birth and an ID document for verification."""
    with unit_of_work() as session:
        submission = kyc.submit(session, user_id=user.id, legal_name=body.legal_name, country=body.country,
                                date_of_birth=body.date_of_birth, document_upload_id=body.document_upload_id)
        return {"id": submission.id, "status": submission.status, "submitted_at": isoformat(submission.submitted_at)}


@router.get("/kyc", openapi_extra=OPERATOR, responses=ERRORS, response_model=KycStatusPublic)
def kyc_status(user: Operator) -> dict[str, Any]:
    """The latest KYC submission and its outcome."""
    with unit_of_work(read_only=True) as session:
        profile = operators.get_profile(session, user_id=user.id)
        latest = kyc.latest_for(session, user_id=user.id)
    return {"kyc_status": profile.kyc_status, "submission": None if latest is None else {
        "id": latest.id, "status": latest.status, "reason": latest.reason,
        "submitted_at": isoformat(latest.submitted_at), "reviewed_at": isoformat(latest.reviewed_at)}}


@router.get("/requests", openapi_extra=OPERATOR, responses=ERRORS, response_model=TaskList,
             response_model_exclude_unset=True)
def feed(user: Operator) -> dict[str, Any]:
    """Matching requests for your skills, most urgent first, with the information policy applied."""
    with unit_of_work(read_only=True) as session:
        return {"data": work.feed(session, operator_id=user.id)}


@router.get("/requests/{request_id}", openapi_extra=OPERATOR, responses=ERRORS, response_model=TaskDetail,
             response_model_exclude_unset=True)
def view(request_id: str, user: Operator) -> dict[str, Any]:
    """One request: as the feed shows it, or the whole task once it is yours."""
    with unit_of_work() as session:
        return work.view(session, operator_id=user.id, request_id=request_id[:40])


@router.post("/requests/{request_id}/accept", openapi_extra=OPERATOR, responses=ERRORS, response_model=AcceptedPublic)
def accept(request_id: str, user: Operator) -> dict[str, Any]:
    """Take the request. The first operator wins; others get 409, and 410 after expiry."""
    with unit_of_work() as session:
        row = work.accept(session, operator_id=user.id, request_id=request_id[:40])
    return {"request_id": row["id"], "status": row["status"], "work_deadline_at": isoformat(row["work_deadline_at"])}


@router.post("/requests/{request_id}/submit", openapi_extra=OPERATOR, responses=ERRORS,
             response_model=SubmittedPublic)
def submit(request_id: str, body: SubmissionCreate, user: Operator) -> dict[str, Any]:
    """Hand in the result; automated verification decides completed, needs_review or disputed."""
    row = flows.submit_work(operator_id=user.id, request_id=request_id[:40], body=body)
    return {"request_id": row["id"], "status": row["status"], "verification": row["result"]["verification"]}


@router.get("/work", openapi_extra=OPERATOR, responses=ERRORS, response_model=WorkList,
             response_model_exclude_unset=True)
def my_work(user: Operator) -> dict[str, Any]:
    """Your accepted requests and how each ended."""
    with unit_of_work() as session:  # showing a sandboxed brief to its assignee writes the view log
        return {"data": work.my_work(session, operator_id=user.id)}


@router.get("/earnings", openapi_extra=OPERATOR, responses=ERRORS, response_model=EarningsPublic)
def my_earnings(user: Operator) -> dict[str, Any]:
    """Pending (each with `available_on`), available, in payout and total earned."""
    with unit_of_work(read_only=True) as session:
        totals = earnings.summary(session, operator_id=user.id)
        items = earnings.list_earnings(session, operator_id=user.id)
    return {"pending": price(totals.pending_cents), "pending_cents": totals.pending_cents,
            "available": price(totals.available_cents), "available_cents": totals.available_cents,
            "in_payout": price(totals.in_payout_cents), "in_payout_cents": totals.in_payout_cents,
            "total": price(totals.total_earned_cents), "total_cents": totals.total_earned_cents,
            "items": [{"id": item.id, "request_id": item.request_id, "amount": price(item.amount_cents),
                       "amount_cents": item.amount_cents, "status": item.status, "frozen": item.frozen,
                       "earned_at": isoformat(item.created_at), "available_on": isoformat(item.available_on)}
                      for item in items]}


def payout_view(payout: Any) -> dict[str, Any]:
    """A payout as its operator (or staff) sees it."""
    return {"id": payout.id, "amount": price(payout.amount_cents), "amount_cents": payout.amount_cents,
            "status": payout.status, "provider": payout.provider, "failure_reason": payout.failure_reason,
            "created_at": isoformat(payout.created_at), "resolved_at": isoformat(payout.resolved_at)}


@router.post("/payouts", status_code=201, openapi_extra=OPERATOR,
             responses={**ERRORS, 402: {"description": "More than your available balance"}},
             description="Pay out from your available balance (minimum "
                         f"{wording.money(get_settings().payout_minimum_cents)}).", response_model=PayoutPublic)
def request_payout(body: PayoutIn, user: Operator,
                   idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
                   ) -> JSONResponse:
    """Pay out from your available balance (at least the payout minimum in the description)."""
    return run_idempotent(
        principal=user.id, key=idempotency_key, request_hash=fingerprint("/v1/operator/payouts", body),
        status_code=201, action=lambda session: payout_view(payouts.request_payout(
            session, operator_id=user.id, amount_cents=parse_price(body.amount, field="amount"))))


@router.get("/payouts", openapi_extra=OPERATOR, responses=ERRORS, response_model=PayoutList)
def list_payouts(user: Operator) -> dict[str, Any]:
    """Your payouts with their status and, when failed, why."""
    with unit_of_work(read_only=True) as session:
        return {"data": [payout_view(payout) for payout in payouts.list_payouts(session, operator_id=user.id)]}
