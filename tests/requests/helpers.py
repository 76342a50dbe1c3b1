"""Shared test data and tools for the request tests (service level and `/v1/requests` API).

Agents are built through the real services and committed, so API calls, other
threads and other processes all see them. Races that must prove a guard inside the
database (not a Python lock, not SQLite's one connection per process) run through
`post_from_processes`: several OS processes, each with its own app and engine.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import RowMapping, func, insert, select, update

from marketplace_app.api.app import create_api
from marketplace_app.companies import service as companies
from marketplace_app.companies.keys import KeyContext, authenticate_key
from marketplace_app.companies.models import Company, KeyMode
from marketplace_app.core.clock import now
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.ids import new_id
from marketplace_app.events.models import Event
from marketplace_app.identity.models import Role
from marketplace_app.ledger import service as ledger
from marketplace_app.ledger.models import HoldState, LedgerHold, LedgerTransfer
from marketplace_app.operators.models import KycStatus, OperatorProfile
from marketplace_app.requests import spend, views
from marketplace_app.requests import status as machine
from marketplace_app.requests.models import Request, RequestStatus
from tests import factories
from tests.ledger.helpers import balance
from tests.support import in_environment, process_context, row_counts, shared_api

REQUESTS_PATH = "/v1/requests"
SEED_BODY: dict[str, Any] = {
    "skill": "legal_review", "urgency": "5min", "duration": "15min",
    "context": "Review NDA clause 4.2 for compliance with Spanish labor law",
    "max_price": "8.00EUR", "information_policy": "redacted",
}
# Tables an authenticated call writes to even when it is refused: the rate-limit counter
# (every call counts) and nothing else that changes a row count.
BOOKKEEPING_TABLES = frozenset({"rate_limit_counter"})
PROCESS_TIMEOUT_SECONDS = 240


@dataclass(frozen=True, slots=True)
class Agent:
    """An agent as a test sees it: its key and the tenant it belongs to."""

    company_id: str
    project_id: str
    key: str
    key_id: str

    def headers(self, **extra: str) -> dict[str, str]:
        """`Authorization: Bearer <key>` plus `extra` headers (underscores become dashes)."""
        headers = {"Authorization": f"Bearer {self.key}"}
        headers.update({name.replace("_", "-"): value for name, value in extra.items()})
        return headers

    def context(self) -> KeyContext:
        """The key's context, as the API would resolve it (for service-level calls)."""
        with unit_of_work(read_only=True) as session:
            return authenticate_key(session, self.key)


def make_agent(*, funded_cents: int = 0, mode: KeyMode = KeyMode.live, company_name: str = "Acme",
               **project_settings: Any) -> Agent:
    """Commit a company (funded with `funded_cents`), a project with `project_settings` and one key."""
    with unit_of_work() as session:
        company = factories.make_company(session, name=company_name)
        if funded_cents:
            factories.fund(session, company=company, cents=funded_cents)
        project = companies.create_project(session, company_id=company.id, name=f"{company_name} project",
                                           **project_settings)
        issued = companies.issue_key(session, project_id=project.id, name="agent", mode=mode)
        return Agent(company_id=company.id, project_id=project.id, key=issued.secret, key_id=issued.key.id)


def add_project_agent(agent: Agent, *, mode: KeyMode = KeyMode.live, **project_settings: Any) -> Agent:
    """Another project (with its own key) in `agent`'s company."""
    with unit_of_work() as session:
        project = companies.create_project(session, company_id=agent.company_id, name="Second project",
                                           **project_settings)
        issued = companies.issue_key(session, project_id=project.id, name="agent", mode=mode)
        return Agent(company_id=agent.company_id, project_id=project.id, key=issued.secret, key_id=issued.key.id)


def add_key(agent: Agent, *, mode: KeyMode = KeyMode.live) -> Agent:
    """Another key on `agent`'s project."""
    with unit_of_work() as session:
        issued = companies.issue_key(session, project_id=agent.project_id, name="another", mode=mode)
    return Agent(company_id=agent.company_id, project_id=agent.project_id, key=issued.secret, key_id=issued.key.id)


def fund(agent: Agent, *, cents: int) -> None:
    """Add `cents` to the agent's company's available credit."""
    with unit_of_work() as session:
        company = session.get_one(Company, agent.company_id)
        factories.fund(session, company=company, cents=cents)


def make_operators(*, count: int, skills: tuple[str, ...] = ("legal_review",), verified: bool = True,
                   available: bool = True) -> list[str]:
    """Commit `count` operators with `skills`; return their user ids.

    Sign-up already creates an empty profile; the test then sets what KYC and the
    operator's toggle would set.
    """
    user_ids = []
    with unit_of_work() as session:
        for _ in range(count):
            user = factories.make_user(session, role=Role.operator)
            session.execute(update(OperatorProfile).where(OperatorProfile.user_id == user.id).values(
                skills=list(skills), available=available,
                kyc_status=KycStatus.verified if verified else KycStatus.pending))
            user_ids.append(user.id)
    return user_ids


def request_body(**overrides: Any) -> dict[str, Any]:
    """The seed's create body with `overrides` (a value of `...` removes the field)."""
    body = dict(SEED_BODY)
    for name, value in overrides.items():
        if value is ...:
            body.pop(name, None)
        else:
            body[name] = value
    return body


def client(app: FastAPI | None = None) -> TestClient:
    """A client that sees server errors as responses, as a real caller would."""
    return TestClient(app or shared_api(), raise_server_exceptions=False)


def warmed_app() -> FastAPI:
    """An app whose middleware stack is built, so many threads can share it safely."""
    app = create_api()
    assert client(app).get("/v1/health").status_code == 200
    return app


def forget_cached_availability() -> None:
    """Drop the process-wide 10 s cache of operator availability behind `estimated_match_time`.

    It outlives a test's database, so a test that counts operators starts from nothing.
    """
    views._availability.clear()


def request_row(request_id: str) -> RowMapping:
    """The committed request row."""
    with unit_of_work(read_only=True) as session:
        return session.execute(select(Request.__table__).where(Request.id == request_id)).mappings().one()


def statuses(request_ids: list[str] | None = None) -> dict[str, str]:
    """Committed status by request id (all requests, or `request_ids`)."""
    statement = select(Request.id, Request.status)
    if request_ids is not None:
        statement = statement.where(Request.id.in_(request_ids))
    with unit_of_work(read_only=True) as session:
        return dict(session.execute(statement).all())


def count_requests() -> int:
    """How many requests are committed."""
    with unit_of_work(read_only=True) as session:
        return session.execute(select(func.count()).select_from(Request)).scalar_one()


def transfers(*, kind: str, reference_id: str | None = None) -> int:
    """How many committed transfers of `kind` (about `reference_id`, if given)."""
    statement = select(func.count()).select_from(LedgerTransfer).where(LedgerTransfer.kind == kind)
    if reference_id is not None:
        statement = statement.where(LedgerTransfer.reference_id == reference_id)
    with unit_of_work(read_only=True) as session:
        return session.execute(statement).scalar_one()


def refunds_per_request() -> dict[str, int]:
    """The number of `escrow_void` transfers per request id (requests with none are absent)."""
    with unit_of_work(read_only=True) as session:
        rows = session.execute(select(LedgerTransfer.reference_id, func.count()).where(
            LedgerTransfer.kind == "escrow_void").group_by(LedgerTransfer.reference_id)).all()
    return dict(rows)


def holds_by_state() -> dict[str, int]:
    """Committed holds counted by state."""
    with unit_of_work(read_only=True) as session:
        return dict(session.execute(select(LedgerHold.state, func.count()).group_by(LedgerHold.state)).all())


def event_types(request_id: str, *, prefix: str = "request.") -> list[str]:
    """The request's `request.*` events (or another `prefix`), oldest first."""
    with unit_of_work(read_only=True) as session:
        return list(session.execute(select(Event.type).where(Event.request_id == request_id,
                                                             Event.type.startswith(prefix))
                                    .order_by(Event.seq)).scalars())


def available_cents(agent: Agent) -> int:
    """The company's committed available credit."""
    return balance(companies.available_account(agent.company_id))


def escrow_cents(agent: Agent) -> int:
    """The company's committed escrow."""
    return balance(companies.escrow_account(agent.company_id))


def business_counts() -> dict[str, int]:
    """Row counts of every table but the bookkeeping ones every authenticated call touches."""
    return {name: count for name, count in row_counts().items() if name not in BOOKKEEPING_TABLES}


def created(response: Any) -> str:
    """Assert a `201` create and return its request id."""
    assert response.status_code == 201, response.text
    return response.json()["request_id"]


@dataclass(slots=True)
class Burst:
    """What a burst of concurrent HTTP calls answered, and how long it took."""

    statuses: list[int] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    contents: list[bytes] = field(default_factory=list)
    seconds: float = 0.0

    def answers(self) -> list[tuple[int, dict[str, str], bytes]]:
        """Each call's (status, headers, raw body), in call order."""
        return list(zip(self.statuses, self.headers, self.contents, strict=True))

    def count(self, status: int) -> int:
        """How many calls answered `status`."""
        return self.statuses.count(status)

    def codes(self) -> dict[tuple[int, str | None], int]:
        """Answers by (status, error code)."""
        tally: dict[tuple[int, str | None], int] = {}
        for status, body in zip(self.statuses, self.bodies, strict=True):
            code = body.get("error", {}).get("code") if isinstance(body, dict) else None
            tally[(status, code)] = tally.get((status, code), 0) + 1
        return tally


def _call(app: FastAPI, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any, dict, bytes]:
    response = client(app).request(method, path, headers=headers, json=body)
    try:
        payload = response.json()
    except ValueError:
        payload = {"raw": response.text}
    return response.status_code, payload, dict(response.headers), response.content


def burst(calls: list[tuple[str, str, dict[str, str], Any]], *, app: FastAPI | None = None,
          workers: int | None = None) -> Burst:
    """Send `(method, path, headers, json)` calls from threads that start together, one client each.

    With `workers` smaller than the number of calls, the calls queue on that many threads. Fails
    unless at least two calls were in flight together (threads of one process still share SQLite's
    one connection: `burst_from_processes` makes SQLite writers really meet).
    """
    app = app or warmed_app()
    workers = min(workers or len(calls), len(calls))
    barrier = threading.Barrier(workers)
    started = time.perf_counter()
    sent, answered = [0.0] * len(calls), [0.0] * len(calls)

    def timed_call(index: int) -> tuple[int, Any, dict, bytes]:
        sent[index] = time.perf_counter()
        answer = _call(app, *calls[index])
        answered[index] = time.perf_counter()
        return answer

    def run(index: int) -> list[tuple[int, Any, dict, bytes]]:
        barrier.wait(timeout=60)
        return [timed_call(i) for i in range(index, len(calls), workers)]

    with ThreadPoolExecutor(max_workers=workers) as pool:
        batches = list(pool.map(run, range(workers)))
    first_answer = min(answered)
    assert sum(moment < first_answer for moment in sent) >= min(2, workers), \
        "the calls ran one after the other: no race happened"
    return _in_call_order(batches, seconds=time.perf_counter() - started)


def _in_call_order(batches: list[list[tuple[int, Any, dict, bytes]]], *, seconds: float) -> Burst:
    """Merge answers of calls dealt round-robin (`calls[i::len(batches)]`) back into call order."""
    result = Burst(seconds=seconds)
    total = sum(len(batch) for batch in batches)
    for position in range(total):
        status, payload, headers, content = batches[position % len(batches)][position // len(batches)]
        result.statuses.append(status)
        result.bodies.append(payload)
        result.headers.append(headers)
        result.contents.append(content)
    return result


def _process_main(url: str, calls: list[tuple[str, str, dict[str, str], Any]], start: Any, results: Any,
                  index: int) -> None:
    """One OS process of `burst_from_processes`: its own settings, engine and app."""
    os.environ["DATABASE_URL"] = url
    from marketplace_app.core import db
    from marketplace_app.settings import get_settings

    get_settings.cache_clear()
    db.configure(url)
    app = warmed_app()
    barrier = threading.Barrier(len(calls))
    # time.monotonic() is CLOCK_MONOTONIC on Linux: one clock for every process, so the parent can
    # tell whether calls of different processes were in flight together.
    timings: list[tuple[float, float]] = [(0.0, 0.0)] * len(calls)

    def run(position: int) -> tuple[int, Any, dict, bytes]:
        barrier.wait(timeout=PROCESS_TIMEOUT_SECONDS)
        sent = time.monotonic()
        answer = _call(app, *calls[position])
        timings[position] = (sent, time.monotonic())
        return answer

    start.wait(timeout=PROCESS_TIMEOUT_SECONDS)
    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            answers = list(pool.map(run, range(len(calls))))
        results.put((index, answers, timings, time.perf_counter() - started, None))
    except BaseException as exc:  # the parent reports it instead of waiting for a timeout
        results.put((index, [], [], time.perf_counter() - started, repr(exc)))
    finally:
        db.get_engine().dispose()


def burst_from_processes(url: str, calls: list[tuple[str, str, dict[str, str], Any]], *,
                         processes: int) -> Burst:
    """Like `burst`, but the calls are spread over `processes` OS processes (fresh, each with its
    own engine: on SQLite its own connection), all released together. Fails unless calls of at least
    two processes were in flight together."""
    context = process_context()
    start = context.Barrier(processes + 1)
    results = context.Queue()
    shares = [calls[index::processes] for index in range(processes)]
    workers = [context.Process(target=in_environment, daemon=True, args=(
                   dict(os.environ), _process_main, url, share, start, results, index))
               for index, share in enumerate(shares)]
    for worker in workers:
        worker.start()
    start.wait(timeout=PROCESS_TIMEOUT_SECONDS)
    collected = [results.get(timeout=PROCESS_TIMEOUT_SECONDS) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    errors = [error for _index, _answers, _timings, _seconds, error in collected if error]
    assert not errors, errors
    first_answer = min(answered for _index, _answers, timings, _seconds, _error in collected
                       for _sent, answered in timings)
    in_flight = {index for index, _answers, timings, _seconds, _error in collected
                 if any(sent < first_answer for sent, _answered in timings)}
    assert len(in_flight) >= min(2, processes), "the processes' calls never overlapped: no race happened"
    batches = [answers for _index, answers, _timings, _seconds, _error in sorted(collected, key=lambda item: item[0])]
    return _in_call_order(batches, seconds=max(seconds for *_rest, seconds, _error in collected))


def accept_by_hand(request_id: str, *, operator_id: str | None = None) -> None:
    """Move a matching request to `in_progress` through the state writer, as an operator's accept will."""
    with unit_of_work() as session:
        moment = now()
        machine.transition(session, request_id=request_id, to=RequestStatus.in_progress,
                           sources=[RequestStatus.matching], actor=machine.Actor("operator", operator_id),
                           values={"operator_id": operator_id, "accepted_at": moment})


def complete_by_hand(request_id: str, *, operator_id: str | None = None,
                     result: dict[str, Any] | None = None) -> None:
    """Accept (if still matching) and complete a request through the state writer, leaving its escrow
    untouched (settlement is not part of these tests)."""
    if request_row(request_id)["status"] == RequestStatus.matching:
        accept_by_hand(request_id, operator_id=operator_id)
    with unit_of_work() as session:
        moment = now()
        machine.transition(session, request_id=request_id, to=RequestStatus.completed,
                           sources=[RequestStatus.in_progress], actor=machine.Actor("operator", operator_id),
                           values={"completed_at": moment, "submitted_at": moment,
                                   "result": result or {"answer": "Clause 4.2 is compliant", "confidence": "high"}})


def seed_matching_requests(agent: Agent, *, count: int, price_cents: int, deadline: datetime,
                           mode: str = "live") -> list[str]:
    """Commit `count` matching requests with their escrow holds in a few set-based statements.

    The rows are what `create_request` writes (request, hold, escrow transfer, budget use), built in
    bulk so sweeps can be tested at scale quickly.
    """
    moment = now()
    ids = [new_id("req") for _ in range(count)]
    holds = {request_id: new_id("hld") for request_id in ids} if mode == "live" else {}
    with unit_of_work() as session:
        if holds:
            source = ledger.account_id(session, companies.available_account(agent.company_id))
            escrow = ledger.account_id(session, companies.escrow_account(agent.company_id))
            ledger.transfer_many(session, [ledger.TransferSpec(
                idempotency_key=f"hold:{hold_id}:place", kind="escrow_hold", reason=f"Escrow for {request_id}",
                legs=[ledger.Leg(source, escrow, price_cents)], reference_type="request", reference_id=request_id)
                for request_id, hold_id in holds.items()])
            session.execute(insert(LedgerHold.__table__), [
                {"id": hold_id, "source_account_id": source, "escrow_account_id": escrow, "amount_cents": price_cents,
                 "state": HoldState.pending, "reference_type": "request", "reference_id": request_id,
                 "created_at": moment} for request_id, hold_id in holds.items()])
        rows = [
            {"id": request_id, "project_id": agent.project_id, "company_id": agent.company_id,
             "api_key_id": agent.key_id, "mode": mode, "skill": "legal_review", "urgency": "1min",
             "duration_seconds": 900, "context": f"Bulk request {index}", "proof_requirements": [],
             "information_policy": "redacted", "max_price_cents": price_cents, "fee_cents": 0, "fee_rate_bps": 0,
             "status": RequestStatus.matching, "hold_id": holds.get(request_id), "requeue_count": 0,
             "created_at": moment, "match_deadline_at": deadline} for index, request_id in enumerate(ids)]
        session.execute(insert(Request.__table__), rows)
        spend.count_created(session, rows)
    return ids
