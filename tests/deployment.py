"""A production deployment for real, on loopback: `redis-server`, and `reflex run --env prod
--backend-only` with several granian workers; clients that know which worker answers them.

Which worker serves a connection is read from the operating system (the worker process holding
the accepted socket), so a test can make sure it reached every worker.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psutil
import reflex
from wsproto import ConnectionType, WSConnection
from wsproto import events as ws_events

from bench.server import LOOPBACK, free_port
from marketplace_app.settings import PROJECT_ROOT

REDIS_SERVER = Path("/usr/bin/redis-server")
START_TIMEOUT_SECONDS = 120
STOP_TIMEOUT_SECONDS = 20
RECEIVE_TIMEOUT_SECONDS = 15.0
EVENT_NAMESPACE = "/_event"
# The origin our dashboards are served from in tests (settings' default APP_URL).
DASHBOARD_ORIGIN = "http://localhost:3000"
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
    import redis

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
    log = log_dir / "backend.log"
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
        _wait_ready(process, deployment, workers)
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


class ReflexSocket:
    """A dashboard tab's socket: Socket.IO over a WebSocket, as Reflex's frontend speaks it."""

    def __init__(self, base_url: str, *, client_token: str | None = None, cookie: str | None = None) -> None:
        self.client_token = client_token or str(uuid.uuid4())
        headers = {"Origin": DASHBOARD_ORIGIN, **({"Cookie": cookie} if cookie else {})}
        url = base_url.replace("http://", "ws://") + f"{EVENT_NAMESPACE}/?EIO=4&transport=websocket" \
                                                    f"&token={self.client_token}"
        self._socket = WebSocket(url, headers=headers, subprotocols=[reflex.constants.Reflex.VERSION])
        self._expect(lambda message: message.startswith("0"))
        self._socket.send(f"40{EVENT_NAMESPACE},")
        self._expect(lambda message: message.startswith(f"40{EVENT_NAMESPACE},"))

    @property
    def local_address(self) -> tuple[str, int]:
        """This end of the connection (to ask which worker holds the other)."""
        return self._socket.local_address

    def emit(self, handler: str, *, path: str = "/", **payload: Any) -> None:
        """Send an event to `handler` (a state's full name, a dot, the handler's name)."""
        event = {"name": handler, "payload": payload,
                 "router_data": {"pathname": path, "query": {}, "asPath": path}}
        self._socket.send(f"42{EVENT_NAMESPACE}," + json.dumps(["event", event]))

    def state_update(self, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The next state delta that `wanted` accepts."""
        prefix = f'42{EVENT_NAMESPACE},["event",'
        message = self._expect(lambda text: text.startswith(prefix) and wanted(_delta(text, prefix)))
        return _delta(message, prefix)

    def _expect(self, accepts: Callable[[str], bool]) -> str:
        deadline = time.monotonic() + RECEIVE_TIMEOUT_SECONDS
        while (left := deadline - time.monotonic()) > 0:
            message = self._socket.receive(timeout=left)
            if message == "2":  # Engine.IO ping: answer it, or the server drops the socket
                self._socket.send("3")
            elif isinstance(message, str) and accepts(message):
                return message
        raise TimeoutError("no such message from the dashboard socket")

    def close(self) -> None:
        """Close the socket."""
        self._socket.close()


def _delta(message: str, prefix: str) -> dict[str, Any]:
    return json.loads(message[len(prefix) - len('["event",'):])[1].get("delta", {})


class WebSocket:
    """A blocking WebSocket client on wsproto that keeps every byte the server sends with its
    handshake (the first frame often arrives in the same packet)."""

    def __init__(self, url: str, *, headers: dict[str, str] | None = None,
                 subprotocols: list[str] | None = None) -> None:
        address = urlsplit(url)
        self._socket = socket.create_connection((address.hostname, address.port), timeout=START_TIMEOUT_SECONDS)
        self._connection = WSConnection(ConnectionType.CLIENT)
        self._messages: list[str] = []
        self._partial = ""
        self._accepted = False
        self.closed = False
        target = address.path + (f"?{address.query}" if address.query else "")
        self._socket.sendall(self._connection.send(ws_events.Request(
            host=address.netloc, target=target, extra_headers=list((headers or {}).items()),
            subprotocols=subprotocols or [])))
        while not self._accepted and not self.closed:
            self._read(RECEIVE_TIMEOUT_SECONDS)
        if not self._accepted:
            raise ConnectionError(f"no WebSocket handshake from {url}")

    @property
    def local_address(self) -> tuple[str, int]:
        """This end of the connection."""
        return self._socket.getsockname()

    def send(self, text: str) -> None:
        """Send one text message."""
        self._socket.sendall(self._connection.send(ws_events.Message(data=text)))

    def receive(self, timeout: float) -> str | None:
        """The next text message, or None after `timeout` seconds (or when the server closed)."""
        deadline = time.monotonic() + timeout
        while not self._messages and not self.closed and (left := deadline - time.monotonic()) > 0:
            self._read(left)
        return self._messages.pop(0) if self._messages else None

    def close(self) -> None:
        """Close the connection (without waiting for the server's close frame)."""
        with contextlib.suppress(OSError):
            self._socket.sendall(self._connection.send(ws_events.CloseConnection(code=1000)))
        self._socket.close()

    def _read(self, timeout: float) -> None:
        self._socket.settimeout(timeout)
        try:
            data = self._socket.recv(65536)
        except TimeoutError:
            return
        self._connection.receive_data(data or None)
        for event in self._connection.events():
            self._handle(event)
        if not data:
            self.closed = True

    def _handle(self, event: ws_events.Event) -> None:
        if isinstance(event, ws_events.AcceptConnection):
            self._accepted = True
        elif isinstance(event, ws_events.RejectConnection):
            raise ConnectionRefusedError(f"the server refused the WebSocket ({event.status_code})")
        elif isinstance(event, ws_events.TextMessage):
            self._partial += event.data
            if event.message_finished:
                self._messages.append(self._partial)
                self._partial = ""
        elif isinstance(event, ws_events.Ping):
            self._socket.sendall(self._connection.send(event.response()))
        elif isinstance(event, ws_events.CloseConnection):
            self.closed = True
