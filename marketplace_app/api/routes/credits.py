"""Company credits (`ses_…` session of a company user): balance, statement and test credit,
which exists only in sandbox deployments with the manual payment provider."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from marketplace_app.api.company import COMPANY, CompanyCaller
from marketplace_app.api.idempotent import run_idempotent
from marketplace_app.companies import credits
from marketplace_app.core.clock import isoformat
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.money import format_money
from marketplace_app.idempotency.service import request_hash
from marketplace_app.settings import get_settings

router = APIRouter(prefix="/credits", tags=["credits"])
DEPOSIT_PATH = "/v1/credits/deposit-test"
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid session (`unauthorized`)"},
    403: {"description": "Not a company account, a read-only member, or test credit refused: not a sandbox "
                         "deployment, or not the manual payment provider (`forbidden`)"},
    404: {"description": "`starting_after` is not one of your transactions (`not_found`)"},
    409: {"description": "Idempotency-Key reused with a different body (`conflict`), or its first call is "
                         "still running (`idempotency_in_progress`: retry after `Retry-After`)"},
    422: {"description": "Invalid input (`validation_error`)"},
}


def _money(cents: int) -> str:
    return format_money(cents, get_settings().currency)


class BalanceOut(BaseModel):
    available: str
    escrowed: str
    currency: str
    available_cents: int
    escrowed_cents: int


class TransactionOut(BaseModel):
    """One line of the company's statement; `amount` is negative when money left the account."""

    id: str
    created_at: str
    kind: str
    reason: str
    amount: str
    amount_cents: int
    currency: str
    account: str
    reference_type: str | None
    reference_id: str | None


class TransactionList(BaseModel):
    data: list[TransactionOut]
    has_more: bool
    next_starting_after: str | None


class DepositIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: StrictStr = Field(max_length=32, examples=["50.00EUR"])


class DepositOut(BaseModel):
    id: str
    amount: str
    amount_cents: int
    currency: str
    provider: str
    reason: str
    available: str
    available_cents: int
    created_at: str


@router.get("/balance", response_model=BalanceOut, responses={k: ERRORS[k] for k in (401, 403)},
            openapi_extra=COMPANY)
def balance(actor: CompanyCaller) -> BalanceOut:
    """Credit you can spend (`available`) and credit held for open requests (`escrowed`)."""
    with unit_of_work(read_only=True) as session:
        found = credits.balance(session, actor=actor)
    return BalanceOut(available=_money(found.available_cents), escrowed=_money(found.escrowed_cents),
                      currency=get_settings().currency, available_cents=found.available_cents,
                      escrowed_cents=found.escrowed_cents)


@router.get("/transactions", response_model=TransactionList, responses={k: ERRORS[k] for k in (401, 403, 404, 422)},
            openapi_extra=COMPANY)
def transactions(actor: CompanyCaller, limit: Annotated[int, Query(ge=1, le=100)] = 20,
                 starting_after: Annotated[str | None, Query(max_length=64)] = None) -> TransactionList:
    """Your ledger lines with reasons, newest first (`starting_after` a line id for the next page)."""
    with unit_of_work(read_only=True) as session:
        page = credits.statement(session, actor=actor, limit=limit, starting_after=starting_after)
    currency = get_settings().currency
    data = [TransactionOut(id=line.id, created_at=isoformat(line.created_at), kind=line.kind, reason=line.reason,
                           amount=_money(line.amount_cents), amount_cents=line.amount_cents, currency=currency,
                           account=line.account, reference_type=line.reference_type, reference_id=line.reference_id)
            for line in page.lines]
    return TransactionList(data=data, has_more=page.has_more,
                           next_starting_after=data[-1].id if page.has_more else None)


@router.post("/deposit-test", status_code=201, response_model=DepositOut, responses=ERRORS, openapi_extra=COMPANY)
def deposit_test(body: DepositIn, actor: CompanyCaller, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Test credit (not real money), only in a sandbox deployment with the manual payment provider; elsewhere
    403 says how to add credit (a bank transfer that staff credit). Honours `Idempotency-Key`."""
    # Refused before the idempotency store is touched; the service refuses on its own as well.
    credits.require_test_credit(get_settings(), company_id=actor.company_id)

    def action(session: Any) -> dict[str, Any]:
        deposit = credits.deposit_test(session, actor=actor, amount=body.amount)
        return DepositOut(id=deposit.id, amount=_money(deposit.amount_cents), amount_cents=deposit.amount_cents,
                          currency=get_settings().currency, provider=credits.MANUAL_PROVIDER, reason=deposit.reason,
                          available=_money(deposit.available_cents), available_cents=deposit.available_cents,
                          created_at=isoformat(deposit.created_at)).model_dump()

    return run_idempotent(principal=actor.company_id, key=idempotency_key, status_code=201, action=action,
                          request_hash=request_hash("POST", DEPOSIT_PATH, body.model_dump()))
