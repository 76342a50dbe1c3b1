"""A real HTTP receiver on loopback that records what it is sent and answers as told."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


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
    def url(self) -> str:
        assert self.server is not None
        return f"http://localhost:{self.server.server_address[1]}/hooks/handoff"

    def answer(self) -> int:
        with self.lock:
            return self.statuses.pop(0) if self.statuses else self.status

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
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
                self.send_header("Content-Length", "17")
                self.end_headers()
                self.wfile.write(b"receiver-secret-x")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
