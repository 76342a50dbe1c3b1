"""An agent's trust: a score from 0 to 100 computed from what it did, its tier, and its history.

`score(inputs)` is a pure function of a few counts (`TrustInputs`); `recompute()` reads them from
the agent's row — counters the writers of the outcomes keep in their own transaction (`count_*`
below), so a recompute reads one row, never the agent's history — and writes the new score, its
tier and a `TrustChange` row only when the score moved. Only live mode counts: test mode is free
and its operator simulated, so it must not buy trust.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from marketplace_app import fees
from marketplace_app.agents.models import Agent, AgentStatus, TrustChange, TrustTier
from marketplace_app.core.clock import now
from marketplace_app.requests.models import RequestStatus
from marketplace_app.settings import get_settings

AGENTS = Agent.__table__
MAX_SCORE = 100
BATCH_SIZE = 500  # agents recomputed per `refresh_agent_trust` transaction
# The request outcomes the formula counts, and the agent column counting each.
REQUEST_OUTCOMES = {RequestStatus.completed: "completed_count", RequestStatus.cancelled: "cancelled_count"}
# A resolution decided for the buyer (a full refund) is a dispute it won; one dismissed, a dispute it
# lost; a split decides for neither side and counts as neither.
DISPUTE_OUTCOMES = {"full_refund": "disputes_won", "dismissed": "disputes_lost"}


@dataclass(frozen=True, slots=True)
class TrustInputs:
    """What the score is computed from; every count is zero or more.

    Attributes:
        completed: Work completed: live requests completed as buyer (jobs sold, next issue).
        ratings_count: Ratings received (none exist for agents until jobs, next issue).
        ratings_total: The sum of their stars, 1 to 5 each.
        disputes_won: Disputes resolved for the agent (a full refund to it as buyer).
        disputes_lost: Disputes resolved against it (dismissed).
        cancellations: Live requests it cancelled.
        age_days: Whole days since activation.
    """

    completed: int = 0
    ratings_count: int = 0
    ratings_total: int = 0
    disputes_won: int = 0
    disputes_lost: int = 0
    cancellations: int = 0
    age_days: int = 0


def score(inputs: TrustInputs) -> int:
    """The trust score of `inputs`, 0 to 100, each term a setting (`agent_trust_<name>`; the defaults
    in the table of docs/AGENTS.md):

    base
    + points_per_completed per completed piece of work, at most completed_max_points
    + ratings: (average stars − 3) / 2 × rating_max_points, weighted by
      min(count, rating_full_weight_count) / rating_full_weight_count (truncated toward zero; none → 0)
    + points_per_dispute_won per dispute won, at most disputes_won_max_points
    − points_per_dispute_lost per dispute lost (no floor but the total's)
    − points_per_cancellation per cancellation, at most cancellations_max_points
    + 1 per days_per_age_point days since activation, at most age_max_points
    then clamped to 0–100.
    """
    settings = get_settings()
    total = (settings.agent_trust_base
             + min(inputs.completed * settings.agent_trust_points_per_completed,
                   settings.agent_trust_completed_max_points)
             + _rating_points(inputs.ratings_count, inputs.ratings_total)
             + min(inputs.disputes_won * settings.agent_trust_points_per_dispute_won,
                   settings.agent_trust_disputes_won_max_points)
             - inputs.disputes_lost * settings.agent_trust_points_per_dispute_lost
             - min(inputs.cancellations * settings.agent_trust_points_per_cancellation,
                   settings.agent_trust_cancellations_max_points)
             + min(inputs.age_days // settings.agent_trust_days_per_age_point, settings.agent_trust_age_max_points))
    return max(0, min(MAX_SCORE, total))


def _rating_points(count: int, total: int) -> int:
    """(average − 3) / 2 of the maximum, weighted by how many ratings there are, in whole points."""
    if count <= 0:
        return 0
    settings = get_settings()
    average_stars = min(max(total / count, 1), 5)
    weight = min(count, settings.agent_trust_rating_full_weight_count) / settings.agent_trust_rating_full_weight_count
    return int((average_stars - 3) / 2 * settings.agent_trust_rating_max_points * weight)


def tier_for(trust_score: int) -> TrustTier:
    """The tier of a score: the highest whose floor (`agent_trust_tier_floors`) it reaches; else bronze."""
    floors = get_settings().agent_trust_tier_floors
    for tier in (TrustTier.platinum, TrustTier.gold, TrustTier.silver):
        if trust_score >= floors[tier]:
            return tier
    return TrustTier.bronze


def fee_for(agent: Agent | Mapping[str, Any], price_cents: int) -> fees.FeeQuote:
    """The agent-job fee on a sale of `price_cents` by `agent`, at its current tier."""
    tier = agent["trust_tier"] if isinstance(agent, Mapping) else agent.trust_tier
    return fees.agent_job_fee(price_cents, trust_tier=tier)


def inputs_of(agent: Mapping[str, Any], *, at: datetime) -> TrustInputs:
    """The inputs of an agent row (the counters its writers keep, and its age at `at`)."""
    since = agent["activated_at"]
    age_days = 0 if since is None else max(0, (at - _aware(since)).days)
    return TrustInputs(completed=agent["completed_count"], disputes_won=agent["disputes_won"],
                       disputes_lost=agent["disputes_lost"], cancellations=agent["cancelled_count"],
                       age_days=age_days)


def recompute(session: Session, agent_id: str, *, cause: str, subject_id: str | None = None,
              detail: str = "") -> int:
    """Compute the agent's score again; store it, its tier and a history row when it changed.

    Call it where a cause happens, in that transaction: `activated` (registration), the outcomes
    counted below, or anything else that may move the score. The agent's row is locked first, so
    two recomputes of one agent write their history one after the other.

    Args:
        session: The caller's unit of work.
        agent_id: The agent.
        cause: What happened (`activated`, `request_completed`, `dispute_lost`, …), 40 characters at most.
        subject_id: The request, job or dispute that caused it, if any.
        detail: A sentence for the owner's history, 300 characters at most.

    Returns:
        The score now.
    """
    row = session.execute(select(AGENTS).where(AGENTS.c.id == agent_id).with_for_update()).mappings().one()
    moment = now()
    new_score = score(inputs_of(row, at=moment))
    values: dict[str, Any] = {}
    due = age_due_at(row["activated_at"], at=moment)
    if due != _maybe_aware(row["trust_due_at"]):
        values["trust_due_at"] = due
    if new_score != row["trust_score"]:
        values.update(trust_score=new_score, trust_tier=tier_for(new_score))
        session.add(TrustChange(agent_id=agent_id, at=moment, score_before=row["trust_score"],
                                score_after=new_score, tier_after=values["trust_tier"], cause=cause[:40],
                                detail=detail[:300], subject_id=subject_id))
    if values:
        session.execute(update(AGENTS).where(AGENTS.c.id == agent_id).values(**values))
        session.flush()
    return new_score


def age_due_at(activated_at: datetime | None, *, at: datetime) -> datetime | None:
    """When the account-age term next earns a point after `at`; None if it cannot (not activated,
    or at its maximum already)."""
    if activated_at is None:
        return None
    settings = get_settings()
    step = timedelta(days=settings.agent_trust_days_per_age_point)
    earned = max(0, (at - _aware(activated_at)) // step)
    if earned >= settings.agent_trust_age_max_points:
        return None
    return _aware(activated_at) + (earned + 1) * step


def refresh_due(session: Session, *, limit: int | None = None) -> int:
    """Recompute active agents whose account age has earned a point (the `refresh_agent_trust`
    job, one batch); each one's next due time moves on, so a second run finds nothing."""
    due = (select(AGENTS.c.id).where(AGENTS.c.trust_due_at <= now(), AGENTS.c.status == AgentStatus.active)
           .order_by(AGENTS.c.trust_due_at).limit(limit or BATCH_SIZE))
    agent_ids = list(session.execute(due).scalars())
    for agent_id in agent_ids:
        recompute(session, agent_id, cause="account_age", detail="account age")
    return len(agent_ids)


def count_request_outcomes(session: Session, rows: Iterable[Mapping[str, Any]], *, to: RequestStatus) -> None:
    """Count live requests that just reached an outcome the formula reads, for their project's
    agent, and recompute its score (called by the status writer, `requests/status.py`).

    One indexed UPDATE per project (agent.project_id is unique) that is also the check whether the
    project is an agent's: a plain project's requests update nothing and read nothing more.
    Expiry and the opening of a dispute are not the agent's doing and count nothing; a dispute
    counts when it is resolved (`count_dispute_resolution`).
    """
    column = REQUEST_OUTCOMES.get(to)
    if column is None:
        return
    live = [row for row in rows if row["mode"] == "live"]
    per_project = Counter(row["project_id"] for row in live)
    subjects = {row["project_id"]: row["id"] for row in live}
    # Sorted: concurrent sweeps lock agents in one order, so they cannot deadlock.
    for project_id, count in sorted(per_project.items()):
        agent_id = _add_to_count(session, AGENTS.c.project_id == project_id, column, count)
        if agent_id is not None:
            recompute(session, agent_id, cause=f"request_{to}", subject_id=subjects[project_id] if count == 1 else None,
                      detail=f"{count} request{'s' if count > 1 else ''} {to}")


def count_dispute_resolution(session: Session, dispute: Mapping[str, Any]) -> None:
    """Count a live dispute just resolved for or against its buyer, if that is an agent, and
    recompute its score (called by `disputes/rulings.py` `resolve()`, the one resolver)."""
    column = DISPUTE_OUTCOMES.get(str(dispute["resolution"]))
    if column is None or dispute["mode"] != "live":
        return
    agent_id = _add_to_count(session, AGENTS.c.project_id == dispute["project_id"], column, 1)
    if agent_id is not None:
        cause = "dispute_won" if column == "disputes_won" else "dispute_lost"
        recompute(session, agent_id, cause=cause, subject_id=dispute["id"],
                  detail=f"dispute on request {dispute['request_id']} resolved: {dispute['resolution']}")


def _add_to_count(session: Session, where: Any, column: str, count: int) -> str | None:
    statement = update(AGENTS).where(where).values({column: AGENTS.c[column] + count}).returning(AGENTS.c.id)
    return session.execute(statement).scalar_one_or_none()


def _maybe_aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else _aware(moment)


def _aware(moment: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; every stored one is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
