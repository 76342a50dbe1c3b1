"""Tier 0: an instant ruling with reasoning.

The default is deterministic and says so: it weighs the automated verification score
and reasons, how many proof requirements the result covers, the company's rating, and
whether the complaint names requirements the result does not address. An optional HTTP
adapter (`DISPUTE_ADJUDICATOR_URL`, e.g. an LLM behind a small service) may overrule it;
any failure of the adapter leaves the deterministic ruling in place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from marketplace_app.disputes.models import Ruling
from marketplace_app.settings import get_settings

TIMEOUT_SECONDS = 10.0
PASS_SCORE = 70
WORD = re.compile(r"[a-z0-9]{4,}")


@dataclass(frozen=True, slots=True)
class TriageRuling:
    ruling: Ruling
    reasoning: str


class Triage(Protocol):
    def rule(self, request: Mapping[str, Any], complaint: str, operator_statement: str | None) -> TriageRuling: ...


class DeterministicTriage:
    """Rules from the recorded evidence only; no model involved."""

    def rule(self, request: Mapping[str, Any], complaint: str, operator_statement: str | None) -> TriageRuling:
        result = request.get("result") or {}
        verification = result.get("verification") or {}
        score = int(verification.get("score", 0) or 0)
        answer = str(result.get("answer") or "")
        points = 0
        reasons = [f"Automated triage (deterministic rules, no AI model): verification scored {score}/100"]
        points += 2 if score >= PASS_SCORE else (-2 if score < 50 else 0)
        requirements = [str(item) for item in request.get("proof_requirements") or []]
        if requirements:
            covered = sum(1 for item in requirements if _overlap(item, answer + " " + str(result.get("proof_notes"))))
            reasons.append(f"the result addresses {covered} of {len(requirements)} proof requirements")
            points += 1 if covered == len(requirements) else -1
        rating = request.get("rating")
        if rating is not None:
            reasons.append(f"the company rated the work {rating}/5")
            points += -1 if rating <= 2 else (1 if rating >= 4 else 0)
        if not answer.strip():
            reasons.append("the result has no answer")
            points -= 3
        unmet = [word for word in sorted(set(WORD.findall(complaint.lower())))
                 if word in str(request.get("context", "")).lower() and word not in answer.lower()]
        if unmet:
            named = ", ".join(unmet[:5])
            reasons.append(f"the complaint names parts of the brief the answer does not mention ({named})")
            points -= 1
        ruling = Ruling.for_operator if points > 0 else Ruling.for_company
        side = "the operator's work stands" if ruling is Ruling.for_operator else "the company's complaint is upheld"
        return TriageRuling(ruling, "; ".join(reasons) + f". Ruling: {side}.")


class HttpTriage:
    """Asks a configured endpoint for `{"ruling": "for_company"|"for_operator", "reasoning": "..."}`."""

    def __init__(self, url: str, *, fallback: Triage | None = None, client: httpx.Client | None = None) -> None:
        self.url = url
        self.fallback = fallback or DeterministicTriage()
        self.client = client or httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False)

    def rule(self, request: Mapping[str, Any], complaint: str, operator_statement: str | None) -> TriageRuling:
        base = self.fallback.rule(request, complaint, operator_statement)
        payload = {"request": {"skill": request.get("skill"), "context": request.get("context"),
                               "proof_requirements": request.get("proof_requirements") or [],
                               "result": request.get("result"), "rating": request.get("rating")},
                   "complaint": complaint, "operator_statement": operator_statement,
                   "deterministic": {"ruling": base.ruling, "reasoning": base.reasoning}}
        try:
            response = self.client.post(self.url, json=payload)
            response.raise_for_status()
            body = response.json()
            ruling = Ruling(body["ruling"])
            if ruling is Ruling.split:
                raise ValueError("tier 0 rules for one side")
            reasoning = str(body.get("reasoning", ""))[:2000] or base.reasoning
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            return TriageRuling(base.ruling, base.reasoning + " (the AI adjudicator did not answer)")
        return TriageRuling(ruling, f"AI triage: {reasoning}")


def current_triage() -> Triage:
    url = get_settings().dispute_adjudicator_url
    return HttpTriage(url) if url else DeterministicTriage()


def _overlap(requirement: str, text: str) -> bool:
    words = set(WORD.findall(requirement.lower()))
    return not words or bool(words & set(WORD.findall(text.lower())))
