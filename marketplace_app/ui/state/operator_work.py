"""The operator's live feed, their work list and one task's page (accept, upload proof, submit).

The feed is live: its loader starts a follower of the event log (`live.LiveUpdates`) that
reads the feed again whenever a live request changes status, and stops with the page. A
slow client-side timer (`rx.moment`) still ticks, to count the time left down and to catch
up should the follower have stopped (a reconnect starts a new one with the next load).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import reflex as rx
from sqlmodel import Session

from marketplace_app.core.clock import now
from marketplace_app.core.errors import Forbidden, HandoffError, NotFound, ValidationFailed
from marketplace_app.requests.models import RequestStatus
from marketplace_app.ui import routes
from marketplace_app.ui.state.base import role_page
from marketplace_app.ui.state.display import label, money, skill, time_left, when
from marketplace_app.ui.state.forms import UploadProgress, read_upload
from marketplace_app.ui.state.live import LiveUpdates, Matcher, live_request_events
from marketplace_app.ui.state.operator import OperatorState
from marketplace_app.uploads import service as uploads
from marketplace_app.work import flows
from marketplace_app.work import service as work
from marketplace_app.work.schemas import CONFIDENCE_LEVELS, MAX_PROOF_FILES

PROOF_UPLOAD_ID = "proof-upload"
FEED_REFRESH_MS = 15_000


def card(item: Mapping[str, Any]) -> dict[str, str]:
    """A request as the feed and the task page show it (the information policy is already applied)."""
    return {
        "id": item["request_id"], "status": str(item["status"]),
        "skill": skill(item["skill"]), "urgency": item["urgency"], "duration": item["duration"],
        "reward": money(item["reward_cents"]), "policy": item["information_policy"],
        "title": item.get("title") or "", "context": item.get("context") or "", "location": item.get("location") or "",
        "notice": item.get("notice") or "", "time_left": time_left(item.get("expires_at")),
        "work_due": when(item.get("work_deadline_at")) if item.get("work_deadline_at") else "",
        "work_due_iso": item.get("work_deadline_at") or "",
        "proof_count": str(len(item.get("proof_requirements") or [])),
    }


def read_feed(session: Session, *, operator_id: str) -> list[dict[str, str]]:
    """The operator's feed as cards."""
    return [card(item) for item in work.feed(session, operator_id=operator_id)]


def read_work(session: Session, *, operator_id: str) -> list[dict[str, str]]:
    """The operator's assignments as rows: the request as they may see it, and how it ended."""
    rows = []
    for item in work.my_work(session, operator_id=operator_id):
        row = card(item)
        verification = (item.get("result") or {}).get("verification") or {}
        row.update(outcome=label(item["outcome"]), accepted=when(item["accepted_at"]),
                   score=str(verification["score"]) if "score" in verification else "")
        rows.append(row)
    return rows


def read_task(session: Session, *, operator_id: str, request_id: str) -> dict[str, Any]:
    """One task for its page: the request as the operator may see it, and their result once handed in."""
    item = work.view(session, operator_id=operator_id, request_id=request_id)
    return {"task": card(item), "proof": list(item.get("proof_requirements") or []),
            "mine": item["status"] != RequestStatus.matching, "result": result_view(item["result"])}


def result_view(result: Mapping[str, Any] | None) -> dict[str, Any]:
    """What the operator handed in and what verification said, as strings and a list of reasons."""
    if not result:
        return {"answer": "", "confidence": "", "proof_notes": "", "files": "0", "score": "", "reasons": []}
    verification = result.get("verification") or {}
    return {"answer": result.get("answer") or "", "confidence": result.get("confidence") or "",
            "proof_notes": result.get("proof_notes") or "", "files": str(len(result.get("files") or [])),
            "score": str(verification.get("score", "")), "reasons": list(verification.get("reasons") or [])}


def save_proof(session: Session, *, user_id: str, filename: str, data: bytes) -> dict[str, str]:
    """Store one proof file; return its id and name."""
    upload = uploads.save_upload(session, owner_user_id=user_id, purpose=uploads.UploadPurpose.proof,
                                 filename=filename, data=data)
    return {"id": upload.id, "name": upload.filename}


def submitted_toast(status: str):
    """How the hand-in went, coloured by where verification sent it."""
    if status == RequestStatus.completed:
        return rx.toast.success("Submitted and accepted: your reward is pending")
    if status == RequestStatus.needs_review:
        return rx.toast.info("Submitted: the company will review your result")
    return rx.toast.warning(f"Submitted: {label(status)}; see the verification below")


def request_id_from_path(path: str) -> str:
    """The last segment of `/operator/work/<request_id>`."""
    return path.rstrip("/").rsplit("/", 1)[-1][:40]


class FeedState(LiveUpdates, OperatorState):
    """Matching requests for the operator's skills, read again when a live request changes."""

    items: list[dict[str, str]] = []
    blocked: str = ""
    loaded: bool = False
    refreshed_at: str = ""
    _accepted: str = ""

    @rx.event
    @role_page("operator")
    async def load(self):
        """Guard the page for operators, then read the feed."""
        await self._refresh()
        self.loaded = True
        return self._follow()

    async def _live_matcher(self) -> Matcher | None:
        return live_request_events

    async def _live_refresh(self) -> None:
        if self._user_id and self.user_role == "operator":
            await self._refresh()

    async def _refresh(self) -> None:
        try:
            self.items, self.blocked = await self._call(read_feed, operator_id=self._user_id), ""
        except Forbidden as exc:
            self.items, self.blocked = [], exc.message
        self.refreshed_at = now().strftime("%H:%M:%S UTC")

    @rx.event
    async def tick(self, _moment: str = ""):
        """A timer tick from the open feed page: read the feed again."""
        if self._user_id and self.user_role == "operator":
            await self._refresh()

    @rx.event
    async def accept(self, request_id: str):
        """Take a request and open its task page; say why when someone else was faster."""
        if request_id == self._accepted:  # a second tap queued behind the first
            yield rx.redirect(routes.operator_task(request_id))
            return
        try:
            operator_id = await self._operator_id()
            await self._call(work.accept, operator_id=operator_id, request_id=request_id)
        except HandoffError:
            await self._refresh()
            yield  # send the page its settled state; the refusal's toast follows from the raise
            raise
        self._accepted = request_id
        yield [rx.toast.success("Accepted: the task is yours"), rx.redirect(routes.operator_task(request_id))]


class WorkState(OperatorState):
    """The operator's accepted requests and how each ended."""

    items: list[dict[str, str]] = []
    loaded: bool = False

    @rx.event
    @role_page("operator")
    async def load(self):
        """Guard the page for operators, then read their work."""
        self.items = await self._call(read_work, operator_id=self._user_id)
        self.loaded = True
        return None


class TaskState(OperatorState, UploadProgress):
    """One task: the brief, proof requirements, the submit form and the verification result."""

    task: dict[str, str] = {}
    proof: list[str] = []
    mine: bool = False
    result: dict[str, str] = {}
    reasons: list[str] = []
    missing: str = ""
    loaded: bool = False
    confidence: str = ""
    files: list[dict[str, str]] = []
    submitting: bool = False
    accepting: bool = False
    form_error: str = ""

    @rx.var
    def can_submit(self) -> bool:
        """Whether the submit form is shown: the task is theirs and still in progress."""
        return self.mine and self.task.get("status", "") == RequestStatus.in_progress

    @rx.var
    def score_value(self) -> int:
        """The verification score as a number, for the bar."""
        score = self.result.get("score", "")
        return int(score) if score.isdigit() else 0

    @rx.event
    async def load(self):
        """Guard the page for operators, then read the task named in the URL."""
        self.loaded, self.missing, self.form_error = False, "", ""
        self.confidence, self.files, self.upload_percent = "", [], 0
        self.submitting = self.accepting = False
        redirect = await self._require("operator")
        if redirect:
            yield redirect
            return
        yield
        await self._read(request_id_from_path(self.router.url.path))
        self.loaded = True

    async def _read(self, request_id: str) -> None:
        try:
            snapshot = await self._call(read_task, operator_id=self._user_id, request_id=request_id)
        except (NotFound, Forbidden) as exc:
            self.task, self.proof, self.mine, self.result, self.reasons = {}, [], False, {}, []
            self.missing = exc.message
            return
        self.task, self.proof, self.mine = snapshot["task"], snapshot["proof"], snapshot["mine"]
        reasons = snapshot["result"].pop("reasons")
        self.result, self.reasons = snapshot["result"], reasons

    @rx.event
    async def accept(self):
        """Take the request shown on the page."""
        request_id = self.task.get("id", "")
        if self.accepting or self.mine or not request_id:
            return
        self.accepting = True
        yield
        try:
            operator_id = await self._operator_id()
            await self._call(work.accept, operator_id=operator_id, request_id=request_id)
        except HandoffError:
            self.accepting = False
            yield  # send the page its settled state; the refusal's toast follows from the raise
            raise
        await self._read(request_id)
        self.accepting = False
        yield rx.toast.success("Accepted: the task is yours")

    @rx.event
    def set_confidence(self, value: str):
        """Controlled choice of low, medium or high."""
        self.confidence = value if value in CONFIDENCE_LEVELS else ""

    @rx.event
    async def upload_proof(self, files: list[rx.UploadFile]):
        """Store the dropped proof files (JPEG, PNG, WebP or PDF, at most 10 MiB each)."""
        self.form_error = ""
        try:
            if len(self.files) + len(files) > MAX_PROOF_FILES:
                raise ValidationFailed(f"Attach at most {MAX_PROOF_FILES} files")
            operator_id = await self._operator_id()
            for file in files:
                saved = await self._call(save_proof, user_id=operator_id, filename=file.name or "proof",
                                         data=await read_upload(file))
                self.files = [*self.files, saved]
        except HandoffError as exc:
            self.upload_percent, self.form_error = 0, exc.message
            return
        self.upload_percent = 0
        return None

    @rx.event
    def remove_file(self, upload_id: str):
        """Leave an uploaded file out of the submission."""
        self.files = [file for file in self.files if file["id"] != upload_id]

    @rx.event
    async def submit(self, form: dict[str, Any]):
        """Hand in the answer, confidence, notes and files; show the verification result."""
        if not self.can_submit or self.submitting:  # a second tap queued behind the first
            return
        self.submitting, self.form_error = True, ""
        yield
        try:
            body = self._submission(form)
            operator_id = await self._operator_id()
            row = await asyncio.to_thread(flows.submit_work, operator_id=operator_id, request_id=self.task["id"],
                                          body=body)
        except HandoffError as exc:
            self.submitting, self.form_error = False, exc.message
            return
        await self._read(row["id"])
        self.submitting, self.files = False, []
        yield submitted_toast(str(row["status"]))

    def _submission(self, form: dict[str, Any]) -> dict[str, Any]:
        """The form as the fields of the operation's schema; the service checks them against it
        (`SubmissionCreate`, the API's body) and its first problem is shown inline."""
        if self.confidence not in CONFIDENCE_LEVELS:
            # The radio group has no default; say what to do rather than quote the schema.
            raise ValidationFailed("Choose how confident you are: low, medium or high")
        notes = str(form.get("proof_notes") or "").strip()
        return {"answer": str(form.get("answer") or "").strip(), "confidence": self.confidence,
                "proof_notes": notes or None, "file_ids": [file["id"] for file in self.files]}


__all__ = ["FEED_REFRESH_MS", "PROOF_UPLOAD_ID", "FeedState", "TaskState", "WorkState"]
