"""What an operator may see of a request now: the one place the information policy is applied.

Every reader that shows a request to an operator (the feed, one request, their work, a dispute's
headline, a juror's case) builds the request's fields with `operator_view`. The agent's own words
are listed once, in `AGENT_TEXT_FIELDS`; every other column of the request is either a fact any
matching operator may see (`FACT_FIELDS`) or never shown to operators (`WITHHELD_FIELDS`). A test
fails while a column of `request` is in none of the three, so a new agent field is one line here.

- `open`: the agent's words as written.
- `redacted`: e-mail addresses, phones, IBANs, card numbers, secret URLs and the project's
  redaction terms masked in every one of them (each proof requirement, every string and key of
  the output schema), for every operator, the assignee included.
- `sandboxed` (and any policy this code does not know): none of them until the operator is
  assigned; the caller logs what the assignee is then shown (`withheld_from_others`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from marketplace_app.companies.models import InformationPolicy
from marketplace_app.core.clock import isoformat
from marketplace_app.core.money import format_money
from marketplace_app.requests.models import RequestStatus
from marketplace_app.requests.redaction import redact
from marketplace_app.requests.schemas import format_duration
from marketplace_app.settings import get_settings

Mask = Callable[[str], str]
SANDBOXED_NOTICE = "Sandboxed: the task's details are shown to the operator who accepts it"
WITHHELD_MARKER = "[withheld]"
# A quote shorter than this is too likely to be an ordinary word to withhold wherever it appears.
MIN_WITHHELD_QUOTE = 4


def _text(value: str | None, mask: Mask) -> str | None:
    return None if value is None else mask(value)


def _each(values: Sequence[str] | None, mask: Mask) -> list[str]:
    return [mask(value) for value in values or []]


def _schema(value: Any, mask: Mask) -> Any:
    # Every string and every key, not only `description` and friends: a property name, an `enum`
    # value or an `x-note` carries the agent's words just as well, at any depth.
    if isinstance(value, Mapping):
        return {mask(key): _schema(item, mask) for key, item in value.items()}
    if isinstance(value, list):
        return [_schema(item, mask) for item in value]
    return mask(value) if isinstance(value, str) else value


# Every request field an agent writes in its own words, with how its value is masked.
AGENT_TEXT_FIELDS: dict[str, Callable[[Any, Mask], Any]] = {
    "context": _text,
    "title": _text,
    "location": _text,
    "proof_requirements": _each,
    "output_schema": _schema,
}
# Facts about the job every matching operator may see under any policy.
FACT_FIELDS = frozenset({
    "id", "status", "skill", "urgency", "duration_seconds", "information_policy", "max_price_cents",
    "fee_cents", "match_deadline_at", "work_deadline_at", "created_at",
})
# Never shown to operators: where results go and how they are signed (`callback_*`), who is
# paying, bookkeeping, and the company's verdict on the work. The operator's own result reaches
# its author through the work service, not through this view.
WITHHELD_FIELDS = frozenset({
    "callback_url", "callback_secret_sealed", "project_id", "company_id", "api_key_id", "mode",
    "fee_rate_bps", "hold_id", "operator_id", "result", "rating", "rating_comment", "requeue_count",
    "deadline", "accepted_at", "submitted_at", "review_deadline_at", "completed_at", "closed_at",
})


def _as_written(text: str) -> str:
    return text


def agent_text_mask(row: Mapping[str, Any], *, assigned: bool, terms: Sequence[str]) -> Mask | None:
    """How this operator may read the agent's words: a mask to apply, or None when they are withheld."""
    policy = row["information_policy"]
    if policy == InformationPolicy.open:
        return _as_written
    if policy == InformationPolicy.redacted:
        # PRODUCT §4: masked "before any operator sees it", the one who does the work included.
        return partial(redact, terms=terms)
    if assigned and policy == InformationPolicy.sandboxed:
        return _as_written
    return None  # sandboxed and not assigned, or a policy this code does not know: fail closed


def withheld_from_others(row: Mapping[str, Any]) -> bool:
    """Whether operators other than the assignee see none of the agent's words (so the assignee's
    views are logged)."""
    return agent_text_mask(row, assigned=False, terms=()) is None


def operator_view(row: Mapping[str, Any], *, assigned: bool, terms: Sequence[str]) -> dict[str, Any]:
    """A request row as this operator may see it now.

    Args:
        row: The request's columns (`request` table).
        assigned: Whether the request is assigned to this operator now.
        terms: The project's redaction list.

    Returns:
        The facts of the job and each of `AGENT_TEXT_FIELDS` as written, masked, or None (with a
        `notice`) as the policy says; no other column.
    """
    body = _facts(row)
    mask = agent_text_mask(row, assigned=assigned, terms=terms)
    if mask is None:
        body.update(dict.fromkeys(AGENT_TEXT_FIELDS), notice=SANDBOXED_NOTICE)
    else:
        body.update({name: shape(row[name], mask) for name, shape in AGENT_TEXT_FIELDS.items()})
    return body


def quoted_text_mask(row: Mapping[str, Any], *, assigned: bool, terms: Sequence[str]) -> Mask:
    """How this operator may read what others wrote about the request (statements, answers,
    verification reasons), which can quote the agent's words: masked as the policy masks them;
    where the agent's words are withheld, verbatim quotes of them are withheld too."""
    mask = agent_text_mask(row, assigned=assigned, terms=terms)
    if mask is not None:
        return mask
    quotes = [row["context"], row["title"], row["location"], *(row["proof_requirements"] or [])]
    return partial(_withhold, terms=terms, quotes=[quote for quote in quotes if quote])


def _withhold(text: str, *, terms: Sequence[str], quotes: Sequence[str]) -> str:
    for quote in sorted({quote.strip() for quote in quotes}, key=len, reverse=True):
        if len(quote) >= MIN_WITHHELD_QUOTE:
            text = re.sub(re.escape(quote), WITHHELD_MARKER, text, flags=re.IGNORECASE)
    return redact(text, terms=terms)


def _facts(row: Mapping[str, Any]) -> dict[str, Any]:
    reward_cents = row["max_price_cents"] - row["fee_cents"]
    matching = row["status"] == RequestStatus.matching
    return {
        "request_id": row["id"], "status": str(row["status"]), "skill": row["skill"], "urgency": row["urgency"],
        "duration": format_duration(row["duration_seconds"]), "information_policy": row["information_policy"],
        "reward": format_money(reward_cents, get_settings().currency), "reward_cents": reward_cents,
        "expires_at": isoformat(row["match_deadline_at"]) if matching else None,
        "work_deadline_at": isoformat(row["work_deadline_at"]), "created_at": isoformat(row["created_at"]),
    }
