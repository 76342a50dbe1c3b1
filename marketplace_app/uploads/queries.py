"""Reading stored files' metadata and where their bytes are, for the pages that show them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from marketplace_app.uploads.models import Upload
from marketplace_app.uploads.service import path_of

UPLOADS = Upload.__table__


@dataclass(frozen=True, slots=True)
class Document:
    """One stored file as a page shows it."""

    id: str
    filename: str
    content_type: str
    size_bytes: int
    path: Path


def documents(session: Session, upload_ids: Collection[str]) -> dict[str, Document]:
    """The uploads among `upload_ids`, by id (ids that name nothing are left out)."""
    if not upload_ids:
        return {}
    rows = session.execute(select(UPLOADS.c.id, UPLOADS.c.filename, UPLOADS.c.content_type, UPLOADS.c.size_bytes,
                                  UPLOADS.c.storage_key).where(UPLOADS.c.id.in_(list(upload_ids))))
    # path_of() is the one place that knows where bytes live (tests move it), so it is asked per row.
    return {row.id: Document(id=row.id, filename=row.filename, content_type=row.content_type,
                             size_bytes=row.size_bytes, path=path_of(row)) for row in rows}
