"""The error hierarchy: a 409 is its own class, not a status override."""

from __future__ import annotations

import re
from pathlib import Path

from marketplace_app.core.errors import InvalidState, StateConflict

SOURCE = Path(__file__).resolve().parents[2] / "marketplace_app"


def test_a_state_conflict_is_an_invalid_state_answered_with_409() -> None:
    error = StateConflict("Request req_1 was already accepted by another operator")

    assert isinstance(error, InvalidState)
    assert error.status == 409
    assert error.envelope() == {"error": {"code": "invalid_state",
                                          "message": "Request req_1 was already accepted by another operator"}}


def test_no_code_overrides_an_error_status_to_409() -> None:
    overrides = [f"{path.relative_to(SOURCE)}:{number}"
                 for path in SOURCE.rglob("*.py")
                 for number, line in enumerate(path.read_text().splitlines(), start=1)
                 if re.search(r"status=409\b", line)]

    assert overrides == [], "raise StateConflict (or Conflict) instead of overriding status"
