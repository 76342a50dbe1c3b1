"""The scheduler's heartbeats and lease as staff read them."""

from __future__ import annotations

from marketplace_app.scheduler import queries
from marketplace_app.scheduler.runner import run_job
from tests.scheduler.test_runner import counting_job
from tests.work import helpers as w


def test_heartbeats_come_by_name_with_what_each_job_last_did():
    # given
    run_job(counting_job(name="zeta", processed=2))
    run_job(counting_job(name="alpha", processed=5))

    # when
    beats = w.in_unit(queries.heartbeats)

    # then
    assert [(beat.name, beat.last_processed, beat.runs, beat.last_status) for beat in beats] == [
        ("alpha", 5, 1, "ok"), ("zeta", 2, 1, "ok")]


def test_no_lease_until_a_process_leads():
    # then
    assert w.in_unit(queries.leadership) is None
