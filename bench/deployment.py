"""A production deployment for real, on loopback: Debian's `redis-server`, and `reflex run --env
prod --backend-only` with one or several granian workers behind one port (what `make run-prod`
runs, without building the frontend). Used by `python -m bench workers`, `python -m bench soak`
and the several-workers tests.

Which worker serves a connection is read from the operating system (the worker process holding
the accepted socket), so a test can make sure it reached every worker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import redis

from bench.server import LOOPBACK, free_port
from marketplace_app.settings import PROJECT_ROOT

REDIS_SERVER = Path("/usr/bin/redis-server")
START_TIMEOUT_SECONDS = 120
STOP_TIMEOUT_SECONDS = 20
REFLEX_ENV = {"REFLEX_USE_SYSTEM_BUN": "1", "REFLEX_TELEMETRY_ENABLED": "false",
              "REFLEX_CHECK_LATEST_VERSION": "0"}


@contextmanager
def redis_server() -> Iterator[str]:
    """Debian's `redis-server` on a free loopback port, nothing persisted; yields its URL."""
    if not REDIS_SERVER.exists():
        raise RuntimeError(f"{REDIS_SERVER} is missing: `make redis` (or apt-get install redis-server) installs it")
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        process = subprocess.Popen([str(REDIS_SERVER), "--port", str(port), "--bind", LOOPBACK, "--save", "",
                                    "--appendonly", "no", "--dir", folder], stdout=subprocess.DEVNULL)
        try:
            _wait_for_redis(port)
            yield f"redis://{LOOPBACK}:{port}/0"
        finally:
            process.terminate()
            process.wait(STOP_TIMEOUT_SECONDS)


def _wait_for_redis(port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        try:
            redis.Redis(host=LOOPBACK, port=port).ping()
            return
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@dataclass(frozen=True)
class Deployment:
    """The running backend: its URL and the worker processes behind its one port."""

    base_url: str
    supervisor: psutil.Process
    log: Path
    started_at: float = field(default_factory=time.monotonic)

    @property
    def workers(self) -> list[psutil.Process]:
        """The granian worker processes (children of the `reflex run` process)."""
        return self.supervisor.children()

    def worker_serving(self, local_address: tuple[str, int]) -> int | None:
        """The pid of the worker holding the other end of a client connection from `local_address`."""
        for worker in self.workers:
            for connection in worker.net_connections("tcp"):
                if connection.raddr and (connection.raddr.ip, connection.raddr.port) == local_address:
                    return worker.pid
        return None

    def log_text(self) -> str:
        """Everything the deployment printed so far."""
        return self.log.read_text(errors="replace")


@contextmanager
def backend(database: str, *, redis_url: str, workers: int, log_dir: Path, **env: str) -> Iterator[Deployment]:
    """`reflex run --env prod --backend-only` with `workers` workers on a free loopback port."""
    port = free_port()
    log = log_dir / f"backend-{port}.log"
    environment = {**os.environ, **REFLEX_ENV, "DATABASE_URL": database, "REDIS_URL": redis_url,
                   "WEB_CONCURRENCY": str(workers), "ENVIRONMENT": "test", **env}
    environment["PATH"] = f"{PROJECT_ROOT / '.venv' / 'bin'}:{environment.get('PATH', '')}"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(PROJECT_ROOT / ".venv" / "bin" / "reflex"), "run", "--env", "prod", "--backend-only",
             "--backend-host", LOOPBACK, "--backend-port", str(port)],
            cwd=PROJECT_ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deployment = Deployment(f"http://{LOOPBACK}:{port}", psutil.Process(process.pid), log)
        _wait_ready(process, deployment, int(environment["WEB_CONCURRENCY"]))
        yield deployment
    finally:
        _stop(process)


def _wait_ready(process: subprocess.Popen, deployment: Deployment, workers: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the backend exited with {process.returncode}:\n{deployment.log_text()[-4000:]}")
        try:
            if httpx.get(deployment.base_url + "/v1/health", timeout=2).status_code == 200 \
                    and len(deployment.workers) == workers:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the backend was not ready within {START_TIMEOUT_SECONDS}s:\n{deployment.log_text()[-4000:]}")


def _stop(process: subprocess.Popen) -> None:
    """TERM the whole process group (the workers too), KILL it if it is still there after a while."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(STOP_TIMEOUT_SECONDS)
    except ProcessLookupError:
        pass
