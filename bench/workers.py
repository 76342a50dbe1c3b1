"""`workers`: the production backend (`reflex run --env prod --backend-only`, Redis configured)
with two granian workers against the same with one, under a create/get mix of 8 agents (1 create
: 3 GETs of the agent's requests created before), 64 connections, measured in turns. PRODUCT.md section 10: two
workers ≥ 1.4 × one on 2 cores.

Both deployments run side by side, each on its own fresh database of the same kind (on PostgreSQL
two schemas alike: `public` measured faster than a `bench_*` schema in an A/A run here), with the
scheduler off (as in every other benchmark). After the run each database must have one escrow
transfer per request and a healthy ledger; if not, the run ends non-zero.
"""

from __future__ import annotations

import itertools
import random
import secrets
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from bench import report
from bench.create import BODY
from bench.databases import Databases, release
from bench.deployment import Deployment, backend, redis_server
from bench.fixtures import Tenant, create_requests, make_tenant
from bench.loadgen import ROUNDS, Call, LoadResult, alternate
from bench.options import Options
from bench.soak import verify_database

CREDIT_CENTS = 10**13
READABLE_REQUESTS = 1000
# Agents (companies with one key each) the calls go round: with one key every call would update
# the same rate-limit row and the same balance, one transaction at a time whatever the workers.
AGENTS = 8
GETS_PER_CREATE = 3
TARGET_RATIO = 1.4
ONE, TWO = "1 worker: create/get mix", "2 workers: create/get mix"


def mixed_calls(agents: list[tuple[Tenant, list[str]]], *, seed: int) -> Callable[[], Call]:
    """The agents in turn; one create (fresh `Idempotency-Key`) for every `GETS_PER_CREATE` GETs of
    the agent's own requests."""
    rng, numbers, run_id = random.Random(seed), itertools.count(), secrets.token_hex(4)

    def next_call() -> Call:
        number = next(numbers)
        tenant, request_ids = agents[number % len(agents)]
        if (number // len(agents)) % (GETS_PER_CREATE + 1) == 0:
            return Call("POST", "/v1/requests", {**tenant.headers, "Content-Type": "application/json",
                                                 "Idempotency-Key": f"workers-{run_id}-{number}"}, BODY)
        return Call("GET", f"/v1/requests/{rng.choice(request_ids)}", tenant.headers)

    return next_call


def prepared(databases: Databases, name: str) -> tuple[str, list[tuple[Tenant, list[str]]]]:
    """A fresh database with `AGENTS` funded companies (one key each), each with requests to read."""
    url = databases.fresh(name)
    agents = []
    for _ in range(AGENTS):
        tenant = make_tenant(credit_cents=CREDIT_CENTS)
        agents.append((tenant, create_requests(tenant, READABLE_REQUESTS // AGENTS)))
    release()
    return url, agents


def measure(databases: Databases, options: Options) -> tuple[dict[str, LoadResult], list[str]]:
    """One deployment of each size, side by side, measured in turns."""
    targets, urls, deployments = {}, [], {}
    with ExitStack() as stack:
        logs = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        redis_url = stack.enter_context(redis_server())
        for label, workers, name in ((ONE, 1, "one"), (TWO, 2, "two")):
            url, agents = prepared(databases, name)
            deployment = stack.enter_context(backend(url, redis_url=redis_url, workers=workers, log_dir=logs))
            targets[label] = (deployment.base_url, mixed_calls(agents, seed=workers))
            urls.append(url)
            deployments[label] = deployment
        results = alternate(targets, **options.load())
        for label, result in results.items():
            print(report.describe_load(label, result), flush=True)
            print(f"    CPU seconds per worker process: {_cpu_seconds(deployments[label])}")
    return results, urls


def _cpu_seconds(deployment: Deployment) -> str:
    """Each worker's CPU time so far: whether the load reached every worker."""
    return ", ".join(f"{sum(worker.cpu_times()[:2]):.1f}" for worker in deployment.workers)


def run(kind: str, options: Options) -> list[report.Figure]:
    """Measure one and two workers on one database kind; a failed correctness check ends the run."""
    report.heading(f"workers on {kind}: {options.connections} connections ({options.client}), 1 create : "
                   f"{GETS_PER_CREATE} GETs, {options.seconds:g} s per deployment in {ROUNDS} alternating windows")
    databases = Databases(kind)
    try:
        results, urls = measure(databases, options)
        checks = [verify_database(url) for url in urls]
    finally:
        databases.cleanup()
    for _, line in checks:
        print(line)
    one, two = results[ONE], results[TWO]
    ratio = two.per_second / one.per_second if one.per_second else 0.0
    print(f"  two workers ÷ one: {ratio:.2f}× (target ≥ {TARGET_RATIO}× on 2 cores)")
    if not all(healthy for healthy, _ in checks):
        raise SystemExit("workers: correctness failed (ledger or escrow count)")
    return [
        report.Figure("workers", kind, "mix req/s, 2 workers vs 1", two.per_second, one.per_second, "req/s",
                      f"≥ {TARGET_RATIO}× one worker", ratio >= TARGET_RATIO),
        report.Figure("workers", kind, "mix p99, 2 workers vs 1", two.percentile_ms(0.99), one.percentile_ms(0.99),
                      "ms", "—", None),
        report.Figure("workers", kind, "mix non-2xx, 2 workers (1 worker)", sum(two.errors.values()),
                      sum(one.errors.values()), "", "0", not two.errors and not one.errors),
    ]
