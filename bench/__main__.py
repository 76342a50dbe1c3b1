"""`python -m bench [BENCHMARK|all|quick] [--db sqlite|postgres|both]`: print figures (`--help` lists them).

Each benchmark prints Handoff's figure, the reference figure measured in the same run and
the ratio (PRODUCT.md section 10), then a summary table. Everything runs on loopback and
stops by itself. See bench/README.md.

Exit status: 0 when every correctness check held (figures below target are printed as such,
they are not failures); 1 when a correctness check failed (a lost delivery, an unhealthy
ledger, a duplicate escrow, a sweep not exactly once); 3 when a database asked for by name
(`--db postgres`) is unreachable. `--db both` skips an unreachable PostgreSQL loudly and says so
in the summary.
"""

from __future__ import annotations

import os

os.environ.setdefault("ENVIRONMENT", "test")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-used-anywhere-else-0123456789")
os.environ["SCHEDULER_ENABLED"] = "false"

import argparse
import logging
import sys
from dataclasses import replace
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from bench import report
from bench.databases import KINDS, postgres_url
from bench.loadgen import CLIENTS
from bench.options import Options
from marketplace_app.core.db import normalize_url

BENCHMARKS = ("create", "get", "sweep", "list", "kill9", "workers")
EXTRAS = ("phases", "soak")  # an explanation, and a 10-minute endurance run: only when asked for
# `--seconds` when not given: the soak is RELIABILITY 24's 10 minutes, everything else 10 s per window.
DEFAULT_SECONDS = {"soak": 600.0, "schedulers": 600.0}
EXIT_CHECK_FAILED = 1
EXIT_UNREACHABLE = 3
# `quick`: every benchmark at a small size (about a minute per database), for a final look.
QUICK = {"seconds": 1.0, "warmup_seconds": 0.3, "client": "raw", "rows": 20_000, "sweep_rows": 5_000,
         "kill9_events": 200, "kill9_kills": 5, "list_seconds_per_page": 1.0}
FAULTS = ("schedulers", "kill9-money")  # RELIABILITY 21/22 fault runs (minutes each): only when asked for


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("benchmark", nargs="?", default="all",
                        choices=(*BENCHMARKS, *EXTRAS, *FAULTS, "all", "quick"))
    parser.add_argument("--db", default="both", choices=(*KINDS, "both"),
                        help="database kind; PostgreSQL from BENCH_DATABASE_URL (loopback only)")
    parser.add_argument("--seconds", type=float, help="measured window per load run (default 10; soak 600)")
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
    """Whether the benchmark PostgreSQL answers."""
    engine = create_engine(normalize_url(postgres_url()))
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except OperationalError as exc:
        print(f"PostgreSQL at {postgres_url()} is not reachable ({type(exc.orig).__name__}); "
              "start it with `bash .ci/postgres.sh`")
        return False
    finally:
        engine.dispose()


def usable_kinds(requested: str) -> list[str] | None:
    """The database kinds to measure; None when one asked for by name cannot be reached."""
    kinds = list(KINDS) if requested == "both" else [requested]
    if "postgres" in kinds and not postgres_reachable():
        if requested == "postgres":
            return None
        print("SKIPPING every PostgreSQL run (`--db both`): the figures below are SQLite only")
        kinds.remove("postgres")
    return kinds


def options_from(args: argparse.Namespace) -> Options:
    """The options the command line gives (`quick` replaces the sizes with small ones)."""
    seconds = args.seconds if args.seconds is not None else DEFAULT_SECONDS.get(args.benchmark, 10.0)
    options = Options(seconds=seconds, warmup_seconds=args.warmup, connections=args.connections,
                      client=args.client, rows=args.rows, history=args.history, sweep_rows=args.sweep_rows,
                      profile_dir=args.profile, profile_clock=args.profile_clock, rounds=args.rounds)
    return replace(options, **QUICK) if args.benchmark == "quick" else options


def run(benchmark: str, kind: str, options: Options) -> list[report.Figure]:
    """Run one benchmark on one database kind."""
    from bench import create, listing, money_kill9, phases, reads, schedulers, soak, sweep, webhook_kill9, workers

    modules = {"create": create, "get": reads, "sweep": sweep, "list": listing, "phases": phases,
               "kill9": webhook_kill9, "workers": workers, "soak": soak, "schedulers": schedulers,
               "kill9-money": money_kill9}
    return modules[benchmark].run(kind, options)


def main(argv: list[str] | None = None) -> int:
    """Run what the command line asks for, print the summary table, and return the exit status."""
    args = parse(argv)
    logging.basicConfig(level=logging.WARNING)
    options = options_from(args)
    kinds = usable_kinds(args.db)
    if kinds is None:
        print(f"--db {args.db} was asked for and cannot be reached: no figures (exit {EXIT_UNREACHABLE})")
        return EXIT_UNREACHABLE
    benchmarks = BENCHMARKS if args.benchmark in ("all", "quick") else (args.benchmark,)
    figures: list[report.Figure] = []
    for benchmark in benchmarks:
        for kind in kinds:
            figures += run(benchmark, kind, options)
    print("\n" + report.table(figures))
    if args.db == "both" and "postgres" not in kinds:
        print("\nPostgreSQL was SKIPPED (unreachable): these are SQLite figures only.")
    failed = report.failures(figures)
    if failed:
        names = "; ".join(f"{figure.benchmark} {figure.database}: {figure.metric}" for figure in failed)
        print(f"\nCORRECTNESS CHECKS FAILED ({len(failed)}): {names}")
        return EXIT_CHECK_FAILED
    return 0


def standalone(benchmark: str, argv: list[str]) -> int:
    """`python -m bench.<module> …`: the same run as `python -m bench <benchmark> …`, on SQLite
    unless `--db` says otherwise."""
    database = [] if any(arg == "--db" or arg.startswith("--db=") for arg in argv) else ["--db", "sqlite"]
    return main([benchmark, *database, *argv])


if __name__ == "__main__":
    sys.exit(main())
