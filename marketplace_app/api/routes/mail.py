"""Staff read every e-mail the platform wrote (`GET /v1/admin/emails`): in development and test
the mail that was kept instead of sent, in production what went out by SMTP and what failed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from marketplace_app.api.access import ADMIN
from marketplace_app.api.deps import AdminUser
from marketplace_app.core.clock import isoformat
from marketplace_app.core.db import unit_of_work
from marketplace_app.mail import queries

router = APIRouter(prefix="/admin", tags=["admin"])
ERRORS: dict[int | str, dict[str, Any]] = {401: {"description": "Not signed in (`unauthorized`)"},
                                           403: {"description": "Staff only (`forbidden`)"},
                                           422: {"description": "Invalid filter or page (`validation_error`)"}}


class EmailOut(BaseModel):
    """One mail: to whom, what it said (plain text), what it is for, and whether it left."""

    id: str
    to: str
    subject: str
    text: str
    kind: str
    status: str
    created_at: str
    sent_at: str | None
    last_error: str | None

    @classmethod
    def of(cls, mail: queries.Mail) -> EmailOut:
        return cls(id=mail.id, to=mail.to, subject=mail.subject, text=mail.text, kind=mail.kind,
                   status=mail.status, created_at=isoformat(mail.created_at), sent_at=isoformat(mail.sent_at),
                   last_error=mail.last_error)


class EmailList(BaseModel):
    data: list[EmailOut]
    has_more: bool
    next_starting_after: str | None


@router.get("/emails", response_model=EmailList, responses=ERRORS, openapi_extra=ADMIN)
def emails(staff: AdminUser, limit: Annotated[int, Query(ge=1, le=100)] = 20,
           starting_after: Annotated[str | None, Query(max_length=40)] = None,
           to: Annotated[str | None, Query(min_length=3, max_length=254)] = None,
           kind: Annotated[str | None, Query(pattern=r"^[a-z_]{1,40}$")] = None) -> EmailList:
    """Every mail newest first (`starting_after` a mail id for the next page), optionally to one
    address (`to`, exact, any case) and/or of one `kind` (`sign_in`, `agent_activation`, …). Statuses:
    `queued`, `sent` (by SMTP), `kept` (not sent: development and test), `failed` (with `last_error`)."""
    with unit_of_work(read_only=True) as session:
        page = queries.all_mail(session, viewer_id=staff.id, limit=limit, starting_after=starting_after,
                                to=to, kind=kind)
    return EmailList(data=[EmailOut.of(mail) for mail in page.mails], has_more=page.has_more,
                     next_starting_after=page.next_cursor)
