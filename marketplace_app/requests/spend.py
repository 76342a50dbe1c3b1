"""Running totals of what requests commit, so budgets and fee tiers read a month of rows, not history.

Two rollups, written in the transaction of every change they count, by the status writer
(`status.py`) and by `create_request`:

* `budget_usage` — per project, mode and UTC day of creation, the `max_price_cents` of its
  requests that are neither cancelled nor expired: what the daily and monthly budgets count.
  A create adds; a cancel or an expiry (the only ways into those states) takes away.
* `company_spend` — per company, mode and UTC day of completion, the `max_price_cents` of its
  completed requests: what the fee tier counts. A completion adds; a dispute of a completed
  request (the only way out of `completed`) takes away.

Money itself never moves here: a dispute's refund leaves the request `disputed`, which budgets
count as before. `recount()` computes both from the request table alone (the backfill of
migration 0012 does the same in SQL); a test compares the two after random operations.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, func, select
from sqlmodel import Session

from marketplace_app.core.clock import now
from marketplace_app.core.db import built_once
from marketplace_app.requests.models import BudgetUsage, CompanySpend, Request, RequestStatus
from marketplace_app.settings import get_settings

BUDGET = BudgetUsage.__table__
SPEND = CompanySpend.__table__
REQUESTS = Request.__table__
CLOSED_FOR_BUDGET = frozenset({RequestStatus.cancelled, RequestStatus.expired})
Totals = dict[tuple[str, str, date], int]

_BUDGET_USED = select(
    func.coalesce(func.sum(BUDGET.c.cents).filter(BUDGET.c.day == bindparam("today")), 0),
    func.coalesce(func.sum(BUDGET.c.cents), 0),
).where(BUDGET.c.project_id == bindparam("owner"), BUDGET.c.mode == bindparam("mode"),
        BUDGET.c.day >= bindparam("since"))
SPENT = select(func.coalesce(func.sum(SPEND.c.cents), 0)).where(
    SPEND.c.company_id == bindparam("owner"), SPEND.c.mode == bindparam("mode"), SPEND.c.day >= bindparam("since"))


def utc_day(moment: datetime) -> date:
    """The UTC calendar day of `moment`."""
    return moment.astimezone(UTC).date()


def budget_used_cents(session: Session, project_id: str, *, mode: str) -> tuple[int, int]:
    """The project's budget use in `mode` today and this month (UTC): requests created then that
    are neither cancelled nor expired."""
    today = utc_day(now())
    used = session.execute(_BUDGET_USED, {"owner": project_id, "mode": mode, "today": today,
                                          "since": today.replace(day=1)}).one()
    return int(used[0]), int(used[1])


def trailing_spend_cents(session: Session, company_id: str, *, mode: str) -> int:
    """The company's completed spend in `mode` today and over the `fee_tier_window_days` UTC days
    before (never a shorter window than that many 24-hour days)."""
    return int(session.execute(SPENT, spent_parameters(company_id, mode=mode)).scalar_one())


def spent_parameters(company_id: str, *, mode: str) -> dict[str, Any]:
    """The parameters of `SPENT` (a statement the create reads along with the project) for
    `trailing_spend_cents`."""
    since = utc_day(now()) - timedelta(days=get_settings().fee_tier_window_days)
    return {"owner": company_id, "mode": mode, "since": since}


# What `count_transition` reads of a moved row (a sweep returning few columns must include these).
ROLLUP_COLUMNS = ("project_id", "company_id", "mode", "created_at", "completed_at", "max_price_cents")


def count_created(session: Session, rows: Iterable[Mapping[str, Any]]) -> None:
    """Add new requests to their project's budget use (in the transaction that inserts them)."""
    totals: Totals = defaultdict(int)
    for row in rows:
        totals[(row["project_id"], row["mode"], utc_day(row["created_at"]))] += row["max_price_cents"]
    _add(session, BUDGET, totals)


def count_transition(session: Session, rows: Iterable[Mapping[str, Any]], *, to: RequestStatus) -> None:
    """Follow requests that just moved to `to` (rows as they are now) in both rollups."""
    budget: Totals = defaultdict(int)
    spend: Totals = defaultdict(int)
    for row in rows:
        if to in CLOSED_FOR_BUDGET:
            budget[(row["project_id"], row["mode"], utc_day(row["created_at"]))] -= row["max_price_cents"]
        elif row["completed_at"] is None:
            # Only completion sets `completed_at`: a request without one never counted as spend.
            continue
        elif to == RequestStatus.completed:
            spend[(row["company_id"], row["mode"], utc_day(row["completed_at"]))] += row["max_price_cents"]
        elif to == RequestStatus.disputed:
            # Completed is the only way into disputed with a `completed_at`: it counted until now.
            spend[(row["company_id"], row["mode"], utc_day(row["completed_at"]))] -= row["max_price_cents"]
    _add(session, BUDGET, budget)
    _add(session, SPEND, spend)


def _add(session: Session, table: Table, totals: Totals) -> None:
    # Sorted keys: concurrent transactions lock shared rows in one order, so they cannot deadlock.
    values = [{"owner": owner, "mode": mode, "day": day, "cents": cents}
              for (owner, mode, day), cents in sorted(totals.items()) if cents]
    if values:
        session.execute(_upsert(session, table), values)


def _upsert(session: Session, table: Table) -> Any:
    return built_once(session, ("spend.add", table.name), lambda builder: _build_upsert(builder, table))


def _build_upsert(builder: Any, table: Table) -> Any:
    owner = table.c.project_id if table is BUDGET else table.c.company_id
    insert = builder(table).values({owner: bindparam("owner"), table.c.mode: bindparam("mode"),
                                    table.c.day: bindparam("day"), table.c.cents: bindparam("cents")})
    return insert.on_conflict_do_update(index_elements=[owner, table.c.mode, table.c.day],
                                        set_={"cents": table.c.cents + insert.excluded.cents})


def recount(session: Session) -> tuple[Totals, Totals]:
    """Both rollups computed from the request table alone (for checks and for seeded data):
    `(budget_usage, company_spend)` totals by (owner, mode, day), zero totals left out."""
    budget: Totals = defaultdict(int)
    spend: Totals = defaultdict(int)
    rows = session.execute(select(REQUESTS.c.project_id, REQUESTS.c.company_id, REQUESTS.c.mode,
                                  REQUESTS.c.status, REQUESTS.c.max_price_cents, REQUESTS.c.created_at,
                                  REQUESTS.c.completed_at))
    for row in rows:
        if row.status not in CLOSED_FOR_BUDGET:
            budget[(row.project_id, row.mode, utc_day(row.created_at))] += row.max_price_cents
        if row.status == RequestStatus.completed and row.completed_at is not None:
            spend[(row.company_id, row.mode, utc_day(row.completed_at))] += row.max_price_cents
    return ({key: cents for key, cents in budget.items() if cents},
            {key: cents for key, cents in spend.items() if cents})


def stored(session: Session) -> tuple[Totals, Totals]:
    """Both rollups as stored, in the shape of `recount()`."""
    budget = {(row.project_id, row.mode, _as_date(row.day)): row.cents
              for row in session.execute(select(BUDGET)) if row.cents}
    spend = {(row.company_id, row.mode, _as_date(row.day)): row.cents
             for row in session.execute(select(SPEND)) if row.cents}
    return budget, spend


def rebuild(session: Session) -> None:
    """Replace both rollups with `recount()` (after rows were inserted behind the writers' back,
    as benchmarks seed history)."""
    budget, spend = recount(session)
    session.execute(BUDGET.delete())
    session.execute(SPEND.delete())
    _add(session, BUDGET, budget)
    _add(session, SPEND, spend)


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
