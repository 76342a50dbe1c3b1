"""Reflex configuration; everything else comes from `marketplace_app.settings`."""

import os

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from marketplace_app.core.db import normalize_url
from marketplace_app.settings import get_settings
from marketplace_app.ui.theme import THEME

settings = get_settings()
# Ports only when set: a frontend port in the config makes `reflex run --backend-only` refuse to start.
ports = {name: value for name, value in (("frontend_port", settings.frontend_port),
                                         ("backend_port", settings.backend_port)) if value is not None}

# Production runs granian with GRANIAN_WORKERS processes (Reflex reads it when it starts them; its
# own default is 2 per core + 1 whenever Redis is configured). WEB_CONCURRENCY is our one knob, and
# without REDIS_URL there is one worker whatever is set: each would keep its own dashboard state.
os.environ["GRANIAN_WORKERS"] = str(settings.backend_workers)

config = rx.Config(
    app_name="marketplace_app",
    db_url=normalize_url(settings.database_url),
    redis_url=settings.redis_url,
    **ports,
    # Reflex's default is "*" with credentials: any site could read cookie-authenticated answers and
    # ride the dashboard socket. This list feeds its CORS middleware and its `/_event` socket.io server.
    cors_allowed_origins=list(settings.allowed_origins),
    telemetry_enabled=False,
    # The dashboards' client address (sign-in throttling) follows the API's proxy rule.
    trusted_proxy_hops=settings.trusted_proxy_hops,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=THEME)],
    disable_plugins=[SitemapPlugin],
)
