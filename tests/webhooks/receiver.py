"""A real HTTP receiver on loopback that records what it is sent and answers as told.

Every answer carries the body `receiver-secret-x`: tests assert it never reaches our database
or our API responses (the sender must never read a receiver's body into its logs).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

RECEIVER_BODY = b"receiver-secret-x"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # many senders at once (the default backlog of 5 refuses some)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)

    @property
    def signature(self) -> str | None:
        return self.headers.get("x-handoff-signature")


@dataclass
class Receiver:
    """`status` (or `statuses`, consumed one per call) is the answer; `location` makes it redirect."""

    status: int = 200
    statuses: list[int] = field(default_factory=list)
    location: str | None = None
    delay_seconds: float = 0.0
    calls: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}/hooks/handoff"

    def answer(self) -> int:
        with self.lock:
            return self.statuses.pop(0) if self.statuses else self.status

    def events(self) -> list[dict[str, Any]]:
        """The JSON bodies received, in arrival order, pings and tests left out."""
        with self.lock:
            bodies = [call.json for call in self.calls]
        return [body for body in bodies if not body["type"].startswith("webhook.")]

    def types(self) -> list[str]:
        return [event["type"] for event in self.events()]

    def event_ids(self) -> list[str]:
        return [event["event_id"] for event in self.events()]

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.calls.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                if receiver.delay_seconds:
                    threading.Event().wait(receiver.delay_seconds)
                status = receiver.answer()
                self.send_response(status)
                if receiver.location:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Length", str(len(RECEIVER_BODY)))
                self.end_headers()
                self.wfile.write(RECEIVER_BODY)

            def log_message(self, *args: object) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
