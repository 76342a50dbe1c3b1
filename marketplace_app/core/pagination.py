"""Keyset pagination for every "newest first" list, in one place.

A page is read as: the caller's select (its scope and filters), ordered by sort columns
descending (`(created_at, id)` almost everywhere), cut after the anchor row's values, with
one row more than the page so `has_more` needs no count. The cursor a client sends back
(`starting_after`) is the last row's id, exactly as each API has always spelled it; this
module checks its shape (`decode_cursor`) and writes it (`next_cursor`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import literal, select, tuple_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from marketplace_app.core.errors import ValidationFailed

# Public ids are a prefix and base32/urlsafe characters; anything else cannot name a row.
CURSOR_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,40}", re.ASCII)


@dataclass(frozen=True, slots=True)
class KeysetPage:
    """One page of rows, newest first.

    Attributes:
        rows: At most `limit` rows (ORM objects or mappings, as the select returns them).
        has_more: Whether rows older than the last one exist.
        next_cursor: The last row's id when `has_more`, else None.
    """

    rows: list[Any]
    has_more: bool
    next_cursor: str | None


def decode_cursor(value: str | None, *, field: str = "starting_after") -> str | None:
    """Return the cursor a client sent if it could be a row id; None stays None.

    Raises:
        ValidationFailed: The cursor is not shaped like an id (`validation_error`, 422).
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not CURSOR_PATTERN.fullmatch(value):
        raise ValidationFailed(f"{field} must be an id from an earlier page's next_starting_after")
    return value


def next_cursor(rows: Sequence[Any], *, has_more: bool, id_key: str = "id") -> str | None:
    """The cursor for the page after `rows`: the last row's id, or None at the end."""
    if not has_more or not rows:
        return None
    last = rows[-1]
    value = last[id_key] if hasattr(last, "keys") else getattr(last, id_key)
    return str(value)


def integer_anchor(starting_after: int | None, *, max_id: int) -> tuple[int] | None:
    """The anchor for lists keyed by an integer id alone (the API has range-checked it).

    A cursor above the column's largest value is older than nothing, so every row follows:
    no anchor (and no out-of-range parameter reaches PostgreSQL).
    """
    if starting_after is None or starting_after > max_id:
        return None
    return (starting_after,)


def find_anchor(session: Session, columns: Sequence[ColumnElement], *conditions: Any) -> tuple | None:
    """The sort values of the one row matching `conditions` (the cursor's row in the caller's scope)."""
    row = session.execute(select(*columns).where(*conditions)).one_or_none()
    return tuple(row) if row is not None else None


def older_than(columns: Sequence[ColumnElement], anchor: Sequence[Any]) -> ColumnElement:
    """The rows after `anchor` in descending order of `columns`: the row-value comparison
    `(created_at, id) < (:created_at, :id)`.

    PostgreSQL and SQLite (3.15 and later) both answer it with one index range scan that starts
    at the anchor (an index on the list's scope columns, then `columns`); the spelled-out
    `a < :a OR (a = :a AND b < :b)` made PostgreSQL scan from the anchor's `created_at` and filter.
    The values are bound with the columns' types (UTC datetimes are stored in one text form on SQLite).
    """
    if len(columns) == 1:
        return columns[0] < anchor[0]
    values = [literal(value, column.type) for column, value in zip(columns, anchor, strict=True)]
    return tuple_(*columns) < tuple_(*values)


def newest_first(session: Session, statement: Any, *, columns: Sequence[ColumnElement], anchor: Sequence[Any] | None,
                 limit: int, offset: int = 0, scalars: bool = False, id_key: str = "id") -> KeysetPage:
    """Read one page of `statement`, newest first by `columns`, after `anchor` if given.

    Args:
        session: The unit of work's session.
        statement: A select carrying the caller's scope and filters, not yet ordered.
        columns: The sort columns, most significant first; the last one must be unique.
        anchor: The cursor row's values of `columns` (see `find_anchor`), or None for the top.
        limit: Rows per page.
        offset: Rows to skip after the anchor (the requests API still offers offsets).
        scalars: Return ORM objects (a `select(Model)`) instead of mappings.
        id_key: The row attribute that becomes the next cursor.

    Returns:
        The page, whether more rows follow, and the next cursor.
    """
    if anchor is not None:
        statement = statement.where(older_than(columns, anchor))
    statement = statement.order_by(*[column.desc() for column in columns]).limit(limit + 1)
    if offset:
        statement = statement.offset(offset)
    result = session.execute(statement)
    rows = list(result.scalars() if scalars else result.mappings())
    has_more = len(rows) > limit
    shown = rows[:limit]
    return KeysetPage(rows=shown, has_more=has_more, next_cursor=next_cursor(shown, has_more=has_more, id_key=id_key))
