"""The Reflex entry point: dashboards, the `/v1` API mounted in front, and the scheduler."""

import reflex as rx

from marketplace_app.api.app import create_api
from marketplace_app.scheduler.runner import scheduler_lifespan
from marketplace_app.ui import pages  # noqa: F401  (registers every page)
from marketplace_app.ui.theme import HEAD, STYLESHEETS

app = rx.App(api_transformer=create_api(), stylesheets=STYLESHEETS, head_components=HEAD)
app.register_lifespan_task(scheduler_lifespan)
