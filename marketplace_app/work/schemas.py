"""The operator's input, one schema per operation, validated by every door (API body, dashboard form)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator

from marketplace_app.core.validation import ResponseShape
from marketplace_app.requests.schemas import reject_control_characters
from marketplace_app.work.verification import Submission

MAX_ANSWER_CHARACTERS = 20_000
MAX_NOTES_CHARACTERS = 5000
MAX_PROOF_FILES = 10
CONFIDENCE_LEVELS = ("low", "medium", "high")


class SubmissionCreate(BaseModel):
    """What an operator hands in for a request they accepted."""

    model_config = ConfigDict(extra="forbid")

    answer: StrictStr = Field(min_length=1, max_length=MAX_ANSWER_CHARACTERS)
    confidence: Literal["low", "medium", "high"]
    proof_notes: StrictStr | None = Field(default=None, max_length=MAX_NOTES_CHARACTERS)
    file_ids: list[StrictStr] = Field(default_factory=list, max_length=MAX_PROOF_FILES)

    @field_validator("answer", "proof_notes")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return reject_control_characters(value, multiline=True)

    @field_validator("answer")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("answer must not be blank")
        return value

    def submission(self) -> Submission:
        """What verification reads."""
        return Submission(answer=self.answer, confidence=self.confidence, proof_notes=self.proof_notes or "",
                          file_count=len(self.file_ids))


class AcceptedPublic(ResponseShape):
    """The answer to an accept: the request is the operator's until the work deadline."""

    request_id: str
    status: str
    work_deadline_at: str | None


class SubmittedPublic(ResponseShape):
    """The answer to a submit: where verification put the request, and why."""

    request_id: str
    status: str
    verification: dict[str, Any]


class TaskPublic(ResponseShape):
    """A request as an operator may see it now: the facts of the job, and the agent's own words
    as written, masked or withheld (`notice` says why) under the request's information policy."""

    request_id: str
    status: str
    skill: str
    urgency: str
    duration: str | None
    information_policy: str
    reward: str
    reward_cents: int
    expires_at: str | None
    work_deadline_at: str | None
    created_at: str | None
    context: str | None
    title: str | None
    location: str | None
    proof_requirements: list[str] | None
    output_schema: dict[str, Any] | None
    # Only when the policy withholds the words; routes answer with `response_model_exclude_unset`.
    notice: str | None = None


class TaskDetail(TaskPublic):
    """One task; `result` is the operator's own submission once the request is theirs."""

    result: dict[str, Any] | None


class TaskList(ResponseShape):
    """The feed: matching requests the operator may take, most urgent first."""

    data: list[TaskPublic]


class WorkItem(TaskPublic):
    """One of the operator's assignments and how it ended."""

    outcome: str | None
    accepted_at: str | None
    ended_at: str | None
    result: dict[str, Any] | None


class WorkList(ResponseShape):
    """The operator's assignments, newest first."""

    data: list[WorkItem]
