"""`kill9`: 1,000 queued webhook deliveries survive a delivery worker killed with SIGKILL again and again.

RELIABILITY 20 and 22: a delivery worker (a subprocess looping on `deliver_due`) is killed with
`kill -9` at random moments, 30 times by default, and started again; then one last worker runs
until nothing is due. At the end every delivery must be `delivered` and the loopback receiver
(a thread of this process, never killed) must have answered 2xx for every one of the 1,000
distinct `event_id`s: lost = 0. A receiver may see an event twice (a worker killed between the
receiver's 2xx and the attempt's commit re-sends it after the claim lease): at-least-once
allows that, and the figure is reported.

To finish in a minute or two the worker's claim lease is 2 s instead of 60 s and the retry
schedule 1 s / 2 s / 3 s instead of 5 min / 30 min / 2 h; the receiver answers 503 to the first
attempt of every tenth event, so kills also land between attempts. Every body's signature is
checked against the endpoint's secret.

    python -m bench kill9 --db sqlite                 # via the registry (see bench/README.md)
    python -m bench.webhook_kill9 --db both --kills 50
    DATABASE_URL=postgresql://postgres@127.0.0.1:55432/handoff_wh python -m bench.webhook_kill9

PostgreSQL: `BENCH_DATABASE_URL` (else a PostgreSQL `DATABASE_URL`, else the default benchmark
database), in its own `bench_kill9` schema, dropped afterwards.
"""

from __future__ import annotations

import os

os.environ.setdefault("ENVIRONMENT", "test")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-used-anywhere-else-0123456789")
os.environ["SCHEDULER_ENABLED"] = "false"

import argparse
import json
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import func, select

from bench import report
from bench.databases import KINDS, Databases
from bench.fixtures import make_tenant
from bench.options import Options
from marketplace_app.companies.access import resolve_actor
from marketplace_app.companies.models import CompanyMember, MemberRole
from marketplace_app.core.db import unit_of_work
from marketplace_app.events import service as events
from marketplace_app.settings import PROJECT_ROOT, get_settings
from marketplace_app.webhooks import service as webhooks
from marketplace_app.webhooks.models import WebhookAttempt, WebhookDelivery
from marketplace_app.webhooks.signing import SignatureError, verify_signature

EVENTS = 1_000
KILLS = 30
LEASE_SECONDS = 2.0
RETRY_SECONDS = [1, 2, 3]
FAIL_FIRST_ATTEMPT_EVERY = 10
KILL_AFTER_SECONDS = (0.05, 0.8)  # after the worker says it is ready
FINISH_TIMEOUT_SECONDS = 180.0
TYPES = ("request.matching", "request.in_progress", "request.submitted", "request.completed")
DELIVERIES = WebhookDelivery.__table__
ATTEMPTS = WebhookAttempt.__table__


@dataclass
class Sink:
    """The loopback receiver: answers 2xx (after 5–40 ms), 503 to the first attempt of every
    tenth event, and counts what it answered per `event_id`."""

    secret: str = ""
    ok: Counter[str] = field(default_factory=Counter)
    refused_first: set[str] = field(default_factory=set)
    calls: int = 0
    torn: int = 0
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://localhost:{self.server.server_address[1]}/handoff"

    def start(self) -> Sink:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                try:
                    body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                    event = json.loads(body)
                except (OSError, ValueError):  # the sender was killed mid-request
                    with sink.lock:
                        sink.torn += 1
                    return
                status = sink.answer(event, body, self.headers.get("X-Handoff-Signature"))
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:  # the sender was killed before reading the answer
                    pass

            def log_message(self, *_args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True, name="kill9-sink").start()
        return self

    def answer(self, event: dict, body: bytes, signature: str | None) -> int:
        time.sleep(random.uniform(0.005, 0.040))
        event_id, kind = event["event_id"], event["type"]
        with self.lock:
            self.calls += 1
            if kind == "webhook.ping":
                return 200
            try:
                verify_signature(body, signature, self.secret)
            except SignatureError:
                self.bad_signatures += 1
                return 400
            if int(event_id[-6:], 16) % FAIL_FIRST_ATTEMPT_EVERY == 0 and event_id not in self.refused_first:
                self.refused_first.add(event_id)
                return 503
            self.ok[event_id] += 1
            return 200

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: str
    queued: int
    kills: int
    kills_with_work_left: int
    statuses: dict[str, int]
    received: int
    duplicates: int
    lost: int
    refused_first: int
    bad_signatures: int
    torn: int
    attempts_logged: int
    receiver_calls: int
    seconds: float

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.statuses.get("delivered", 0) == self.queued and self.bad_signatures == 0


def worker(url: str, lease_seconds: float) -> None:
    """The delivery worker: `deliver_due` in a loop until killed (the bench's subprocess)."""
    from datetime import timedelta

    from marketplace_app.core import db
    from marketplace_app.webhooks import delivery

    get_settings.cache_clear()
    db.configure(url)
    delivery.LEASE = timedelta(seconds=lease_seconds)
    print("ready", flush=True)
    while True:
        if not delivery.deliver_due(limit=50):
            time.sleep(0.05)


def _worker_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DATABASE_URL=url, WEBHOOKS_ALLOW_LOCALHOST="1", WEBHOOK_RETRY_SECONDS=json.dumps(RETRY_SECONDS),
               SECRET_KEY=get_settings().secret_key, ENVIRONMENT="test", SCHEDULER_ENABLED="false",
               PYTHONPATH=str(PROJECT_ROOT))
    return env


def _start_worker(url: str, log: Path) -> subprocess.Popen[str]:
    with log.open("a") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.webhook_kill9", "--worker", url, "--lease", str(LEASE_SECONDS)],
            cwd=PROJECT_ROOT, env=_worker_env(url), stdout=subprocess.PIPE, stderr=stderr, text=True)
    assert process.stdout is not None
    if process.stdout.readline().strip() != "ready":
        process.kill()
        raise SystemExit(f"the delivery worker did not start; see {log}")
    return process


def _kill9(process: subprocess.Popen[str]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    if process.stdout is not None:
        process.stdout.close()


def _statuses() -> dict[str, int]:
    with unit_of_work(read_only=True) as session:
        return dict(session.execute(select(DELIVERIES.c.status, func.count()).group_by(DELIVERIES.c.status)).all())


def _queue(sink: Sink, count: int) -> list[str]:
    """A company, an endpoint to the sink (pinged through the service) and `count` events."""
    tenant = make_tenant(credit_cents=0)
    with unit_of_work(read_only=True) as session:
        owner = session.execute(select(CompanyMember.user_id).where(
            CompanyMember.company_id == tenant.company_id, CompanyMember.role == MemberRole.owner)).scalar_one()
        actor = resolve_actor(session, owner)
    saved = webhooks.create_endpoint(actor=actor, project_id=tenant.project_id, url=sink.url, types=None)
    assert saved.secret is not None
    sink.secret = saved.secret
    planned = [events.NewEvent(type=TYPES[index % len(TYPES)], project_id=tenant.project_id,
                               company_id=tenant.company_id, request_id=f"req_kill9_{index // len(TYPES):06d}",
                               data={"bench": "kill9", "n": index}) for index in range(count)]
    ids: list[str] = []
    for start in range(0, count, 100):  # events of one request stay in order: log order is emit order
        with unit_of_work() as session:
            ids += events.emit(session, planned[start:start + 100])
    return ids


def measure(kind: str, *, count: int = EVENTS, kills: int = KILLS, seed: int = 9) -> Outcome:
    """Queue `count` deliveries on a fresh `kind` database and deliver them through `kills` SIGKILLs."""
    rng = random.Random(seed)
    databases = Databases(kind)
    sink = Sink().start()
    saved_env = {name: os.environ.get(name) for name in ("WEBHOOKS_ALLOW_LOCALHOST", "WEBHOOK_RETRY_SECONDS")}
    os.environ.update(WEBHOOKS_ALLOW_LOCALHOST="1", WEBHOOK_RETRY_SECONDS=json.dumps(RETRY_SECONDS))
    try:
        url = databases.fresh("kill9")
        ids = _queue(sink, count)
        log = databases.workdir / "worker.log"
        started = time.perf_counter()
        with_work_left = 0
        for _ in range(kills):
            process = _start_worker(url, log)
            time.sleep(rng.uniform(*KILL_AFTER_SECONDS))
            _kill9(process)
            with_work_left += _statuses().get("pending", 0) > 0
        process = _start_worker(url, log)
        deadline = time.monotonic() + FINISH_TIMEOUT_SECONDS
        while _statuses().get("pending", 0) and time.monotonic() < deadline:
            time.sleep(0.2)
        _kill9(process)
        seconds = time.perf_counter() - started
        with unit_of_work(read_only=True) as session:
            attempts = session.execute(select(func.count()).select_from(ATTEMPTS)).scalar_one()
        with sink.lock:
            received = set(sink.ok)
            return Outcome(kind=kind, queued=len(ids), kills=kills, kills_with_work_left=with_work_left,
                           statuses=_statuses(), received=len(received & set(ids)),
                           duplicates=sum(sink.ok.values()) - len(received), lost=len(set(ids) - received),
                           refused_first=len(sink.refused_first), bad_signatures=sink.bad_signatures, torn=sink.torn,
                           attempts_logged=attempts, receiver_calls=sink.calls, seconds=seconds)
    finally:
        sink.stop()
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()
        databases.cleanup()


def describe(outcome: Outcome) -> None:
    report.heading(f"kill9 {outcome.kind}: {outcome.queued:,} deliveries, worker killed with SIGKILL "
                   f"{outcome.kills}×")
    print(f"  lease {LEASE_SECONDS:g} s, retries {'/'.join(map(str, RETRY_SECONDS))} s, first attempt of every "
          f"{FAIL_FIRST_ATTEMPT_EVERY}th event answered 503 ({outcome.refused_first:,} events)")
    print(f"  kills that left work pending: {outcome.kills_with_work_left}/{outcome.kills}")
    print(f"  deliveries by status: {outcome.statuses}")
    print(f"  receiver: {outcome.received:,} of {outcome.queued:,} distinct event_ids answered 2xx, "
          f"lost {outcome.lost}, duplicates {outcome.duplicates} (at-least-once), bad signatures "
          f"{outcome.bad_signatures}, {outcome.receiver_calls:,} calls in all, {outcome.torn} cut off mid-request")
    print(f"  attempts logged {outcome.attempts_logged:,}; {outcome.seconds:.1f} s from the first worker to the last "
          f"delivery — {'ok' if outcome.ok else 'FAILED'}", flush=True)


def figures(outcome: Outcome) -> list[report.Figure]:
    return [
        report.Figure("kill9", outcome.kind, f"lost of {outcome.queued:,} after {outcome.kills} kills",
                      outcome.lost, None, "", "0", outcome.lost == 0, correctness=True),
        report.Figure("kill9", outcome.kind, "delivered", outcome.statuses.get("delivered", 0), None, "",
                      f"{outcome.queued:,}", outcome.ok, correctness=True),
        report.Figure("kill9", outcome.kind, "duplicates received", outcome.duplicates, None, "",
                      "allowed (at-least-once)", None),
    ]


def run(kind: str, options: Options) -> list[report.Figure]:
    """The registry entry (`python -m bench kill9`)."""
    outcome = measure(kind, count=options.kill9_events, kills=options.kill9_kills)
    describe(outcome)
    return figures(outcome)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.webhook_kill9", description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, choices=(*KINDS, "both"),
                        help="default: sqlite, plus postgres when DATABASE_URL points to PostgreSQL")
    parser.add_argument("--events", type=int, default=EVENTS)
    parser.add_argument("--kills", type=int, default=KILLS)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--worker", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--lease", type=float, default=LEASE_SECONDS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.lease)
        return 0
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith("postgres"):
        os.environ.setdefault("BENCH_DATABASE_URL", database_url)
    kinds = {"both": list(KINDS), None: ["sqlite"] + (["postgres"] if database_url.startswith("postgres") else [])}
    outcomes = [measure(kind, count=args.events, kills=args.kills, seed=args.seed)
                for kind in kinds.get(args.db, [args.db])]
    for outcome in outcomes:
        describe(outcome)
    print("\n" + report.table([figure for outcome in outcomes for figure in figures(outcome)]))
    return 0 if all(outcome.ok for outcome in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
