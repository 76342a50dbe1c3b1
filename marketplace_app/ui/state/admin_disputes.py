"""Staff dispute queues: the specialist (tier 2) and the board (tier 3) read the case and rule.

A ruling goes through `disputes.staff_rule`; the readers here only join in what staff need
to recognise a case (company, operator, the request's brief and result) as plain strings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import reflex as rx
from sqlmodel import Session

from marketplace_app.catalogue import queries as catalogue
from marketplace_app.companies import queries as companies_queries
from marketplace_app.core.errors import HandoffError, ValidationFailed
from marketplace_app.disputes import queries
from marketplace_app.disputes import service as disputes
from marketplace_app.disputes.models import DisputeStatus, Ruling
from marketplace_app.identity import queries as identity
from marketplace_app.identity import staff
from marketplace_app.requests import queries as requests_queries
from marketplace_app.requests.queries import Brief
from marketplace_app.ui.state.admin_queues import StaffState
from marketplace_app.ui.state.base import role_page
from marketplace_app.ui.state.disputes import (
    MAX_REASON_CHARACTERS,
    STATUS_WORDS,
    DisputeSummary,
    appealable_ruling,
    dispute_fields,
    parse_refund,
)
from marketplace_app.ui.state.forms import clean_text

QUEUE_TIERS = (2, 3)
RULINGS = tuple(ruling.value for ruling in Ruling)


@dataclasses.dataclass
class StaffCase:
    """One dispute waiting for staff, with what they need to rule."""

    dispute: DisputeSummary = dataclasses.field(default_factory=DisputeSummary)
    rulings: list[dict[str, str]] = dataclasses.field(default_factory=list)
    history: list[dict[str, str]] = dataclasses.field(default_factory=list)
    company: str = ""
    operator: str = ""
    title: str = ""
    context: str = ""
    answer: str = ""


@dataclasses.dataclass
class RulingDialog:
    """The case the ruling dialog is open on (none when `id` is empty); `final` on the board's tier,
    whose ruling moves the money at once instead of awaiting appeal."""

    id: str = ""
    tier: str = ""
    price: str = ""
    final: bool = False


def ruling_dialog(dispute: DisputeSummary) -> RulingDialog:
    """The ruling dialog for one case."""
    return RulingDialog(id=dispute.id, tier=dispute.tier, price=dispute.price,
                        final=dispute.status == DisputeStatus.board_review)


def staff_queues(session: Session, *, staff_id: str) -> dict[str, Any]:
    """Both queues (soonest deadline first; the specialist one by this staff member's specialties),
    how many disputes wait elsewhere, by status, and the specialties with every skill to choose from."""
    queues = {tier: queries.staff_queue(session, tier=tier, staff_id=staff_id) for tier in QUEUE_TIERS}
    rows = [row for tier in QUEUE_TIERS for row in queues[tier]]
    companies = companies_queries.company_names(session, {row["company_id"] for row in rows})
    operators = identity.people(session, {row["operator_id"] for row in rows if row["operator_id"]})
    people = {user_id: person.email for user_id, person in operators.items()}
    briefs = requests_queries.briefs(session, {row["request_id"] for row in rows})
    counts = queries.open_count(session)
    return {
        "specialist": [_case(session, row, companies, people, briefs) for row in queues[2]],
        "board": [_case(session, row, companies, people, briefs) for row in queues[3]],
        "elsewhere": [{"status": STATUS_WORDS.get(status, status), "count": str(counts[status])}
                      for status in (DisputeStatus.ai_review, DisputeStatus.awaiting_appeal,
                                     DisputeStatus.jury_review) if counts.get(status)],
        "my_skills": staff.skills_of(session, staff_id),
        "skills": catalogue.active_skill_titles(session),
    }


def _case(session: Session, row: Mapping[str, Any], companies: Mapping[str, str], people: Mapping[str, str],
          briefs: Mapping[str, Brief]) -> StaffCase:
    shown = dispute_fields(session, row)
    brief = briefs.get(row["request_id"])
    result = (brief.result if brief is not None else None) or {}
    context = " ".join(str(brief.context if brief is not None else "").split())
    return StaffCase(
        dispute=shown["dispute"], rulings=shown["rulings"], history=shown["history"],
        company=companies.get(row["company_id"], ""), operator=people.get(row["operator_id"] or "", "—"),
        title=(brief.title if brief is not None else "") or context[:100], context=context,
        answer=str(result.get("answer") or ""))


def rule(session: Session, *, staff_id: str, dispute_id: str, ruling: str, refund_cents: int | None,
         reasoning: str) -> str:
    """Rule on a dispute in specialist or board review; returns its status afterwards."""
    return str(disputes.staff_rule(session, dispute_id=dispute_id, staff_id=staff_id, ruling=ruling,
                                   refund_cents=refund_cents, reasoning=reasoning)["status"])


class StaffDisputesState(StaffState):
    """The specialist and board queues and the ruling dialog."""

    specialist: list[StaffCase] = []
    board: list[StaffCase] = []
    elsewhere: list[dict[str, str]] = []
    loaded: bool = False
    ruling_for: RulingDialog = RulingDialog()
    ruling_choice: str = ""
    reasoning_length: int = 0
    ruling_error: str = ""
    my_skills: list[str] = []
    skills: list[dict[str, str]] = []

    @rx.event
    @role_page("admin")
    async def load(self):
        """Guard the page for staff, then read both queues."""
        await self._read()
        self.ruling_for, self.loaded = RulingDialog(), True
        return None

    async def _read(self) -> None:
        queues = await self._call(staff_queues, staff_id=await self._staff_id())
        self.specialist, self.board, self.elsewhere = queues["specialist"], queues["board"], queues["elsewhere"]
        self.my_skills, self.skills = queues["my_skills"], queues["skills"]

    @rx.event
    async def toggle_skill(self, name: str, checked: bool):
        """Add or drop one of your specialties; the specialist queue follows at once."""
        wanted = {*self.my_skills, name} if checked else set(self.my_skills) - {name}
        await self._call(staff.set_skills, staff_id=await self._staff_id(), skills=list(wanted))
        await self._read()
        return None

    @rx.event
    def start_ruling(self, dispute_id: str):
        """Open the ruling dialog for one case in either queue."""
        cases = [case.dispute for case in (*self.specialist, *self.board) if case.dispute.id == dispute_id]
        self.ruling_for = ruling_dialog(cases[0]) if cases else RulingDialog()
        self.ruling_choice, self.reasoning_length, self.ruling_error = "", 0, ""

    @rx.event
    def close_ruling(self, _open: bool = False):
        """Close the ruling dialog."""
        self.ruling_for, self.ruling_error = RulingDialog(), ""

    @rx.event
    def set_ruling_choice(self, value: str):
        """For the company, for the operator, or a split."""
        self.ruling_choice = value if value in RULINGS else ""

    @rx.event
    def count_reasoning(self, text: str):
        """The reasoning's length, for the counter."""
        self.reasoning_length = len(text)

    @rx.event
    async def rule(self, form: dict[str, Any]):
        """Rule on the open case with the choice, refund (for a split) and reasoning from the dialog."""
        try:
            if self.ruling_choice not in RULINGS:
                raise ValidationFailed("Choose a ruling: for the company, for the operator, or a split")
            refund = parse_refund(form.get("refund")) if self.ruling_choice == Ruling.split else None
            reasoning = clean_text(form.get("reasoning"), field="reasoning", maximum=MAX_REASON_CHARACTERS,
                                   multiline=True)
            staff_id = await self._staff_id()
            status = await self._call(rule, staff_id=staff_id, dispute_id=self.ruling_for.id,
                                      ruling=self.ruling_choice, refund_cents=refund, reasoning=reasoning)
        except HandoffError as exc:
            self.ruling_error = exc.message
            return None
        self.ruling_for = RulingDialog()
        await self._read()
        return rx.toast.success("Ruled: the dispute is resolved" if status == DisputeStatus.resolved else
                                f"Ruled. {appealable_ruling()}", close_button=True)

    @rx.event
    async def refresh(self):
        """Read both queues again."""
        await self._read()
        return None
