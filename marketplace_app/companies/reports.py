"""Read-only figures for the company dashboard: spend per day, open requests, project names.

Every function filters by the caller's `company_id`, and every request figure by one `mode`
(the dashboard shows test or live, never both in one table or total); none of them writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import RowMapping, and_, func, or_, select
from sqlmodel import Session

from marketplace_app.companies.models import Project
from marketplace_app.core.clock import now
from marketplace_app.core.db import is_postgres
from marketplace_app.core.errors import NotFound
from marketplace_app.core.pagination import decode_cursor, find_anchor, newest_first
from marketplace_app.requests.models import Request, RequestStatus

REQUESTS = Request.__table__
PROJECTS = Project.__table__
OPEN_STATUSES = (RequestStatus.matching, RequestStatus.in_progress, RequestStatus.submitted,
                 RequestStatus.needs_review)
REFUNDED_STATUSES = (RequestStatus.cancelled, RequestStatus.expired)


@dataclass(frozen=True, slots=True)
class DaySpend:
    """What the company committed on one UTC day."""

    day: date
    cents: int


@dataclass(frozen=True, slots=True)
class RequestPage:
    """A page of request rows, newest first."""

    rows: list[RowMapping]
    has_more: bool


def month_start(moment: datetime) -> datetime:
    """Midnight UTC on the first day of the month containing `moment`."""
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def spend_this_month(session: Session, *, company_id: str, mode: str,
                     moment: datetime | None = None) -> list[DaySpend]:
    """Σ `max_price` of the `mode` requests created on each day of this month so far, one entry per day.

    Cancelled and expired requests are left out (their escrow comes back), including matching
    ones past their window that the sweep has not expired yet; days without requests are
    zero. Days are UTC days, up to and including the day of `moment`.
    """
    moment = moment or now()
    start = month_start(moment)
    utc_day = _utc_day(session, REQUESTS.c.created_at)
    rows = session.execute(
        select(utc_day.label("day"), func.sum(REQUESTS.c.max_price_cents).label("cents"))
        .where(REQUESTS.c.company_id == company_id, REQUESTS.c.mode == mode, REQUESTS.c.created_at >= start,
               REQUESTS.c.status.not_in(REFUNDED_STATUSES), _not_overdue())
        .group_by(utc_day)
    ).all()
    by_day = {_as_date(row.day): int(row.cents) for row in rows}
    days = [start.date() + timedelta(days=offset) for offset in range((moment.date() - start.date()).days + 1)]
    return [DaySpend(day=day, cents=by_day.get(day, 0)) for day in days]


def _utc_day(session: Session, column: Any) -> Any:
    # PostgreSQL stores timestamptz and would cut days in the session's time zone; SQLite stores UTC text.
    if is_postgres(session):
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _not_overdue() -> Any:
    """Leaves out matching requests past their match window: every reader already sees them as expired."""
    return or_(REQUESTS.c.status != RequestStatus.matching, REQUESTS.c.match_deadline_at.is_(None),
               REQUESTS.c.match_deadline_at > now())


def _still_open() -> Any:
    return and_(REQUESTS.c.status.in_(OPEN_STATUSES), _not_overdue())


def open_request_count(session: Session, *, company_id: str, mode: str) -> int:
    """How many of the company's `mode` requests are still under way (matching, in progress,
    submitted, in review)."""
    return int(session.execute(select(func.count()).select_from(REQUESTS).where(
        REQUESTS.c.company_id == company_id, REQUESTS.c.mode == mode, _still_open())).scalar_one())


def open_requests(session: Session, *, company_id: str, mode: str, project_id: str | None = None,
                  skill: str | None = None, limit: int = 20, starting_after: str | None = None) -> RequestPage:
    """The company's open `mode` requests, newest first, keyset-paginated by request id.

    Raises:
        NotFound: `starting_after` is not one of this company's `mode` requests.
    """
    statement = select(REQUESTS).where(REQUESTS.c.company_id == company_id, REQUESTS.c.mode == mode,
                                       _still_open())
    if project_id:
        statement = statement.where(REQUESTS.c.project_id == project_id)
    if skill:
        statement = statement.where(REQUESTS.c.skill == skill)
    columns = (REQUESTS.c.created_at, REQUESTS.c.id)
    anchor = None
    cursor = decode_cursor(starting_after)
    if cursor:
        anchor = find_anchor(session, columns, REQUESTS.c.id == cursor, REQUESTS.c.company_id == company_id,
                             REQUESTS.c.mode == mode)
        if anchor is None:
            raise NotFound(f"Request {cursor} not found")
    page = newest_first(session, statement, columns=columns, anchor=anchor, limit=limit)
    return RequestPage(rows=page.rows, has_more=page.has_more)


def project_names(session: Session, *, company_id: str) -> dict[str, str]:
    """The company's project ids and names, by name."""
    rows = session.execute(select(PROJECTS.c.id, PROJECTS.c.name).where(PROJECTS.c.company_id == company_id)
                           .order_by(PROJECTS.c.name, PROJECTS.c.id))
    return {row.id: row.name for row in rows}
