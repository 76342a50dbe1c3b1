"""An optional external adjudicator over httpx (e.g. an LLM behind a small HTTP service).

Off unless `ADJUDICATOR_URL` is set. It receives the request, the submission and the
deterministic verdict, and answers `{"adjustment": -50..20, "reason": "..."}`. Any
failure leaves the deterministic verdict in place and says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from marketplace_app.settings import get_settings
from marketplace_app.work.verification import Adjudicator, DeterministicOnly, Submission, Verdict

TIMEOUT_SECONDS = 10.0
ADJUSTMENT_RANGE = (-50, 20)


class HttpAdjudicator:
    """Asks a configured HTTP endpoint to adjust the score."""

    def __init__(self, url: str, *, client: httpx.Client | None = None) -> None:
        self.url = url
        self.client = client or httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False)

    def review(self, request: Mapping[str, Any], submission: Submission, verdict: Verdict) -> Verdict:
        """Apply the endpoint's bounded adjustment to the verdict."""
        payload = {"request": {"skill": request.get("skill"), "context": request.get("context"),
                               "proof_requirements": request.get("proof_requirements") or []},
                   "submission": {"answer": submission.answer, "confidence": submission.confidence,
                                  "proof_notes": submission.proof_notes, "file_count": submission.file_count},
                   "verdict": {"score": verdict.score, "reasons": verdict.reasons}}
        try:
            response = self.client.post(self.url, json=payload)
            response.raise_for_status()
            body = response.json()
            adjustment = int(body["adjustment"])
            reason = str(body.get("reason", ""))[:200]
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            verdict.reasons.append("the adjudicator did not answer; the automated checks decide")
            return verdict
        low, high = ADJUSTMENT_RANGE
        adjustment = min(max(adjustment, low), high)
        verdict.score = min(max(verdict.score + adjustment, 0), 100)
        verdict.reasons.append(f"adjudicator ({adjustment:+d}): {reason}")
        return verdict


def current_adjudicator() -> Adjudicator:
    """The adjudicator this deployment uses."""
    url = get_settings().adjudicator_url
    return HttpAdjudicator(url) if url else DeterministicOnly()
