"""`create`: POST /v1/requests end to end vs the raw-SQL escrow endpoint, 64 connections."""

from __future__ import annotations

import itertools
import json
import secrets
from collections.abc import Callable

from sqlalchemy import func, select

from bench import report
from bench.databases import Databases, release, use
from bench.fixtures import SEED_BODY, Tenant, make_tenant
from bench.listing import seed_requests
from bench.loadgen import ROUNDS, Call, LoadResult, alternate
from bench.options import Options
from bench.server import HANDOFF_APP, REFERENCE_APP, running
from marketplace_app.core.db import unit_of_work
from marketplace_app.idempotency.models import IdempotencyRecord
from marketplace_app.ledger.health import ledger_health
from marketplace_app.ledger.models import LedgerTransfer
from marketplace_app.requests import spend
from marketplace_app.requests.models import Request

CREDIT_CENTS = 10**13  # far more than any run can escrow
ECHO, REFERENCE, HANDOFF = "reference POST echo (no database)", "reference POST /ref/requests", \
    "Handoff POST /v1/requests"
BODY = json.dumps(SEED_BODY).encode()


def create_calls(path: str, headers: dict[str, str]) -> Callable[[], Call]:
    """POSTs of the seed body, each with a fresh `Idempotency-Key`."""
    run_id, numbers = secrets.token_hex(4), itertools.count()
    base = {**headers, "Content-Type": "application/json"}

    def next_call() -> Call:
        return Call("POST", path, {**base, "Idempotency-Key": f"bench-{run_id}-{next(numbers)}"}, BODY)

    return next_call


def prepared(databases: Databases, name: str, options: Options) -> tuple[str, Tenant]:
    """A fresh database with a funded tenant and, with `--history`, its past requests."""
    url = databases.fresh(name)
    tenant = make_tenant(credit_cents=CREDIT_CENTS)
    if options.history:
        seed_requests(tenant, options.history)
        with unit_of_work() as session:
            # The history is inserted behind the status writer's back: count it as it would have.
            spend.rebuild(session)
        databases.analyze()
    release()
    return url, tenant


def measure(databases: Databases, options: Options) -> tuple[dict[str, LoadResult], str]:
    """Both servers, each on its own database of the same kind, measured in turns; the bare POST
    echo as well (the ceiling of HTTP stack plus load generator)."""
    reference_db, reference_tenant = prepared(databases, "reference", options)
    url, tenant = prepared(databases, "main", options)
    env = {"DATABASE_URL": reference_db, "BENCH_REF_PROJECT_ID": reference_tenant.project_id}
    profile = options.profile_path("create", databases.kind)
    with running(REFERENCE_APP, env=env, health_path="/ref/health") as reference_url, \
            running(HANDOFF_APP, env={"DATABASE_URL": url}, health_path="/v1/health", profile=profile,
                    profile_clock=options.profile_clock) as handoff_url:
        echo_call = Call("POST", "/ref/echo", {"Content-Type": "application/json"}, BODY)
        results = alternate({
            ECHO: (reference_url, lambda: echo_call),
            REFERENCE: (reference_url, create_calls("/ref/requests", {})),
            HANDOFF: (handoff_url, create_calls("/v1/requests", tenant.headers)),
        }, **options.load())
    for label, result in results.items():
        print(report.describe_load(label, result), flush=True)
    if profile:
        print(f"  profile written to {profile}")
    return results, url


def verify(url: str) -> tuple[str, bool]:
    """After the run: the ledger is healthy; each created request has one escrow transfer and one
    idempotency record (past requests from `--history` have neither). Returns the line and the verdict."""
    use(url)
    with unit_of_work(read_only=True) as session:
        health = ledger_health(session)
        created = session.execute(select(func.count()).select_from(Request)
                                  .where(Request.hold_id.is_not(None))).scalar_one()
        escrows = session.execute(select(func.count()).select_from(LedgerTransfer)
                                  .where(LedgerTransfer.kind == "escrow_hold")).scalar_one()
        records = session.execute(select(func.count()).select_from(IdempotencyRecord)).scalar_one()
    release()
    ok = health.ok and created == records == escrows
    return (f"  after the run: {created:,} requests created, {escrows:,} escrow transfers, {records:,} idempotency "
            f"records, ledger_health {'ok' if health.ok else health} → {'ok' if ok else 'BROKEN'}"), ok


def run(kind: str, options: Options) -> list[report.Figure]:
    """Measure the echo, the reference and Handoff on one database kind; return the figures."""
    history = f", {options.history:,} past requests in the company" if options.history else ""
    report.heading(f"create on {kind}: {options.connections} connections ({options.client}), "
                   f"{options.seconds:g} s per server in {ROUNDS} alternating windows{history}")
    databases = Databases(kind)
    try:
        results, url = measure(databases, options)
        line, ok = verify(url)
        print(line)
    finally:
        databases.cleanup()
    name = f"create (history {options.history:,})" if options.history else "create"
    return [*figures(name, kind, results[HANDOFF], results[REFERENCE], results[ECHO]),
            report.check(name, kind, "one escrow + one idempotency record per request, ledger_health", ok)]


def figures(name: str, kind: str, handoff: LoadResult, reference: LoadResult, echo: LoadResult) -> list[report.Figure]:
    """Throughput against the 40% target, latency against 100 ms, errors, and the echo ceiling."""
    ratio = handoff.per_second / reference.per_second if reference.per_second else 0.0
    p99 = handoff.percentile_ms(0.99)
    return [
        report.Figure(name, kind, "POST req/s", handoff.per_second, reference.per_second, "req/s",
                      "≥ 40% of reference", ratio >= 0.40),
        report.Figure(name, kind, "POST p99 latency", p99, reference.percentile_ms(0.99), "ms", "< 100 ms",
                      p99 < 100),
        report.Figure(name, kind, "POST p50 latency", handoff.percentile_ms(0.5), reference.percentile_ms(0.5),
                      "ms", "—", None),
        report.Figure(name, kind, "POST non-2xx", sum(handoff.errors.values()), sum(reference.errors.values()),
                      "", "0", not handoff.errors),
        report.Figure(name, kind, "POST req/s vs bare POST echo", handoff.per_second, echo.per_second, "req/s",
                      "—", None),
    ]
