"""One request in the company dashboard: fields, timeline, result and operator, cancel and rate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import reflex as rx
from sqlmodel import Session

from marketplace_app.companies import reports
from marketplace_app.companies.access import CompanyActor
from marketplace_app.core.clock import now
from marketplace_app.core.errors import HandoffError, NotFound
from marketplace_app.requests import rules, views
from marketplace_app.requests import service as requests
from marketplace_app.ui.state.base import backend_url, role_page
from marketplace_app.ui.state.company import CompanyState, scope
from marketplace_app.ui.state.display import NEVER, money, skill, when
from marketplace_app.ui.state.live import LiveUpdates, Matcher
from marketplace_app.ui.state.request_result import ResultView, operator_stats, result_view
from marketplace_app.uploads import links

SCORES = (1, 2, 3, 4, 5)
MAX_COMMENT_LENGTH = 500


def request_detail(session: Session, actor: CompanyActor, *, mode: str, request_id: str,
                   base_url: str | None = None) -> dict[str, Any]:
    """One of the company's `mode` requests as the detail page shows it; proof files carry signed
    links issued to this member, under `base_url` (the API's address as the browser reaches it).

    Raises:
        NotFound: No such request in this company and mode (another company's id, or the other mode's).
    """
    row = requests.get_request(session, ctx=scope(actor, mode), request_id=request_id)
    timeline = requests.timeline(session, request_id)
    body = views.detail(session, row, timeline, audience=links.audience("company_member", actor.user_id),
                        base_url=base_url)
    project = reports.project_names(session, company_id=actor.company_id).get(row["project_id"], "")
    status = body["status"]
    return {
        "fields": _fields(row, body, project), "status": status, "context": row["context"],
        "title": row["title"] or "",
        "timeline": [{"status": line["to_status"], "at": when(line["created_at"]), "actor": line["actor_type"],
                      "note": line["note"] or ""} for line in timeline],
        "has_result": "result" in body,
        "result": result_view(body["result"]) if "result" in body else ResultView(),
        "human": operator_stats(body["human"]) if "human" in body else [],
        "can_cancel": actor.can_write and rules.can_cancel(row, at=now()),
        "can_rate": actor.can_write and rules.can_rate(row),
        "rating": _rating(row),
    }


def _fields(row: Mapping[str, Any], body: Mapping[str, Any], project: str) -> list[dict[str, str]]:
    pairs = [
        ("Request id", row["id"]), ("Project", project), ("Mode", row["mode"]), ("Skill", skill(row["skill"])),
        ("Urgency", row["urgency"]), ("Duration", body["duration"]), ("Max price", money(row["max_price_cents"])),
        ("Platform fee", money(row["fee_cents"])), ("Information policy", row["information_policy"]),
        ("Created", when(row["created_at"])), ("Accepted", when(row["accepted_at"])),
        ("Completed", when(row["completed_at"])), ("Location", row["location"] or NEVER),
        ("Deadline", when(row["deadline"])), ("Proof required", ", ".join(row["proof_requirements"]) or NEVER),
        ("Callback URL", row["callback_url"] or NEVER),
    ]
    return [{"label": label, "value": str(value)} for label, value in pairs]


def _rating(row: Mapping[str, Any]) -> str:
    if row["rating"] is None:
        return ""
    return f"{row['rating']} / 5" + (f" — {row['rating_comment']}" if row["rating_comment"] else "")


def cancel(session: Session, actor: CompanyActor, *, mode: str, request_id: str) -> str:
    """Cancel a `mode` request (`rules.can_cancel`); returns the refunded amount as shown (empty for test mode)."""
    row = requests.cancel_request(session, ctx=scope(actor, mode), request_id=request_id)
    return money(row["max_price_cents"]) if row["hold_id"] else ""


def rate(session: Session, actor: CompanyActor, *, mode: str, request_id: str, score: int,
         comment: str | None) -> None:
    """Rate a completed `mode` request once."""
    requests.rate_request(session, ctx=scope(actor, mode), request_id=request_id, score=score, comment=comment)


class RequestDetailState(LiveUpdates, CompanyState):
    """The request detail page, kept live: a status change shows without a reload."""

    shown_id: str = ""
    found: bool = False
    missing: str = ""
    loaded: bool = False
    status: str = ""
    title: str = ""
    context: str = ""
    fields: list[dict[str, str]] = []
    timeline: list[dict[str, str]] = []
    has_result: bool = False
    result: ResultView = ResultView()
    human: list[dict[str, str]] = []
    can_cancel: bool = False
    can_rate: bool = False
    rating: str = ""
    score: int = 0
    rate_error: str = ""
    busy: bool = False

    @rx.event
    @role_page("company")
    async def load(self):
        """Guard the page, then read the request named in the URL (another company's id is not found)."""
        self.shown_id = self.router.url.path.rstrip("/").rsplit("/", 1)[-1][:64]
        self.loaded, self.score, self.rate_error, self.busy = False, 0, "", False
        return [event for event in (await self._refresh(), self._follow()) if event is not None]

    async def _live_matcher(self) -> Matcher | None:
        return await self._company_events(request_id=self.shown_id) if self.found else None

    async def _live_refresh(self):
        return await self._refresh()

    async def _refresh(self):
        try:
            found = await self._as_member(request_detail, mode=self._mode(), request_id=self.shown_id,
                                          base_url=backend_url("", page_url=str(self.router.url)))
        except NotFound as exc:
            self.found, self.missing, self.loaded = False, exc.message, True
            self.fields, self.timeline, self.context, self.human = [], [], "", []
            self.has_result, self.result = False, ResultView()
            return None
        self.found, self.missing, self.loaded = True, "", True
        self.status, self.title, self.context = found["status"], found["title"], found["context"]
        self.fields, self.timeline, self.human = found["fields"], found["timeline"], found["human"]
        self.has_result, self.result = found["has_result"], found["result"]
        self.can_cancel, self.can_rate, self.rating = found["can_cancel"], found["can_rate"], found["rating"]
        return None

    @rx.event
    async def cancel(self):
        """Cancel the request and say how much credit came back."""
        self.busy = True
        yield
        try:
            refunded = await self._as_member(cancel, mode=self._mode(), request_id=self.shown_id)
        except HandoffError:
            self.busy = False
            yield  # send the page its settled state; the refusal's toast follows from the raise
            raise
        self.busy = False
        yield await self._refresh()
        yield rx.toast.success("Request cancelled" + (f"; {refunded} is back in your available credit"
                                                      if refunded else ""), close_button=True)

    @rx.event
    def set_score(self, score: int):
        """Choose 1 to 5 stars."""
        self.score = score if score in SCORES else 0

    @rx.event
    async def rate(self, form: dict[str, Any]):
        """Rate the completed request; a refusal is shown under the form."""
        comment = str(form.get("comment", "")).strip()
        if self.score not in SCORES:
            self.rate_error = "Choose a score from 1 to 5 stars"
            return None
        if len(comment) > MAX_COMMENT_LENGTH:
            self.rate_error = f"comment must be at most {MAX_COMMENT_LENGTH} characters"
            return None
        try:
            await self._as_member(rate, mode=self._mode(), request_id=self.shown_id, score=self.score,
                                  comment=comment or None)
        except HandoffError as exc:
            self.rate_error = exc.message
            return None
        self.rate_error = ""
        await self._refresh()
        return rx.toast.success("Thank you: your rating is saved", close_button=True)
