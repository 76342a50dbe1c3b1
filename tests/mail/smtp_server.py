"""A real SMTP server on loopback (asyncio streams, in its own thread) that records what it is sent.

It speaks the part of SMTP that `smtplib` uses without TLS: EHLO/HELO, AUTH PLAIN, MAIL, RCPT,
DATA, RSET, NOOP, QUIT. `data_replies` (consumed one per message, then 250) tells it to refuse a
message with a 4xx or 5xx reply; `auth_reply` to refuse a login.
"""

from __future__ import annotations

import asyncio
import base64
import threading
from dataclasses import dataclass, field


@dataclass
class Received:
    """One accepted message: the envelope and the raw message as the client sent it."""

    mail_from: str
    rcpt_to: list[str]
    data: str


@dataclass
class SmtpServer:
    data_replies: list[str] = field(default_factory=list)
    auth_reply: str = "235 2.7.0 Authentication successful"
    delay_seconds: float = 0.0
    received: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _server: asyncio.Server | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> SmtpServer:
        ready = threading.Event()
        threading.Thread(target=self._run, args=(ready,), daemon=True).start()
        if not ready.wait(5):
            raise RuntimeError("the loopback SMTP server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._server is not None:
            self._loop.call_soon_threadsafe(self._server.close)
            self._loop.call_soon_threadsafe(self._loop.stop)

    def _run(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        self._server = self._loop.run_until_complete(asyncio.start_server(self._session, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        ready.set()
        self._loop.run_forever()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        envelope: dict = {"from": "", "to": []}

        async def reply(line: str) -> None:
            writer.write(line.encode() + b"\r\n")
            await writer.drain()

        await reply("220 loopback.test ESMTP")
        while line := (await reader.readline()).decode("utf-8", "replace").rstrip("\r\n"):
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                await reply("250-loopback.test\r\n250-AUTH PLAIN\r\n250 8BITMIME")
            elif verb == "AUTH":
                user, _, password = base64.b64decode(line.split()[-1]).decode().partition("\0")[2].partition("\0")
                self.logins.append((user, password))
                await reply(self.auth_reply)
            elif verb == "MAIL":
                envelope = {"from": line.partition(":")[2].strip(" <>"), "to": []}
                await reply("250 OK")
            elif verb == "RCPT":
                envelope["to"].append(line.partition(":")[2].strip(" <>"))
                await reply("250 OK")
            elif verb == "DATA":
                await reply("354 End data with <CR><LF>.<CR><LF>")
                await reply(await self._data(reader, envelope))
            elif verb == "QUIT":
                await reply("221 Bye")
                break
            else:  # RSET, NOOP
                await reply("250 OK")
        writer.close()

    async def _data(self, reader: asyncio.StreamReader, envelope: dict) -> str:
        lines = []
        while (line := await reader.readline()) not in (b".\r\n", b""):
            lines.append(line.decode("utf-8", "replace"))
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        with self._lock:
            answer = self.data_replies.pop(0) if self.data_replies else "250 OK queued"
            if answer.startswith("250"):
                self.received.append(Received(envelope["from"], list(envelope["to"]), "".join(lines)))
        return answer
