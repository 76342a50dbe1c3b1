"""Run one ASGI app under uvicorn (one worker, loopback), optionally under cProfile.

`python -m bench.serve MODULE:ATTR --port N [--factory] [--profile FILE]`. With `--profile`,
every thread (the event loop and the threadpool that runs sync endpoints) gets its own
profiler; their stats are merged into FILE when the server stops. `BENCH_PROFILE_CLOCK=cpu`
(the default) counts each thread's CPU time, so waiting for a lock or a connection is not
charged to the function that waits; `wall` counts elapsed time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import threading
import time
from pathlib import Path

import uvicorn
from uvicorn.importer import import_from_string

from marketplace_app.core.heap import settle

LOOPBACK = "127.0.0.1"


class ThreadProfiles:
    """One `cProfile.Profile` per thread, merged at the end."""

    def __init__(self, clock: str) -> None:
        self.timer = time.thread_time if clock == "cpu" else time.perf_counter
        self.profiles: list[cProfile.Profile] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        """Profile this thread and every thread started from now on."""
        threading.setprofile(self._start_in_thread)
        self._start_in_thread()

    def _start_in_thread(self, *_args: object) -> None:
        profile = cProfile.Profile(self.timer)
        with self._lock:
            self.profiles.append(profile)
        profile.enable()  # replaces this hook for the rest of the thread's life

    def dump(self, path: Path) -> None:
        """Merge every thread's stats into `path`."""
        threading.setprofile(None)
        with self._lock:
            profiles = list(self.profiles)
        stats = pstats.Stats(profiles[0])
        for profile in profiles[1:]:
            stats.add(profile)
        stats.dump_stats(str(path))


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments and serve until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m bench.serve")
    parser.add_argument("app")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--factory", action="store_true")
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--profile-clock", choices=("cpu", "wall"), default="cpu")
    args = parser.parse_args(argv)
    # Loaded here, not by uvicorn, so that the heap is settled as the production server settles it
    # (marketplace_app/core/heap.py): Handoff and the reference alike.
    app = import_from_string(args.app)
    app = app() if args.factory else app
    settle()
    config = uvicorn.Config(app, host=LOOPBACK, port=args.port, workers=1,
                            access_log=False, log_level="warning", timeout_graceful_shutdown=5)
    profiles = ThreadProfiles(args.profile_clock) if args.profile else None
    if profiles:
        profiles.start()
    try:
        uvicorn.Server(config).run()
    finally:
        if profiles:
            profiles.dump(args.profile)
    sys.exit(0)


if __name__ == "__main__":
    main()
