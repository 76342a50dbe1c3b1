"""`phases`: where one create and one read spend their time, in process, without HTTP.

Calls the real route functions one at a time (the auth dependency, then the endpoint) and
times named steps by wrapping them at runtime (nothing in the app changes), in wall time and
in this thread's CPU time; counts SQL statements per call; and times the reference's raw-SQL
transaction the same way. Not part of `all`: it explains figures, it is not one.
"""

from __future__ import annotations

import functools
import importlib
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from starlette.requests import Request as HttpRequest

from bench import asgi_costs, report
from bench.databases import Databases, release
from bench.fixtures import SEED_BODY, Tenant, create_requests, make_tenant
from bench.options import Options
from marketplace_app.core.db import get_engine

CALLS = 1000
WARMUP_CALLS = 200
A = "marketplace_app.api.agent"
R = "marketplace_app.api.routes.requests"
S = "marketplace_app.requests.service"
L = "marketplace_app.ledger.service"
CREATE_STEPS = [
    ("auth + rate limit (own write transaction)", A, "agent_context"),
    ("  authenticate (a pk_ key: the one key read)", A, "authenticate"),
    ("  ratelimit.hit", "marketplace_app.ratelimit.service", "hit"),
    ("  touch_last_used", A, "touch_last_used"),
    ("run_idempotent (SQLite: lookup; then one write transaction)", R, "run_idempotent"),
    ("  idempotency.lookup (SQLite: read-only transaction)", "marketplace_app.idempotency.service", "lookup"),
    ("  idempotency.take (PostgreSQL: advisory lock)", "marketplace_app.idempotency.service", "take"),
    ("  idempotency.store", "marketplace_app.idempotency.service", "store"),
    ("  requests.create_request", S, "create_request"),
    ("    _project (FOR UPDATE with caps on PostgreSQL)", S, "_project"),
    ("    catalogue.require_active_skill (cached)", "marketplace_app.catalogue.service", "require_active_skill"),
    ("    trailing_spend_cents (rollup)", S, "trailing_spend_cents"),
    ("    record_creation (timeline + event)", "marketplace_app.requests.status", "record_creation"),
    ("    spend.count_created (budget rollup upsert)", "marketplace_app.requests.spend", "count_created"),
    ("    _escrow → ledger.place_hold (no savepoint)", S, "_escrow"),
    ("      ledger.account_id (×2, cached)", L, "account_id"), ("      ledger.transfer", L, "transfer"),
    ("        _apply_balances", L, "_apply_balances"),
    ("  views.estimated_match_seconds", "marketplace_app.requests.views", "estimated_match_seconds"),
    ("Session.commit (the write transactions)", "sqlmodel", "Session.commit"),
]
GET_STEPS = [
    ("get_request (key, rate limit and read: one read-only connection)", R, "get_request"),
    ("  authenticate (a pk_ key: the one key read)", A, "authenticate"), ("  count_call (rate limit)", A, "count_call"),
    ("  requests.get_request", S, "get_request"), ("  requests.timeline", S, "timeline"),
    ("  views.detail", "marketplace_app.requests.views", "detail"),
    ("  model_response (checked against RequestPublic, serialised)", R, "model_response"),
]


@dataclass
class Probes:
    """Wrap named functions with timers for the length of a `with` block."""

    steps: list[tuple[str, str, str]]
    wall: Counter = field(default_factory=Counter)
    cpu: Counter = field(default_factory=Counter)
    statements: Counter = field(default_factory=Counter)

    @contextmanager
    def installed(self) -> Iterator[Probes]:
        """Install every wrapper (and a statement counter); restore the originals afterwards."""
        originals = []
        for label, module_name, attribute in self.steps:
            owner, name = _resolve(module_name, attribute)
            original = getattr(owner, name)
            originals.append((owner, name, original))
            setattr(owner, name, self._timed(label, original))
        event.listen(get_engine(), "before_cursor_execute", self._count)
        try:
            yield self
        finally:
            event.remove(get_engine(), "before_cursor_execute", self._count)
            for owner, name, original in originals:
                setattr(owner, name, original)

    def _timed(self, label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.wall[label] += time.perf_counter() - wall
                self.cpu[label] += time.thread_time() - cpu

        return timed

    def _count(self, _connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements[statement.split(None, 1)[0].upper()] += 1

    def reset(self) -> None:
        """Forget the warm-up."""
        self.wall.clear()
        self.cpu.clear()
        self.statements.clear()


def _resolve(module_name: str, attribute: str) -> tuple[Any, str]:
    owner: Any = importlib.import_module(module_name)
    *path, name = attribute.split(".")
    for part in path:
        owner = getattr(owner, part)
    return owner, name


def _agent_request(tenant: Tenant) -> HttpRequest:
    return HttpRequest({"type": "http", "method": "POST", "path": "/v1/requests",
                        "headers": [(b"authorization", f"Bearer {tenant.secret}".encode())]})


def timed_calls(call: Callable[[int], None], probes: Probes) -> tuple[float, float]:
    """Warm up, then time `CALLS` calls; return wall and CPU seconds per call."""
    with probes.installed():
        for number in range(WARMUP_CALLS):
            call(-1 - number)
        probes.reset()
        wall, cpu = time.perf_counter(), time.thread_time()
        for number in range(CALLS):
            call(number)
        return (time.perf_counter() - wall) / CALLS, (time.thread_time() - cpu) / CALLS


def breakdown(title: str, probes: Probes, per_call: tuple[float, float]) -> None:
    """Print each step's wall and CPU time per call and its share of the whole."""
    wall, cpu = per_call
    print(f"  {title}: {wall * 1000:.2f} ms wall, {cpu * 1000:.2f} ms CPU per call; statements per call: "
          + ", ".join(f"{name} {count / CALLS:.1f}" for name, count in sorted(probes.statements.items())))
    for label, _module, _attribute in probes.steps:
        print(f"    {label:<46} {probes.wall[label] / CALLS * 1000:7.3f} ms wall "
              f"{probes.wall[label] / CALLS / wall:6.1%}   {probes.cpu[label] / CALLS * 1000:7.3f} ms CPU")


def handoff_phases() -> tuple[Tenant, tuple[float, float], tuple[float, float]]:
    """Breakdowns of create and get on the current database; return the per-call times."""
    from marketplace_app.api import agent
    from marketplace_app.api.routes import requests as routes
    from marketplace_app.requests.schemas import RequestCreate

    tenant = make_tenant(credit_cents=10**12)
    body = RequestCreate(**SEED_BODY)

    def create(number: int) -> None:
        ctx = agent.agent_context(_agent_request(tenant))
        routes.create_for(ctx, body, f"phases-{number}")

    probes = Probes(CREATE_STEPS)
    create_times = timed_calls(create, probes)
    breakdown("Handoff create", probes, create_times)
    ids = create_requests(tenant, 500)

    def read(number: int) -> None:
        routes.get_request(request_id=ids[number % len(ids)], request=_agent_request(tenant))

    probes = Probes(GET_STEPS)
    get_times = timed_calls(read, probes)
    breakdown("Handoff get", probes, get_times)
    return tenant, create_times, get_times


def reference_phases(url: str, tenant: Tenant) -> tuple[tuple[float, float], tuple[float, float]]:
    """The reference's create transaction and row read, same loop; return the per-call times."""
    from bench.reference import SELECT_ONE, RefCreate, Store, _tenant, create_escrowed

    release()
    store = Store(url)
    try:
        ids: list[str] = []
        owner, body = _tenant(store, tenant.project_id), RefCreate(**SEED_BODY)
        create = timed_calls(lambda _n: ids.append(_created_id(create_escrowed(store, owner, body))), Probes([]))

        def read(number: int) -> None:
            with store.transaction(write=False) as cursor:
                cursor.execute(store.sql(SELECT_ONE), {"id": ids[number % len(ids)],
                                                       "project_id": tenant.project_id})
                cursor.fetchall()

        read_times = timed_calls(read, Probes([]))
    finally:
        store.close()
    for label, (wall, cpu) in (("reference create", create), ("reference get", read_times)):
        print(f"  {label}: {wall * 1000:.2f} ms wall, {cpu * 1000:.2f} ms CPU per call")
    return create, read_times


def _created_id(response: Any) -> str:
    return json.loads(response.body)["request_id"]


def asgi_breakdown(tenant: Tenant, route_cpu: dict[str, float]) -> None:
    """Whole requests through the ASGI apps; the HTTP/FastAPI layer is what the routes do not explain."""
    ids = create_requests(tenant, 100)
    for label, (wall, cpu, status) in asgi_costs.measure(tenant, ids).items():
        layer = ""
        if label in route_cpu:
            layer = (f"  → HTTP/FastAPI layer ≈ {(cpu - route_cpu[label]) * 1000:.2f} ms "
                     f"({(cpu - route_cpu[label]) / cpu:.0%} of the request's CPU)")
        print(f"  {label:<34} {status}  {wall * 1000:6.2f} ms wall {cpu * 1000:6.2f} ms CPU per request{layer}")


def run(kind: str, _options: Options) -> list[report.Figure]:
    """Both breakdowns, the reference and whole ASGI requests on one database kind; return per-call figures."""
    report.heading(f"phases on {kind}: {CALLS} calls each, one at a time, no HTTP")
    databases = Databases(kind)
    try:
        url = databases.fresh()
        tenant, create, get = handoff_phases()
        ref_create, ref_get = reference_phases(url, tenant)
        print(f"  whole requests through the ASGI apps in process ({asgi_costs.ASGI_CALLS} each, no socket):")
        asgi_breakdown(tenant, {"Handoff POST /v1/requests": create[1], "Handoff GET /v1/requests/{id}": get[1]})
    finally:
        databases.cleanup()
    return [report.Figure("phases", kind, f"{name} {clock} per call (in process)", mine[index] * 1000,
                          theirs[index] * 1000, "ms", "—", None)
            for name, mine, theirs in (("create", create, ref_create), ("get", get, ref_get))
            for index, clock in enumerate(("wall", "CPU"))]
