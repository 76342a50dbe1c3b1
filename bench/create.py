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
from bench.loadgen import Call, LoadResult, run_load
from bench.options import Options
from bench.server import HANDOFF_APP, REFERENCE_APP, running
from marketplace_app.core.db import unit_of_work
from marketplace_app.idempotency.models import IdempotencyRecord
from marketplace_app.ledger.health import ledger_health
from marketplace_app.requests.models import Request

CREDIT_CENTS = 10**13  # far more than any run can escrow
BODY = json.dumps(SEED_BODY).encode()


def create_calls(path: str, headers: dict[str, str]) -> Callable[[], Call]:
    """POSTs of the seed body, each with a fresh `Idempotency-Key`."""
    run_id, numbers = secrets.token_hex(4), itertools.count()
    base = {**headers, "Content-Type": "application/json"}

    def next_call() -> Call:
        return Call("POST", path, {**base, "Idempotency-Key": f"bench-{run_id}-{next(numbers)}"}, BODY)

    return next_call


def measure_reference(databases: Databases, options: Options) -> tuple[LoadResult, LoadResult]:
    """The bare POST echo and the raw-SQL escrow endpoint on a fresh database."""
    url = databases.fresh()
    tenant = make_tenant(credit_cents=CREDIT_CENTS)
    release()
    env = {"DATABASE_URL": url, "BENCH_REF_PROJECT_ID": tenant.project_id}
    with running(REFERENCE_APP, env=env, health_path="/ref/health") as base_url:
        echo_call = Call("POST", "/ref/echo", {"Content-Type": "application/json"}, BODY)
        echo = run_load(base_url, lambda: echo_call, connections=options.connections, seconds=options.seconds,
                        warmup_seconds=options.warmup_seconds)
        print(report.describe_load("reference POST echo (no database)", echo), flush=True)
        reference = run_load(base_url, create_calls("/ref/requests", {}), connections=options.connections,
                             seconds=options.seconds, warmup_seconds=options.warmup_seconds)
        print(report.describe_load("reference POST /ref/requests (raw)", reference), flush=True)
    return echo, reference


def measure_handoff(databases: Databases, options: Options) -> tuple[LoadResult, Tenant, str]:
    """Handoff's POST /v1/requests on a fresh database."""
    url = databases.fresh()
    tenant = make_tenant(credit_cents=CREDIT_CENTS)
    release()
    profile = options.profile_path("create", databases.kind)
    with running(HANDOFF_APP, env={"DATABASE_URL": url}, health_path="/v1/health", profile=profile,
                 profile_clock=options.profile_clock) as base_url:
        result = run_load(base_url, create_calls("/v1/requests", tenant.headers), connections=options.connections,
                          seconds=options.seconds, warmup_seconds=options.warmup_seconds)
    print(report.describe_load("Handoff POST /v1/requests", result), flush=True)
    if profile:
        print(f"  profile written to {profile}")
    return result, tenant, url


def verify(url: str) -> str:
    """After the run: the ledger is healthy and every request has its escrow and idempotency record."""
    use(url)
    with unit_of_work(read_only=True) as session:
        health = ledger_health(session)
        created = session.execute(select(func.count()).select_from(Request)).scalar_one()
        records = session.execute(select(func.count()).select_from(IdempotencyRecord)).scalar_one()
        holds = session.execute(select(func.count()).select_from(Request)
                                .where(Request.hold_id.is_not(None))).scalar_one()
    release()
    state = "ok" if health.ok and created == records == holds else "BROKEN"
    return (f"  after the run: {created:,} requests, {holds:,} escrowed, {records:,} idempotency records, "
            f"ledger_health {'ok' if health.ok else health} → {state}")


def run(kind: str, options: Options) -> list[report.Figure]:
    """Measure the reference, then Handoff, on one database kind; return the figures."""
    report.heading(f"create on {kind}: {options.connections} connections, {options.seconds:g} s per window")
    databases = Databases(kind)
    try:
        _echo, reference = measure_reference(databases, options)
        handoff, _tenant, url = measure_handoff(databases, options)
        print(verify(url))
    finally:
        databases.cleanup()
    ratio = handoff.per_second / reference.per_second if reference.per_second else 0.0
    p99 = handoff.percentile_ms(0.99)
    return [
        report.Figure("create", kind, "POST req/s", handoff.per_second, reference.per_second, "req/s",
                      "≥ 40% of reference", ratio >= 0.40),
        report.Figure("create", kind, "POST p99 latency", p99, reference.percentile_ms(0.99), "ms", "< 100 ms",
                      p99 < 100),
        report.Figure("create", kind, "POST p50 latency", handoff.percentile_ms(0.5), reference.percentile_ms(0.5),
                      "ms", "—", None),
        report.Figure("create", kind, "POST non-2xx", sum(handoff.errors.values()),
                      sum(reference.errors.values()), "", "0", not handoff.errors),
    ]
