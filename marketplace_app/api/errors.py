"""Renders every failure as `{"error": {"code", "message"}}`; nothing leaks a stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from marketplace_app.core.errors import HandoffError

log = logging.getLogger(__name__)

HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "payload_too_large", 415: "unsupported_media_type",
              429: "rate_limited"}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """Build an error response in the envelope."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def describe_validation(exc: RequestValidationError) -> str:
    """Turn pydantic's error list into one readable sentence per field."""
    parts = []
    for error in exc.errors()[:10]:
        if error.get("type") == "json_invalid":
            parts.append("The request body is not valid JSON")
            continue
        location = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path"))
        message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
        parts.append(f"{location}: {message}" if location else message)
    return "; ".join(parts) or "The request is not valid"


def handoff_error_response(exc: HandoffError) -> JSONResponse:
    """A domain refusal as its envelope, status and headers."""
    return JSONResponse(exc.envelope(), status_code=exc.status, headers=exc.headers)


async def _handoff_error(_request: Request, exc: HandoffError) -> JSONResponse:
    return handoff_error_response(exc)


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    return error_response(422, "validation_error", describe_validation(exc))


async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code == 400:
        # FastAPI's only 400 is a body it could not parse (bad UTF-8, broken multipart): invalid input.
        return error_response(422, "validation_error", "The request body could not be parsed")
    code = HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "Something went wrong on our side; nothing was changed")


def install_error_handlers(app: FastAPI) -> None:
    """Register the envelope renderers on `app`."""
    app.add_exception_handler(HandoffError, _handoff_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
