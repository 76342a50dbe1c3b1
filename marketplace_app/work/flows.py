"""Use cases that span more than one transaction, shared by the API and the dashboard.

Submitting work checks the input against the operation's schema, reads the request, runs
verification (and an optional external adjudicator) outside any write transaction, then
writes in one unit of work that re-checks the state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import RowMapping

from marketplace_app.core.db import unit_of_work
from marketplace_app.core.validation import validated
from marketplace_app.work import service as work
from marketplace_app.work.adjudicator import current_adjudicator
from marketplace_app.work.schemas import SubmissionCreate
from marketplace_app.work.verification import Submission, check


def submit_work(*, operator_id: str, request_id: str,
                body: SubmissionCreate | Mapping[str, Any]) -> RowMapping:
    """Check, verify and submit an operator's work; return the request as it ends up.

    The body is validated here, whichever door built it, so no caller can hand in more than
    the schema allows (a built `SubmissionCreate` is checked again: it may have skipped its
    validation).

    Raises:
        ValidationFailed: The body breaks `SubmissionCreate`; its first problem, named by field.
    """
    fields = body.model_dump() if isinstance(body, SubmissionCreate) else dict(body)
    checked = validated(SubmissionCreate, fields)
    return verify_and_submit(operator_id=operator_id, request_id=request_id, submission=checked.submission(),
                             file_ids=list(checked.file_ids))


def verify_and_submit(*, operator_id: str, request_id: str, submission: Submission,
                      file_ids: list[str]) -> RowMapping:
    """Verify a submission that already passed `SubmissionCreate`, then write it."""
    with unit_of_work(read_only=True) as session:
        row = work.load_assigned(session, operator_id=operator_id, request_id=request_id)
    verdict = current_adjudicator().review(row, submission, check(row, submission))
    with unit_of_work() as session:
        return work.submit(session, operator_id=operator_id, request_id=request_id, submission=submission,
                           file_ids=file_ids, verdict=verdict)
