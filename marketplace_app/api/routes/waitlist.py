"""`POST /v1/waitlist`: public sign-up for the waitlist (seed fields)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from marketplace_app.api.access import access
from marketplace_app.core.clock import isoformat
from marketplace_app.core.db import unit_of_work
from marketplace_app.waitlist import service as waitlist
from marketplace_app.waitlist.models import WaitlistEntry

router = APIRouter(tags=["waitlist"])


class WaitlistIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["company", "operator", "patxer", "agent_owner"] = Field(examples=["company"])
    email: StrictStr = Field(max_length=254, examples=["founder@company.example"])
    name: StrictStr = Field(min_length=1, max_length=120, examples=["Company Name"])
    use_case: StrictStr | None = Field(default=None, max_length=1000, examples=["Agent quality assurance"])


class WaitlistOut(BaseModel):
    id: str
    type: str
    email: str
    name: str
    created_at: str

    @classmethod
    def of(cls, entry: WaitlistEntry) -> WaitlistOut:
        return cls(id=entry.id, type=entry.type, email=entry.email, name=entry.name,
                   created_at=isoformat(entry.created_at))


@router.post("/waitlist", status_code=201, response_model=WaitlistOut,
             openapi_extra=access("public", rate_limit="waitlist"), responses={
    200: {"description": "Already on the waitlist with this type and e-mail: the existing entry",
          "model": WaitlistOut},
    422: {"description": "Invalid input (`validation_error`)"}})
def join_waitlist(body: WaitlistIn, response: Response) -> WaitlistOut:
    """Join the waitlist. No authentication; joining twice returns the first entry with 200.
    Sign-ups are limited per client address and hour (`429 rate_limited` past the limit)."""
    with unit_of_work() as session:
        joined = waitlist.join_waitlist(session, type=body.type, email=body.email, name=body.name,
                                        use_case=body.use_case)
    if not joined.created:
        response.status_code = 200
    return WaitlistOut.of(joined.entry)
