"""Automated verification of a submission: deterministic checks give a confidence 0–100
with reasons; a pluggable adjudicator may adjust it (off by default).

Bands (PRODUCT.md §4): ≥ 90 completes, 50–89 needs the company's review, < 50 is disputed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from marketplace_app.core.agent_schema import validate_against

COMPLETE_AT = 90
REVIEW_AT = 50
MIN_ANSWER_CHARACTERS = 20
FILE_WORDS = re.compile(r"\b(photo|picture|image|screenshot|scan|file|document|pdf|upload)s?\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]{4,}")
SELF_CONFIDENCE_PENALTY = {"high": 0, "medium": 5, "low": 15}
SCHEMA_MISMATCH_PENALTY = 60
# An output_schema that could not be evaluated (an old row, or out of time) proves nothing either
# way: the answer goes to the company's review instead of completing or being disputed.
SCHEMA_UNCHECKED_PENALTY = 15


@dataclass(frozen=True, slots=True)
class Submission:
    """What the operator handed in."""

    answer: str
    confidence: str
    proof_notes: str = ""
    file_count: int = 0


@dataclass(slots=True)
class Verdict:
    """A score with the reasons that lowered it."""

    score: int = 100
    reasons: list[str] = field(default_factory=list)

    def deduct(self, points: int, reason: str) -> None:
        """Lower the score (never below 0) and say why."""
        self.score = max(self.score - points, 0)
        self.reasons.append(reason)

    @property
    def band(self) -> str:
        """`completed`, `needs_review` or `disputed`."""
        if self.score >= COMPLETE_AT:
            return "completed"
        return "needs_review" if self.score >= REVIEW_AT else "disputed"


def check(request: Mapping[str, Any], submission: Submission) -> Verdict:
    """Run the deterministic checks against the request's requirements."""
    verdict = Verdict()
    _check_answer(submission, verdict)
    _check_proof(request.get("proof_requirements") or [], submission, verdict)
    _check_schema(request.get("output_schema"), submission.answer, verdict)
    penalty = SELF_CONFIDENCE_PENALTY.get(submission.confidence, 0)
    if penalty:
        verdict.deduct(penalty, f"the operator reported {submission.confidence} confidence")
    return verdict


def _check_answer(submission: Submission, verdict: Verdict) -> None:
    answer = submission.answer.strip()
    if not answer:
        verdict.deduct(100, "the answer is empty")
    elif len(answer) < MIN_ANSWER_CHARACTERS:
        verdict.deduct(35, f"the answer is very short ({len(answer)} characters)")


def _check_proof(requirements: Sequence[str], submission: Submission, verdict: Verdict) -> None:
    if not requirements:
        return
    text = f"{submission.answer}\n{submission.proof_notes}".lower()
    per_item = max(60 // len(requirements), 15)
    for requirement in requirements:
        if FILE_WORDS.search(requirement) and submission.file_count == 0:
            verdict.deduct(per_item, f"proof '{requirement}' asks for a file and none was attached")
        elif not _addressed(requirement, text):
            verdict.deduct(per_item, f"proof '{requirement}' is not addressed in the answer or notes")


def _addressed(requirement: str, text: str) -> bool:
    words = set(_WORD.findall(requirement.lower()))
    return not words or any(word in text for word in words)


def _check_schema(schema: Mapping[str, Any] | None, answer: str, verdict: Verdict) -> None:
    if not schema:
        return
    try:
        document = json.loads(answer)
    except (ValueError, RecursionError):
        verdict.deduct(SCHEMA_MISMATCH_PENALTY, "output_schema is set but the answer is not JSON")
        return
    outcome = validate_against(schema, document, field="output_schema")
    if outcome.unchecked:
        verdict.deduct(SCHEMA_UNCHECKED_PENALTY,
                       f"the answer could not be checked, so the company reviews it: {outcome.unchecked}")
    elif outcome.errors:
        verdict.deduct(SCHEMA_MISMATCH_PENALTY, f"the answer does not match output_schema: {outcome.errors[0]}")


class Adjudicator(Protocol):
    """Adds judgement to the deterministic verdict (for example an LLM over httpx)."""

    def review(self, request: Mapping[str, Any], submission: Submission, verdict: Verdict) -> Verdict:
        """Return the verdict, possibly adjusted, with reasons."""
        ...


class DeterministicOnly:
    """The default adjudicator: the deterministic checks are the verdict."""

    def review(self, request: Mapping[str, Any], submission: Submission, verdict: Verdict) -> Verdict:
        """Return the verdict unchanged."""
        return verdict


def explain(verification: Mapping[str, Any] | None) -> str:
    """The stored verification as one plain sentence a buyer reads ("" when there was none).

    For example "Checked automatically: 92/100 — every proof requirement is addressed".
    """
    if not verification or "score" not in verification:
        return ""
    reasons = [str(reason) for reason in verification.get("reasons") or []]
    findings = "; ".join(reasons) if reasons else "every proof requirement is addressed"
    return f"Checked automatically: {verification['score']}/100 — {findings}"
