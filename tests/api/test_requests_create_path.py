"""The create hot path (PRODUCT.md §10): the domain part of `POST /v1/requests` with an
Idempotency-Key runs a fixed, small set of statements, every one of them built once.

A statement built per call costs more CPU than running it; a statement more is a round trip more
on PostgreSQL. The route function is called as the HTTP layer calls it (after authentication),
so what the HTTP layer and the key check run is not counted here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from marketplace_app.api.routes import requests as routes
from marketplace_app.core.db import get_engine
from marketplace_app.requests.schemas import RequestCreate
from tests.conftest import ON_POSTGRES
from tests.ledger.helpers import assert_ledger_balanced
from tests.requests import helpers as h

# Reads: the key's record (with the advisory lock on PostgreSQL), the project with the fee tier's
# spend (one SELECT), the webhook endpoints. Writes: request, timeline, event, budget use, two balances,
# transfer, entry, hold, the idempotency record; on PostgreSQL the transfer, its entry and the
# hold are one statement.
MAX_STATEMENTS = 11 if ON_POSTGRES else 13


@contextmanager
def executed() -> Iterator[list[Any]]:
    """The statement objects executed meanwhile (kept alive, so that identity means the same object)."""
    statements: list[Any] = []

    def remember(_connection: Any, statement: Any, *_args: Any) -> None:
        if not isinstance(statement, str):  # BEGIN / BEGIN IMMEDIATE are issued as text
            statements.append(statement)

    event.listen(get_engine(), "before_execute", remember)
    try:
        yield statements
    finally:
        event.remove(get_engine(), "before_execute", remember)


def create(ctx: Any, key: str) -> None:
    response = routes.create_for(ctx, RequestCreate(**h.SEED_BODY), key)
    assert response.status_code == 201, response.body


def test_a_create_with_a_key_runs_a_few_statements_all_built_once():
    # given a funded agent whose first create has warmed every cache (accounts, skills)
    agent = h.make_agent(funded_cents=10_000)
    ctx = agent.context()
    create(ctx, "warm-up")

    # when it creates twice more, each with its own key
    with executed() as first:
        create(ctx, "first")
    with executed() as second:
        create(ctx, "second")

    # then each create ran the same few statements, the very same objects both times (none built per call)
    assert len(first) <= MAX_STATEMENTS, [str(statement).split("\n")[0] for statement in first]
    assert len(second) == len(first)
    rebuilt = [str(a).split("\n")[0] for a, b in zip(first, second, strict=True) if a is not b]
    assert rebuilt == []
    assert h.count_requests() == 3
    assert_ledger_balanced()
