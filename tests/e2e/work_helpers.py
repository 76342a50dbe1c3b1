"""Shared steps of the operator and review browser tests: files to upload, work handed in."""

from __future__ import annotations

import base64
from pathlib import Path

from sqlalchemy import select

from marketplace_app.companies.models import CompanyMember
from marketplace_app.core.db import unit_of_work
from marketplace_app.identity.models import User
from marketplace_app.uploads import service as uploads
from marketplace_app.work import flows
from marketplace_app.work import service as work
from marketplace_app.work.schemas import SubmissionCreate

# A 1×1 transparent PNG: the upload service checks the signature, not the picture.
PNG_BYTES = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")


def png_file(folder: Path, name: str) -> Path:
    """Write a tiny PNG called `name` into `folder`."""
    path = folder / name
    path.write_bytes(PNG_BYTES)
    return path


def owner_email(company_id: str) -> str:
    """The e-mail of the company's first member (its owner)."""
    with unit_of_work(read_only=True) as session:
        return session.execute(select(User.email).join(CompanyMember, CompanyMember.user_id == User.id)
                               .where(CompanyMember.company_id == company_id)
                               .order_by(CompanyMember.id).limit(1)).scalar_one()


def hand_in(*, operator_id: str, request_id: str, answer: str, confidence: str) -> str:
    """Accept the request as the operator and submit `answer`; return the resulting status."""
    with unit_of_work() as session:
        work.accept(session, operator_id=operator_id, request_id=request_id)
    row = flows.submit_work(operator_id=operator_id, request_id=request_id,
                            body=SubmissionCreate(answer=answer, confidence=confidence))
    return str(row["status"])


def hand_in_with_photo(*, operator_id: str, request_id: str, answer: str) -> str:
    """Accept the request as the operator and submit `answer` with a PNG proof; return the status."""
    with unit_of_work() as session:
        work.accept(session, operator_id=operator_id, request_id=request_id)
        photo = uploads.save_upload(session, owner_user_id=operator_id, purpose="proof", filename="meter.png",
                                    data=PNG_BYTES).id
    row = flows.submit_work(operator_id=operator_id, request_id=request_id,
                            body=SubmissionCreate(answer=answer, confidence="high", file_ids=[photo]))
    return str(row["status"])
