"""The one place a dashboard refusal becomes a message, and where messages appear.

Every event handler lets a `HandoffError` propagate; Reflex hands it to `toast_refusal`
(`rx.App(backend_exception_handler=...)`), which shows the refusal in the same words the API
sends. A handler that shows the error inline instead catches it itself, so one event never
shows one message twice. Anything else is a bug: it is logged with its traceback and the person
reads a generic message (never the exception's text, which may name internals).

This module has no `from __future__ import annotations`: Reflex checks the handler's
annotations by evaluating them in its own module, where only its own names exist.
"""

import logging

import reflex as rx
from reflex.event import EventSpec

from marketplace_app.core.errors import HandoffError

logger = logging.getLogger(__name__)

REFUSAL_TOAST_ID = "handoff-refusal"
FAILURE_TOAST_ID = "handoff-failure"
FAILURE_MESSAGE = "Something went wrong on our side. Try again; if it keeps failing, contact support."
# Messages confirm or refuse one click: long enough to read a sentence, short enough not to pile up.
TOAST_DURATION_MS = 4000
VISIBLE_TOASTS = 2


def toaster() -> rx.Component:
    """The app's toast provider: top-center, short-lived, at most two visible at once.

    Top-center keeps toasts off the forms and buttons that sit lower on every page; on a
    phone Sonner spans them across the top edge, above the work rather than over it.
    """
    return rx.toast.provider(position="top-center", visible_toasts=VISIBLE_TOASTS, expand=False,
                             close_button=True, toast_options=rx.toast.options(duration=TOAST_DURATION_MS))


def toast_refusal(exception: Exception) -> EventSpec | None:
    """One error toast with the refusal's message; a generic one (and a log line) for anything else.

    Args:
        exception: What an event handler raised.

    Returns:
        The toast to show.
    """
    if isinstance(exception, HandoffError):
        # A fixed id replaces the previous refusal's toast instead of piling a second one on it.
        return rx.toast.error(exception.message, id=REFUSAL_TOAST_ID)
    logger.error("Dashboard event handler failed", exc_info=exception)
    return rx.toast.error(FAILURE_MESSAGE, id=FAILURE_TOAST_ID)
