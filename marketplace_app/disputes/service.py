"""The dispute lifecycle. Every change is a conditional UPDATE on the dispute's status (so
concurrent callers cannot both win), written with its history step and its event in the
caller's transaction; a resolution moves the money in that same transaction, exactly once.

Tiers: 0 automated triage (instant) → 1 peer jury (`jury_size` verified uninvolved operators,
skilled ones first, `jury_vote_hours`) → 2 specialist (staff, `specialist_hours`) → 3 board (staff,
final, `board_business_days`). After a ruling at tiers 0–2 either party may appeal within
`appeal_window_hours`; otherwise the ruling becomes final (sweep). Every window is a setting, and
every message that names one words it from the setting (`core/wording.py`).

A ruling and the resolution are written by `rulings.py` (`resolve` is importable from here too);
the row's conditional update, history step and event by `writes.py`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import RowMapping, insert, select, update
from sqlmodel import Session

from marketplace_app.companies.access import checked_id
from marketplace_app.core import wording
from marketplace_app.core.clock import now
from marketplace_app.core.errors import Forbidden, InvalidState, NotFound, StateConflict, ValidationFailed
from marketplace_app.core.ids import new_id
from marketplace_app.disputes import jury, money, parties, rules
from marketplace_app.disputes.models import (
    DisputeJuror,
    DisputeStatus,
    JurorStatus,
    MoneyState,
    Party,
    Resolution,
    Ruling,
)
from marketplace_app.disputes.rulings import resolution_for as _resolution
from marketplace_app.disputes.rulings import resolve
from marketplace_app.disputes.rulings import rule as _rule
from marketplace_app.disputes.schemas import MAX_COMMENT_LENGTH, MAX_REASON_LENGTH
from marketplace_app.disputes.triage import current_triage
from marketplace_app.disputes.writes import DISPUTES
from marketplace_app.disputes.writes import emit as _emit
from marketplace_app.disputes.writes import load as _load
from marketplace_app.disputes.writes import move as _move
from marketplace_app.disputes.writes import step as _step
from marketplace_app.earnings.models import Earning, EarningStatus
from marketplace_app.identity import staff
from marketplace_app.requests import service as requests
from marketplace_app.requests import status as machine
from marketplace_app.requests.models import Request, RequestStatus
from marketplace_app.settings import get_settings

JURORS = DisputeJuror.__table__
REQUESTS = Request.__table__
EARNINGS = Earning.__table__
BATCH_SIZE = 200
OPEN = [s for s in DisputeStatus if s is not DisputeStatus.resolved]
REVIEW_STATUS = {1: DisputeStatus.jury_review, 2: DisputeStatus.specialist_review, 3: DisputeStatus.board_review}


# ---------------------------------------------------------------------------------------------- opening

def open_by_company(session: Session, *, ctx: requests.Reader, request_id: str, reason: object) -> RowMapping:
    """The company disputes a completed request within the dispute window after completion.

    Under the small-claims limit with a rating of 2 or less it is resolved at once with a 50 %
    refund; otherwise tier 0 rules at once and the ruling awaits appeal.

    Raises:
        Forbidden: A company member who may only read.
        ValidationFailed: `reason` is not 1 to 1,000 characters.
        NotFound: Not a request of this caller.
        InvalidState: Not completed, or the window has closed (`rules.can_dispute`).
        StateConflict: Already disputed (409).
    """
    requests.require_may_act(ctx, "open, appeal or settle disputes")
    text = _text(reason, "reason", MAX_REASON_LENGTH)
    row = requests.get_request(session, ctx=ctx, request_id=request_id)
    refusal = rules.dispute_refusal(row, at=now())
    if refusal is not None:
        raise refusal
    actor = requests.actor_of(ctx)
    moved = machine.transition(session, request_id=request_id, to=RequestStatus.disputed,
                               sources=[RequestStatus.completed], actor=actor, note="disputed by the company",
                               scope=requests.scope_of(ctx),
                               conditions=[REQUESTS.c.completed_at > now() - timedelta(
                                   hours=get_settings().dispute_window_hours)])
    posted = moved["mode"] == "live" and moved["hold_id"] is not None and moved["operator_id"] is not None
    if posted:
        session.execute(update(EARNINGS).where(EARNINGS.c.request_id == request_id,
                                               EARNINGS.c.status == EarningStatus.pending).values(frozen=True))
    dispute = _create(session, moved, reason=text, opened_by=Party.company,
                      money=MoneyState.posted if posted else MoneyState.none, actor_id=actor.id)
    small = get_settings().small_claims_limit_cents
    if moved["max_price_cents"] < small and moved["rating"] is not None and moved["rating"] <= 2:
        refund = money.small_claim_refund(moved["max_price_cents"])
        _step(session, dispute["id"], "small_claims", actor_type=Party.system, refund_cents=refund,
              text=f"Small claim: under {requests.money(small)} and rated {moved['rating']}/5, refunded 50 %")
        session.execute(update(DISPUTES).where(DISPUTES.c.id == dispute["id"]).values(small_claims=True))
        return resolve(session, dispute_id=dispute["id"], resolution=Resolution.split, refund_cents=refund,
                       sources=[DisputeStatus.ai_review], note="small claims")
    return _triage(session, dispute["id"])


def open_automatically(session: Session, *, request_row: Mapping[str, Any], reason: str, opened_by: Party,
                       actor_id: str | None = None) -> RowMapping:
    """Open the dispute of a request that has just become `disputed` with its escrow still held
    (verification below 50, or the company rejected the result), and rule at tier 0."""
    money = MoneyState.held if request_row["mode"] == "live" and request_row["hold_id"] else MoneyState.none
    dispute = _create(session, request_row, reason=reason[:MAX_REASON_LENGTH], opened_by=opened_by, money=money,
                      actor_id=actor_id)
    return _triage(session, dispute["id"])


def _create(session: Session, row: Mapping[str, Any], *, reason: str, opened_by: Party, money: MoneyState,
            actor_id: str | None) -> RowMapping:
    moment = now()
    dispute = session.execute(insert(DISPUTES).values(
        id=new_id("dis"), request_id=row["id"], company_id=row["company_id"], project_id=row["project_id"],
        operator_id=row["operator_id"], skill=row["skill"], mode=row["mode"], price_cents=row["max_price_cents"],
        fee_cents=row["fee_cents"], money_state=money, opened_by=opened_by, reason=reason,
        status=DisputeStatus.ai_review, current_tier=0, created_at=moment, updated_at=moment,
    ).returning(*DISPUTES.c)).mappings().one()
    _step(session, dispute["id"], "opened", actor_type=opened_by, actor_id=actor_id, to_tier=0, text=reason)
    _emit(session, dispute, "dispute.opened", reason=reason[:200])
    return dispute


def _triage(session: Session, dispute_id: str) -> RowMapping:
    dispute = _load(session, dispute_id)
    request = session.execute(select(REQUESTS).where(REQUESTS.c.id == dispute["request_id"])).mappings().one()
    ruled = current_triage().rule(request, dispute["reason"], dispute["operator_statement"])
    values = {"ai_ruling": ruled.ruling, "ai_ruling_reasoning": ruled.reasoning}
    return _rule(session, dispute, tier=0, ruling=ruled.ruling, refund_cents=None, reasoning=ruled.reasoning,
                 actor_type=Party.system, actor_id=None, sources=[DisputeStatus.ai_review], extra=values)


def appeal(session: Session, *, dispute_id: str, actor: parties.Actor, reason: object) -> RowMapping:
    """Either party appeals the current ruling within its window: the next tier takes it.

    Raises:
        NotFound: Not a dispute of this actor.
        Forbidden: A company member who may only read, or staff (not a party).
        StateConflict: No ruling awaits appeal, or its window has closed (`rules.can_appeal`, 409).
    """
    text = _text(reason, "reason", MAX_REASON_LENGTH)
    dispute = _load(session, dispute_id)
    party = parties.party_of(dispute, actor)
    refusal = rules.appeal_refusal(dispute, party, at=now())
    if refusal is not None:
        raise refusal
    tier = dispute["current_tier"] + 1
    moved = _escalate(session, dispute, to_tier=tier, by=party, actor_id=parties.actor_id(actor), reason=text,
                      sources=[DisputeStatus.awaiting_appeal],
                      conditions=[DISPUTES.c.deadline_at > now(), DISPUTES.c.current_tier == dispute["current_tier"]])
    _emit(session, moved, "dispute.appealed", by=str(party), to_tier=tier)
    return moved


def _escalate(session: Session, dispute: Mapping[str, Any], *, to_tier: int, by: Party, actor_id: str | None,
              reason: str, sources: Sequence[DisputeStatus], conditions: Sequence[Any] = ()) -> RowMapping:
    settings = get_settings()
    moment = now()
    deadlines = {1: moment + timedelta(hours=settings.jury_vote_hours),
                 2: moment + timedelta(hours=settings.specialist_hours),
                 3: add_business_days(moment, settings.board_business_days)}
    moved = _move(session, dispute["id"], sources, {"status": REVIEW_STATUS[to_tier], "current_tier": to_tier,
                                                     "deadline_at": deadlines[to_tier], "offer_cents": None,
                                                     "offer_by": None}, conditions=conditions)
    _step(session, dispute["id"], "escalation", actor_type=by, actor_id=actor_id,
          from_tier=dispute["current_tier"], to_tier=to_tier, text=reason)
    if to_tier == 1 and jury.seat(session, moved, settings.jury_size) < settings.jury_size:
        # Fewer verified uninvolved operators than seats, skilled or not: a specialist takes it instead.
        return _escalate(session, moved, to_tier=2, by=Party.system, actor_id=None, sources=[DisputeStatus.jury_review],
                         reason=f"fewer than {settings.jury_size} verified operators uninvolved in the request")
    return moved


def add_business_days(start: datetime, days: int) -> datetime:
    """`start` plus `days` weekdays (Saturday and Sunday do not count)."""
    moment, left = start, days
    while left > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment


# ---------------------------------------------------------------------------------------------- jury

def vote(session: Session, *, dispute_id: str, juror_id: str, vote_for: object, comment: object = None) -> RowMapping:
    """A seated juror votes once (`for_company` or `for_operator`); the third vote rules by majority."""
    if vote_for not in (Ruling.for_company, Ruling.for_operator):
        raise ValidationFailed("vote must be for_company or for_operator")
    note = None if comment in (None, "") else _text(comment, "comment", MAX_COMMENT_LENGTH)
    checked_id(dispute_id, "Dispute")
    # Lock the dispute first: concurrent last votes must count each other (else no one rules), and
    # a vote must not interleave with the deadline sweep replacing jurors (PostgreSQL; SQLite
    # writers are serialised by BEGIN IMMEDIATE already).
    dispute = _load(session, dispute_id, lock=True)
    seat = session.execute(select(JURORS).where(JURORS.c.dispute_id == dispute_id, JURORS.c.juror_id == juror_id,
                                                JURORS.c.status == JurorStatus.active)).mappings().one_or_none()
    if seat is None:
        raise NotFound(f"Dispute {dispute_id} not found in your jury duty")
    if not rules.jury_sitting(dispute):
        raise StateConflict(f"Dispute {dispute_id} is {dispute['status']}; the jury has finished")
    voted = session.execute(update(JURORS).where(JURORS.c.id == seat["id"], JURORS.c.vote.is_(None),
                                                 JURORS.c.status == JurorStatus.active).values(
        vote=Ruling(vote_for), comment=note, voted_at=now())).rowcount
    if voted != 1:
        raise StateConflict("You have already voted on this dispute")
    jurors = jury.active(session, dispute_id)
    votes = [juror["vote"] for juror in jurors if juror["vote"]]
    if len(votes) < get_settings().jury_size:
        return _load(session, dispute_id)
    return _jury_rules(session, dispute, votes)


def _jury_rules(session: Session, dispute: Mapping[str, Any], votes: list[str]) -> RowMapping:
    company = votes.count(Ruling.for_company)
    ruling = Ruling.for_company if company * 2 > len(votes) else Ruling.for_operator
    reasoning = f"Peer jury: {company} for the company, {len(votes) - company} for the operator"
    return _rule(session, dispute, tier=1, ruling=ruling, refund_cents=None, reasoning=reasoning,
                 actor_type=Party.system, actor_id=None, sources=[DisputeStatus.jury_review],
                 extra={"jury_result": ruling})


# ---------------------------------------------------------------------------------------------- staff

def staff_rule(session: Session, *, dispute_id: str, staff_id: str, ruling: object, refund_cents: object = None,
               reasoning: object = None) -> RowMapping:
    """A specialist (tier 2) or the board (tier 3, final) rules: for one side, or a split by amount."""
    try:
        chosen = Ruling(ruling)
    except ValueError:
        raise ValidationFailed("ruling must be for_company, for_operator or split") from None
    text = _text(reasoning, "reasoning", MAX_REASON_LENGTH)
    checked_id(dispute_id, "Dispute")
    dispute = _load(session, dispute_id)
    if dispute["status"] not in (DisputeStatus.specialist_review, DisputeStatus.board_review):
        raise StateConflict(f"Dispute {dispute_id} is {dispute['status']}; staff rule in specialist or board review")
    if dispute["status"] == DisputeStatus.specialist_review and not staff.may_rule_as_specialist(
            session, staff_id=staff_id, skill=dispute["skill"]):
        raise Forbidden(f"Dispute {dispute_id} is for a specialist in {dispute['skill']}")
    return _rule(session, dispute, tier=dispute["current_tier"], ruling=chosen,
                 refund_cents=refund_cents if chosen is Ruling.split else None, reasoning=text,
                 actor_type=Party.staff, actor_id=staff_id, sources=[DisputeStatus(dispute["status"])])


# ---------------------------------------------------------------------------------------------- settlement

def propose_settlement(session: Session, *, dispute_id: str, actor: parties.Actor,
                       refund_cents: object) -> RowMapping:
    """Offer to settle for a refund of `refund_cents` to the company (0 to the full price).

    Raises:
        NotFound: Not a dispute of this actor.
        Forbidden: A company member who may only read, or staff (not a party).
        ValidationFailed: The refund is not from 0 to the price.
        StateConflict: The dispute is resolved (`rules.can_offer`, 409).
    """
    dispute = _load(session, dispute_id)
    party = parties.party_of(dispute, actor)
    price = dispute["price_cents"]
    if not isinstance(refund_cents, int) or isinstance(refund_cents, bool) or not 0 <= refund_cents <= price:
        raise ValidationFailed(f"refund must be from 0.00 to {requests.money(price)}")
    refusal = rules.offer_refusal(dispute, party)
    if refusal is not None:
        raise refusal
    moved = _move(session, dispute_id, OPEN, {"offer_cents": refund_cents, "offer_by": party})
    _step(session, dispute_id, "offer", actor_type=party, actor_id=parties.actor_id(actor), refund_cents=refund_cents,
          text=f"offers to settle for a refund of {requests.money(refund_cents)}")
    return moved


def accept_settlement(session: Session, *, dispute_id: str, actor: parties.Actor,
                      refund_cents: object) -> RowMapping:
    """The other party accepts the standing offer (its amount must match): resolved, no more tiers.

    Raises:
        NotFound: Not a dispute of this actor.
        Forbidden: A read-only member, staff, or the party who made the offer (`rules.can_accept_offer`).
        StateConflict: Resolved, no offer, or the offer changed since it was read (409).
    """
    dispute = _load(session, dispute_id)
    party = parties.party_of(dispute, actor)
    refusal = rules.accept_refusal(dispute, party)
    if refusal is not None:
        raise refusal
    if refund_cents != dispute["offer_cents"]:
        raise StateConflict("The offer has changed; read it again before accepting")
    amount = dispute["offer_cents"]
    resolution = (Resolution.dismissed if amount == 0 else
                  Resolution.full_refund if amount == dispute["price_cents"] else Resolution.split)
    _step(session, dispute_id, "settled", actor_type=party, actor_id=parties.actor_id(actor), refund_cents=amount,
          text=f"accepted the offer of a refund of {requests.money(amount)}")
    return resolve(session, dispute_id=dispute_id, resolution=resolution, refund_cents=amount, sources=OPEN,
                   note="settled by the parties",
                   conditions=[DISPUTES.c.offer_cents == amount, DISPUTES.c.offer_by == dispute["offer_by"]])


def add_statement(session: Session, *, dispute_id: str, actor: parties.OperatorActor, statement: object) -> RowMapping:
    """The operator's side, shown to jurors and staff (replaces an earlier statement).

    Raises:
        NotFound: Not a dispute about this operator's work (or the actor is not an operator).
    """
    text = _text(statement, "statement", MAX_REASON_LENGTH)
    dispute = _load(session, dispute_id)
    if not isinstance(actor, parties.OperatorActor) or parties.party_of(dispute, actor) is not Party.operator:
        raise NotFound(f"Dispute {dispute_id} not found")
    moved = _move(session, dispute_id, OPEN, {"operator_statement": text})
    _step(session, dispute_id, "statement", actor_type=Party.operator, actor_id=actor.user_id, text=text)
    return moved


# ---------------------------------------------------------------------------------------------- timers

def sweep_due(session: Session, *, limit: int = BATCH_SIZE) -> int:
    """Act on every dispute whose deadline passed: finalize unappealed rulings, replace or
    escalate a late jury, escalate a silent specialist, finalize a silent board."""
    moment = now()
    due = session.execute(select(DISPUTES).where(DISPUTES.c.status.in_(OPEN), DISPUTES.c.deadline_at <= moment)
                          .order_by(DISPUTES.c.deadline_at).limit(limit)).mappings().all()
    for dispute in due:
        try:
            with session.begin_nested():
                _on_deadline(session, dispute)
        except InvalidState:
            continue  # someone else moved it first; the newer state wins
    return len(due)


def _on_deadline(session: Session, dispute: Mapping[str, Any]) -> None:
    status = DisputeStatus(dispute["status"])
    guard = [DISPUTES.c.deadline_at == dispute["deadline_at"]]
    settings = get_settings()
    if status is DisputeStatus.awaiting_appeal:
        resolve(session, dispute_id=dispute["id"], resolution=_resolution(dispute["ruling"]),
                refund_cents=dispute["ruling_refund_cents"], sources=[status],
                note=f"tier {dispute['current_tier']} ruling final: no appeal within "
                     f"{wording.hours(settings.appeal_window_hours)}", conditions=guard)
    elif status is DisputeStatus.jury_review:
        _late_jury(session, dispute, guard)
    elif status is DisputeStatus.specialist_review:
        _escalate(session, dispute, to_tier=3, by=Party.system, actor_id=None,
                  reason=f"the specialist did not rule within {wording.hours(settings.specialist_hours)}",
                  sources=[status], conditions=guard)
    elif status is DisputeStatus.board_review:
        resolve(session, dispute_id=dispute["id"], resolution=_resolution(dispute["ruling"] or Ruling.for_operator),
                refund_cents=dispute["ruling_refund_cents"] or 0, sources=[status],
                note=f"the board did not rule within {wording.business_days(settings.board_business_days)}: "
                     "the last ruling stands", conditions=guard)


def _late_jury(session: Session, dispute: Mapping[str, Any], guard: list[Any]) -> None:
    size = get_settings().jury_size
    if not dispute["jury_replaced"]:
        moved = _move(session, dispute["id"], [DisputeStatus.jury_review], {
            "jury_replaced": True, "deadline_at": now() + timedelta(hours=get_settings().jury_vote_hours)},
            conditions=guard)
        # Read the missing votes only once the dispute row is ours: a vote committed meanwhile counts.
        missing = [juror["id"] for juror in jury.active(session, dispute["id"]) if juror["vote"] is None]
        session.execute(update(JURORS).where(JURORS.c.id.in_(missing)).values(status=JurorStatus.replaced))
        if jury.seat(session, moved, size) == size:
            _step(session, dispute["id"], "jurors_replaced", actor_type=Party.system,
                  text=f"{len(missing)} juror(s) did not vote in "
                       f"{wording.hours(get_settings().jury_vote_hours)} and were replaced")
            return
        dispute = moved
        guard = [DISPUTES.c.deadline_at == moved["deadline_at"]]
    _escalate(session, dispute, to_tier=2, by=Party.system, actor_id=None,
              reason="the jury did not complete its vote", sources=[DisputeStatus.jury_review], conditions=guard)


def _text(value: object, name: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(f"{name} is required")
    if len(value) > limit:
        raise ValidationFailed(f"{name} must be at most {limit:,} characters")
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in value):
        raise ValidationFailed(f"{name} must not contain control characters")
    return value.strip()
