"""Reading KYC submissions for staff: the document a submission was sent with, and the queue's size."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session

from marketplace_app.kyc.models import KycSubmission
from marketplace_app.uploads import queries as uploads
from marketplace_app.uploads.queries import Document

SUBMISSIONS = KycSubmission.__table__


def document_of(session: Session, *, submission_id: str) -> Document | None:
    """The identity document of submission `submission_id`, or None if either is gone."""
    upload_id = session.execute(select(SUBMISSIONS.c.document_upload_id)
                                .where(SUBMISSIONS.c.id == submission_id)).scalar_one_or_none()
    if upload_id is None:
        return None
    return uploads.documents(session, [upload_id]).get(upload_id)


def pending_count(session: Session) -> int:
    """How many submissions wait for a staff decision."""
    return session.execute(select(func.count()).select_from(SUBMISSIONS)
                           .where(SUBMISSIONS.c.status == "pending")).scalar_one()
