"""Webhook endpoints in a real browser, against a real receiver on loopback: the verification ping,
the show-once secret, a test event delivered into the log, a failing receiver saved disabled,
the read-only member view, and the staff list of failures."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from marketplace_app.companies import reports
from marketplace_app.companies.access import CompanyActor, resolve_actor
from marketplace_app.companies.models import MemberRole
from marketplace_app.core.db import unit_of_work
from marketplace_app.identity.models import Role
from marketplace_app.settings import get_settings
from marketplace_app.ui import routes
from marketplace_app.webhooks import delivery
from marketplace_app.webhooks import service as webhooks
from marketplace_app.webhooks.signing import verify_signature
from tests import factories
from tests.companies.helpers import make_member
from tests.e2e.helpers import Url, make_user, sign_in
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.e2e

EMAIL = "hana@hooks.example"


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    """A loopback receiver, reachable because the (in-process) backend allows localhost webhooks."""
    monkeypatch.setenv("WEBHOOKS_ALLOW_LOCALHOST", "1")
    get_settings.cache_clear()
    server = Receiver().start()
    yield server
    server.stop()
    monkeypatch.delenv("WEBHOOKS_ALLOW_LOCALHOST")
    get_settings.cache_clear()


def company_with_project(*, email: str = EMAIL) -> CompanyActor:
    """A company whose owner signs in with `email`, with one project; returns the owner as an actor."""
    with unit_of_work() as session:
        user = factories.make_user(session, role=Role.company, email=email, company_name="Hooks Ltd")
        company = session.exec(factories.companies_for(user.id)).one()
        factories.make_project(session, company=company, name="Agents")
        return resolve_actor(session, user.id)


def project_of(actor: CompanyActor) -> str:
    with unit_of_work(read_only=True) as session:
        return next(iter(reports.project_names(session, company_id=actor.company_id)))


def add_endpoint(page: Page, url: Url, address: str) -> None:
    page.goto(url(routes.COMPANY_WEBHOOKS))
    expect(page.get_by_text("No endpoints yet")).to_be_visible()
    page.locator("#add-endpoint").click()
    dialog = page.get_by_role("dialog")
    dialog.locator("#url").fill(address)
    dialog.locator("#description").fill("local receiver")
    dialog.locator("#endpoint-save").click()


def test_an_endpoint_is_verified_shows_its_secret_once_and_delivers_a_test_event(page: Page, url: Url,
                                                                                 receiver: Receiver):
    company_with_project()
    sign_in(page, url, email=EMAIL)
    page.wait_for_url(url(routes.COMPANY_HOME))

    add_endpoint(page, url, receiver.url)

    secret = page.locator("#endpoint-secret")
    expect(secret).to_have_text(re.compile(r"^whsec_\S{20,}$"))
    value = secret.inner_text()
    ping = receiver.calls[0]
    assert json.loads(ping.body)["type"] == "webhook.ping"
    verify_signature(ping.body, ping.headers["x-handoff-signature"], value)
    page.locator("#endpoint-secret-done").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    card = page.locator(f"[data-endpoint='{receiver.url}']")
    expect(card.locator("[data-field=status]")).to_have_text("enabled")
    expect(card.locator("[data-field=types]")).to_contain_text("All events")
    expect(card.locator("[data-field=secret]")).to_have_text(f"whsec_…{value[-4:]}")
    assert value not in page.content()

    card.locator(".send-test").click()
    row = page.locator("#deliveries-table [data-event-type='webhook.test']")
    expect(row.locator("[data-column=status]")).to_have_text("pending")
    assert delivery.deliver_due() == 1  # the scheduler is off in tests: send what is due, as its job would
    page.locator("#refresh-log").click()

    expect(row.locator("[data-column=status]")).to_have_text("delivered")
    expect(row.locator("[data-column=code]")).to_have_text("200")
    expect(card.locator("[data-field=deliveries]")).to_contain_text("1 delivered")
    assert json.loads(receiver.calls[-1].body)["type"] == "webhook.test"
    row.get_by_role("button", name="Details").click()
    attempts = page.locator("#attempts-table tbody tr")
    expect(attempts).to_have_count(1)
    expect(attempts.locator("[data-column=code]")).to_have_text("200")
    expect(page.locator("#replay-delivery")).to_be_visible()


def test_on_a_phone_a_receiver_failing_the_ping_can_be_saved_disabled_and_enabled_later(
        phone: Page, url: Url, receiver: Receiver):
    receiver.status = 500
    company_with_project()
    sign_in(phone, url, email=EMAIL)
    phone.wait_for_url(url(routes.COMPANY_HOME))

    add_endpoint(phone, url, receiver.url)

    dialog = phone.get_by_role("dialog")
    expect(dialog.locator("#endpoint-error")).to_contain_text("did not answer the webhook.ping with a 2xx")
    dialog.locator("#save-disabled").click()
    expect(phone.locator("#endpoint-secret-note")).to_contain_text("Saved disabled")
    phone.locator("#endpoint-secret-done").click()
    card = phone.locator(f"[data-endpoint='{receiver.url}']")
    expect(card.locator("[data-field=status]")).to_have_text("disabled")
    expect(card.locator(".disabled-reason")).to_contain_text("verification ping failed")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    receiver.status = 204
    card.locator(".enable-endpoint").click()
    expect(card.locator("[data-field=status]")).to_have_text("enabled")
    expect(card.locator(".disabled-reason")).to_have_count(0)


def test_a_member_reads_endpoints_without_write_buttons(page: Page, url: Url, receiver: Receiver):
    owner = company_with_project()
    webhooks.create_endpoint(actor=owner, project_id=project_of(owner), url=receiver.url, types=["request.completed"])
    with unit_of_work() as session:
        company = session.exec(factories.companies_for(owner.user_id)).one()
        member = make_member(session, company=company, role=MemberRole.member).email
    sign_in(page, url, email=member)
    page.wait_for_url(url(routes.COMPANY_HOME))

    page.goto(url(routes.COMPANY_WEBHOOKS))

    card = page.locator(f"[data-endpoint='{receiver.url}']")
    expect(card.locator("[data-field=types]")).to_have_text("request.completed")
    expect(page.locator("#add-endpoint")).to_have_count(0)
    expect(card.get_by_role("button")).to_have_text(["Delivery log"])


def test_staff_see_disabled_endpoints_and_failed_deliveries(page: Page, url: Url, receiver: Receiver,
                                                            monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("WEBHOOK_RETRY_SECONDS", "[]")  # the first failed attempt is the last
    get_settings.cache_clear()
    owner = company_with_project()
    saved = webhooks.create_endpoint(actor=owner, project_id=project_of(owner), url=receiver.url, types=None)
    with unit_of_work() as session:
        webhooks.send_test(session, actor=owner, endpoint_id=saved.endpoint.id)
    receiver.status = 503
    assert delivery.deliver_due() == 1
    webhooks.update_endpoint(actor=owner, endpoint_id=saved.endpoint.id, changes={"enabled": False})
    sign_in(page, url, email=make_user(role=Role.admin, display_name="Ada Admin"))
    page.wait_for_url(url(routes.ADMIN_HOME))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Webhook failures").click()

    endpoint = page.locator(f"#disabled-endpoints [data-endpoint='{receiver.url}']")
    expect(endpoint.locator("[data-column=company]")).to_have_text("Hooks Ltd")
    expect(endpoint.locator("[data-column=reason]")).to_have_text("disabled by a company member")
    failed = page.locator("#failed-deliveries tbody tr")
    expect(failed).to_have_count(1)
    expect(failed.locator("[data-column=code]")).to_have_text("503")
    expect(failed.locator("[data-column=event]")).to_contain_text("webhook.test")

