"""Staff credit a company by hand for a bank transfer received (`POST /v1/admin/companies/{id}/credits`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from marketplace_app.api.access import ADMIN
from marketplace_app.api.deps import AdminUser
from marketplace_app.companies import manual_credits
from marketplace_app.core.clock import isoformat
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.money import format_money
from marketplace_app.settings import get_settings

router = APIRouter(prefix="/admin", tags=["admin"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in (`unauthorized`)"},
    403: {"description": "Staff only (`forbidden`)"},
    404: {"description": "No such company (`not_found`)"},
    409: {"description": "The reference was already credited with another amount (`conflict`)"},
    422: {"description": "Invalid amount, reason or reference (`validation_error`)"},
}


class ManualCreditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: StrictStr = Field(max_length=32, examples=["100.00EUR"])
    reason: StrictStr = Field(min_length=1, max_length=manual_credits.MAX_REASON_CHARACTERS,
                              examples=["Bank transfer of 2026-12-07"])
    reference: StrictStr = Field(min_length=1, max_length=manual_credits.MAX_REFERENCE_CHARACTERS,
                                 examples=["SEPA-20261207-0042"])


class ManualCreditOut(BaseModel):
    """A manual credit: the company's ledger line reads "Credited by Handoff staff: <reason>"."""

    company_id: str
    amount: str
    amount_cents: int
    currency: str
    reason: str
    reference: str
    credited_by: str
    created_at: str
    audit_id: int
    available: str
    available_cents: int
    replayed: bool

    @classmethod
    def of(cls, credit: manual_credits.ManualCredit) -> ManualCreditOut:
        currency = get_settings().currency
        return cls(company_id=credit.company_id, amount=format_money(credit.amount_cents, currency),
                   amount_cents=credit.amount_cents, currency=currency, reason=credit.reason,
                   reference=credit.reference, credited_by=credit.credited_by,
                   created_at=isoformat(credit.created_at), audit_id=credit.audit_id,
                   available=format_money(credit.available_cents, currency), available_cents=credit.available_cents,
                   replayed=credit.replayed)


REPLAYED = {200: {"model": ManualCreditOut, "description": "This reference was already credited to the company: "
                                                          "the first credit, unchanged (`replayed` is true)"}}


@router.post("/companies/{company_id}/credits", status_code=201, response_model=ManualCreditOut,
             responses={**REPLAYED, **ERRORS}, openapi_extra=ADMIN)
def credit_company(company_id: str, body: ManualCreditIn, staff: AdminUser) -> JSONResponse:
    """Credit a bank transfer received by hand: one ledger transfer from Handoff's bank account to the
    company's available credit, recorded in the audit log. Once per company and `reference`: a repeat
    returns the first credit (200, `replayed`)."""
    with unit_of_work() as session:
        credit = manual_credits.credit_company(session, staff_id=staff.id, company_id=company_id,
                                               amount=body.amount, reason=body.reason, reference=body.reference)
    return JSONResponse(ManualCreditOut.of(credit).model_dump(), status_code=200 if credit.replayed else 201)
