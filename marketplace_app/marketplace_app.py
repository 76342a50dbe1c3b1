"""The Reflex entry point: dashboards, the `/v1` API mounted in front, and the scheduler."""

import reflex as rx
from starlette.types import ASGIApp

from marketplace_app.api.app import create_api
from marketplace_app.api.origins import ForeignOriginHeaders
from marketplace_app.core.heap import settled_heap
from marketplace_app.scheduler.runner import scheduler_lifespan
from marketplace_app.ui import pages  # noqa: F401  (registers every page)
from marketplace_app.ui.errors import toast_refusal, toaster
from marketplace_app.ui.theme import HEAD, STYLESHEETS
from marketplace_app.ui.uploads import SignedInUploads


class HandoffApp(rx.App):
    """`rx.App` with our origin policy outside everything Reflex assembles (its CORS included)."""

    def __call__(self) -> ASGIApp:
        """The ASGI app the server runs (Reflex calls the app instance as a factory)."""
        return ForeignOriginHeaders(super().__call__())


# Transformers apply in order: the upload guard wraps Reflex's own routes, then the API is mounted
# in front of both, so its body limit (which covers `/_upload`) runs before the guard.
# A `HandoffError` raised by any event handler becomes one toast, here and nowhere else;
# `toaster()` places toasts where they do not cover the work.
app = HandoffApp(api_transformer=[SignedInUploads, create_api()], stylesheets=STYLESHEETS,
                 head_components=HEAD, backend_exception_handler=toast_refusal, toaster=toaster())
app.register_lifespan_task(scheduler_lifespan)
app.register_lifespan_task(settled_heap)
