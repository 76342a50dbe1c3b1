"""`get`: GET /v1/requests/{id} vs a bare FastAPI GET reading the same row, 64 connections."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from bench import report
from bench.databases import Databases, release
from bench.fixtures import create_requests, make_tenant
from bench.loadgen import ROUNDS, Call, LoadResult, alternate
from bench.options import Options
from bench.server import HANDOFF_APP, REFERENCE_APP, running

REQUEST_COUNT = 1000
CREDIT_CENTS = 10**10
REFERENCE, HANDOFF = "reference GET /ref/requests/{id}", "Handoff GET /v1/requests/{id}"


def get_calls(prefix: str, ids: Sequence[str], headers: dict[str, str]) -> Callable[[], Call]:
    """GETs of random existing requests."""
    chooser = random.Random(7)
    return lambda: Call("GET", f"{prefix}/{chooser.choice(ids)}", headers)


def run(kind: str, options: Options) -> list[report.Figure]:
    """Both servers read the same database, measured in turns; return the figures."""
    report.heading(f"get on {kind}: {options.connections} connections ({options.client}), "
                   f"{options.seconds:g} s per server in {ROUNDS} alternating windows")
    databases = Databases(kind)
    try:
        url = databases.fresh()
        tenant = make_tenant(credit_cents=CREDIT_CENTS)
        ids = create_requests(tenant, REQUEST_COUNT)  # 30 min urgency: none expires while we read
        release()
        env = {"DATABASE_URL": url, "BENCH_REF_PROJECT_ID": tenant.project_id}
        profile = options.profile_path("get", kind)
        with running(REFERENCE_APP, env=env, health_path="/ref/health") as reference_url, \
                running(HANDOFF_APP, env={"DATABASE_URL": url}, health_path="/v1/health", profile=profile,
                        profile_clock=options.profile_clock) as handoff_url:
            results = alternate({REFERENCE: (reference_url, get_calls("/ref/requests", ids, {})),
                                 HANDOFF: (handoff_url, get_calls("/v1/requests", ids, tenant.headers))},
                                **options.load())
    finally:
        databases.cleanup()
    for label, result in results.items():
        print(report.describe_load(label, result), flush=True)
    return figures(kind, results[HANDOFF], results[REFERENCE])


def figures(kind: str, handoff: LoadResult, reference: LoadResult) -> list[report.Figure]:
    """Throughput against the 60% target, plus latency."""
    ratio = handoff.per_second / reference.per_second if reference.per_second else 0.0
    return [
        report.Figure("get", kind, "GET req/s", handoff.per_second, reference.per_second, "req/s",
                      "≥ 60% of reference", ratio >= 0.60),
        report.Figure("get", kind, "GET p99 latency", handoff.percentile_ms(0.99), reference.percentile_ms(0.99),
                      "ms", "—", None),
        report.Figure("get", kind, "GET non-2xx", sum(handoff.errors.values()), sum(reference.errors.values()),
                      "", "0", not handoff.errors),
    ]
