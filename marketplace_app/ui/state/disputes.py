"""How every dashboard words a dispute: status, tier, rulings, money, deadline and history.

The company, operator and staff pages all show a dispute through `dispute_fields`, which
reads its history and returns plain strings, so the pages never hold a database row.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import reflex as rx
from sqlmodel import Session

from marketplace_app.core import wording
from marketplace_app.core.clock import now
from marketplace_app.core.money import parse_money
from marketplace_app.core.validation import validated
from marketplace_app.disputes import outlook, queries, rules, views
from marketplace_app.disputes import service as disputes
from marketplace_app.disputes.models import DisputeStatus, Party
from marketplace_app.disputes.schemas import ReasonIn
from marketplace_app.settings import get_settings
from marketplace_app.ui.components.status import BADGES
from marketplace_app.ui.state.display import NEVER, money, skill, time_left, when

TIER_NAMES = {0: "automated triage", 1: "peer jury", 2: "specialist", 3: "board"}
STATUS_WORDS = {status: words for status, (_colour, words) in BADGES["dispute"].items()}
RULING_WORDS = {"for_company": "for the company", "for_operator": "for the operator", "split": "split"}
RESOLUTION_WORDS = {"dismissed": "dismissed: the operator keeps the reward", "full_refund": "full refund",
                    "split": "split refund"}
DEADLINE_WORDS = {"awaiting_appeal": "Appeal window closes", "jury_review": "Jury votes due",
                  "specialist_review": "Specialist rules by", "board_review": "Board rules by"}
STEP_WORDS = {"opened": "Opened", "ruling": "Ruling", "escalation": "Escalated", "offer": "Settlement offer",
              "settled": "Settlement accepted", "statement": "Operator's statement", "resolved": "Resolved",
              "small_claims": "Small claim", "jurors_replaced": "Jurors replaced"}
ACTOR_WORDS = {"company": "company", "operator": "operator", "system": "Handoff", "staff": "staff"}
MAX_REASON_CHARACTERS = disputes.MAX_REASON_LENGTH
MAX_COMMENT_CHARACTERS = disputes.MAX_COMMENT_LENGTH


class AppealCounter(rx.State, mixin=True):
    """The appeal form's character counter, which the dispute-actions component reads on both
    parties' pages (`appeal_length`, `count_appeal`)."""

    appeal_length: int = 0

    @rx.event
    def count_appeal(self, text: str):
        """The appeal's length, for the counter."""
        self.appeal_length = len(text)


def dispute_window() -> str:
    """How long after completion a company may dispute, worded from its setting."""
    return wording.hours(get_settings().dispute_window_hours)


def appeal_window() -> str:
    """How long a ruling awaits appeal, worded from its setting."""
    return wording.hours(get_settings().appeal_window_hours)


def operator_disputes_intro() -> str:
    """The operator's disputes page, under its title."""
    return f"Companies may dispute a result within {dispute_window()}. Give your side, appeal a ruling, or settle."


def company_disputes_empty() -> str:
    """The company's disputes page when there are none."""
    return f"Open a dispute from a completed request's page within {dispute_window()} of its completion."


def jury_intro() -> str:
    """The juror's inbox, under its title."""
    return (f"{wording.number_word(get_settings().jury_size)} operators judge each appealed dispute. Read the case "
            "and vote for the side that is right; your vote is final and independent.")


def appealable_ruling() -> str:
    """What staff read before a ruling that is not final, and after making it."""
    return f"Either party may appeal your ruling to the board within {appeal_window()}."


def tier_label(tier: int) -> str:
    """"Tier 1 · peer jury"."""
    return f"Tier {tier} · {TIER_NAMES.get(tier, 'unknown')}"


def ruling_words(ruling: str | None) -> str:
    """A ruling in words ("for the company"), or empty."""
    return RULING_WORDS.get(ruling or "", ruling or "")


@dataclasses.dataclass
class DisputeSummary:
    """One dispute's own fields, worded for people; an empty `id` means there is no dispute.

    `small_claims` when it was opened as a small claim, `open` until it is resolved,
    `awaiting_appeal` while a ruling may still be appealed, `next_step` in the viewer's words.
    """

    id: str = ""
    request_id: str = ""
    status: str = ""
    status_words: str = ""
    tier: str = ""
    skill: str = ""
    price: str = ""
    reason: str = ""
    operator_statement: str = ""
    ai_ruling: str = ""
    ai_reasoning: str = ""
    jury_result: str = ""
    ruling: str = ""
    ruling_refund: str = ""
    ruling_refund_words: str = ""
    resolution: str = ""
    refund: str = ""
    refund_words: str = ""
    deadline_label: str = ""
    deadline: str = ""
    time_left: str = ""
    offer: str = ""
    offer_by: str = ""
    opened: str = ""
    resolved: str = ""
    small_claims: bool = False
    open: bool = False
    awaiting_appeal: bool = False
    next_step: str = ""


@dataclasses.dataclass
class ListedDispute(DisputeSummary):
    """A dispute in a list: its summary, the headline of the request it is about, and the refund
    the list's column shows (made, else ruled, else a dash)."""

    title: str = ""
    shown_refund: str = ""


def dispute_fields(session: Session, row: Mapping[str, Any], *, viewer: Party = Party.staff) -> dict[str, Any]:
    """One dispute as `viewer` sees it: `dispute` (a `DisputeSummary`, with what happens next in the
    viewer's words), `rulings` and `history` (lists of strings)."""
    steps = queries.history(session, row["id"])
    shown = dataclasses.replace(summary(row), next_step=outlook.for_viewer(session, row, viewer=viewer))
    return {"dispute": shown, "rulings": rulings(steps), "history": history(steps)}


def listed(row: Mapping[str, Any], *, title: str) -> ListedDispute:
    """One dispute as a list shows it, under `title`."""
    fields = dataclasses.asdict(summary(row))
    return ListedDispute(**fields, title=title,
                         shown_refund=fields["refund"] or fields["ruling_refund"] or "—")


def summary(row: Mapping[str, Any]) -> DisputeSummary:
    """The dispute's own fields, worded for people."""
    status = row["status"]
    resolved = status == DisputeStatus.resolved
    deadline = row["deadline_at"]
    left = time_left(deadline) if deadline and not resolved else ""
    return DisputeSummary(
        id=row["id"], request_id=row["request_id"], status=status,
        status_words=STATUS_WORDS.get(status, status), tier=tier_label(row["current_tier"]),
        skill=skill(row["skill"]), price=money(row["price_cents"]),
        reason=row["reason"], operator_statement=row["operator_statement"] or "",
        ai_ruling=ruling_words(row["ai_ruling"]), ai_reasoning=row["ai_ruling_reasoning"] or "",
        jury_result=ruling_words(row["jury_result"]), ruling=ruling_words(row["ruling"]),
        ruling_refund=_money_or_empty(row["ruling_refund_cents"]),
        ruling_refund_words=views.refund_words(row["ruling_refund_cents"]),
        resolution=RESOLUTION_WORDS.get(row["resolution"] or "", ""),
        refund=_money_or_empty(row["refund_cents"]) if resolved else "",
        refund_words=views.refund_words(row["refund_cents"]) if resolved else "",
        deadline_label=DEADLINE_WORDS.get(status, "Deadline"), deadline=when(deadline) if left else "",
        time_left=left, offer="" if row["offer_cents"] is None else money(row["offer_cents"]),
        offer_by=row["offer_by"] or "", opened=when(row["created_at"]), resolved=when(row["resolved_at"]),
        small_claims=bool(row["small_claims"]), open=not resolved,
        # Either party may appeal alike; the service's rule says whether a ruling still awaits one.
        awaiting_appeal=rules.can_appeal(row, Party.company, at=now()),
    )


def rulings(steps: list[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Every ruling so far, oldest first, with its reasoning."""
    return [{"tier": tier_label(step["from_tier"] or 0), "ruling": ruling_words(step["ruling"]),
             "refund": views.refund_words(step["refund_cents"]), "reasoning": step["text"] or "",
             "by": ACTOR_WORDS.get(step["actor_type"], step["actor_type"]), "at": when(step["created_at"])}
            for step in steps if step["kind"] == "ruling"]


def history(steps: list[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Every step (opened, rulings, escalations, offers, resolution), oldest first."""
    return [{"kind": STEP_WORDS.get(step["kind"], step["kind"].replace("_", " ")),
             "actor": ACTOR_WORDS.get(step["actor_type"], step["actor_type"]),
             "tiers": _tiers(step), "text": step["text"] or "", "at": when(step["created_at"])}
            for step in steps]


def _tiers(step: Mapping[str, Any]) -> str:
    if step["kind"] == "escalation":
        return f"tier {step['from_tier']} → tier {step['to_tier']}"
    return f"tier {step['from_tier']}" if step["from_tier"] is not None else ""


def _money_or_empty(cents: int | None) -> str:
    return "" if cents is None else money(cents)


def form_reason(form: Mapping[str, Any], field: str = "reason") -> str:
    """A reason typed in a dispute form, through the API's own schema (`ReasonIn`).

    Raises:
        ValidationFailed: The schema's first problem, in the API's words.
    """
    return validated(ReasonIn, {"reason": str(form.get(field) or "").strip()}).reason


def parse_refund(text: object, *, field: str = "refund") -> int:
    """A refund typed by a person ("4", "4.50", "4,50 EUR") in cents; zero is allowed.

    Raises:
        ValidationFailed: Not an amount in the platform currency.
    """
    cleaned = str(text or "").strip().replace(",", ".").replace(" ", "")
    return parse_money(cleaned, currency=get_settings().currency, field=field)


__all__ = ["MAX_COMMENT_CHARACTERS", "MAX_REASON_CHARACTERS", "NEVER", "AppealCounter", "DisputeSummary",
           "ListedDispute", "dispute_fields", "form_reason", "listed", "parse_refund", "ruling_words", "tier_label"]
