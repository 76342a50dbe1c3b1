"""The dispute as the seed shows it, plus our additions (refund amount, money, offer, history)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from marketplace_app.companies.models import InformationPolicy, Project
from marketplace_app.core import wording
from marketplace_app.core.clock import isoformat
from marketplace_app.core.money import format_money
from marketplace_app.disputes.models import DisputeStatus
from marketplace_app.requests import visibility
from marketplace_app.requests.models import Request
from marketplace_app.settings import get_settings
from marketplace_app.uploads import links

ESCALATION_KINDS = frozenset({"escalation"})
JUROR_FILE_NOTICE = "The operator's proof as uploaded: the redaction applies to text, not to what a picture shows"
SANDBOXED_FILES_NOTICE = "Sandboxed: proof files are shown only to the company and staff"
NO_REFUND_WORDS = "no refund: the operator keeps the payment"


def appeal_instructions(request_id: str) -> str:
    """What an agent reads on a ruling that awaits appeal, with the window from settings."""
    window = wording.hours(get_settings().appeal_window_hours)
    return (f"The affected party may appeal within {window}: POST /v1/requests/{request_id}/dispute/appeal "
            "with a reason (the operator appeals from the dashboard). Without an appeal the ruling becomes final.")


def refund_words(refund_cents: int | None) -> str:
    """A ruling's or resolution's refund as a person reads it on a dispute panel: "refund 8.00 EUR
    to the company", or, for a ruling in the operator's favour, that nothing is refunded ("refund
    0.00 EUR" reads as a slip); empty when there is no refund to speak of yet."""
    if refund_cents is None:
        return ""
    if refund_cents == 0:
        return NO_REFUND_WORDS
    return f"refund {wording.money(refund_cents)} to the company"


def render(dispute: Mapping[str, Any], steps: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """`dispute_id`, `status`, `resolution`, `current_tier`, `ai_ruling`, `ai_ruling_reasoning`,
    `jury_result`, `refund_amount`, `escalation_history`, `appeal_instructions` and more."""
    currency = get_settings().currency
    refund = dispute["refund_cents"]
    awaiting = dispute["status"] == DisputeStatus.awaiting_appeal
    return {
        "dispute_id": dispute["id"], "request_id": dispute["request_id"], "status": dispute["status"],
        "resolution": dispute["resolution"], "current_tier": dispute["current_tier"],
        "ai_ruling": dispute["ai_ruling"], "ai_ruling_reasoning": dispute["ai_ruling_reasoning"],
        "jury_result": dispute["jury_result"], "ruling": dispute["ruling"],
        "ruling_refund_amount": _money(dispute["ruling_refund_cents"], currency),
        "refund_amount": _money(refund, currency), "refund_amount_cents": refund,
        "small_claims": dispute["small_claims"], "reason": dispute["reason"],
        "operator_statement": dispute["operator_statement"], "opened_by": dispute["opened_by"],
        "settlement_offer": None if dispute["offer_cents"] is None else {
            "refund_amount": _money(dispute["offer_cents"], currency), "refund_amount_cents": dispute["offer_cents"],
            "offered_by": dispute["offer_by"]},
        "deadline_at": isoformat(dispute["deadline_at"]),
        "escalation_history": [
            {"from_tier": step["from_tier"], "to_tier": step["to_tier"], "requested_by_type": step["actor_type"],
             "reason": step["text"], "created_at": isoformat(step["created_at"])}
            for step in steps if step["kind"] in ESCALATION_KINDS],
        "history": [{"kind": step["kind"], "actor_type": step["actor_type"], "tier": step["from_tier"],
                     "ruling": step["ruling"], "refund_amount": _money(step["refund_cents"], currency),
                     "text": step["text"], "created_at": isoformat(step["created_at"])} for step in steps],
        "appeal_instructions": appeal_instructions(dispute["request_id"]) if awaiting else None,
        "created_at": isoformat(dispute["created_at"]), "resolved_at": isoformat(dispute["resolved_at"]),
    }


def juror_case(session: Session, row: Mapping[str, Any], *, juror_id: str) -> dict[str, Any]:
    """What a juror sees: the brief under the request's information policy (a juror is never its
    assignee: redacted is masked, sandboxed withheld), the result and both statements masked the
    same way, the proof files through links issued to `juror_id`; never who the parties are."""
    request = session.execute(select(Request.__table__).where(Request.id == row["request_id"])).mappings().one()
    terms = session.execute(select(Project.redaction_terms).where(Project.id == row["project_id"])).scalar_one()
    brief = visibility.operator_view(request, assigned=False, terms=terms)
    mask = visibility.quoted_text_mask(request, assigned=False, terms=terms)
    result = request["result"] or {}
    return {"dispute_id": row["id"], "status": row["status"], "deadline_at": isoformat(row["deadline_at"]),
            "skill": row["skill"], "price": _money(row["price_cents"], get_settings().currency),
            **{name: brief[name] for name in visibility.AGENT_TEXT_FIELDS}, "notice": brief.get("notice"),
            "result": {**{key: _masked(result.get(key), mask) for key in ("answer", "confidence", "proof_notes")},
                       "files": _juror_files(session, request, mask, juror_id=juror_id)},
            "company_statement": _masked(row["reason"], mask),
            "operator_statement": _masked(row["operator_statement"], mask), "my_vote": row["my_vote"]}


def _juror_files(session: Session, request: Mapping[str, Any], mask: visibility.Mask, *,
                 juror_id: str) -> list[dict[str, Any]]:
    """The proof files with masked names. A picture cannot be masked, so each says it is the
    operator's proof as uploaded; under the sandboxed policy a juror sees none (only the count)."""
    upload_ids = [upload_id for upload_id in (request["result"] or {}).get("files") or []
                  if isinstance(upload_id, str)]
    if request["information_policy"] == InformationPolicy.sandboxed:
        return [{"withheld": True, "notice": SANDBOXED_FILES_NOTICE} for _ in upload_ids]
    entries = links.file_entries(session, upload_ids, request_id=request["id"],
                                 audience=links.audience("juror", juror_id), base_url=get_settings().api_url)
    return [{**entry, "name": mask(entry["name"]), "notice": JUROR_FILE_NOTICE} for entry in entries]


def _masked(text: str | None, mask: visibility.Mask) -> str | None:
    return None if text is None else mask(text)


def _money(cents: int | None, currency: str) -> str | None:
    return None if cents is None else format_money(cents, currency)
