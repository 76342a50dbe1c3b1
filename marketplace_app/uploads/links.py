"""Short-lived signed links to stored files (an operator's proof of work).

The link is the credential: `GET /v1/files/{token}` serves the file to whoever holds the token
until it expires. The token names the upload, the request it was shown for, who it was issued to
and when it expires, signed with HMAC-SHA256 under a key derived from SECRET_KEY for this purpose
alone, so changing any part (another file, a later expiry, another audience) breaks the signature.
Links are handed out fresh on every read of the request, to the buyer, jurors and staff only.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlmodel import Session

from marketplace_app.core.clock import EPOCH, isoformat, now
from marketplace_app.core.crypto import keyed_hash
from marketplace_app.core.errors import Expired, NotFound
from marketplace_app.settings import get_settings
from marketplace_app.uploads import service as uploads
from marketplace_app.uploads.models import FileAccess, Upload

PURPOSE = "file-links"
FILES_PATH = "/v1/files/"
MAX_TOKEN_LENGTH = 600
_SEPARATOR = "|"
# Images open in the browser (and as thumbnails); anything else is downloaded, never rendered
# on our origin.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
UPLOADS = Upload.__table__
# Columns, not entities: the agent's read of a request runs on a bare connection.
LISTED_UPLOADS = select(UPLOADS.c.id, UPLOADS.c.filename, UPLOADS.c.content_type, UPLOADS.c.size_bytes).where(
    UPLOADS.c.id.in_(bindparam("upload_ids", expanding=True)))


@dataclass(frozen=True, slots=True)
class LinkClaim:
    """What a valid token says: the file, the request it was shown for, to whom, and until when."""

    upload_id: str
    request_id: str
    audience: str
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ServedFile:
    """A file a valid token opens: where its bytes are and how to present them."""

    path: Path
    content_type: str
    filename: str
    inline: bool


def audience(kind: str, principal_id: str) -> str:
    """Who a link is issued to, as the access log records it (`company_member:usr_…`, `agent_key:key_…`)."""
    return f"{kind}:{principal_id}"[:80]


def sign(upload_id: str, *, request_id: str, audience: str, ttl_seconds: int | None = None) -> tuple[str, datetime]:
    """A token for one file shown with one request to `audience`; returns it with its expiry."""
    issued_at = now().replace(microsecond=0)
    ttl = ttl_seconds if ttl_seconds is not None else get_settings().file_link_ttl_seconds
    expires_at = issued_at + timedelta(seconds=ttl)
    fields = (upload_id, request_id, audience, str(_epoch(issued_at)), str(_epoch(expires_at)))
    payload = base64.urlsafe_b64encode(_SEPARATOR.join(fields).encode()).decode().rstrip("=")
    return f"{payload}.{keyed_hash(PURPOSE, payload)}", expires_at


def verify(token: str) -> LinkClaim:
    """Check a token's signature, then its expiry.

    Raises:
        NotFound: Forged, tampered with or malformed (nothing says whether the file exists).
        Expired: Genuine but past its expiry.
    """
    claim = _decode(token)
    if claim is None:
        raise NotFound("File not found")
    if now() >= claim.expires_at:
        raise Expired("This file link has expired; read the request again for a fresh one")
    return claim


def file_entries(session: Session | Connection, upload_ids: Sequence[str], *, request_id: str, audience: str,
                 base_url: str) -> list[dict[str, Any]]:
    """The files of a result as the API shows them: `id`, `name`, `content_type`, `size`, `url`, `expires_at`."""
    rows = {row.id: row for row in session.execute(
        LISTED_UPLOADS, {"upload_ids": list(upload_ids)})} if upload_ids else {}
    entries = []
    for upload_id in upload_ids:
        upload = rows.get(upload_id)
        if upload is None:
            continue
        token, expires_at = sign(upload_id, request_id=request_id, audience=audience)
        entries.append({"id": upload.id, "name": upload.filename, "content_type": upload.content_type,
                        "size": upload.size_bytes, "url": base_url.rstrip("/") + FILES_PATH + token,
                        "expires_at": isoformat(expires_at)})
    return entries


def open_file(session: Session, token: str) -> ServedFile:
    """The file a token opens, after writing the access to the log (same transaction).

    Raises:
        NotFound: A bad token, or the file is gone.
        Expired: The link has expired.
    """
    claim = verify(token)
    upload = session.get(Upload, claim.upload_id)
    if upload is None or not uploads.path_of(upload).is_file():
        raise NotFound("File not found")
    session.add(FileAccess(upload_id=upload.id, request_id=claim.request_id, audience=claim.audience,
                           issued_at=claim.issued_at, expires_at=claim.expires_at, accessed_at=now()))
    session.flush()
    return ServedFile(path=uploads.path_of(upload), content_type=upload.content_type, filename=upload.filename,
                      inline=upload.content_type in INLINE_TYPES)


def _decode(token: str) -> LinkClaim | None:
    payload, dot, signature = token.rpartition(".")
    if not dot or len(token) > MAX_TOKEN_LENGTH or not payload.isascii():
        return None
    if not hmac.compare_digest(signature.encode(), keyed_hash(PURPOSE, payload).encode()):
        return None
    try:
        text = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    fields = text.split(_SEPARATOR)
    if len(fields) != 5 or not fields[3].isdigit() or not fields[4].isdigit():
        return None
    return LinkClaim(upload_id=fields[0], request_id=fields[1], audience=fields[2],
                     issued_at=EPOCH + timedelta(seconds=int(fields[3])),
                     expires_at=EPOCH + timedelta(seconds=int(fields[4])))


def _epoch(moment: datetime) -> int:
    return int((moment - EPOCH).total_seconds())
