"""Use cases that span more than one transaction, shared by the API and the dashboard.

Submitting work reads the request, runs verification (and an optional external
adjudicator) outside any write transaction, then writes in one unit of work that
re-checks the state.
"""

from __future__ import annotations

from sqlalchemy import RowMapping

from marketplace_app.core.db import unit_of_work
from marketplace_app.work import service as work
from marketplace_app.work.adjudicator import current_adjudicator
from marketplace_app.work.verification import Submission, check


def submit_work(*, operator_id: str, request_id: str, submission: Submission, file_ids: list[str]) -> RowMapping:
    """Verify and submit an operator's work; return the request as it ends up."""
    with unit_of_work(read_only=True) as session:
        row = work.load_assigned(session, operator_id=operator_id, request_id=request_id)
    verdict = current_adjudicator().review(row, submission, check(row, submission))
    with unit_of_work() as session:
        return work.submit(session, operator_id=operator_id, request_id=request_id, submission=submission,
                           file_ids=file_ids, verdict=verdict)
