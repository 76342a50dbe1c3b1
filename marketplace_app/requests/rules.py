"""What a company may still do with one of its requests, asked by the service that guards the
action and by the page that shows the button, so the two can never disagree.

Each rule takes the request row and the moment it is asked at; `*_refusal` returns the error
the service raises (and the page may show), `can_*` is whether there is none.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from marketplace_app.core.errors import InvalidState
from marketplace_app.requests.models import RequestStatus

# An accepted request may still be cancelled this long after acceptance (before work has
# really started); later the operator's time is committed.
CANCEL_GRACE = timedelta(minutes=2)


def aware(moment: datetime) -> datetime:
    """`moment` as aware UTC (SQLite hands back naive values)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def is_overdue(row: Mapping[str, Any], *, at: datetime) -> bool:
    """Whether a matching request has outlived its match window at `at` (the sweep will expire it)."""
    deadline = row["match_deadline_at"]
    return row["status"] == RequestStatus.matching and deadline is not None and aware(deadline) <= at


def shown_status(row: Mapping[str, Any], *, at: datetime) -> str:
    """The status a reader sees at `at`: a matching request past its window is already `expired`."""
    return str(RequestStatus.expired if is_overdue(row, at=at) else row["status"])


def in_cancel_grace(row: Mapping[str, Any], *, at: datetime) -> bool:
    """Whether an accepted request is still within `CANCEL_GRACE` of its acceptance at `at`."""
    accepted = row["accepted_at"]
    return (row["status"] == RequestStatus.in_progress and accepted is not None
            and aware(accepted) > at - CANCEL_GRACE)


def cancel_refusal(row: Mapping[str, Any], *, at: datetime) -> InvalidState | None:
    """Why the request cannot be cancelled at `at`, or None when it can.

    Matching requests (within their match window) can always be cancelled; accepted ones only
    within `CANCEL_GRACE` of acceptance.
    """
    if in_cancel_grace(row, at=at):
        return None
    if row["status"] == RequestStatus.matching and not is_overdue(row, at=at):
        return None
    minutes = int(CANCEL_GRACE.total_seconds() // 60)
    return InvalidState(f"Request {row['id']} is {shown_status(row, at=at)}; only matching requests (or accepted "
                        f"ones within {minutes} minutes of acceptance) can be cancelled")


def can_cancel(row: Mapping[str, Any], *, at: datetime) -> bool:
    """Whether the company may cancel the request at `at` (the service's own guard)."""
    return cancel_refusal(row, at=at) is None


def can_rate(row: Mapping[str, Any]) -> bool:
    """Whether the company may still rate the request: completed and not rated yet."""
    return row["status"] == RequestStatus.completed and row["rating"] is None
