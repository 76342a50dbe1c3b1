"""What the staff pages read through the domain readers: the scheduler heartbeat, the KYC queue
with its documents, and the payout queue, each naming the people involved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from marketplace_app.core import clock
from marketplace_app.core.errors import NotFound
from marketplace_app.earnings import payouts
from marketplace_app.kyc import service as kyc
from marketplace_app.scheduler.leader import LEASE_NAME
from marketplace_app.scheduler.models import SchedulerJob, SchedulerLease
from marketplace_app.ui.state import admin, admin_queues
from tests.work import helpers as w

NOON = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def storage(monkeypatch, tmp_path):
    return w.use_tmp_storage(monkeypatch, tmp_path)


def heartbeat(name: str, **values) -> dict:
    return {"name": name, "description": f"{name} job", "interval_seconds": 60, "holder": None,
            "last_finished_at": None, "last_status": None, "last_error": None, "last_processed": 0,
            "last_duration_ms": 0, "runs": 0, "failures": 0} | values


def test_the_scheduler_page_lists_every_heartbeat_by_name_and_the_live_lease():
    # given
    clock.freeze(NOON)
    w.in_unit(lambda session: session.execute(insert(SchedulerJob.__table__), [
        heartbeat("sweep", interval_seconds=7200, last_status="error", last_error="boom", runs=4, failures=1,
                  last_finished_at=NOON - timedelta(minutes=1), holder="web-1"),
        heartbeat("deliver", last_status="ok", last_processed=3, runs=9)]))
    w.in_unit(lambda session: session.execute(insert(SchedulerLease.__table__).values(
        name=LEASE_NAME, holder="web-1", acquired_at=NOON, renewed_at=NOON, expires_at=NOON + timedelta(seconds=30))))

    # when
    snapshot = w.in_unit(admin.scheduler_snapshot)

    # then
    deliver, sweep = snapshot["jobs"]
    assert (deliver.name, deliver.status, deliver.processed) == ("deliver", "ok", "3")
    assert deliver.last_run == "—"  # never run: the one word for nothing
    assert (sweep.interval, sweep.status, sweep.last_error, sweep.failures, sweep.holder) == (
        "every 2 h", "error", "boom", "1", "web-1")
    assert sweep.last_run == "2026-03-03 11:59:00 UTC"
    assert (snapshot["lease"].holder, snapshot["lease"].active) == ("web-1", True)


def test_the_scheduler_page_without_a_leader_shows_no_lease():
    # when
    snapshot = w.in_unit(admin.scheduler_snapshot)

    # then
    assert snapshot["lease"] == admin.LeaseRow(holder="", renewed_at="", expires_at="", active=False)


def test_the_kyc_queue_names_the_sender_and_the_document_and_serves_it():
    # given
    newcomer = w.make_operator(verified=False, available=False)
    document = w.upload(newcomer, purpose="kyc_document", data=w.JPEG, filename="id.jpg")
    submission = w.in_unit(lambda session: kyc.submit(session, user_id=newcomer.user_id, legal_name="Ana García",
                                                      country="ES", date_of_birth=datetime(1990, 5, 17).date(),
                                                      document_upload_id=document))

    # when
    [row] = w.in_unit(admin_queues.kyc_rows)
    shown = w.in_unit(lambda session: admin_queues.kyc_document(session, submission_id=row["id"]))

    # then
    assert row["id"] == submission.id
    assert (row["legal_name"], row["country"], row["document"], row["document_kind"]) == (
        "Ana García", "ES", "id.jpg", "image/jpeg, 1 KB")
    assert row["email"].endswith("@example.com") and row["display_name"].startswith("Operator ")
    assert (shown["name"], shown["type"]) == ("id.jpg", "image/jpeg")
    assert shown["url"].startswith("data:image/jpeg;base64,")


@pytest.mark.parametrize("submission_id", ["kyc_000000000000000000000000", "x" * 300, "kyc_' OR 1=1"])
def test_an_unknown_submission_has_no_document(submission_id):
    # then
    with pytest.raises(NotFound):
        w.in_unit(lambda session: admin_queues.kyc_document(session, submission_id=submission_id))


def test_the_payout_queue_names_each_operator():
    # given
    operator = w.make_operator()
    w.give_available(operator.user_id, cents=5_000)
    w.in_unit(lambda session: payouts.request_payout(session, operator_id=operator.user_id, amount_cents=1_500))

    # when
    rows = w.in_unit(admin_queues.payout_rows)

    # then
    [waiting] = rows["waiting"]
    assert (waiting["status"], waiting["email"], rows["recent"]) == ("requested", waiting["email"], [])
    assert waiting["email"].endswith("@example.com") and waiting["display_name"].startswith("Operator ")


def test_the_overview_counts_the_queues_and_todays_live_volume_at_a_glance():
    # given at noon: one KYC submission waiting, one 12.00 EUR payout requested, one live request completed
    # today (20.00 EUR escrowed) and one created and still open, plus the scheduler's lease
    clock.freeze(NOON)
    newcomer = w.make_operator(verified=False, available=False)
    document = w.upload(newcomer, purpose="kyc_document", data=w.JPEG, filename="id.jpg")
    w.in_unit(lambda session: kyc.submit(session, user_id=newcomer.user_id, legal_name="Ana García", country="ES",
                                         date_of_birth=datetime(1990, 5, 17).date(), document_upload_id=document))
    payee = w.make_operator()
    w.give_available(payee.user_id, cents=5_000)
    w.in_unit(lambda session: payouts.request_payout(session, operator_id=payee.user_id, amount_cents=1_200))
    agent, worker = w.make_agent(), w.make_operator()
    w.completed_request(agent, worker)
    w.create(agent)
    w.in_unit(lambda session: session.execute(insert(SchedulerLease.__table__).values(
        name=LEASE_NAME, holder="web-1", acquired_at=NOON, renewed_at=NOON, expires_at=NOON + timedelta(seconds=30))))

    # when
    snapshot = w.in_unit(admin.overview_snapshot)

    # then every number is there, read from the domain, and the ledger is healthy
    assert (snapshot["kyc"], snapshot["payouts"], snapshot["payouts_amount"]) == ("1", "1", "12.00 EUR")
    assert (snapshot["disputes"], snapshot["disputes_open"]) == ("0", "0")
    assert (snapshot["webhooks_failed"], snapshot["webhooks_disabled"]) == ("0", "0")
    assert (snapshot["created"], snapshot["completed"], snapshot["escrowed"]) == ("2", "1", "40.00 EUR")
    assert snapshot["ledger_ok"] is True
    assert (snapshot["leader"], snapshot["leader_active"]) == ("web-1", True)

    # and yesterday's requests do not count today
    clock.freeze(NOON + timedelta(days=1))
    later = w.in_unit(admin.overview_snapshot)
    assert (later["created"], later["completed"], later["escrowed"]) == ("0", "0", "0.00 EUR")
    clock.unfreeze()


def test_the_audit_page_reads_each_decision_in_words_with_its_amount_and_reason():
    # given an operator's payout failed by staff and their KYC approved by another
    from marketplace_app.core.db import unit_of_work
    from marketplace_app.identity.models import Role
    from marketplace_app.ui.state import admin_audit
    from tests import factories

    operator = w.make_operator(verified=False, available=False)
    w.give_available(operator.user_id, cents=5_000)
    with unit_of_work() as session:
        payer, reviewer = (factories.make_user(session, role=Role.admin) for _ in range(2))
        payer_email, reviewer_id = payer.email, reviewer.id
        payer_id = payer.id
    payout = w.in_unit(lambda session: payouts.request_payout(session, operator_id=operator.user_id,
                                                              amount_cents=2_500))
    w.in_unit(lambda session: payouts.mark_failed(session, payout_id=payout.id, staff_id=payer_id,
                                                  reason="IBAN closed", by_staff=True))
    document = w.upload(operator, purpose="kyc_document", data=w.JPEG, filename="id.jpg")
    submission = w.in_unit(lambda session: kyc.submit(
        session, user_id=operator.user_id, legal_name="Ana López", country="ES",
        date_of_birth=datetime(1990, 5, 17).date(), document_upload_id=document))
    w.in_unit(lambda session: kyc.review(session, submission_id=submission.id, reviewer_id=reviewer_id,
                                         approve=True, reason=None))

    # when the audit page reads its first page
    rows, has_more = w.in_unit(lambda session: admin_audit.audit_page(session, starting_after=None))

    # then the newest decision comes first, each in words
    assert not has_more
    assert [(row.action, row.subject, row.subject_id) for row in rows] == [
        ("KYC approved", "Operator", operator.user_id), ("Payout failed", "Payout", payout.id)]
    assert (rows[1].staff, rows[1].amount, rows[1].note) == (payer_email, "25.00 EUR", "IBAN closed")
    assert rows[0].amount == ""
