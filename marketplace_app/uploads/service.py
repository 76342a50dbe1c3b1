"""Accepting uploads: type checked by content (magic bytes), size capped, stored by hash."""

from __future__ import annotations

import hashlib
import re
from enum import StrEnum
from pathlib import Path

from sqlmodel import Session

from marketplace_app.core.errors import NotFound, PayloadTooLarge, ValidationFailed
from marketplace_app.core.ids import new_id
from marketplace_app.settings import VAR_DIR
from marketplace_app.uploads.models import Upload

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
STORAGE_DIR = VAR_DIR / "uploads"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")
# The first bytes of each accepted format; the declared content type must agree.
SIGNATURES = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF-",),
}


class UploadPurpose(StrEnum):
    kyc_document = "kyc_document"
    proof = "proof"


def sniff_content_type(data: bytes) -> str | None:
    """The accepted type `data` really is, judged by its first bytes, or None."""
    for content_type, prefixes in SIGNATURES.items():
        if any(data.startswith(prefix) for prefix in prefixes):
            if content_type == "image/webp" and data[8:12] != b"WEBP":
                continue
            return content_type
    return None


def save_upload(session: Session, *, owner_user_id: str, purpose: str, filename: str, data: bytes) -> Upload:
    """Store `data` and record it.

    Raises:
        ValidationFailed: Unknown purpose, empty file, or a type other than JPEG, PNG, WebP or PDF.
        PayloadTooLarge: More than 10 MiB.
    """
    if purpose not in set(UploadPurpose):
        raise ValidationFailed(f"purpose must be one of: {', '.join(UploadPurpose)}")
    if not data:
        raise ValidationFailed("The file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(f"Files can be at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB")
    content_type = sniff_content_type(data)
    if content_type is None:
        raise ValidationFailed("Only JPEG, PNG, WebP images and PDF documents are accepted")
    digest = hashlib.sha256(data).hexdigest()
    storage_key = f"{digest[:2]}/{digest}"
    path = STORAGE_DIR / storage_key
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    upload = Upload(id=new_id("upl"), owner_user_id=owner_user_id, purpose=purpose,
                    filename=_SAFE_NAME.sub("_", filename or "file")[:200], content_type=content_type,
                    size_bytes=len(data), sha256=digest, storage_key=storage_key)
    session.add(upload)
    session.flush()
    return upload


def owned_uploads(session: Session, *, owner_user_id: str, upload_ids: list[str], purpose: str) -> list[Upload]:
    """Return the caller's uploads by id, in order.

    Raises:
        NotFound: Any id that is not the caller's upload for this purpose.
    """
    uploads = []
    for upload_id in upload_ids:
        # A NUL byte would make PostgreSQL fail the query: such an id names nothing.
        upload = session.get(Upload, upload_id) if isinstance(upload_id, str) and "\x00" not in upload_id else None
        if upload is None or upload.owner_user_id != owner_user_id or upload.purpose != purpose:
            raise NotFound(f"Upload {upload_id} not found")
        uploads.append(upload)
    return uploads


def path_of(upload: Upload) -> Path:
    """Where the bytes of `upload` are stored."""
    return STORAGE_DIR / upload.storage_key
