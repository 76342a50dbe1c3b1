"""What the webhooks page and the staff failures page read, and the live pages' event matchers."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from marketplace_app.companies.access import CompanyActor, resolve_actor
from marketplace_app.companies.models import Company, MemberRole
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import NotFound, ValidationFailed
from marketplace_app.ui.state import admin_webhooks, live
from marketplace_app.ui.state import webhook_views as views
from marketplace_app.webhooks import service as webhooks
from marketplace_app.webhooks.models import DeliveryStatus
from tests import factories
from tests.companies.helpers import make_member, owner_actor
from tests.webhooks.receiver import Receiver


def company(name: str) -> tuple[CompanyActor, CompanyActor, str]:
    """A company's owner and a read-only member as actors, and its one project."""
    with unit_of_work() as session:
        found: Company = factories.make_company(session, name=name)
        project = factories.make_project(session, company=found, name=f"{name} agents")
        member = make_member(session, company=found, role=MemberRole.member)
        return owner_actor(session, found), resolve_actor(session, member.id), project.id


def test_a_member_sees_the_endpoint_without_its_secret_and_may_not_write(receiver: Receiver):
    # given
    owner, member, project_id = company("Hooks")
    saved = webhooks.create_endpoint(actor=owner, project_id=project_id, url=receiver.url,
                                     types=["request.completed"], description="main")

    # when
    with unit_of_work(read_only=True) as session:
        snapshot = views.webhooks_snapshot(session, member, project_id="")

    # then
    assert snapshot["can_write"] is False
    assert snapshot["project_id"] == project_id
    [row] = snapshot["endpoints"]
    assert row.secret == f"whsec_…{saved.secret[-4:]}" and saved.secret not in str(snapshot)
    assert (row.status, row.enabled, row.types) == ("enabled", True, "request.completed")
    assert (row.pending, row.delivered, row.failed) == ("0", "0", "0")


def test_the_delivery_log_pages_newest_first_and_details_each_attempt(receiver: Receiver):
    # given 21 test events, the oldest delivered
    owner, _, project_id = company("Pager")
    endpoint_id = webhooks.create_endpoint(actor=owner, project_id=project_id, url=receiver.url, types=None).endpoint.id
    with unit_of_work() as session:
        ids = [int(webhooks.send_test(session, actor=owner, endpoint_id=endpoint_id)["id"]) for _ in range(21)]
    with unit_of_work() as session:
        session.execute(update(webhooks.DELIVERIES).where(webhooks.DELIVERIES.c.id != ids[0])
                        .values(next_attempt_at=None))
    from marketplace_app.webhooks import delivery
    assert delivery.deliver_due() == 1

    # when
    with unit_of_work(read_only=True) as session:
        first = views.deliveries_page(session, owner, endpoint_id=endpoint_id, status=views.ALL, starting_after=None)
        second = views.deliveries_page(session, owner, endpoint_id=endpoint_id, status=views.ALL,
                                       starting_after=first["last_id"])
        delivered = views.deliveries_page(session, owner, endpoint_id=endpoint_id, status=DeliveryStatus.delivered,
                                          starting_after=None)
        detail = views.delivery_detail(session, owner, delivery=str(ids[0]))

    # then
    assert [row["id"] for row in first["rows"]] == [str(value) for value in reversed(ids[1:])]
    assert first["has_more"] and not second["has_more"]
    assert [row["id"] for row in second["rows"]] == [str(ids[0])]
    assert [(row["status"], row["code"]) for row in delivered["rows"]] == [("delivered", "200")]
    assert [(attempt["code"], attempt["error"]) for attempt in detail["attempts"]] == [("200", "")]


def test_another_companys_delivery_and_a_malformed_id_are_not_found(receiver: Receiver):
    # given
    owner, _, project_id = company("Mine")
    other, _, _ = company("Theirs")
    endpoint_id = webhooks.create_endpoint(actor=owner, project_id=project_id, url=receiver.url, types=None).endpoint.id
    with unit_of_work() as session:
        delivery_id = str(webhooks.send_test(session, actor=owner, endpoint_id=endpoint_id)["id"])

    # then
    with unit_of_work(read_only=True) as session:
        for actor, value in ((other, delivery_id), (owner, "1 OR 1=1"), (owner, "")):
            with pytest.raises(NotFound):
                views.delivery_detail(session, actor, delivery=value)


def test_event_types_come_from_the_ticked_boxes_or_are_all():
    # then
    assert views.chosen_types({"type:request.completed": "on"}, all_events=True) is None
    assert views.chosen_types({"type:request.completed": "on", "type:nope": "on", "url": "x"},
                              all_events=False) == ["request.completed"]
    with pytest.raises(ValidationFailed, match="at least one event type"):
        views.chosen_types({}, all_events=False)


def test_staff_see_disabled_endpoints_and_failed_deliveries_of_every_company(receiver: Receiver):
    # given one company's endpoint disabled and the other's delivery failed
    first, _, first_project = company("First")
    second, _, second_project = company("Second")
    disabled = webhooks.create_endpoint(actor=first, project_id=first_project, url=receiver.url, types=None)
    webhooks.update_endpoint(actor=first, endpoint_id=disabled.endpoint.id, changes={"enabled": False})
    failing = webhooks.create_endpoint(actor=second, project_id=second_project, url=receiver.url, types=None)
    with unit_of_work() as session:
        sent = webhooks.send_test(session, actor=second, endpoint_id=failing.endpoint.id)
        session.execute(update(webhooks.DELIVERIES).where(webhooks.DELIVERIES.c.id == sent["id"]).values(
            status=DeliveryStatus.failed, attempts=4, last_status_code=502, last_error="receiver answered 502"))

    # when
    with unit_of_work(read_only=True) as session:
        snapshot = admin_webhooks.failures_snapshot(session)

    # then
    assert [(row["company"], row["project"], row["reason"]) for row in snapshot["endpoints"]] == [
        ("First", "First agents", "disabled by a company member")]
    assert [(row["company"], row["type"], row["code"], row["attempts"]) for row in snapshot["deliveries"]] == [
        ("Second", "webhook.test", "502", "4")]


def test_live_matchers_keep_to_their_scope():
    # given
    row = {"type": "request.cancelled", "company_id": "cmp_a", "request_id": "req_1", "mode": "live"}

    # then
    assert live.company_events("cmp_a", mode="live")(row)
    assert live.company_events("cmp_a", mode="live", request_id="req_1")(row)
    assert not live.company_events("cmp_a", mode="live", request_id="req_2")(row)
    assert not live.company_events("cmp_b", mode="live")(row)
    assert not live.company_events("cmp_a", mode="live")({**row, "type": "key.created"})
    assert not live.company_events("cmp_a", mode="test")(row)
    assert live.company_events("cmp_a", mode="test")({**row, "mode": "test"})
    assert live.live_request_events(row)
    assert not live.live_request_events({**row, "mode": "test"})
