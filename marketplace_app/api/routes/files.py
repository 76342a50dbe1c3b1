"""Proof files through short-lived signed links: the token in the path is the credential."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import FileResponse

from marketplace_app.api.access import PUBLIC
from marketplace_app.core.db import unit_of_work
from marketplace_app.uploads import links

router = APIRouter(tags=["files"])
# The file is personal data of one buyer: no cache keeps it, no browser guesses another type,
# and a document opened directly runs no script on our origin.
FILE_HEADERS = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "sandbox", "Referrer-Policy": "no-referrer"}


@router.get("/files/{token}", openapi_extra=PUBLIC, response_class=FileResponse, responses={
    200: {"description": "The file's bytes with its content type", "content": {
        content_type: {} for content_type in sorted(links.INLINE_TYPES | {"application/pdf"})}},
    404: {"description": "Forged, tampered with or unknown link (`not_found`)"},
    410: {"description": "The link has expired (`expired`); read the request again for a fresh one"}})
def get_file(token: Annotated[str, Path(max_length=links.MAX_TOKEN_LENGTH)]) -> FileResponse:
    """Stream a proof file named by a signed link from `result.files[].url`. Every access is logged."""
    with unit_of_work() as session:
        served = links.open_file(session, token)
    return FileResponse(served.path, media_type=served.content_type, filename=served.filename,
                        content_disposition_type="inline" if served.inline else "attachment",
                        headers=FILE_HEADERS)
