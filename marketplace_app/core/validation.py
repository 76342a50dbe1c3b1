"""Validate a door's input against a domain schema, refusing the way every door refuses.

The API validates request bodies itself (FastAPI renders the 422); the dashboards and other
callers pass a form's fields here, so a person reads the first problem as one sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from marketplace_app.core.errors import ValidationFailed

Model = TypeVar("Model", bound=BaseModel)


def validated(schema: type[Model], data: Mapping[str, Any]) -> Model:
    """`schema` built from `data`.

    Raises:
        ValidationFailed: The first problem, worded as the API words it ("answer: ...").
    """
    try:
        return schema.model_validate(dict(data))
    except ValidationError as exc:
        raise ValidationFailed(first_problem(exc)) from exc


def first_problem(exc: ValidationError) -> str:
    """`"field: message"` for the first error pydantic found."""
    error = exc.errors()[0]
    location = ".".join(str(part) for part in error.get("loc", ()))
    message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    return f"{location}: {message}" if location else message


class ResponseShape(BaseModel):
    """Base of a route's response model: the fields it declares are documented in OpenAPI and
    checked; a key a view adds that the model does not name yet is passed through, never dropped
    (a client reading it must not lose it because a model lagged behind the view)."""

    model_config = ConfigDict(extra="allow")
