"""A real HTTP server on 127.0.0.1 that records every request it gets and answers with a JSON
Schema carrying a canary: a test that names it in an agent's schema proves nothing was fetched
(no recorded request) and nothing fetched leaked back (no canary in any answer)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CANARY = "fetched-canary-7f3a"
SERVED_SCHEMA = json.dumps({"enum": [CANARY]}).encode()


@dataclass
class SchemaHost:
    """Where the server listens and the paths it was asked for."""

    port: int
    paths: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        """A schema URL on the server (what an agent's `$ref` would name)."""
        return f"http://127.0.0.1:{self.port}/x.json"


@contextmanager
def schema_host() -> Iterator[SchemaHost]:
    """Serve on a free loopback port for the duration of the block."""
    host = SchemaHost(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            host.paths.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/schema+json")
            self.send_header("Content-Length", str(len(SERVED_SCHEMA)))
            self.end_headers()
            self.wfile.write(SERVED_SCHEMA)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    host.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()
