import time
import pytest
from playwright.sync_api import Page, expect
from marketplace_app.ui import routes
from marketplace_app.events.hub import hub
from tests.e2e.helpers import sign_in
from tests.e2e.test_live_updates import company_with_key

pytestmark = pytest.mark.e2e

def wait_subs(n, timeout=8):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(hub._subscribers) == n:
            return time.monotonic() - (deadline - timeout)
        time.sleep(0.05)
    raise AssertionError(f"{len(hub._subscribers)} subscribers, wanted {n}")

def test_leaks(browser, url, app):
    company_with_key(email="x@y.example")
    ctx = browser.new_context()
    page = ctx.new_page()
    sign_in(page, url, email="x@y.example")
    page.wait_for_url(url(routes.COMPANY_HOME))
    expect(page.locator("#live-indicator")).to_be_visible()
    print("home", wait_subs(1))
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Requests", exact=True).click()
    expect(page.locator("#live-indicator")).to_be_visible()
    print("requests", wait_subs(1))
    nav.get_by_role("link", name="Keys", exact=True).click()
    page.wait_for_url(url(routes.COMPANY_KEYS))
    print("keys", wait_subs(0))
    nav.get_by_role("link", name="Requests", exact=True).click()
    expect(page.locator("#live-indicator")).to_be_visible()
    print("requests again", wait_subs(1))
    page.reload()
    expect(page.locator("#live-indicator")).to_be_visible()
    print("reload", wait_subs(1))
    page2 = ctx.new_page()
    page2.goto(url(routes.COMPANY_HOME))
    expect(page2.locator("#live-indicator")).to_be_visible()
    print("two tabs", wait_subs(2))
    page2.close()
    print("closed tab", wait_subs(1))
    ctx.close()
    print("closed ctx", wait_subs(0))
