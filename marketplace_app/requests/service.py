"""What agents do with requests: create (with escrow), read, list, cancel, rate.

Hot paths use SQLAlchemy Core statements in the caller's single transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import RowMapping, bindparam, insert, select, update
from sqlmodel import Session

from marketplace_app import fees
from marketplace_app.catalogue import service as catalogue
from marketplace_app.companies.access import WRITER_ROLES, checked_id
from marketplace_app.companies.keys import KeyContext
from marketplace_app.companies.models import InformationPolicy, KeyMode, MemberRole, Project
from marketplace_app.companies.service import available_account, escrow_account
from marketplace_app.core.clock import now
from marketplace_app.core.crypto import seal
from marketplace_app.core.db import is_postgres
from marketplace_app.core.errors import (
    Forbidden,
    InsufficientCredits,
    InsufficientFunds,
    InvalidState,
    LimitExceeded,
    MonthlyLimitExceeded,
    NotFound,
    SkillNotAllowed,
    StateConflict,
    ValidationFailed,
)
from marketplace_app.core.ids import new_id
from marketplace_app.core.money import display_money
from marketplace_app.core.pagination import decode_cursor, newest_first
from marketplace_app.identity.models import Role, User
from marketplace_app.ledger import service as ledger
from marketplace_app.requests import rules, spend
from marketplace_app.requests import status as machine
from marketplace_app.requests.models import URGENCY_SECONDS, Request, RequestEvent, RequestStatus, Urgency
from marketplace_app.requests.schemas import RequestCreate
from marketplace_app.settings import get_settings
from marketplace_app.work.models import AssignmentOutcome, WorkAssignment

REQUESTS = Request.__table__
TIMELINE = RequestEvent.__table__
# Built once: every agent GET runs them (building a statement costs more than running this one).
AGENT_REQUEST = select(REQUESTS).where(REQUESTS.c.id == bindparam("request_id"),
                                       REQUESTS.c.project_id == bindparam("project_id"),
                                       REQUESTS.c.mode == bindparam("mode"))
TIMELINE_OF = select(TIMELINE).where(TIMELINE.c.request_id == bindparam("request_id")).order_by(TIMELINE.c.id)
PROJECTS = Project.__table__
ASSIGNMENTS = WorkAssignment.__table__
CANCEL_GRACE = rules.CANCEL_GRACE
MAX_COMMENT_LENGTH = 500
MODES = tuple(KeyMode)


@dataclass(frozen=True, slots=True)
class CompanyScope:
    """A signed-in company member acting in the dashboard, in the mode the dashboard shows:
    every project of the company, or one project when `project_id` is set.

    Raises:
        ValidationFailed: `mode` is not `live` or `test`.
    """

    company_id: str
    user_id: str
    mode: str
    project_id: str | None = None
    # The member's role decides what they may change; a scope that does not say may only read.
    role: MemberRole = MemberRole.member

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValidationFailed(f"mode must be one of: {', '.join(MODES)}")


Reader = KeyContext | CompanyScope


def scope_of(ctx: Reader) -> dict[str, str]:
    """Column filters that keep a caller inside its tenant and its mode.

    Every read and write of a caller's requests filters by these, so test and live are two
    worlds: a request of the other mode is not found, exactly like another tenant's.
    """
    if isinstance(ctx, KeyContext):
        return {"project_id": ctx.project_id, "mode": ctx.mode}
    if ctx.project_id is not None:
        # A dashboard filter by project still stays inside the member's company.
        return {"company_id": ctx.company_id, "project_id": ctx.project_id, "mode": ctx.mode}
    return {"company_id": ctx.company_id, "mode": ctx.mode}


def _where(ctx: Reader) -> list[Any]:
    return [REQUESTS.c[column] == value for column, value in scope_of(ctx).items()]


def actor_of(ctx: Reader) -> machine.Actor:
    if isinstance(ctx, KeyContext):
        return machine.Actor("agent", ctx.key_id)
    return machine.Actor("company", ctx.user_id)


def require_may_act(ctx: Reader, what: str) -> None:
    """Refuse a company member who may only read; an agent key acts for its whole project.

    Raises:
        Forbidden: `ctx` is a dashboard member whose role is neither owner nor admin.
    """
    if isinstance(ctx, CompanyScope) and ctx.role not in WRITER_ROLES:
        raise Forbidden(f"Only company owners and admins can {what}; your role is {ctx.role}")


def money(cents: int) -> str:
    """Amounts in error messages, as in the seed ("3.50 EUR")."""
    return display_money(cents, get_settings().currency)


def create_request(session: Session, *, ctx: KeyContext, body: RequestCreate) -> dict[str, Any]:
    """Create a request and escrow its full `max_price` (live keys) in one transaction.

    Raises:
        ValidationFailed: Unknown skill.
        SkillNotAllowed, LimitExceeded: The project's policy refuses it.
        MonthlyLimitExceeded: An agent's key, and its project's monthly budget is reached (402).
        InsufficientCredits: The company's available credit does not cover `max_price`.
    """
    price_cents = body.max_price_cents
    project, spent_cents = _project(session, ctx, lock=not ctx.is_test)
    skill = catalogue.require_active_skill(session, body.skill)
    _check_policy(project, skill=skill, price_cents=price_cents)
    _check_information_policy(project, body.information_policy)
    if not ctx.is_test:
        _check_budget(session, project, price_cents=price_cents, agent=ctx.agent_id is not None)
    quote = fees.human_task_fee(price_cents, trailing_30d_spend_cents=spent_cents)
    row = _new_row(ctx, body, project=project, price_cents=price_cents, quote=quote)
    # Inserts first, the rollup and the balances last: on PostgreSQL their row locks are held until
    # commit (always rollup rows before ledger accounts, as every status change takes them).
    session.execute(_INSERT_REQUEST, row)
    machine.record_creation(session, row, actor=machine.Actor("agent", ctx.key_id))
    spend.count_created(session, [row])
    if row["hold_id"]:
        _escrow(session, ctx, row)
    return row


_PROJECT = select(PROJECTS).where(PROJECTS.c.id == bindparam("project_id"))
_LOCKED_PROJECT = _PROJECT.with_for_update()
# The project and the company's spend over the fee tier's window (`trailing_spend_cents`) in one
# statement: one round trip fewer on every create.
_PROJECT_AND_SPEND = select(PROJECTS, spend.SPENT.scalar_subquery().label("trailing_spend_cents")).where(
    PROJECTS.c.id == bindparam("project_id"))
_INSERT_REQUEST = insert(REQUESTS)


def _project(session: Session, ctx: KeyContext, *, lock: bool) -> tuple[RowMapping, int]:
    """The key's project (locked when budgets need it) and the company's trailing spend in the key's mode."""
    project = session.execute(_PROJECT_AND_SPEND, {"project_id": ctx.project_id, **spend.spent_parameters(
        ctx.company_id, mode=ctx.mode)}).mappings().one()
    spent_cents = int(project["trailing_spend_cents"])
    has_caps = project["daily_budget_cents"] is not None or project["monthly_budget_cents"] is not None
    if lock and has_caps and is_postgres(session):
        # Budget checks read-then-write: serialise creates per project (SQLite's BEGIN IMMEDIATE
        # already does), and check against the project as it is once locked.
        project = session.execute(_LOCKED_PROJECT, {"project_id": ctx.project_id}).mappings().one()
    return project, spent_cents


def _check_policy(project: RowMapping, *, skill: str, price_cents: int) -> None:
    allowed = project["allowed_skills"] or []
    if allowed and skill not in allowed:
        raise SkillNotAllowed(f"Skill '{skill}' is not in this project's allowed list: {', '.join(allowed)}")
    cap = project["max_per_request_cents"]
    if cap is not None and price_cents > cap:
        raise LimitExceeded(f"max_price {money(price_cents)} is above this project's per-request limit of "
                            f"{money(cap)}")


def _check_information_policy(project: RowMapping, requested: str | None) -> None:
    """A request may hide more than its project's policy, never less: an agent key cannot show
    operators what the company chose to mask."""
    floor = InformationPolicy(project["information_policy"])
    if requested is not None and InformationPolicy(requested).strictness < floor.strictness:
        raise ValidationFailed(f"information_policy '{requested}' shows more than this project's "
                               f"'{floor}' policy allows; use '{floor}' or a stricter one")


def _check_budget(session: Session, project: RowMapping, *, price_cents: int, agent: bool) -> None:
    daily, monthly = project["daily_budget_cents"], project["monthly_budget_cents"]
    if daily is None and monthly is None:
        return
    day_used, month_used = budget_used_cents(session, project["id"], mode="live")
    if daily is not None and day_used + price_cents > daily:
        raise LimitExceeded(f"Daily budget exceeded: {money(day_used)} of {money(daily)} used today, "
                            f"this request needs {money(price_cents)}")
    if monthly is not None and month_used + price_cents > monthly:
        refusal = MonthlyLimitExceeded if agent else LimitExceeded  # VoxPact's code for agents (core/errors.py)
        raise refusal(f"Monthly budget exceeded: {money(month_used)} of {money(monthly)} used this month, "
                            f"this request needs {money(price_cents)}")


def budget_used_cents(session: Session, project_id: str, *, mode: str) -> tuple[int, int]:
    """The project's spend in `mode` committed today and this month (escrowed or completed;
    cancelled and expired excluded). Only live spend counts against the caps; test spend is
    reported to test keys. Reads the day-by-day rollup (`spend.py`), never the history."""
    return spend.budget_used_cents(session, project_id, mode=mode)


def trailing_spend_cents(session: Session, company_id: str, *, mode: str) -> int:
    """The company's completed spend in `mode` over the fee-tier window (it sets the fee tier: live
    spend for live requests; test requests are priced from test spend, so no live figure shows)."""
    return spend.trailing_spend_cents(session, company_id, mode=mode)


def _new_row(ctx: KeyContext, body: RequestCreate, *, project: RowMapping, price_cents: int,
             quote: fees.FeeQuote) -> dict[str, Any]:
    created_at = now()
    window = URGENCY_SECONDS[Urgency(body.urgency)] + get_settings().match_grace_seconds
    return {
        "id": new_id("req"), "project_id": ctx.project_id, "company_id": ctx.company_id, "api_key_id": ctx.key_id,
        "mode": ctx.mode, "skill": body.skill, "urgency": body.urgency, "duration_seconds": body.duration_seconds,
        "context": body.context, "title": body.title, "location": body.location, "deadline": body.deadline,
        "proof_requirements": body.proof_requirements, "output_schema": body.output_schema,
        "callback_url": body.callback_url,
        "callback_secret_sealed": seal(body.callback_secret) if body.callback_secret else None,
        "information_policy": body.information_policy or project["information_policy"],
        "max_price_cents": price_cents, "fee_cents": quote.fee_cents, "fee_rate_bps": quote.rate_bps,
        "status": RequestStatus.matching, "hold_id": None if ctx.is_test else new_id("hld"), "requeue_count": 0,
        "created_at": created_at, "match_deadline_at": created_at + timedelta(seconds=window),
    }


def _escrow(session: Session, ctx: KeyContext, row: dict[str, Any]) -> None:
    try:
        # No savepoint: a refusal raises out of the create and its whole transaction rolls back.
        ledger.place_hold(session, hold_id=row["hold_id"], source=available_account(ctx.company_id),
                          escrow=escrow_account(ctx.company_id), amount_cents=row["max_price_cents"],
                          reason=f"Escrow for request {row['id']}", reference_type="request",
                          reference_id=row["id"], savepoint=False)
    except InsufficientFunds as exc:
        raise InsufficientCredits(f"Not enough credits. Current balance: {money(exc.balance_cents)}") from exc


def get_request(session: Session, *, ctx: Reader, request_id: str) -> RowMapping:
    """Return one of the caller's requests (its project's for an agent, its company's in the dashboard).

    Raises:
        NotFound: No such request in this project (another tenant's id included).
    """
    checked_id(request_id, "Request")  # a NUL byte would make PostgreSQL fail the query instead
    if isinstance(ctx, KeyContext):
        result = session.execute(AGENT_REQUEST, {"request_id": request_id, **scope_of(ctx)})
    else:
        result = session.execute(select(REQUESTS).where(REQUESTS.c.id == request_id, *_where(ctx)))
    row = result.mappings().one_or_none()
    if row is None:
        raise NotFound(f"Request {request_id} not found")
    return row


def get_request_for_staff(session: Session, *, staff_id: str, request_id: str) -> RowMapping:
    """Any tenant's request, for staff (they resolve disputes across companies).

    Raises:
        Forbidden: `staff_id` is not a staff account.
        NotFound: No such request.
    """
    role = session.execute(select(User.role).where(User.id == staff_id)).scalar_one_or_none()
    if role != Role.admin:
        raise Forbidden("Only staff may read any request")
    checked_id(request_id, "Request")
    row = session.execute(select(REQUESTS).where(REQUESTS.c.id == request_id)).mappings().one_or_none()
    if row is None:
        raise NotFound(f"Request {request_id} not found")
    return row


def is_overdue(row: RowMapping) -> bool:
    """Whether a matching request has outlived its match window (the sweep will expire it)."""
    return rules.is_overdue(row, at=now())


def timeline(session: Session, request_id: str) -> list[RowMapping]:
    """The request's status history, oldest first."""
    return list(session.execute(TIMELINE_OF, {"request_id": request_id}).mappings())


@dataclass(frozen=True, slots=True)
class Page:
    """A page of requests, newest first."""

    rows: list[RowMapping]
    has_more: bool


def list_requests(session: Session, *, ctx: Reader, status: str | None = None, skill: str | None = None,
                  limit: int = 20, offset: int = 0, starting_after: str | None = None) -> Page:
    """List the caller's requests newest first, by offset or by keyset (`starting_after` an id)."""
    statement = select(REQUESTS).where(*_where(ctx))
    if status:
        statement = statement.where(REQUESTS.c.status == status)
    if skill:
        statement = statement.where(REQUESTS.c.skill == skill)
    columns = (REQUESTS.c.created_at, REQUESTS.c.id)
    anchor = None
    cursor = decode_cursor(starting_after)
    if cursor:
        row = get_request(session, ctx=ctx, request_id=cursor)
        anchor = (row["created_at"], row["id"])
    page = newest_first(session, statement, columns=columns, anchor=anchor, limit=limit, offset=offset)
    return Page(rows=page.rows, has_more=page.has_more)


def cancel_request(session: Session, *, ctx: Reader, request_id: str) -> RowMapping:
    """Cancel a request that no operator has started on and refund its escrow, exactly once.

    The rule is `rules.can_cancel` (the dashboard asks the same one): matching requests can
    always be cancelled; accepted ones only within `rules.CANCEL_GRACE` of acceptance.

    Raises:
        Forbidden: A dashboard member who may only read.
        NotFound: Not this project's request.
        InvalidState: Any other state (409 when a concurrent call changed it first).
    """
    require_may_act(ctx, "cancel requests")
    row = get_request(session, ctx=ctx, request_id=request_id)
    moment = now()
    refusal = rules.cancel_refusal(row, at=moment)
    if refusal is not None:
        raise refusal
    sources = [RequestStatus(row["status"])]
    moved = machine.transition(session, request_id=request_id, to=RequestStatus.cancelled, sources=sources,
                               actor=actor_of(ctx), values={"closed_at": moment},
                               note=f"cancelled by the {actor_of(ctx).type}", scope=scope_of(ctx))
    if moved["hold_id"]:
        ledger.void_hold(session, hold_id=moved["hold_id"], reason=f"Request {request_id} cancelled: escrow refunded")
    # An operator who had accepted sees the assignment end as cancelled in "my work".
    session.execute(update(ASSIGNMENTS).where(
        ASSIGNMENTS.c.request_id == request_id, ASSIGNMENTS.c.outcome == AssignmentOutcome.working,
    ).values(outcome=AssignmentOutcome.cancelled, ended_at=moment))
    return moved


def shown_status(row: RowMapping) -> str:
    """The status a reader sees: a matching request past its window is already `expired`."""
    return rules.shown_status(row, at=now())


def rate_request(session: Session, *, ctx: Reader, request_id: str, score: int, comment: str | None) -> None:
    """Rate a completed request once (score 1–5, optional comment of at most 500 characters).

    Raises:
        Forbidden: A dashboard member who may only read.
    """
    require_may_act(ctx, "rate requests")
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise ValidationFailed("score must be a whole number from 1 to 5")
    if comment is not None and len(comment) > MAX_COMMENT_LENGTH:
        raise ValidationFailed(f"comment must be at most {MAX_COMMENT_LENGTH} characters")
    checked_id(request_id, "Request")
    rated = session.execute(update(REQUESTS).where(
        REQUESTS.c.id == request_id, *_where(ctx),
        REQUESTS.c.status == RequestStatus.completed, REQUESTS.c.rating.is_(None),
    ).values(rating=score, rating_comment=comment)).rowcount
    if rated == 1:
        return
    row = get_request(session, ctx=ctx, request_id=request_id)
    if row["rating"] is not None:
        raise StateConflict(f"Request {request_id} has already been rated")
    raise InvalidState(f"Request {request_id} is {row['status']}; only completed requests can be rated")
