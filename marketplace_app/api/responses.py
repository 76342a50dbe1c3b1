"""A route's answer checked against its response model and serialised in the route's own thread.

FastAPI validates what a synchronous route returns in a second trip through the threadpool, then
serialises it. A hot route returns `model_response(...)` instead: the same check and the same
bytes (pydantic's `dump_json`, by alias, as FastAPI does), without the trip. The route keeps its
`response_model=` so the OpenAPI document still shows the shape.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.responses import Response


@cache
def _adapter(model: type[BaseModel]) -> TypeAdapter[Any]:
    return TypeAdapter(model)


def model_response(model: type[BaseModel], data: Mapping[str, Any], *, exclude_unset: bool = False,
                   status_code: int = 200) -> Response:
    """`data` validated against `model` and serialised as FastAPI would answer with it.

    Raises:
        pydantic.ValidationError: `data` does not have the model's shape (a bug: the API answers 500).
    """
    adapter = _adapter(model)
    value = adapter.validate_python(data, from_attributes=True)
    body = adapter.dump_json(value, by_alias=True, exclude_unset=exclude_unset)
    return Response(content=body, status_code=status_code, media_type="application/json")


def json_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` documenting a JSON body that the route parses itself (`parsed_body`)."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}}


def parsed_body(model: type[BaseModel], raw: bytes, content_type: str | None) -> Any:
    """The request body validated as FastAPI validates a declared body, with the same errors.

    For a hot route that authenticates first and then reads its body in the same threadpool trip.

    Raises:
        RequestValidationError: Missing, not JSON, or not the model's shape (rendered as 422).
    """
    if not raw:
        raise RequestValidationError([{"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}])
    value: Any = raw
    if _is_json(content_type):
        try:
            value = json.loads(raw)
        except ValueError as exc:
            raise RequestValidationError([{"type": "json_invalid", "loc": ("body", 0), "msg": "JSON decode error",
                                           "input": {}, "ctx": {"error": str(exc)}}]) from None
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise RequestValidationError([{**error, "loc": ("body", *error["loc"])}
                                      for error in exc.errors(include_url=False)]) from None


def _is_json(content_type: str | None) -> bool:
    # FastAPI's rule: no Content-Type, application/json or application/*+json is read as JSON.
    if not content_type:
        return True
    main, _, rest = content_type.partition(";")[0].strip().lower().partition("/")
    return main == "application" and (rest == "json" or rest.endswith("+json"))
