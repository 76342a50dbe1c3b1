"""`schedulers`: two app processes, each starting the real scheduler, for N seconds → 0 duplicate executions.

RELIABILITY 21: while both run, due work keeps arriving (bench/fault_work.py: unmatched requests
to expire and refund, earnings to release, payouts to send through a loopback payout service,
webhook deliveries to a loopback sink). Each process logs every job run it makes (job, holder,
start, end). Afterwards, from the database and the two loopback services: every item done
exactly once, every delivery delivered, `ledger_health()` ok; and from the logs: no job ever ran
in both processes at overlapping times (two leaders at once).

    python -m bench schedulers --db both --seconds 600
    python -m bench.schedulers --db sqlite --seconds 60

Webhook retries are 1 s / 2 s / 3 s instead of 5 min / 30 min / 2 h so refused first attempts
(every tenth event, see the sink in bench/webhook_kill9.py) are retried within the run.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bench import fault_work, report
from bench.databases import Databases
from bench.options import Options
from bench.payout_provider import FakePayoutProvider
from bench.webhook_kill9 import RETRY_SECONDS, Sink
from marketplace_app.core.clock import now
from marketplace_app.settings import PROJECT_ROOT, get_settings

PROCESSES = 2
FEED_EVERY_SECONDS = 2.0
ITEMS_PER_FEED = 3
DRAIN_SECONDS = 90.0
START_TIMEOUT_SECONDS = 60.0
RELEASE_JOB_INTERVAL_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Run:
    """One job run as a scheduler process logged it."""

    job: str
    holder: str
    start: float
    end: float
    processed: int


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: str
    seconds: float
    tallies: list[fault_work.Tally]
    undelivered: int
    duplicate_receipts: int
    ledger_ok: bool
    runs: list[Run]
    overlapping: int

    @property
    def holders(self) -> set[str]:
        return {run.holder for run in self.runs}

    @property
    def ok(self) -> bool:
        return (self.ledger_ok and self.overlapping == 0 and self.undelivered == 0
                and all(tally.ok for tally in self.tallies))


def child(url: str) -> None:
    """A would-be scheduler: the app's scheduler lifespan, every job run logged as a JSON line."""
    from marketplace_app.core import db
    from marketplace_app.scheduler import runner

    os.environ["SCHEDULER_ENABLED"] = "true"  # importing bench.webhook_kill9 turned it off
    get_settings.cache_clear()
    db.configure(url)
    run_job = runner.run_job
    output = threading.Lock()

    def logged(job, *, holder: str = "manual") -> int:
        start = time.time()
        processed = run_job(job, holder=holder)
        line = json.dumps({"job": job.name, "holder": holder, "start": start, "end": time.time(),
                           "processed": processed})
        with output:  # ticks run in a thread pool: one whole line at a time
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        return processed

    runner.run_job = logged  # tick() looks it up in the module when it runs

    async def serve() -> None:
        async with runner.scheduler_lifespan():
            print("ready", flush=True)
            await asyncio.Event().wait()

    asyncio.run(serve())


def child_env(url: str, *, payout_url: str) -> dict[str, str]:
    """The environment of a scheduler process (also used by `kill9-money`'s workers)."""
    env = dict(os.environ)
    env.update(DATABASE_URL=url, SCHEDULER_ENABLED="true", ENVIRONMENT="test", WEBHOOKS_ALLOW_LOCALHOST="1",
               WEBHOOK_RETRY_SECONDS=json.dumps(RETRY_SECONDS), PAYOUT_PROVIDER="http",
               PAYOUT_PROVIDER_URL=payout_url, PAYOUT_PROVIDER_TIMEOUT_SECONDS="2",
               SECRET_KEY=get_settings().secret_key, PYTHONPATH=str(PROJECT_ROOT))
    return env


def _start(url: str, payout_url: str, workdir: Path, number: int) -> tuple[subprocess.Popen[bytes], Path]:
    """A scheduler process whose job-run log goes to a file (a pipe nobody reads would fill and block it)."""
    runs = workdir / f"runs-{number}.jsonl"
    with (workdir / "schedulers.log").open("a") as stderr, runs.open("w") as stdout:
        process = subprocess.Popen([sys.executable, "-m", "bench.schedulers", "--child", url], cwd=PROJECT_ROOT,
                                   env=child_env(url, payout_url=payout_url), stdout=stdout, stderr=stderr)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while "ready" not in runs.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"a scheduler process did not start; see {workdir / 'schedulers.log'}")
        time.sleep(0.1)
    return process, runs


def _stop(process: subprocess.Popen[bytes], runs: Path) -> list[Run]:
    process.send_signal(signal.SIGKILL)  # as a crash would: no release, the lease simply expires
    process.wait()
    return [Run(**json.loads(line)) for line in runs.read_text().splitlines() if line.startswith("{")]


def overlapping(runs: list[Run]) -> int:
    """Runs of one job by different holders whose times overlap: two leaders at once."""
    return sum(first.job == second.job and first.holder != second.holder and second.start < first.end
               and first.start < second.end for first, second in itertools.combinations(runs, 2))


def measure(url: str, *, kind: str, seconds: float, workdir: Path, seed: int = 21) -> Outcome:
    """Two scheduler processes on the database at `url` for `seconds` while work keeps falling due."""
    rng = random.Random(seed)
    sink, provider = Sink().start(), FakePayoutProvider().start()
    os.environ["WEBHOOKS_ALLOW_LOCALHOST"] = "1"
    get_settings.cache_clear()
    try:
        world, sink.secret = fault_work.make_world(sink_url=sink.url, provider=provider)
        # Earnings are released by a job that runs once a minute: these fall due at the start.
        fault_work.add_work(world, ITEMS_PER_FEED, due_at=now())
        processes = [_start(url, provider.url, workdir, number) for number in range(PROCESSES)]
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            time.sleep(FEED_EVERY_SECONDS)
            due_at = now() + timedelta(seconds=rng.uniform(0, 3))
            if seconds - (time.monotonic() - started) > RELEASE_JOB_INTERVAL_SECONDS:
                fault_work.add_work(world, ITEMS_PER_FEED, due_at=due_at)
            else:  # too late for a release run: no earnings, the rest as usual
                fault_work.add_work(world, ITEMS_PER_FEED, due_at=due_at, earnings=False)
        deadline = time.monotonic() + DRAIN_SECONDS
        while time.monotonic() < deadline and not _drained(world):
            time.sleep(1)
        runs = [run for process, log in processes for run in _stop(process, log)]
        with sink.lock:
            duplicates = sum(sink.ok.values()) - len(sink.ok)
        return Outcome(kind=kind, seconds=time.monotonic() - started, tallies=fault_work.tally(world),
                       undelivered=fault_work.undelivered(), duplicate_receipts=duplicates,
                       ledger_ok=fault_work.ledger_ok(), runs=runs, overlapping=overlapping(runs))
    finally:
        sink.stop()
        provider.stop()
        os.environ.pop("WEBHOOKS_ALLOW_LOCALHOST", None)
        get_settings.cache_clear()


def _drained(world: fault_work.World) -> bool:
    # The work first: a job that finishes the last items writes their webhook deliveries in the
    # same transaction, so once every item is seen done, every delivery already exists. Counting
    # deliveries first let a job commit in between and end the run with those deliveries unsent.
    if any(tally.not_done for tally in fault_work.tally(world)):
        return False
    return fault_work.undelivered() == 0


def describe(outcome: Outcome) -> None:
    report.heading(f"schedulers {outcome.kind}: {PROCESSES} app processes with the scheduler on, "
                   f"{outcome.seconds:.0f} s")
    print(f"  job runs logged: {len(outcome.runs):,} by {len(outcome.holders)} holder(s) {sorted(outcome.holders)}; "
          f"runs of one job overlapping in two processes: {outcome.overlapping}")
    for tally in outcome.tallies:
        print(f"  {tally.kind}: {tally.items} items, once {tally.done_once}, twice or more {tally.done_twice}, "
              f"not done {tally.not_done}")
    print(f"  webhook deliveries not delivered: {outcome.undelivered}; receipts beyond the first per event: "
          f"{outcome.duplicate_receipts}; ledger_health {'ok' if outcome.ledger_ok else 'BROKEN'} — "
          f"{'ok' if outcome.ok else 'FAILED'}", flush=True)


def figures(outcome: Outcome) -> list[report.Figure]:
    twice = sum(tally.done_twice for tally in outcome.tallies) + outcome.overlapping + outcome.duplicate_receipts
    return [report.Figure("schedulers", outcome.kind, f"duplicate executions, {PROCESSES} processes "
                          f"{outcome.seconds:.0f} s", twice, None, "", "0", twice == 0, correctness=True),
            report.Figure("schedulers", outcome.kind, "items not done", sum(t.not_done for t in outcome.tallies)
                          + outcome.undelivered, None, "", "0", outcome.ok, correctness=True)]


def run(kind: str, options: Options) -> list[report.Figure]:
    """The registry entry (`python -m bench schedulers --seconds 600`)."""
    databases = Databases(kind)
    try:
        url = databases.fresh("schedulers")
        outcome = measure(url, kind=kind, seconds=options.seconds, workdir=databases.workdir)
    finally:
        databases.cleanup()
    describe(outcome)
    return figures(outcome)


def main(argv: list[str] | None = None) -> int:
    """`--child URL` is one scheduler process; anything else is `python -m bench schedulers`."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.schedulers", description=__doc__.splitlines()[0])
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args(argv)
    if args.child:
        child(args.child)
        return 0
    from bench.__main__ import standalone

    return standalone("schedulers", rest)


if __name__ == "__main__":
    sys.exit(main())
