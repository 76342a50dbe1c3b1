"""How requests look to agents (the seed's shapes plus additive extras). Plain dicts,
shared by the REST API, the inbound agent hook and MCP."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, func, select
from sqlmodel import Session

from marketplace_app.core.clock import isoformat
from marketplace_app.core.money import format_money
from marketplace_app.operators.models import OperatorProfile
from marketplace_app.requests import pricing
from marketplace_app.requests.models import URGENCY_SECONDS, Request, RequestStatus, Urgency
from marketplace_app.requests.schemas import format_duration
from marketplace_app.requests.service import shown_status
from marketplace_app.requests.simulator import SIMULATED_OPERATOR
from marketplace_app.settings import get_settings
from marketplace_app.uploads import links

REQUESTS = Request.__table__
AVAILABILITY_TTL_SECONDS = 10.0
# Built once: `GET /v1/requests/{id}` runs them for every request an operator has taken.
OPERATOR_PUBLIC_ID = select(OperatorProfile.public_id).where(OperatorProfile.user_id == bindparam("operator_id"))
OPERATOR_RECORD = select(func.count(), func.avg(REQUESTS.c.rating)).where(
    REQUESTS.c.operator_id == bindparam("operator_id"), REQUESTS.c.status == RequestStatus.completed)
_availability: dict[str, tuple[float, int]] = {}


def price(cents: int) -> str:
    """An amount in the wire format."""
    return format_money(cents, get_settings().currency)


def estimated_match_seconds(session: Session, *, skill: str, urgency: str) -> int:
    """Expected wait for an operator, from cached live availability (refreshed every 10 s)."""
    cached = _availability.get(skill)
    if cached is None or time.monotonic() - cached[0] > AVAILABILITY_TTL_SECONDS:
        cached = (time.monotonic(), pricing.available_operators(session, skill))
        _availability[skill] = cached
    share = pricing.match_share_percent(cached[1])
    return URGENCY_SECONDS[Urgency(urgency)] * share // 100


def created(row: Mapping[str, Any], *, match_seconds: int) -> dict[str, Any]:
    """The `201` body of `POST /v1/requests`."""
    return {
        "request_id": row["id"], "status": str(row["status"]),
        "estimated_match_time": pricing.format_seconds(match_seconds),
        "created_at": isoformat(row["created_at"]), "expires_at": isoformat(row["match_deadline_at"]),
        "mode": row["mode"], "skill": row["skill"], "urgency": row["urgency"],
        "max_price": price(row["max_price_cents"]), "max_price_cents": row["max_price_cents"],
        "fee": price(row["fee_cents"]), "fee_cents": row["fee_cents"], "currency": get_settings().currency,
        "information_policy": row["information_policy"],
    }


def summary(row: Mapping[str, Any]) -> dict[str, Any]:
    """One line of `GET /v1/requests`."""
    return {
        "request_id": row["id"], "status": shown_status(row), "skill": row["skill"], "urgency": row["urgency"],
        "duration": format_duration(row["duration_seconds"]), "title": row["title"],
        "max_price": price(row["max_price_cents"]), "max_price_cents": row["max_price_cents"],
        "mode": row["mode"], "created_at": isoformat(row["created_at"]),
        "completed_at": isoformat(row["completed_at"]),
    }


def detail(session: Session | Connection, row: Mapping[str, Any], timeline: Sequence[Mapping[str, Any]], *,
           audience: str, base_url: str | None = None) -> dict[str, Any]:
    """`GET /v1/requests/{id}`: the seed's shape with `human` and `result` when present, plus the timeline.

    `result.files` carries each proof file with a signed link issued to `audience` (the buyer who
    reads it), absolute under `base_url` (the API's public URL unless given).
    """
    body = summary(row)
    body.update({
        "context": row["context"], "location": row["location"], "deadline": isoformat(row["deadline"]),
        "proof_requirements": row["proof_requirements"], "output_schema": row["output_schema"],
        "callback_url": row["callback_url"], "information_policy": row["information_policy"],
        "fee": price(row["fee_cents"]), "fee_cents": row["fee_cents"], "currency": get_settings().currency,
        "expires_at": isoformat(row["match_deadline_at"]) if row["status"] == RequestStatus.matching else None,
        "accepted_at": isoformat(row["accepted_at"]), "rating": _rating(row),
        "timeline": [{"status": line["to_status"], "at": isoformat(line["created_at"]), "actor": line["actor_type"],
                      "note": line["note"]} for line in timeline],
    })
    human = _human(session, row)
    if human is not None:
        body["human"] = human
    if row["result"] is not None:
        body["result"] = with_file_links(session, row, audience=audience,
                                         base_url=base_url or get_settings().api_url)
    return body


def with_file_links(session: Session | Connection, row: Mapping[str, Any], *, audience: str,
                    base_url: str) -> dict[str, Any]:
    """The stored result with its upload ids replaced by files the reader can open (signed links)."""
    result = dict(row["result"])
    if "files" not in result:  # a simulated or hand-made result names no files: keep the seed's shape
        return result
    upload_ids = [upload_id for upload_id in result.get("files") or [] if isinstance(upload_id, str)]
    result["files"] = links.file_entries(session, upload_ids, request_id=row["id"], audience=audience,
                                         base_url=base_url)
    return result


def _rating(row: Mapping[str, Any]) -> dict[str, Any] | None:
    if row["rating"] is None:
        return None
    return {"score": row["rating"], "comment": row["rating_comment"]}


def _human(session: Session | Connection, row: Mapping[str, Any]) -> dict[str, Any] | None:
    if row["mode"] == "test" and row["status"] != RequestStatus.matching and row["accepted_at"] is not None:
        return dict(SIMULATED_OPERATOR)
    if row["operator_id"] is None:
        return None
    operator = {"operator_id": row["operator_id"]}
    public_id = session.execute(OPERATOR_PUBLIC_ID, operator).scalar_one()
    completed, average = session.execute(OPERATOR_RECORD, operator).one()
    return {"id": public_id, "avg_response_quality": round(float(average), 1) if average is not None else None,
            "tasks_completed": completed}
