"""Start an app under uvicorn in a subprocess on a free loopback port and stop it again."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from marketplace_app.settings import PROJECT_ROOT

HANDOFF_APP = "marketplace_app.api.app:create_api"
REFERENCE_APP = "bench.reference:create_app"
LOOPBACK = "127.0.0.1"
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 20


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


@contextmanager
def running(app: str, *, env: Mapping[str, str], health_path: str, profile: Path | None = None,
            profile_clock: str = "cpu") -> Iterator[str]:
    """Serve `app` (a factory `module:function`) and yield its base URL; stop it afterwards."""
    port = free_port()
    command = [sys.executable, "-m", "bench.serve", app, "--factory", "--port", str(port)]
    if profile is not None:
        command += ["--profile", str(profile), "--profile-clock", profile_clock]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env={**os.environ, **env}, stdout=log,
                                   stderr=subprocess.STDOUT)
        base_url = f"http://{LOOPBACK}:{port}"
        try:
            _wait_ready(process, base_url + health_path, log)
            yield base_url
        finally:
            _stop(process)
            if process.returncode not in (0, -signal.SIGINT):
                print(_tail(log), file=sys.stderr)


@contextmanager
def running_many(app: str, *, count: int, env: Mapping[str, str], health_path: str) -> Iterator[list[str]]:
    """Serve `app` from `count` processes at once, each on its own port with its own database
    connection; yield their base URLs; stop them all afterwards."""
    ports = [free_port() for _ in range(count)]
    with ExitStack() as stack:
        logs = [stack.enter_context(tempfile.TemporaryFile()) for _ in ports]
        processes = []
        try:
            for port, log in zip(ports, logs, strict=True):
                processes.append(subprocess.Popen(
                    [sys.executable, "-m", "bench.serve", app, "--factory", "--port", str(port)], cwd=PROJECT_ROOT,
                    env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT))
            urls = [f"http://{LOOPBACK}:{port}" for port in ports]
            for process, url, log in zip(processes, urls, logs, strict=True):
                _wait_ready(process, url + health_path, log)
            yield urls
        finally:
            # Signal every server first so that they shut down side by side.
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGINT)
            for process in processes:
                _stop(process)


def _wait_ready(process: subprocess.Popen, url: str, log) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{_tail(log)}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server did not answer {url} within {START_TIMEOUT_SECONDS}s:\n{_tail(log)}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT_SECONDS)


def _tail(log, size: int = 4000) -> str:
    log.flush()
    log.seek(0)
    return log.read().decode(errors="replace")[-size:]
