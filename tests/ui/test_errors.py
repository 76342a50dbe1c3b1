"""A dashboard refusal becomes one toast, in one place (`ui/errors.py`), not in every handler."""

from __future__ import annotations

import ast
from pathlib import Path

from marketplace_app.core.errors import InvalidState, StateConflict
from marketplace_app.ui.errors import FAILURE_MESSAGE, TOAST_DURATION_MS, VISIBLE_TOASTS, toast_refusal, toaster

UI_STATE = Path(__file__).resolve().parents[2] / "marketplace_app" / "ui" / "state"


def rendered(event) -> str:
    return str(event.args)


def test_a_refusal_becomes_one_error_toast_in_the_api_s_words() -> None:
    event = rendered(toast_refusal(StateConflict("Request req_1 was already accepted by another operator")))

    assert '["error"]("Request req_1 was already accepted by another operator"' in event
    assert "handoff-refusal" in event


def test_anything_else_is_a_bug_logged_and_shown_as_a_generic_message(caplog) -> None:
    event = rendered(toast_refusal(KeyError("secret_column_name")))

    assert FAILURE_MESSAGE in event
    assert "secret_column_name" not in event
    assert "secret_column_name" in caplog.text


def test_the_same_refusal_twice_replaces_its_toast_rather_than_stacking() -> None:
    first = rendered(toast_refusal(InvalidState("Not now")))
    second = rendered(toast_refusal(InvalidState("Not now")))

    assert first == second and "handoff-refusal" in first


def test_toasts_sit_at_the_top_centre_short_lived_and_few() -> None:
    props = toaster().render()["props"]

    assert 'position:"top-center"' in props
    assert f"visibleToasts:{VISIBLE_TOASTS}" in props
    assert f'toastOptions:({{ ["duration"] : {TOAST_DURATION_MS} }})' in props


def _only_toasts(handler: ast.ExceptHandler) -> bool:
    caught = ast.unparse(handler.type) if handler.type else ""
    body = handler.body
    return ("HandoffError" in caught and len(body) == 1 and isinstance(body[0], (ast.Return, ast.Expr))
            and "toast" in ast.unparse(body[0]))


def _toasts_besides_an_inline_error(handler: ast.ExceptHandler) -> bool:
    text = "\n".join(ast.unparse(statement) for statement in handler.body)
    return "HandoffError" in ast.unparse(handler.type or ast.Constant(None)) and "exc.message" in text \
        and "error_toast" in text


def test_no_handler_catches_a_refusal_only_to_toast_it_or_shows_it_twice() -> None:
    offenders = [f"{path.name}:{node.lineno}"
                 for path in sorted(UI_STATE.glob("*.py"))
                 for node in ast.walk(ast.parse(path.read_text()))
                 if isinstance(node, ast.ExceptHandler)
                 and (_only_toasts(node) or _toasts_besides_an_inline_error(node))]

    assert offenders == []
