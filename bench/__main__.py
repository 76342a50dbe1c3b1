"""`python -m bench [create|get|sweep|list|kill9|all] [--db sqlite|postgres|both]`: print figures.

Each benchmark prints Handoff's figure, the reference figure measured in the same run and
the ratio (PRODUCT.md section 10), then a summary table. Everything runs on loopback and
stops by itself. See bench/README.md.
"""

from __future__ import annotations

import os

os.environ.setdefault("ENVIRONMENT", "test")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-used-anywhere-else-0123456789")
os.environ["SCHEDULER_ENABLED"] = "false"

import argparse
import logging
import sys
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from bench import report
from bench.databases import KINDS, postgres_url
from bench.loadgen import CLIENTS
from bench.options import Options
from marketplace_app.core.db import normalize_url

BENCHMARKS = ("create", "get", "sweep", "list", "kill9")
EXTRAS = ("phases",)  # explanations, not figures: only when asked for
FAULTS = ("schedulers", "kill9-money")  # RELIABILITY 21/22 fault runs (minutes each): only when asked for


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("benchmark", nargs="?", default="all", choices=(*BENCHMARKS, *EXTRAS, *FAULTS, "all"))
    parser.add_argument("--db", default="both", choices=(*KINDS, "both"),
                        help="database kind; PostgreSQL from BENCH_DATABASE_URL (loopback only)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured window per load run (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured warm-up per load run (default 2)")
    parser.add_argument("--connections", type=int, default=64, help="concurrent connections (default 64)")
    parser.add_argument("--client", choices=CLIENTS, default="httpx",
                        help="load generator: httpx (default) or raw, a minimal asyncio HTTP/1.1 client that "
                             "costs far less CPU per request")
    parser.add_argument("--rows", type=int, default=100_000,
                        help="requests in the project for `list` (PRODUCT.md's target is 1000000)")
    parser.add_argument("--history", type=int, default=0,
                        help="`create`: first give the company this many past requests (60%% completed)")
    parser.add_argument("--sweep-rows", type=int, default=100_000, help="due requests for `sweep`")
    parser.add_argument("--rounds", type=int, default=200, help="`kill9-money`: kill -9 rounds (default 200)")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="run Handoff's server under cProfile and write DIR/<benchmark>-<db>.pstats")
    parser.add_argument("--profile-clock", choices=("cpu", "wall"), default="cpu")
    return parser.parse_args(argv)


def postgres_reachable() -> bool:
    """Whether the benchmark PostgreSQL answers (else its runs are skipped with a hint)."""
    engine = create_engine(normalize_url(postgres_url()))
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except OperationalError:
        print("PostgreSQL is not reachable; start it with `bash .ci/postgres.sh` (skipping postgres runs)")
        return False
    finally:
        engine.dispose()


def run(benchmark: str, kind: str, options: Options) -> list[report.Figure]:
    """Run one benchmark on one database kind."""
    from bench import create, listing, money_kill9, phases, reads, schedulers, sweep, webhook_kill9

    modules = {"create": create, "get": reads, "sweep": sweep, "list": listing, "phases": phases,
               "kill9": webhook_kill9, "schedulers": schedulers, "kill9-money": money_kill9}
    return modules[benchmark].run(kind, options)


def main(argv: list[str] | None = None) -> int:
    """Run what the command line asks for and print the summary table."""
    args = parse(argv)
    logging.basicConfig(level=logging.WARNING)
    options = Options(seconds=args.seconds, warmup_seconds=args.warmup, connections=args.connections,
                      client=args.client, rows=args.rows, history=args.history, sweep_rows=args.sweep_rows,
                      profile_dir=args.profile, profile_clock=args.profile_clock, rounds=args.rounds)
    kinds = list(KINDS) if args.db == "both" else [args.db]
    if "postgres" in kinds and not postgres_reachable():
        kinds.remove("postgres")
    benchmarks = BENCHMARKS if args.benchmark == "all" else (args.benchmark,)
    figures: list[report.Figure] = []
    for benchmark in benchmarks:
        for kind in kinds:
            figures += run(benchmark, kind, options)
    print("\n" + report.table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
