"""A payout service on loopback for fault tests: it pays once per `Idempotency-Key`, and can be
told to fail *after* paying — stall past the caller's timeout or drop the connection unanswered —
the "timeout after the provider succeeded" of RELIABILITY 8.

It speaks the contract of `earnings.providers.HttpProvider`: POST `{payout_id, operator_id,
amount_cents, currency}` → `{"state": "paid", "reference": "tr_…"}`. A repeated key performs no
new transfer and answers the first reference again, as Stripe's idempotency keys do.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STALL_SECONDS = 2.0
FAULTS = ("stall", "drop")


@dataclass(frozen=True, slots=True)
class Transfer:
    """Money the provider sent: one per idempotency key."""

    reference: str
    payout_id: str
    amount_cents: int


@dataclass
class FakePayoutProvider:
    """The loopback payout service. `faults_after_success` of the next calls pay and then stall or
    drop (alternately); calls for a payout in `unavailable_for` fail before paying (HTTP 503)."""

    faults_after_success: int = 0
    unavailable_for: set[str] = field(default_factory=set)
    stall_seconds: float = STALL_SECONDS
    answer_delay_seconds: tuple[float, float] = (0.0, 0.0)  # after paying, before answering (kill -9 lands there)
    transfers: dict[str, Transfer] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    faults_injected: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """Where HttpProvider sends payouts (PAYOUT_PROVIDER_URL)."""
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/payouts"

    def start(self) -> FakePayoutProvider:
        """Serve on a free loopback port in a daemon thread."""
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                try:
                    body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                except (OSError, ValueError):  # the caller was killed mid-request
                    return
                provider.handle(self, body, self.headers.get("Idempotency-Key") or "")

            def log_message(self, *_args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True, name="fake-payouts").start()
        return self

    def handle(self, handler: BaseHTTPRequestHandler, body: dict, key: str) -> None:
        """Pay once per key, then answer — or fault after paying, as planned."""
        with self.lock:
            self.calls[key] += 1
            if body["payout_id"] in self.unavailable_for:
                fault = "unavailable"
            else:
                transfer = self.transfers.setdefault(key, Transfer(
                    reference=f"tr_{len(self.transfers) + 1:06d}", payout_id=body["payout_id"],
                    amount_cents=int(body["amount_cents"])))
                fault = FAULTS[self.faults_injected % len(FAULTS)] if self.faults_after_success else ""
                if fault:
                    self.faults_after_success -= 1
                    self.faults_injected += 1
        if fault == "unavailable":
            _answer(handler, 503, {"error": "try again later"})
        elif fault == "stall":
            time.sleep(self.stall_seconds)  # the caller has given up by now
        elif fault == "drop":
            handler.connection.shutdown(socket.SHUT_RDWR)
        else:
            time.sleep(random.uniform(*self.answer_delay_seconds))
            _answer(handler, 200, {"state": "paid", "reference": transfer.reference})

    def paid_per_payout(self) -> Counter[str]:
        """How many transfers the provider made for each payout id (1 each, or someone paid twice)."""
        with self.lock:
            return Counter(transfer.payout_id for transfer in self.transfers.values())

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def _answer(handler: BaseHTTPRequestHandler, status: int, body: dict) -> None:
    data = json.dumps(body).encode()
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
    except OSError:  # the caller was killed before reading the answer
        pass
