"""Operators submit KYC; staff approve or reject; a development setting auto-approves."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select, update
from sqlmodel import Session

from marketplace_app.audit import service as audit
from marketplace_app.companies.access import checked_id
from marketplace_app.core.clock import now
from marketplace_app.core.errors import InvalidState, NotFound, StateConflict, ValidationFailed
from marketplace_app.core.ids import new_id
from marketplace_app.kyc.models import KycSubmission
from marketplace_app.operators.models import KycStatus, OperatorProfile
from marketplace_app.settings import get_settings
from marketplace_app.uploads.service import UploadPurpose, owned_uploads

MINIMUM_AGE_YEARS = 18
_COUNTRY = re.compile(r"[A-Z]{2}")
SUBMISSIONS = KycSubmission.__table__
PROFILES = OperatorProfile.__table__


def submit(session: Session, *, user_id: str, legal_name: str, country: str, date_of_birth: date,
           document_upload_id: str) -> KycSubmission:
    """Record a KYC submission and mark the operator `pending` (or `verified` with auto-approval on).

    Raises:
        ValidationFailed: Bad name, country or age (under the minimum, or an implausible birth date).
        NotFound: The document is not the operator's KYC upload.
        InvalidState: The operator is already verified or has a submission under review.
    """
    legal_name = " ".join(legal_name.split())
    if not 2 <= len(legal_name) <= 200:
        raise ValidationFailed("legal_name must be 2 to 200 characters")
    if not _COUNTRY.fullmatch(country or ""):
        raise ValidationFailed("country must be an ISO 3166-1 alpha-2 code such as ES")
    if _age_years(date_of_birth) < MINIMUM_AGE_YEARS:
        raise ValidationFailed(f"Operators must be at least {MINIMUM_AGE_YEARS} years old")
    if _age_years(date_of_birth) > get_settings().kyc_max_age_years:
        raise ValidationFailed(f"date_of_birth gives an age over {get_settings().kyc_max_age_years} years; "
                               "check the date")
    owned_uploads(session, owner_user_id=user_id, upload_ids=[document_upload_id], purpose=UploadPurpose.kyc_document)
    status = KycStatus.verified if get_settings().kyc_auto_approve else KycStatus.pending
    claimed = session.execute(update(PROFILES).where(
        PROFILES.c.user_id == user_id, PROFILES.c.kyc_status.in_([KycStatus.not_started, KycStatus.rejected]),
    ).values(kyc_status=status)).rowcount
    if claimed != 1:
        raise InvalidState("KYC is already verified or under review")
    submission = KycSubmission(id=new_id("kyc"), user_id=user_id, legal_name=legal_name, country=country,
                               date_of_birth=date_of_birth, document_upload_id=document_upload_id, status=status,
                               reviewed_at=now() if status == KycStatus.verified else None,
                               reviewer_id="auto" if status == KycStatus.verified else None)
    session.add(submission)
    session.flush()
    return submission


def _age_years(born: date) -> int:
    today = now().date()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def review(session: Session, *, submission_id: str, reviewer_id: str, approve: bool, reason: str | None) -> None:
    """Approve or reject a pending submission, exactly once.

    Raises:
        ValidationFailed: A rejection without a reason.
        NotFound: No such submission.
        InvalidState: Already reviewed.
    """
    if not approve and not (reason and reason.strip()):
        raise ValidationFailed("A rejection needs a reason the operator can act on")
    checked_id(submission_id, "KYC submission")  # a NUL byte would make PostgreSQL fail the query instead
    submission = session.get(KycSubmission, submission_id)
    if submission is None:
        raise NotFound(f"KYC submission {submission_id} not found")
    status = KycStatus.verified if approve else KycStatus.rejected
    claimed = session.execute(update(SUBMISSIONS).where(
        SUBMISSIONS.c.id == submission_id, SUBMISSIONS.c.status == KycStatus.pending,
    ).values(status=status, reason=(reason or "").strip()[:500] or None, reviewed_at=now(),
             reviewer_id=reviewer_id)).rowcount
    if claimed != 1:
        raise StateConflict(f"KYC submission {submission_id} was already reviewed")
    session.execute(update(PROFILES).where(PROFILES.c.user_id == submission.user_id).values(kyc_status=status))
    audit.record(session, actor_user_id=reviewer_id, action="kyc.approved" if approve else "kyc.rejected",
                 subject_type="operator", subject_id=submission.user_id,
                 detail={"submission_id": submission_id, "reason": (reason or "").strip()[:500] or None})


def pending_queue(session: Session, *, limit: int = 50) -> list[KycSubmission]:
    """Submissions waiting for staff, oldest first."""
    return list(session.execute(select(KycSubmission).where(KycSubmission.status == KycStatus.pending)
                             .order_by(KycSubmission.submitted_at).limit(limit)).scalars())


def latest_for(session: Session, *, user_id: str) -> KycSubmission | None:
    """The operator's most recent submission."""
    return session.execute(select(KycSubmission).where(KycSubmission.user_id == user_id)
                        .order_by(KycSubmission.submitted_at.desc()).limit(1)).scalars().first()
