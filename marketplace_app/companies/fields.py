"""Validating the dashboard's project fields into column values (shared by the API and the dashboard)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from marketplace_app.catalogue import service as catalogue
from marketplace_app.companies.models import InformationPolicy
from marketplace_app.core.errors import ValidationFailed
from marketplace_app.core.money import format_money, parse_positive_money
from marketplace_app.settings import get_settings

MAX_ALLOWED_SKILLS = 50
MAX_REDACTION_TERMS = 100
REDACTION_TERM_LENGTH = (2, 100)
RATE_LIMIT_RANGE = (1, 100_000)
BUDGET_COLUMNS = {"max_per_request": "max_per_request_cents", "daily": "daily_budget_cents",
                  "monthly": "monthly_budget_cents"}


def project_values(session: Session, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Validate dashboard project fields and return the column values they set."""
    values: dict[str, Any] = {}
    for field, value in fields.items():
        if field == "budget":
            values.update(_budget_values(value))
        elif field == "allowed_skills":
            values[field] = _allowed_skills(session, value)
        elif field in _FIELD_PARSERS:
            values[field] = _FIELD_PARSERS[field](value)
        else:
            raise ValidationFailed(f"{field} is not a project field")
    return values


def plain_text(field: str, value: object, *, max_length: int, min_length: int = 1) -> str:
    """Strip `value` and check its length; control characters (NUL included) are refused."""
    if not isinstance(value, str):
        raise ValidationFailed(f"{field} must be a string")
    text = value.strip()
    if not min_length <= len(text) <= max_length:
        raise ValidationFailed(f"{field} must be {min_length} to {max_length} characters")
    if any(unicodedata.category(character) == "Cc" for character in text):
        raise ValidationFailed(f"{field} must not contain control characters")
    return text


def _name(value: object) -> str:
    return plain_text("name", value, max_length=120)


def _policy(value: object) -> str:
    if value not in set(InformationPolicy):
        raise ValidationFailed(f"information_policy must be one of: {', '.join(InformationPolicy)}")
    return str(value)


def _string_list(field: str, value: object, *, max_items: int) -> list[object]:
    if not isinstance(value, list):
        raise ValidationFailed(f"{field} must be a list")
    if len(value) > max_items:
        raise ValidationFailed(f"{field} may hold at most {max_items} entries")
    return value


def _allowed_skills(session: Session, value: object) -> list[str]:
    skills = list(dict.fromkeys(_string_list("allowed_skills", value, max_items=MAX_ALLOWED_SKILLS)))
    known = catalogue.active_skill_names(session)
    # Compared in Python: unknown names never reach SQL.
    unknown = [skill for skill in skills if skill not in known]
    if unknown:
        shown = ", ".join(repr(skill)[:42] for skill in unknown[:5])
        raise ValidationFailed(f"allowed_skills has unknown skills ({shown}); valid skills are: "
                               f"{', '.join(sorted(known))}")
    return skills


def _redaction_terms(value: object) -> list[str]:
    low, high = REDACTION_TERM_LENGTH
    terms = [plain_text("each redaction term", term, min_length=low, max_length=high)
             for term in _string_list("redaction_terms", value, max_items=MAX_REDACTION_TERMS)]
    return list(dict.fromkeys(terms))


def whole_number(field: str, value: object, bounds: tuple[int, int]) -> int:
    """Return `value` if it is an int (not a bool) within `bounds` (inclusive)."""
    low, high = bounds
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValidationFailed(f"{field} must be a whole number from {low} to {high}")
    return value


def _rate_limit(value: object) -> int:
    return whole_number("rate_limit_per_hour", value, RATE_LIMIT_RANGE)


_FIELD_PARSERS = {"name": _name, "information_policy": _policy, "redaction_terms": _redaction_terms,
                  "rate_limit_per_hour": _rate_limit}


def _budget_values(budget: object) -> dict[str, int | None]:
    if budget is None:
        return dict.fromkeys(BUDGET_COLUMNS.values())
    if not isinstance(budget, Mapping):
        raise ValidationFailed("budget must be an object with max_per_request, daily and monthly, or null")
    values: dict[str, int | None] = {}
    for field, amount in budget.items():
        if field not in BUDGET_COLUMNS:
            raise ValidationFailed(f"budget.{field} is not a budget field")
        currency = get_settings().currency
        values[BUDGET_COLUMNS[field]] = None if amount is None else parse_positive_money(
            amount, currency=currency, field=f"budget.{field}")
    return values


def check_budget_order(caps: Mapping[str, int | None]) -> None:
    """A cap may not exceed a wider one: max_per_request ≤ daily ≤ monthly (where set)."""
    ordered = [(name, caps[column]) for name, column in BUDGET_COLUMNS.items() if caps[column] is not None]
    currency = get_settings().currency
    for index, (narrow, narrow_cents) in enumerate(ordered):
        for wide, wide_cents in ordered[index + 1:]:
            if narrow_cents > wide_cents:
                raise ValidationFailed(f"budget.{narrow} ({format_money(narrow_cents, currency)}) must not be "
                                       f"above budget.{wide} ({format_money(wide_cents, currency)})")
