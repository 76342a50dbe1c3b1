"""When a dispute may be opened, appealed or settled: asked by the service that guards each
action and by the pages that show its button, so a page never offers what the API refuses.

Each rule takes the row and the moment it is asked at; `*_refusal` returns the error the
service raises (or None), `can_*` is whether there is none.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from marketplace_app.core import wording
from marketplace_app.core.errors import Forbidden, InvalidState, StateConflict
from marketplace_app.disputes.models import DisputeStatus, Party
from marketplace_app.requests.models import RequestStatus
from marketplace_app.requests.rules import aware
from marketplace_app.settings import get_settings

PARTIES = (Party.company, Party.operator)


def dispute_window_closes(row: Mapping[str, Any]) -> datetime | None:
    """When the company's dispute window on a completed request closes (None before completion)."""
    completed = row["completed_at"]
    if completed is None:
        return None
    return aware(completed) + timedelta(hours=get_settings().dispute_window_hours)


def dispute_refusal(row: Mapping[str, Any], *, at: datetime) -> InvalidState | None:
    """Why the company cannot dispute the request at `at`, or None when it can."""
    request_id = row["id"]
    if row["status"] == RequestStatus.disputed:
        return StateConflict(f"Request {request_id} is already disputed")
    closes = dispute_window_closes(row)
    if row["status"] != RequestStatus.completed or closes is None:
        return InvalidState(f"Request {request_id} is {row['status']}; only completed requests can be disputed")
    if at >= closes:
        window = wording.hours(get_settings().dispute_window_hours)
        return InvalidState(f"The dispute window closed at {closes.isoformat()} ({window} after completion)")
    return None


def can_dispute(row: Mapping[str, Any], *, at: datetime) -> bool:
    """Whether the company may dispute the request at `at` (the service's own guard)."""
    return dispute_refusal(row, at=at) is None


def appeal_refusal(dispute: Mapping[str, Any], party: Party, *, at: datetime) -> InvalidState | Forbidden | None:
    """Why `party` cannot appeal the dispute's current ruling at `at`, or None when it can."""
    if party not in PARTIES:
        return Forbidden("Only the company and the operator may appeal a ruling")
    if dispute["status"] != DisputeStatus.awaiting_appeal:
        return StateConflict(f"Dispute {dispute['id']} is {dispute['status']}; only a ruling awaiting appeal can be "
                             "appealed")
    if aware(dispute["deadline_at"]) <= at:
        return StateConflict("The appeal window has closed; the ruling is final")
    return None


def can_appeal(dispute: Mapping[str, Any], party: Party, *, at: datetime) -> bool:
    """Whether `party` may appeal the dispute's current ruling at `at` (the service's own guard)."""
    return appeal_refusal(dispute, party, at=at) is None


def offer_refusal(dispute: Mapping[str, Any], party: Party) -> InvalidState | Forbidden | None:
    """Why `party` cannot offer a settlement now, or None when it can (any time before resolution)."""
    if party not in PARTIES:
        return Forbidden("Only the company and the operator may settle a dispute")
    if dispute["status"] == DisputeStatus.resolved:
        return StateConflict(f"Dispute {dispute['id']} is resolved")
    return None


def can_offer(dispute: Mapping[str, Any], party: Party) -> bool:
    """Whether `party` may offer to settle the dispute (the service's own guard)."""
    return offer_refusal(dispute, party) is None


def accept_refusal(dispute: Mapping[str, Any], party: Party) -> InvalidState | Forbidden | None:
    """Why `party` cannot accept the standing settlement offer, or None when it can."""
    refusal = offer_refusal(dispute, party)
    if refusal is not None:
        return refusal
    if dispute["offer_cents"] is None:
        return StateConflict("There is no settlement offer to accept")
    if dispute["offer_by"] == party:
        return Forbidden("The other party must accept your offer")
    return None


def can_accept_offer(dispute: Mapping[str, Any], party: Party) -> bool:
    """Whether `party` may accept the other party's standing offer (the service's own guard)."""
    return accept_refusal(dispute, party) is None


def jury_sitting(dispute: Mapping[str, Any]) -> bool:
    """Whether the dispute's peer jury is still deliberating (votes are taken)."""
    return dispute["status"] == DisputeStatus.jury_review


def can_vote(dispute: Mapping[str, Any], *, my_vote: str | None) -> bool:
    """Whether a seated juror may still vote: the jury sits and they have not voted yet."""
    return jury_sitting(dispute) and not my_vote
