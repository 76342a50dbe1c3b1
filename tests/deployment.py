"""Clients of a real deployment (`bench/deployment.py`): a dashboard tab's Socket.IO socket as
Reflex's frontend speaks it, and a plain WebSocket client."""

from __future__ import annotations

import contextlib
import json
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import reflex
from wsproto import ConnectionType, WSConnection
from wsproto import events as ws_events

CONNECT_TIMEOUT_SECONDS = 30.0
RECEIVE_TIMEOUT_SECONDS = 15.0
EVENT_NAMESPACE = "/_event"
# The origin our dashboards are served from in tests (settings' default APP_URL).
DASHBOARD_ORIGIN = "http://localhost:3000"


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
        self._socket = socket.create_connection((address.hostname, address.port), timeout=CONNECT_TIMEOUT_SECONDS)
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
