"""Browser tests: one in-process Reflex app (AppHarness) per session, Chromium via Playwright.

The harness runs the backend in a thread of this process, so it uses the engine that the
autouse `database` fixture configures: every test still gets its own fresh migrated
database. Run these in their own pytest process: `pytest -m e2e tests/e2e`.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import reflex.testing
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright
from reflex.config import get_config
from reflex.testing import AppHarness

from marketplace_app.events.hub import hub
from marketplace_app.settings import PROJECT_ROOT, get_settings

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-quic"]
HUB_STOP_TIMEOUT_SECONDS = 5.0
# The first page of a cold dev server compiles on demand; later ones are quick.
NAVIGATION_TIMEOUT_MS = 45_000
EXPECT_TIMEOUT_MS = 15_000
expect.set_options(timeout=EXPECT_TIMEOUT_MS)


class _LocalhostAddress:
    """A listening socket that reports its address as `localhost`."""

    def __init__(self, sock: socket.socket) -> None:
        self._port = sock.getsockname()[1]

    def getsockname(self) -> tuple[str, int]:
        return "localhost", self._port


class LocalhostHarness(AppHarness):
    """AppHarness whose `api_url` says `localhost` instead of `127.0.0.1`, with its frontend on a
    port chosen up front.

    Cookies belong to a host name: the page, the websocket and the API route that sets
    the session cookie must all use the same one. Reflex's frontend maps `localhost` in
    `api_url` to the page's own host name, and the dev server announces `localhost`.
    The frontend's origin must be known before the app is built: only `ALLOWED_ORIGINS` may
    open the dashboard socket, and AppHarness would otherwise let the dev server pick a port.
    """

    frontend_port: int = 0

    def _poll_for_servers(self, timeout=None):
        return _LocalhostAddress(super()._poll_for_servers(timeout))

    def _start_frontend(self):
        # AppHarness hands the dev server PORT=0 through this function; it is looked up at call time.
        original = reflex.testing._with_development_condition
        reflex.testing._with_development_condition = lambda environ: {
            **original(environ), "PORT": str(self.frontend_port)}
        try:
            super()._start_frontend()
        finally:
            reflex.testing._with_development_condition = original


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def app() -> Iterator[LocalhostHarness]:
    """The whole Handoff app (dashboards and `/v1` API), started once for the session."""
    harness = LocalhostHarness.create(root=Path(PROJECT_ROOT), app_name="marketplace_app")
    harness.frontend_port = _free_port()
    os.environ["ALLOWED_ORIGINS"] = f"http://localhost:{harness.frontend_port}"
    get_settings.cache_clear()
    with harness:
        # The ticket route redirects to `settings.app_url`: point it at this frontend.
        os.environ["APP_URL"] = app_url(harness)
        get_settings.cache_clear()
        yield harness
    os.environ.pop("APP_URL", None)
    os.environ.pop("ALLOWED_ORIGINS", None)
    get_settings.cache_clear()


def app_url(harness: AppHarness) -> str:
    """The frontend's origin, without a trailing slash."""
    assert harness.frontend_url, "the frontend did not start"
    return harness.frontend_url.rstrip("/")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless (Playwright cannot download browsers here)."""
    with sync_playwright() as playwright:
        yield _launch(playwright)


def _launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@pytest.fixture
def page(app: LocalhostHarness, browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies) on a desktop-sized window."""
    yield from _page(browser, viewport={"width": 1280, "height": 800})


@pytest.fixture
def phone(app: LocalhostHarness, browser: Browser) -> Iterator[Page]:
    """A fresh browser context on a phone-sized window."""
    yield from _page(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)


def _page(browser: Browser, **options) -> Iterator[Page]:
    context = browser.new_context(**options)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def url(app: LocalhostHarness):
    """Build an absolute frontend URL from a route."""
    return lambda route: app_url(app) + route


@pytest.fixture
def api(app: LocalhostHarness) -> Iterator[httpx.Client]:
    """An HTTP client for the harness backend itself (the `/v1` API the agents call)."""
    with httpx.Client(base_url=get_config().api_url, timeout=30) as client:
        yield client


@pytest.fixture(autouse=True)
def fresh_event_hub() -> None:
    """Stop the live-event poller left by the previous test: its cursor points into that test's database.

    The backend runs in this process, so the poller is this module's `hub`; the next page that
    follows events starts it again, with its cursor at the end of this test's event log.
    """
    task = hub.stop()
    if task is None:
        return
    deadline = time.monotonic() + HUB_STOP_TIMEOUT_SECONDS
    while not task.done() and time.monotonic() < deadline:
        time.sleep(0.01)
