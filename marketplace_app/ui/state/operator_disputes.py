"""The operator's side of disputes: disputes about their work (statement, appeal, settlement)
and jury duty (read the case, vote once).

Reads run as the signed-in operator; writes re-read the session first (a sign-out elsewhere
ends them here too) and check the dispute is theirs before acting.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import reflex as rx
from sqlmodel import Session

from marketplace_app.core.clock import now
from marketplace_app.core.errors import HandoffError, NotFound, ValidationFailed
from marketplace_app.disputes import queries, rules, views
from marketplace_app.disputes import service as disputes
from marketplace_app.disputes.models import DisputeStatus, Party, Ruling
from marketplace_app.disputes.parties import OperatorActor
from marketplace_app.ui.state import live
from marketplace_app.ui.state.base import role_page
from marketplace_app.ui.state.display import skill, time_left, when, wire_money
from marketplace_app.ui.state.disputes import (
    MAX_COMMENT_CHARACTERS,
    AppealCounter,
    DisputeSummary,
    ListedDispute,
    dispute_fields,
    form_reason,
    listed,
    parse_refund,
    ruling_words,
)
from marketplace_app.ui.state.forms import clean_text
from marketplace_app.ui.state.operator import OperatorState
from marketplace_app.work import service as work

DISPUTE_EVENT_PREFIX = "dispute."
VOTES = (Ruling.for_company.value, Ruling.for_operator.value)


def my_disputes(session: Session, *, operator_id: str) -> list[ListedDispute]:
    """Disputes about the operator's work, newest first, with the request's title (or its brief)."""
    rows = queries.operator_disputes(session, operator_id=operator_id)
    briefs = work.briefs(session, operator_id=operator_id, request_ids=[row["request_id"] for row in rows])
    return [listed(row, title=headline(briefs.get(row["request_id"]), row["request_id"])) for row in rows]


def headline(brief: Mapping[str, Any] | None, request_id: str) -> str:
    """A request's title, else the start of its brief, else its id (when the policy withholds both)."""
    if brief is None:
        return request_id
    return brief["title"] or " ".join((brief["context"] or "").split())[:80] or request_id


def my_dispute(session: Session, *, operator_id: str, dispute_id: str) -> dict[str, Any]:
    """One dispute about the operator's work, with its rulings and history.

    Raises:
        NotFound: Not a dispute about this operator's work.
    """
    row = queries.for_operator(session, operator_id=operator_id, dispute_id=dispute_id)
    return {**dispute_fields(session, row, viewer=Party.operator), "offer_cents": row["offer_cents"],
            "can_appeal": rules.can_appeal(row, Party.operator, at=now()),
            "can_offer": rules.can_offer(row, Party.operator),
            "can_accept_offer": rules.can_accept_offer(row, Party.operator)}


def act(session: Session, *, operator_id: str, dispute_id: str, action: str, text: str = "",
        refund_cents: int | None = None) -> None:
    """Add a statement, appeal, offer or accept, on a dispute about the operator's own work (the
    dispute service finds it is theirs, or answers not found)."""
    actor = OperatorActor(operator_id)
    if action == "statement":
        disputes.add_statement(session, dispute_id=dispute_id, actor=actor, statement=text)
    elif action == "appeal":
        disputes.appeal(session, dispute_id=dispute_id, actor=actor, reason=text)
    elif action == "offer":
        disputes.propose_settlement(session, dispute_id=dispute_id, actor=actor, refund_cents=refund_cents)
    elif action == "accept":
        disputes.accept_settlement(session, dispute_id=dispute_id, actor=actor, refund_cents=refund_cents)
    else:
        raise ValidationFailed(f"unknown action {action}")


@dataclasses.dataclass
class JuryCase:
    """One case as a juror reads it: the brief, the result, both sides, and their own vote."""

    id: str = ""
    status: str = ""
    skill: str = ""
    price: str = ""
    deadline: str = ""
    time_left: str = ""
    context: str = ""
    proof_requirements: str = ""
    answer: str = ""
    confidence: str = ""
    proof_notes: str = ""
    company_statement: str = ""
    operator_statement: str = ""
    my_vote: str = ""
    my_vote_words: str = ""
    can_vote: bool = False


def jury_cases(session: Session, *, juror_id: str) -> list[JuryCase]:
    """The disputes this operator sits on, newest first, as a juror sees them (no party names)."""
    return [_case(views.juror_case(session, row, juror_id=juror_id))
            for row in queries.jury_duty(session, juror_id=juror_id)]


def _case(case: Mapping[str, Any]) -> JuryCase:
    result = case["result"]
    voting = case["status"] == DisputeStatus.jury_review
    return JuryCase(
        id=case["dispute_id"], status=case["status"], skill=skill(case["skill"]), price=wire_money(case["price"]),
        deadline=when(case["deadline_at"]) if voting else "",
        time_left=time_left(case["deadline_at"]) if voting else "",
        context=case["context"] or case["notice"] or "",
        proof_requirements=", ".join(case["proof_requirements"] or []),
        answer=result.get("answer") or "", confidence=result.get("confidence") or "",
        proof_notes=result.get("proof_notes") or "", company_statement=case["company_statement"] or "",
        operator_statement=case["operator_statement"] or "", my_vote=case["my_vote"] or "",
        my_vote_words=ruling_words(case["my_vote"]),
        can_vote=rules.can_vote(case, my_vote=case["my_vote"]),
    )


def cast_vote(session: Session, *, juror_id: str, dispute_id: str, vote_for: str, comment: str) -> str:
    """Vote once; returns the dispute's status afterwards (the third vote rules)."""
    return str(disputes.vote(session, dispute_id=dispute_id, juror_id=juror_id, vote_for=vote_for,
                             comment=comment or None)["status"])


class OperatorDisputesState(AppealCounter, live.LiveUpdates, OperatorState):
    """Disputes about the operator's work; one is opened at a time with its actions."""

    items: list[ListedDispute] = []
    selected_id: str = ""
    dispute: DisputeSummary = DisputeSummary()
    rulings: list[dict[str, str]] = []
    history: list[dict[str, str]] = []
    loaded: bool = False
    can_appeal: bool = False
    can_offer: bool = False
    can_accept_offer: bool = False
    statement_length: int = 0
    error: str = ""
    _offer_cents: int | None = None

    @rx.event
    @role_page("operator")
    async def load(self):
        """Guard the page for operators, read the list and open the first open dispute (or `?dispute=`)."""
        self.items = await self._call(my_disputes, operator_id=self._user_id)
        wanted = self.router.url.query_parameters.get("dispute", "")
        ids = [item.id for item in self.items]
        first_open = next((item.id for item in self.items if item.open), ids[0] if ids else "")
        self.selected_id = wanted if wanted in ids else first_open
        self.error, self.statement_length, self.appeal_length = "", 0, 0
        await self._read_selected()
        self.loaded = True
        return self._follow()

    async def _read_selected(self) -> None:
        if not self.selected_id:
            self.dispute, self.rulings, self.history, self._offer_cents = DisputeSummary(), [], [], None
            self.can_appeal = self.can_offer = self.can_accept_offer = False
            return
        found = await self._call(my_dispute, operator_id=self._user_id, dispute_id=self.selected_id)
        self.dispute, self.rulings, self.history = found["dispute"], found["rulings"], found["history"]
        self._offer_cents = found["offer_cents"]
        self.can_appeal = found["can_appeal"]
        self.can_offer = found["can_offer"]
        self.can_accept_offer = found["can_accept_offer"]

    async def _live_matcher(self) -> live.Matcher | None:
        request_ids = {item.request_id for item in self.items}
        return lambda row: row["request_id"] in request_ids and str(row["type"]).startswith(DISPUTE_EVENT_PREFIX)

    async def _live_refresh(self):
        self.items = await self._call(my_disputes, operator_id=self._user_id)
        await self._read_selected()

    @rx.event
    async def select(self, dispute_id: str):
        """Open one dispute."""
        self.selected_id, self.error, self.statement_length, self.appeal_length = dispute_id, "", 0, 0
        try:
            await self._read_selected()
        except NotFound:
            self.selected_id = ""
            yield  # send the page its settled state; the refusal's toast follows from the raise
            raise

    @rx.event
    def count_statement(self, text: str):
        """The statement's length, for the counter."""
        self.statement_length = len(text)

    async def _act(self, action: str, message: str, **values: Any):
        try:
            operator_id = await self._operator_id()
            await self._call(act, operator_id=operator_id, dispute_id=self.selected_id, action=action, **values)
        except HandoffError as exc:
            self.error = exc.message
            await self._live_refresh()
            return
        self.error = ""
        await self._live_refresh()
        return rx.toast.success(message, close_button=True)

    @rx.event
    async def add_statement(self, form: dict[str, Any]):
        """Give (or replace) your side of the story; jurors and staff read it."""
        try:
            text = form_reason(form, "statement")
        except HandoffError as exc:
            self.error = exc.message
            return None
        return await self._act("statement", "Statement saved", text=text)

    @rx.event
    async def appeal(self, form: dict[str, Any]):
        """Appeal the current ruling: the next tier takes the dispute."""
        try:
            text = form_reason(form)
        except HandoffError as exc:
            self.error = exc.message
            return None
        return await self._act("appeal", "Appeal sent: the next tier takes the dispute", text=text)

    @rx.event
    async def offer(self, form: dict[str, Any]):
        """Offer to settle for the refund typed in the form."""
        try:
            refund_cents = parse_refund(form.get("refund"))
        except HandoffError as exc:
            self.error = exc.message
            return None
        return await self._act("offer", "Offer sent: the company may accept it", refund_cents=refund_cents)

    @rx.event
    async def accept_offer(self):
        """Accept the company's offer as shown: the dispute is resolved."""
        return await self._act("accept", "Settled: the dispute is resolved", refund_cents=self._offer_cents)


class JuryState(live.LiveUpdates, OperatorState):
    """Jury duty: each case with the brief, the result and both statements; one vote each."""

    cases: list[JuryCase] = []
    loaded: bool = False
    voting: dict[str, str] = {}
    comment_length: int = 0
    vote_error: str = ""

    @rx.var
    def waiting_count(self) -> int:
        """Cases still waiting for this juror's vote."""
        return sum(1 for case in self.cases if case.can_vote)

    @rx.event
    @role_page("operator")
    async def load(self):
        """Guard the page for operators, then read their cases."""
        self.cases, self.voting, self.loaded = await self._call(jury_cases, juror_id=self._user_id), {}, True
        return self._follow()

    async def _live_matcher(self) -> live.Matcher | None:
        ids = {case.id for case in self.cases}
        return lambda row: str(row["type"]).startswith(DISPUTE_EVENT_PREFIX) and (row["data"] or {}).get(
            "dispute_id") in ids

    async def _live_refresh(self):
        self.cases = await self._call(jury_cases, juror_id=self._user_id)

    @rx.event
    def start_vote(self, dispute_id: str, vote_for: str):
        """Open the confirmation for a vote on one case."""
        if vote_for not in VOTES:
            return
        self.voting = {"id": dispute_id, "vote": vote_for, "words": ruling_words(vote_for)}
        self.comment_length, self.vote_error = 0, ""

    @rx.event
    def close_vote(self, _open: bool = False):
        """Close the confirmation without voting."""
        self.voting, self.vote_error = {}, ""

    @rx.event
    def count_comment(self, text: str):
        """The comment's length, for the counter."""
        self.comment_length = len(text)

    @rx.event
    async def vote(self, form: dict[str, Any]):
        """Cast the vote being confirmed, with the optional comment."""
        try:
            comment = clean_text(form.get("comment"), field="comment", maximum=MAX_COMMENT_CHARACTERS,
                                 multiline=True, required=False)
            juror_id = await self._operator_id()
            status = await self._call(cast_vote, juror_id=juror_id, dispute_id=self.voting.get("id", ""),
                                      vote_for=self.voting.get("vote", ""), comment=comment)
        except HandoffError as exc:
            self.vote_error = exc.message
            return None
        words = self.voting.get("words", "")
        self.voting = {}
        await self._live_refresh()
        done = " The jury has ruled." if status != DisputeStatus.jury_review else ""
        return rx.toast.success(f"You voted {words}.{done}", close_button=True)
