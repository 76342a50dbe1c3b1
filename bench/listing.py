"""`list`: p95 of GET /v1/requests pages with N requests in one project vs the same query in raw SQL.

Both servers read the same database, page by page in turns. Pages: the first page, a `status`
filter, a deep keyset page (`starting_after` half way down) and a deep `offset` page (half way
down, at most the API's 100,000). Latency is measured one request at a time (one connection),
so it is the page's own cost, not queueing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from bench import report
from bench.databases import Databases, release
from bench.fixtures import SEED_BODY, Tenant, insert_chunked, make_tenant
from bench.loadgen import Call, LoadResult, alternate
from bench.options import Options
from bench.server import HANDOFF_APP, REFERENCE_APP, running
from bench.sweep_data import request_id
from marketplace_app.core.clock import now
from marketplace_app.core.db import unit_of_work
from marketplace_app.requests.models import Request, RequestStatus

MAX_OFFSET = 100_000
TARGET_P95_MS = 200.0
SECONDS_PER_PAGE = 4.0
# 60% completed, 20% expired, 10% cancelled, 5% matching, 5% in progress.
STATUS_CYCLE = ([RequestStatus.completed] * 12 + [RequestStatus.expired] * 4 + [RequestStatus.cancelled] * 2
                + [RequestStatus.matching, RequestStatus.in_progress])
FILTERED_STATUS = RequestStatus.in_progress
REFERENCE, HANDOFF = "reference", "Handoff"


def seed_requests(tenant: Tenant, count: int) -> None:
    """Insert `count` requests of mixed status into the tenant's project, oldest first."""
    with unit_of_work() as session:
        insert_chunked(session, Request.__table__, _rows(tenant, count), chunk=10_000)


def _rows(tenant: Tenant, count: int) -> Iterator[dict[str, Any]]:
    oldest = now() - timedelta(days=1, milliseconds=count)
    for number in range(count):
        created_at = oldest + timedelta(milliseconds=number)
        status = STATUS_CYCLE[number % len(STATUS_CYCLE)]
        yield {
            "id": request_id(number), "project_id": tenant.project_id, "company_id": tenant.company_id,
            "api_key_id": tenant.key_id, "mode": "live", "skill": SEED_BODY["skill"], "urgency": "5min",
            "duration_seconds": 900, "context": SEED_BODY["context"], "title": f"Bench request {number}",
            "proof_requirements": [], "information_policy": "redacted", "max_price_cents": 800, "fee_cents": 200,
            "fee_rate_bps": 1800, "status": status, "requeue_count": 0, "created_at": created_at,
            "match_deadline_at": created_at + timedelta(minutes=5, seconds=30),
            "completed_at": created_at + timedelta(minutes=20) if status == RequestStatus.completed else None,
        }


def pages(count: int) -> dict[str, str]:
    """Query strings per page kind."""
    deep = count // 2
    anchor = request_id(count - 1 - deep)  # newest first: position `deep` from the top
    return {"first page": "limit=20", f"status={FILTERED_STATUS}": f"limit=20&status={FILTERED_STATUS}",
            f"keyset page @{deep:,}": f"limit=20&starting_after={anchor}",
            f"offset page @{min(deep, MAX_OFFSET):,}": f"limit=20&offset={min(deep, MAX_OFFSET)}"}


def measure(reference_url: str, handoff_url: str, tenant: Tenant, queries: dict[str, str],
            client: str, seconds_per_page: float = SECONDS_PER_PAGE) -> dict[str, dict[str, LoadResult]]:
    """Each page on both servers in turns, one request at a time; results by server, then page."""
    results: dict[str, dict[str, LoadResult]] = {REFERENCE: {}, HANDOFF: {}}
    for name, query in queries.items():
        reference_call = Call("GET", f"/ref/requests?{query}")
        handoff_call = Call("GET", f"/v1/requests?{query}", tenant.headers)
        pair = alternate({REFERENCE: (reference_url, lambda call=reference_call: call),
                          HANDOFF: (handoff_url, lambda call=handoff_call: call)},
                         connections=1, seconds=seconds_per_page, warmup_seconds=0.5, client=client)
        for label, result in pair.items():
            results[label][name] = result
            print(report.describe_load(f"{label} {name}", result), flush=True)
    return results


def run(kind: str, options: Options) -> list[report.Figure]:
    """Seed once, then measure the reference and Handoff on the same database; return the figures."""
    report.heading(f"list on {kind}: {options.rows:,} requests in one project")
    databases = Databases(kind)
    try:
        url = databases.fresh()
        tenant = make_tenant(credit_cents=0)
        started = time.perf_counter()
        seed_requests(tenant, options.rows)
        databases.analyze()
        release()
        print(f"  seeded in {time.perf_counter() - started:.1f} s", flush=True)
        queries = pages(options.rows)
        env = {"DATABASE_URL": url, "BENCH_REF_PROJECT_ID": tenant.project_id}
        profile = options.profile_path("list", kind)
        with running(REFERENCE_APP, env=env, health_path="/ref/health") as reference_url, \
                running(HANDOFF_APP, env={"DATABASE_URL": url}, health_path="/v1/health", profile=profile,
                        profile_clock=options.profile_clock) as handoff_url:
            results = measure(reference_url, handoff_url, tenant, queries, options.client,
                              options.list_seconds_per_page)
    finally:
        databases.cleanup()
    handoff, reference = results[HANDOFF], results[REFERENCE]
    return [report.Figure("list", kind, f"p95 {name} ({options.rows:,} rows)", handoff[name].percentile_ms(0.95),
                          reference[name].percentile_ms(0.95), "ms", f"< {TARGET_P95_MS:g} ms",
                          handoff[name].percentile_ms(0.95) < TARGET_P95_MS and not handoff[name].errors)
            for name in queries]
