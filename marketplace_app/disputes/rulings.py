"""Rulings and the resolution: a ruling either awaits appeal or, from the board, resolves; the
resolution moves the money once, in the caller's transaction (`money.settle`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import RowMapping
from sqlmodel import Session

from marketplace_app.agents import trust
from marketplace_app.core.clock import now
from marketplace_app.core.errors import ValidationFailed
from marketplace_app.disputes import money, writes
from marketplace_app.disputes.models import DisputeStatus, Party, Resolution, Ruling
from marketplace_app.requests import service as requests
from marketplace_app.settings import get_settings

FINAL_TIER = 3


def rule(session: Session, dispute: Mapping[str, Any], *, tier: int, ruling: Ruling, refund_cents: int | None,
         reasoning: str, actor_type: Party, actor_id: str | None, sources: Sequence[DisputeStatus],
         extra: Mapping[str, Any] | None = None) -> RowMapping:
    """Record a ruling at `tier`; the board's is final, any other awaits appeal."""
    refund = _refund_for(dispute, ruling, refund_cents)
    values = {"ruling": ruling, "ruling_refund_cents": refund, "current_tier": tier, **(extra or {})}
    writes.step(session, dispute["id"], "ruling", actor_type=actor_type, actor_id=actor_id, from_tier=tier,
                ruling=ruling, refund_cents=refund, text=reasoning)
    if tier >= FINAL_TIER:
        writes.move(session, dispute["id"], sources, values)
        writes.emit(session, writes.load(session, dispute["id"]), "dispute.ruling", tier=tier, ruling=str(ruling))
        return resolve(session, dispute_id=dispute["id"], resolution=resolution_for(ruling), refund_cents=refund,
                       sources=sources, note="board ruling (final)")
    deadline = now() + timedelta(hours=get_settings().appeal_window_hours)
    moved = writes.move(session, dispute["id"], sources, {**values, "status": DisputeStatus.awaiting_appeal,
                                                          "deadline_at": deadline})
    writes.emit(session, moved, "dispute.ruling", tier=tier, ruling=str(ruling))
    return moved


def _refund_for(dispute: Mapping[str, Any], ruling: Ruling, refund_cents: int | None) -> int:
    price = dispute["price_cents"]
    if ruling is Ruling.for_company:
        return price
    if ruling is Ruling.for_operator:
        return 0
    if not isinstance(refund_cents, int) or isinstance(refund_cents, bool) or not 0 < refund_cents < price:
        raise ValidationFailed(f"a split refunds more than 0 and less than {requests.money(price)}")
    return refund_cents


def resolution_for(ruling: Ruling | str) -> Resolution:
    """What a ruling resolves as when it becomes final."""
    return {Ruling.for_company: Resolution.full_refund, Ruling.for_operator: Resolution.dismissed,
            Ruling.split: Resolution.split}[Ruling(ruling)]


def resolve(session: Session, *, dispute_id: str, resolution: Resolution, refund_cents: int,
            sources: Sequence[DisputeStatus], note: str, conditions: Sequence[Any] = ()) -> RowMapping:
    """Resolve once and move the money in this transaction (a loser of a race gets `StateConflict`)."""
    values = {"status": DisputeStatus.resolved, "resolution": resolution, "refund_cents": refund_cents,
              "resolved_at": now(), "deadline_at": None}
    moved = writes.move(session, dispute_id, sources, values, conditions=conditions)
    # Before the money: every writer locks the agent's row before ledger accounts (no deadlock).
    trust.count_dispute_resolution(session, moved)
    money.settle(session, moved, resolution, refund_cents)
    writes.step(session, dispute_id, "resolved", actor_type=Party.system, ruling=None, refund_cents=refund_cents,
                text=f"{resolution}: {note}")
    writes.emit(session, moved, "dispute.resolved", resolution=str(resolution), refund_cents=refund_cents)
    return moved
