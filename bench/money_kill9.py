"""`kill9-money`: settlement, refund, payout and delivery killed with `kill -9` at random points, 200 rounds.

RELIABILITY 22. Each round adds due work (bench/fault_work.py: unmatched requests to expire and
refund, earnings to release, payouts to send through the loopback payout service — which pays,
then waits 0–80 ms before answering so kills land between its payment and our record — and
webhook deliveries to the loopback sink), forks a worker process that runs the four money jobs
in a loop through `run_job`, and kills it with SIGKILL after a random 0.02–1 s. After every kill
`ledger_health()` must hold. At the end one worker runs until nothing is due; then every item
must be done exactly once (refund, release, payout — in our ledger and at the provider) and
every delivery delivered (receivers may see one twice: at-least-once).

    python -m bench kill9-money --db both --rounds 200
    python -m bench.money_kill9 --db sqlite --rounds 20

Webhook claim lease 2 s (not 60 s) and retries 1 s / 2 s / 3 s, as in bench/webhook_kill9.py.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench import fault_work, report
from bench.databases import Databases
from bench.options import Options
from bench.payout_provider import FakePayoutProvider
from bench.schedulers import child_env
from bench.webhook_kill9 import LEASE_SECONDS, Sink
from marketplace_app.core.clock import now
from marketplace_app.settings import PROJECT_ROOT, get_settings

MONEY_JOBS = ("release_settlements", "expire_unmatched_requests", "send_payouts", "deliver_webhooks")
ITEMS_PER_ROUND = 2
KILL_AFTER_SECONDS = (0.02, 1.0)  # after the worker has connected
PROVIDER_ANSWER_DELAY_SECONDS = (0.0, 0.08)
FINISH_TIMEOUT_SECONDS = 900.0  # the last worker does whatever the kills left: minutes under load


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: str
    rounds: int
    kills_with_work_left: int
    kills_after_progress: int
    health_violations: int
    tallies: list[fault_work.Tally]
    undelivered: int
    duplicate_receipts: int
    provider_calls: int
    seconds: float

    @property
    def paid_twice(self) -> int:
        return sum(tally.done_twice for tally in self.tallies if tally.kind.startswith("payout"))

    @property
    def ok(self) -> bool:
        return self.health_violations == 0 and self.undelivered == 0 and all(tally.ok for tally in self.tallies)


def zygote(url: str) -> None:
    """Import everything once, then fork one worker per line read from stdin and print its pid.

    Starting a fresh interpreter per round costs seconds on a busy machine; a fork costs
    milliseconds, so 200 rounds fit in minutes. The zygote never opens a database connection,
    so each worker starts with none, as a new process would.
    """
    from datetime import timedelta

    from marketplace_app.scheduler.jobs import JOBS
    from marketplace_app.webhooks import delivery

    get_settings.cache_clear()
    delivery.LEASE = timedelta(seconds=LEASE_SECONDS)
    jobs = [job for job in JOBS if job.name in MONEY_JOBS]
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # killed workers are reaped by the kernel
    print("ready", flush=True)
    for _line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            _work(url, jobs)
        print(pid, flush=True)


def _work(url: str, jobs: list) -> None:
    """A forked worker: the money jobs in a loop, each through `run_job` as the scheduler runs them."""
    from marketplace_app.core import db
    from marketplace_app.scheduler.runner import run_job

    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    with db.configure(url).connect() as connection:
        connection.exec_driver_sql("SELECT 1")
    print("connected", flush=True)  # the kill's random delay counts from here
    random.seed()  # a forked child inherits the zygote's random state: every worker would shuffle alike
    random.shuffle(jobs)  # kills land in every job, not mostly in the first
    while True:
        if not sum(run_job(job, holder="kill9-money") for job in jobs):
            time.sleep(0.05)


class Workers:
    """The zygote process and the worker it forked last."""

    def __init__(self, url: str, payout_url: str, log: Path) -> None:
        with log.open("a") as stderr:
            self.zygote = subprocess.Popen([sys.executable, "-m", "bench.money_kill9", "--zygote", url],
                                           cwd=PROJECT_ROOT, env=child_env(url, payout_url=payout_url),
                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True)
        if self._read() != "ready":
            self.close()
            raise SystemExit(f"the money worker did not start; see {log}")

    def _read(self) -> str:
        assert self.zygote.stdout is not None
        return self.zygote.stdout.readline().strip()

    def start(self) -> int:
        """Fork a worker and wait until it has connected to the database; return its pid."""
        assert self.zygote.stdin is not None
        self.zygote.stdin.write("fork\n")
        self.zygote.stdin.flush()
        # The zygote prints the pid, the worker "connected": in either order on the shared pipe.
        lines = {self._read(), self._read()}
        (pid,) = lines - {"connected"}
        return int(pid)

    def close(self) -> None:
        """Stop the zygote."""
        self.zygote.kill()
        self.zygote.communicate()


def _kill9(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):  # the zygote's child, reaped by the kernel
        os.waitpid(pid, 0)
    while _alive(pid):
        time.sleep(0.01)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _done(world: fault_work.World) -> int:
    """Steps done so far (items × kinds done at least once): a kill after progress landed mid-work."""
    return sum(tally.items - tally.not_done for tally in fault_work.tally(world))


def _work_left(world: fault_work.World) -> bool:
    return fault_work.undelivered() > 0 or any(tally.not_done for tally in fault_work.tally(world))


def measure(url: str, *, kind: str, rounds: int, workdir: Path, seed: int = 22) -> Outcome:
    """`rounds` of due work and a SIGKILLed worker on the database at `url`, then one worker to the end."""
    rng = random.Random(seed)
    sink = Sink().start()
    provider = FakePayoutProvider(answer_delay_seconds=PROVIDER_ANSWER_DELAY_SECONDS).start()
    os.environ["WEBHOOKS_ALLOW_LOCALHOST"] = "1"
    get_settings.cache_clear()
    log = workdir / "money-worker.log"
    try:
        world, sink.secret = fault_work.make_world(sink_url=sink.url, provider=provider)
        workers = Workers(url, provider.url, log)
        started = time.perf_counter()
        with_work_left = violations = with_progress = done_before = 0
        try:
            for _ in range(rounds):
                fault_work.add_work(world, ITEMS_PER_ROUND, due_at=now())
                pid = workers.start()
                time.sleep(rng.uniform(*KILL_AFTER_SECONDS))
                _kill9(pid)
                done_now = _done(world)
                with_progress += done_now > done_before
                done_before = done_now
                with_work_left += _work_left(world)
                violations += not fault_work.ledger_ok()
            pid = workers.start()
            deadline = time.monotonic() + FINISH_TIMEOUT_SECONDS
            while _work_left(world) and time.monotonic() < deadline:
                time.sleep(0.5)
            _kill9(pid)
        finally:
            workers.close()
        with sink.lock:
            duplicates = sum(sink.ok.values()) - len(sink.ok)
        return Outcome(kind=kind, rounds=rounds, kills_with_work_left=with_work_left,
                       kills_after_progress=with_progress,
                       health_violations=violations + (not fault_work.ledger_ok()), tallies=fault_work.tally(world),
                       undelivered=fault_work.undelivered(), duplicate_receipts=duplicates,
                       provider_calls=sum(provider.calls.values()), seconds=time.perf_counter() - started)
    finally:
        sink.stop()
        provider.stop()
        os.environ.pop("WEBHOOKS_ALLOW_LOCALHOST", None)
        get_settings.cache_clear()


def describe(outcome: Outcome) -> None:
    report.heading(f"kill9-money {outcome.kind}: the money jobs killed with SIGKILL {outcome.rounds}×")
    print(f"  kills that left work due: {outcome.kills_with_work_left}/{outcome.rounds}, after the worker had done "
          f"some: {outcome.kills_after_progress}/{outcome.rounds}; ledger_health violations "
          f"(checked after every kill and at the end): {outcome.health_violations}")
    for tally in outcome.tallies:
        print(f"  {tally.kind}: {tally.items} items, once {tally.done_once}, twice or more {tally.done_twice}, "
              f"not done {tally.not_done}")
    print(f"  paid twice: {outcome.paid_twice}; provider calls {outcome.provider_calls} (repeats carry the same key); "
          f"deliveries not delivered {outcome.undelivered}, receipts beyond the first {outcome.duplicate_receipts} "
          f"(at-least-once); {outcome.seconds:.0f} s — {'ok' if outcome.ok else 'FAILED'}", flush=True)


def figures(outcome: Outcome) -> list[report.Figure]:
    not_done = sum(tally.not_done for tally in outcome.tallies) + outcome.undelivered
    return [
        report.Figure("kill9-money", outcome.kind, f"invariant violations, {outcome.rounds} kills",
                      outcome.health_violations, None, "", "0", outcome.health_violations == 0, correctness=True),
        report.Figure("kill9-money", outcome.kind, "paid twice", outcome.paid_twice, None, "", "0",
                      outcome.paid_twice == 0, correctness=True),
        report.Figure("kill9-money", outcome.kind, "done twice (any step)",
                      sum(tally.done_twice for tally in outcome.tallies), None, "", "0",
                      all(tally.done_twice == 0 for tally in outcome.tallies), correctness=True),
        report.Figure("kill9-money", outcome.kind, "not done after restart", not_done, None, "", "0", not_done == 0,
                      correctness=True),
    ]


def run(kind: str, options: Options) -> list[report.Figure]:
    """The registry entry (`python -m bench kill9-money --rounds 200`)."""
    databases = Databases(kind)
    try:
        url = databases.fresh("money")
        outcome = measure(url, kind=kind, rounds=options.rounds, workdir=databases.workdir)
    finally:
        databases.cleanup()
    describe(outcome)
    return figures(outcome)


def main(argv: list[str] | None = None) -> int:
    """`--zygote URL` is the forking parent of the killed workers; anything else is `python -m bench kill9-money`."""
    parser = argparse.ArgumentParser(prog="python -m bench.money_kill9", description=__doc__.splitlines()[0])
    parser.add_argument("--zygote", metavar="URL", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args(argv)
    if args.zygote:
        zygote(args.zygote)
        return 0
    from bench.__main__ import standalone

    return standalone("kill9-money", rest)


if __name__ == "__main__":
    sys.exit(main())
