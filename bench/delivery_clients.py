"""The subscribers of ``bench.delivery``: many WebSockets in a process of their own.

A thin graphql-transport-ws client written on ``asyncio.Protocol``: the frames of
RFC 6455 are read by hand, and each text frame is stored raw with the moment the event
loop handed its bytes over (``time.time()`` once per ``data_received``). Nothing is
parsed while messages arrive, so a subscriber's clock reading waits on little more
than the loop noticing the socket; parsing happens when the results are asked for.

It is driven over stdin and stdout, one JSON object a line each way:

- ``{"cmd": "open", "query": Q, "connections": [{"url", "token", "subs": [[tag, session]]}]}``
  connects, signs in with ``connection_init`` and subscribes every ``[tag, session]`` with
  ``Q`` (variables ``{"s": session}``);
- ``{"cmd": "count"}`` answers how many frames arrived since the last ``finish``;
- ``{"cmd": "finish", "expected": N, "idle": s, "cap": s}`` waits until ``N`` frames
  arrived (or none for ``idle`` seconds, or ``cap`` seconds passed) and answers each
  tag's deliveries as ``[sequence, arrival, sentAt]`` (seconds since the epoch) and
  anything else it was sent (errors, completions);
- ``{"cmd": "close"}`` closes every connection; ``{"cmd": "exit"}`` ends the process.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import sys
import time
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
PROTOCOL = "graphql-transport-ws"
OPENING_AT_ONCE = 32
SETUP_SECONDS = 60

Frame = tuple[float, int, bytes]  # arrival, connection number, payload
received: list[Frame] = []


def masked_frame(opcode: int, payload: bytes) -> bytes:
    """A client frame (clients must mask what they send)."""
    size = len(payload)
    if size < 126:
        header = bytes((0x80 | opcode, 0x80 | size))
    elif size < 1 << 16:
        header = bytes((0x80 | opcode, 0x80 | 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x80 | opcode, 0x80 | 127)) + size.to_bytes(8, "big")
    mask = os.urandom(4)
    key = (mask * (size // 4 + 1))[:size]
    body = (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(size, "big")
    return header + mask + body


class Connection(asyncio.Protocol):
    """One WebSocket; text frames after the ``connection_ack`` go to ``received``."""

    def __init__(self, number: int, handshake: bytes, accept: bytes) -> None:
        self.number = number
        self.handshake = handshake
        self.accept = accept
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded = False
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.acknowledged: asyncio.Future[dict[str, Any]] = loop.create_future()
        self.fragments = bytearray()
        self.closed = False
        self.close_code: int | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.handshake)

    def data_received(self, data: bytes) -> None:
        now = time.time()
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).decode("latin-1")
            del self.buffer[: end + 4]
            if not head.startswith("HTTP/1.1 101") or self.accept.decode() not in head:
                self._fail(ConnectionError(f"no upgrade: {head.splitlines()[0]}"))
                return
            self.upgraded = True
            self.opened.set_result(None)
        self._frames(now)

    def _frames(self, now: float) -> None:
        buffer = self.buffer
        while len(buffer) >= 2:
            first, second = buffer[0], buffer[1]
            size, start = second & 0x7F, 2
            if size == 126:
                if len(buffer) < 4:
                    return
                size, start = int.from_bytes(buffer[2:4], "big"), 4
            elif size == 127:
                if len(buffer) < 10:
                    return
                size, start = int.from_bytes(buffer[2:10], "big"), 10
            mask = b""
            if second & 0x80:  # servers do not mask, but a frame is a frame
                mask, start = bytes(buffer[start : start + 4]), start + 4
            if len(buffer) < start + size:
                return
            payload = bytes(buffer[start : start + size])
            del buffer[: start + size]
            if mask:
                key = (mask * (size // 4 + 1))[:size]
                payload = (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(
                    size, "big"
                )
            self._frame(first & 0x80, first & 0x0F, payload, now)

    def _frame(self, fin: int, opcode: int, payload: bytes, now: float) -> None:
        if opcode == 0x9:  # ping: answer at once, as browsers do
            self.send(0xA, payload)
        elif opcode == 0x8:
            self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
            if not self.closed:
                self.closed = True
                self.send(0x8, payload[:2])
            self._fail(ConnectionError(f"closed by the server: {self.close_code}"))
        elif opcode in (0x1, 0x0):
            if not fin:
                self.fragments += payload
                return
            if self.fragments:
                payload, self.fragments = bytes(self.fragments + payload), bytearray()
            self._text(payload, now)

    def _text(self, payload: bytes, now: float) -> None:
        if len(payload) < 48:  # small: a protocol message, not a delivery
            message = json.loads(payload)
            kind = message.get("type")
            if kind == "ping":
                self.send(0x1, b'{"type":"pong"}')
                return
            if kind == "pong":
                return
            if kind == "connection_ack":
                if not self.acknowledged.done():
                    self.acknowledged.set_result(message)
                return
        if not self.acknowledged.done():
            self.acknowledged.set_exception(ConnectionError(payload.decode()[:200]))
            return
        received.append((now, self.number, payload))

    def send(self, opcode: int, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(masked_frame(opcode, payload))

    def send_json(self, message: dict[str, Any]) -> None:
        self.send(0x1, json.dumps(message, separators=(",", ":")).encode())

    def _fail(self, error: Exception) -> None:
        for future in (self.opened, self.acknowledged):
            if not future.done():
                future.set_exception(error)
                future.exception()  # retrieved: no "never retrieved" warning

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(ConnectionError(f"connection lost: {exc}"))

    def close(self) -> None:
        if self.transport is None:
            return
        if not self.closed:
            self.closed = True
            self.send(0x8, (1000).to_bytes(2, "big"))
        self.transport.close()


class Subscribers:
    def __init__(self) -> None:
        self.connections: list[Connection] = []
        self.tags: dict[tuple[int, str], str] = {}  # (connection, operation id) -> tag
        self.gate = asyncio.Semaphore(OPENING_AT_ONCE)

    async def open(self, query: str, specs: list[dict[str, Any]]) -> dict[str, Any]:
        started = time.monotonic()
        outcomes = await asyncio.gather(
            *(self._open_one(query, spec) for spec in specs), return_exceptions=True
        )
        failures = [repr(o) for o in outcomes if isinstance(o, BaseException)]
        return {
            "opened": len(specs) - len(failures),
            "failed": failures[:5],
            "failures": len(failures),
            "seconds": time.monotonic() - started,
        }

    async def _open_one(self, query: str, spec: dict[str, Any]) -> None:
        async with self.gate:
            parts = urlsplit(spec["url"])
            key = base64.b64encode(os.urandom(16))
            accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
            handshake = (
                f"GET {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key.decode()}\r\nSec-WebSocket-Version: 13\r\n"
                f"Sec-WebSocket-Protocol: {PROTOCOL}\r\n\r\n"
            ).encode()
            number = len(self.connections)
            connection = Connection(number, handshake, accept)
            self.connections.append(connection)
            loop = asyncio.get_running_loop()
            async with asyncio.timeout(SETUP_SECONDS):
                await loop.create_connection(lambda: connection, parts.hostname, parts.port)
                await connection.opened
                connection.send_json(
                    {
                        "type": "connection_init",
                        "payload": {"authorization": f"Bearer {spec['token']}"},
                    }
                )
                await connection.acknowledged
            for operation, (tag, session) in enumerate(spec["subs"], start=1):
                self.tags[(number, str(operation))] = tag
                connection.send_json(
                    {
                        "id": str(operation),
                        "type": "subscribe",
                        "payload": {"query": query, "variables": {"s": session}},
                    }
                )

    async def finish(self, expected: int | None, idle: float, cap: float) -> dict[str, Any]:
        started = last_change = time.monotonic()
        seen = len(received)
        while expected is None or len(received) < expected:
            now = time.monotonic()
            if len(received) != seen:
                seen, last_change = len(received), now
            if now - last_change >= idle or now - started >= cap:
                break
            await asyncio.sleep(0.02)
        frames = received[:]
        del received[:]
        return self._read(frames) | {"waited": time.monotonic() - started}

    def _read(self, frames: list[Frame]) -> dict[str, Any]:
        deliveries: dict[str, list[list[float]]] = {}
        other: dict[str, list[str]] = {}
        for arrival, number, payload in frames:
            message = json.loads(payload)
            tag = self.tags.get((number, str(message.get("id"))), f"?{number}")
            data = (
                (message.get("payload") or {}).get("data")
                if message.get("type") == "next"
                else None
            )
            event = (data or {}).get("sessionMessages")
            if event is not None and not message["payload"].get("errors"):
                sent = datetime.fromisoformat(event["sentAt"]).timestamp()
                deliveries.setdefault(tag, []).append([event["sequence"], arrival, sent])
            else:
                other.setdefault(tag, []).append(payload.decode()[:300])
        closed = [c.close_code for c in self.connections if c.closed]
        return {
            "deliveries": deliveries,
            "other": other,
            "closed_by_server": sum(code is not None for code in closed),
        }

    def close(self) -> dict[str, Any]:
        for connection in self.connections:
            connection.close()
        count = len(self.connections)
        self.connections.clear()
        self.tags.clear()
        del received[:]
        return {"closed": count}


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


async def serve() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    subscribers = Subscribers()
    while line := await reader.readline():
        command = json.loads(line)
        kind = command["cmd"]
        if kind == "open":
            answer = await subscribers.open(command["query"], command["connections"])
        elif kind == "count":
            answer = {"count": len(received)}
        elif kind == "finish":
            answer = await subscribers.finish(
                command.get("expected"), command.get("idle", 3.0), command.get("cap", 30.0)
            )
        elif kind == "close":
            answer = subscribers.close()
            await asyncio.sleep(0.2)  # let the close frames go out
        elif kind == "exit":
            subscribers.close()
            await asyncio.sleep(0.2)
            break
        else:
            answer = {"error": f"unknown command {kind}"}
        answer["cpu"] = cpu_seconds()
        sys.stdout.write(json.dumps(answer, separators=(",", ":")) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(serve())
