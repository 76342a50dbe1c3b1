"""Who is acting on a dispute, and which side of it they are on: the one place that answers
"is this caller the company or the operator of this dispute?" for every door.

An actor is an agent key (`KeyContext`), a dashboard member (`CompanyScope`, with their role),
an operator (`OperatorActor`) or staff (`StaffActor`). A dispute (or its request: both rows
carry the tenant, the mode and the operator) that is not the actor's is simply not found.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marketplace_app.companies.keys import KeyContext
from marketplace_app.core.errors import NotFound
from marketplace_app.disputes.models import Party
from marketplace_app.requests.service import CompanyScope, require_may_act


@dataclass(frozen=True, slots=True)
class OperatorActor:
    """A signed-in operator, acting on disputes about their own work."""

    user_id: str


@dataclass(frozen=True, slots=True)
class StaffActor:
    """A signed-in staff member: reads every dispute, rules through `staff_rule` (not as a party)."""

    user_id: str


Actor = KeyContext | CompanyScope | OperatorActor | StaffActor


def party_of(row: Mapping[str, Any], actor: Actor, *, acting: bool = True) -> Party:
    """The side `actor` is on in a dispute or its request; with `acting`, also whether they may act.

    Raises:
        NotFound: The dispute is not the actor's (another tenant's, another mode's, another operator's).
        Forbidden: `acting` and the actor is a company member who may only read.
    """
    if isinstance(actor, StaffActor):
        return Party.staff
    if isinstance(actor, OperatorActor):
        if row["operator_id"] != actor.user_id:
            raise _not_found(row)
        return Party.operator
    if not _company_sees(row, actor):
        raise _not_found(row)
    if acting:
        require_may_act(actor, "open, appeal or settle disputes")
    return Party.company


def actor_id(actor: Actor) -> str:
    """The id recorded in a dispute's history for this actor (the key for an agent)."""
    return actor.key_id if isinstance(actor, KeyContext) else actor.user_id


def _company_sees(row: Mapping[str, Any], actor: KeyContext | CompanyScope) -> bool:
    if row["mode"] != actor.mode:
        return False
    if isinstance(actor, KeyContext):
        return row["project_id"] == actor.project_id
    return row["company_id"] == actor.company_id and actor.project_id in (None, row["project_id"])


def _not_found(row: Mapping[str, Any]) -> NotFound:
    if "request_id" in row:
        return NotFound(f"Dispute {row['id']} not found")
    return NotFound(f"Request {row['id']} not found")
