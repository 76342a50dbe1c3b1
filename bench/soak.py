"""`soak` (RELIABILITY 24): 200 agents at once, 50 req/s in all of create / get / list / cancel,
for 10 minutes (`--seconds`), against two backend workers on PostgreSQL + Redis, the scheduler
running (its expiry sweep meets the cancels).

Pass: 0 × 5xx (and no failed connection), `ledger_health` ok, each request escrowed once, p95 of
reads (get, list) < 300 ms and of creates < 500 ms. The load is open loop: every agent sends at
its own fixed pace, whatever the server's answers take, so a slow server meets the same 50 req/s.
`python -m bench soak` exits non-zero when a correctness check fails (5xx, a failed connection,
the ledger); a slow percentile is printed as missing its target.
"""

from __future__ import annotations

import asyncio
import json
import random
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import func, select

from bench import report
from bench.databases import Databases, release, use
from bench.deployment import backend, redis_server
from bench.fixtures import SEED_BODY, make_tenant
from bench.options import Options
from marketplace_app.companies import service as companies
from marketplace_app.companies.models import KeyMode
from marketplace_app.core.db import unit_of_work
from marketplace_app.ledger.health import ledger_health
from marketplace_app.ledger.models import LedgerTransfer
from marketplace_app.requests.models import Request

AGENTS = 200
COMPANIES = 20  # ten agents (keys) per company: companies' balances see concurrent escrow
REQUESTS_PER_SECOND = 50.0
WORKERS = 2
CREDIT_CENTS = 10**12
MIX = (("create", 30), ("get", 35), ("list", 20), ("cancel", 15))
READ_P95_TARGET_MS = 300.0
CREATE_P95_TARGET_MS = 500.0
CALL_TIMEOUT_SECONDS = 30.0
BODY = json.dumps(SEED_BODY).encode()


@dataclass
class SoakResult:
    """What the load saw: latencies per operation and every outcome (status code or exception)."""

    seconds: float
    latencies_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    outcomes: Counter[str] = field(default_factory=Counter)

    def p95_ms(self, *operations: str) -> float:
        """The 95th percentile over `operations` (nearest rank)."""
        ordered = sorted(ms for operation in operations for ms in self.latencies_ms[operation])
        return ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)] if ordered else float("nan")

    @property
    def calls(self) -> int:
        """Every call made."""
        return sum(self.outcomes.values())

    @property
    def failures(self) -> dict[str, int]:
        """5xx answers and calls that got no answer at all."""
        return {outcome: count for outcome, count in self.outcomes.items()
                if not outcome.isdigit() or int(outcome) >= 500}


@dataclass
class Agent:
    """One agent: its key and the requests it created that it may still cancel."""

    key: str
    created: list[str] = field(default_factory=list)

    def next_call(self, rng: random.Random) -> tuple[str, str, str, bytes | None]:
        """(operation, method, path, body) of the agent's next call."""
        operation = rng.choices([name for name, _ in MIX], weights=[weight for _, weight in MIX])[0]
        if operation != "create" and not self.created:
            operation = "create"
        if operation == "create":
            return operation, "POST", "/v1/requests", BODY
        if operation == "get":
            return operation, "GET", f"/v1/requests/{rng.choice(self.created)}", None
        if operation == "list":
            return operation, "GET", "/v1/requests?limit=20", None
        return operation, "POST", f"/v1/requests/{self.created.pop(rng.randrange(len(self.created)))}/cancel", None


def make_agents(count: int = AGENTS, companies_count: int = COMPANIES) -> list[Agent]:
    """`count` agents (live keys) spread over `companies_count` funded companies."""
    agents = []
    for _ in range(companies_count):
        tenant = make_tenant(credit_cents=CREDIT_CENTS)
        agents.append(Agent(tenant.secret))
        with unit_of_work() as session:
            for number in range(count // companies_count - 1):
                issued = companies.issue_key(session, project_id=tenant.project_id, name=f"agent {number}",
                                             mode=KeyMode.live)
                agents.append(Agent(issued.secret))
    return agents


def drive(base_url: str, agents: list[Agent], *, seconds: float, rate: float = REQUESTS_PER_SECOND) -> SoakResult:
    """Every agent calls at `rate / len(agents)` per second for `seconds`; return what happened."""
    return asyncio.run(_drive(base_url, agents, seconds=seconds, rate=rate))


async def _drive(base_url: str, agents: list[Agent], *, seconds: float, rate: float) -> SoakResult:
    result = SoakResult(seconds=seconds)
    limits = httpx.Limits(max_connections=len(agents), max_keepalive_connections=len(agents))
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=CALL_TIMEOUT_SECONDS) as client:
        interval = len(agents) / rate
        until = time.monotonic() + seconds
        await asyncio.gather(*(_agent_loop(client, agent, random.Random(index), interval, until, result)
                               for index, agent in enumerate(agents)))
    return result


async def _agent_loop(client: httpx.AsyncClient, agent: Agent, rng: random.Random, interval: float, until: float,
                      result: SoakResult) -> None:
    next_at = time.monotonic() + rng.uniform(0, interval)  # spread the agents' first calls
    tasks = []
    while next_at < until:
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        tasks.append(asyncio.create_task(_call(client, agent, rng, result)))
        next_at += interval
    await asyncio.gather(*tasks)


async def _call(client: httpx.AsyncClient, agent: Agent, rng: random.Random, result: SoakResult) -> None:
    operation, method, path, body = agent.next_call(rng)
    headers = {"Authorization": f"Bearer {agent.key}"}
    if method == "POST":
        headers |= {"Idempotency-Key": f"soak-{rng.getrandbits(64):x}", "Content-Type": "application/json"}
    started = time.perf_counter()
    try:
        response = await client.request(method, path, headers=headers, content=body)
        outcome = str(response.status_code)
    except httpx.HTTPError as exc:
        outcome, response = type(exc).__name__, None
    result.latencies_ms[operation].append((time.perf_counter() - started) * 1000)
    result.outcomes[outcome] += 1
    if operation == "create" and response is not None and response.status_code == 201:
        agent.created.append(response.json()["request_id"])


def verify_database(url: str) -> tuple[bool, str]:
    """After the load: the ledger's invariants hold and every created request was escrowed once."""
    use(url)
    with unit_of_work(read_only=True) as session:
        health = ledger_health(session)
        created = session.execute(select(func.count()).select_from(Request)).scalar_one()
        escrows = session.execute(select(func.count()).select_from(LedgerTransfer)
                                  .where(LedgerTransfer.kind == "escrow_hold")).scalar_one()
    release()
    ok = health.ok and created == escrows
    return ok, (f"  after the run: {created:,} requests, {escrows:,} escrow transfers, "
                f"ledger_health {'ok' if health.ok else health} → {'ok' if ok else 'BROKEN'}")


def summary(result: SoakResult) -> str:
    """One paragraph: calls, outcomes, p95 per kind of call."""
    outcomes = ", ".join(f"{outcome}×{count}" for outcome, count in sorted(result.outcomes.items()))
    per_operation = "  ".join(f"{operation} n={len(ms):,} p95 {result.p95_ms(operation):.0f} ms"
                              for operation, ms in sorted(result.latencies_ms.items()))
    return (f"  {result.calls:,} calls in {result.seconds:g} s ({result.calls / result.seconds:.1f} req/s): "
            f"{outcomes}\n  {per_operation}")


def soak(database: str, *, seconds: float, workers: int = WORKERS) -> tuple[SoakResult, bool, str]:
    """Agents made on `database`, the deployment started, the load driven, the database checked."""
    use(database)
    agents = make_agents()
    release()
    with tempfile.TemporaryDirectory() as logs, redis_server() as redis_url, \
            backend(database, redis_url=redis_url, workers=workers, log_dir=Path(logs),
                    SCHEDULER_ENABLED="true") as deployment:
        result = drive(deployment.base_url, agents, seconds=seconds)
    healthy, line = verify_database(database)
    return result, healthy, line


def run(kind: str, options: Options) -> list[report.Figure]:
    """`python -m bench soak`: the figures; a failed correctness check ends the run non-zero."""
    report.heading(f"soak on {kind}: {AGENTS} agents, {REQUESTS_PER_SECOND:g} req/s of create/get/list/cancel, "
                   f"{options.seconds:g} s, {WORKERS} workers + Redis, scheduler on")
    databases = Databases(kind)
    try:
        result, healthy, line = soak(databases.fresh("main"), seconds=options.seconds)
    finally:
        databases.cleanup()
    print(summary(result))
    print(line)
    figures = _figures(kind, result, healthy)
    if result.failures or not healthy:
        print(report.table(figures))
        raise SystemExit(f"soak: correctness failed: {result.failures or 'ledger'}")
    return figures


def _figures(kind: str, result: SoakResult, healthy: bool) -> list[report.Figure]:
    reads, creates = result.p95_ms("get", "list"), result.p95_ms("create")
    return [
        report.Figure("soak", kind, "req/s", result.calls / result.seconds, REQUESTS_PER_SECOND, "req/s",
                      "50 req/s", None),
        report.Figure("soak", kind, "5xx and failed calls", sum(result.failures.values()), None, "", "0",
                      not result.failures, correctness=True),
        report.Figure("soak", kind, "p95 reads (get, list)", reads, None, "ms", "< 300 ms",
                      reads < READ_P95_TARGET_MS),
        report.Figure("soak", kind, "p95 creates", creates, None, "ms", "< 500 ms", creates < CREATE_P95_TARGET_MS),
        report.Figure("soak", kind, "ledger_health and one escrow per request", float(healthy), None, "", "ok",
                      healthy, correctness=True),
    ]
