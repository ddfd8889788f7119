"""WebSockets whose client has stopped reading: closed within seconds, not held for good.

A phone in a pocket, a frozen tab, a link that went dead without a word: the client
reads nothing, its socket's buffers fill, and every frame sent to it waits. Left to
the keepalive ping it would be cut after some 45 s, with megabytes queued for it in
the process and a stream of the live session stuck behind them; and a close, by the
keepalive, the application or a shutdown, would wait for those buffers to drain, which
they never do.

uvicorn's WebSocket protocol is given a bound instead. When the socket's buffers fill
(asyncio pauses writing above 64 KiB and resumes below 16 KiB), a timer starts; if the
client has not drained them within ``STALLED_SECONDS``, the socket is closed with
``FELL_BEHIND_CLOSE_CODE`` and a reason that says what to do: connect again and
subscribe with ``afterSequence``, from which nothing is lost. The application hears at
once that the socket is gone, and its streams end. The close frame waits behind what
the client has not read, and unless the client reads it within ``CLOSE_SECONDS`` the
connection is dropped, with everything queued for it. A close begun otherwise (by the
application, the keepalive, a shutdown, the client) waits no longer than that for what
is still queued (``ClosingTransport``).

A client that reads slowly but keeps up, draining its buffers within ``STALLED_SECONDS``
of their filling, is never closed for it: its sends wait, and go.
"""

from __future__ import annotations

import asyncio
from asyncio import BaseTransport, TimerHandle, Transport
from typing import TYPE_CHECKING, Any, cast

from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

from observe.metrics import DROPPED

if TYPE_CHECKING:
    from uvicorn._types import ASGISendEvent

STALLED_SECONDS = 3.0
CLOSE_SECONDS = 2.0
# An application's own code (4000-4999) that graphql-transport-ws does not use itself.
FELL_BEHIND_CLOSE_CODE = 4410
FELL_BEHIND_REASON = "FELL_BEHIND: connect again and subscribe with afterSequence"

# What ``haven serve`` and the tests' servers give uvicorn as ``ws``.
PROTOCOL = "subscriptions.sockets:HavenWebSocketProtocol"


class ClosingTransport:
    """A socket's transport whose ``close`` is bounded: asyncio's waits for what is
    queued to be sent, and a client that reads nothing would hold the connection for
    good; here it has ``CLOSE_SECONDS`` to take it, and the connection is then dropped.

    Every close uvicorn begins (the application's, the keepalive's, a shutdown's, the
    client's own) goes through it.
    """

    __slots__ = ("abort_timer", "transport")

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.abort_timer: TimerHandle | None = None

    def close(self) -> None:
        self.transport.close()
        if self.transport.get_write_buffer_size():
            self.abort_after(CLOSE_SECONDS)

    def abort_after(self, seconds: float) -> None:
        if self.abort_timer is None:
            loop = asyncio.get_running_loop()
            self.abort_timer = loop.call_later(seconds, self.transport.abort)

    def forget(self) -> None:
        """The connection is gone: nothing is left to drop."""
        if self.abort_timer is not None:
            self.abort_timer.cancel()
            self.abort_timer = None

    def __getattr__(self, name: str) -> Any:  # write, is_closing, pause_reading…
        return getattr(self.transport, name)


class HavenWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol, closing a socket whose client stopped reading."""

    transport: Any  # a ClosingTransport, once the connection is made
    stall_timer: TimerHandle | None = None
    behind = False  # the client fell behind: nothing more is sent

    def connection_made(self, transport: BaseTransport) -> None:
        closing = ClosingTransport(cast(Transport, transport))
        super().connection_made(closing)  # type: ignore[arg-type]
        _, high = closing.get_write_buffer_limits()
        if closing.get_write_buffer_size() > high:  # upgraded while its writes wait
            self.pause_writing()

    def pause_writing(self) -> None:
        super().pause_writing()
        if self.stall_timer is None and not self.behind:
            self.stall_timer = self.loop.call_later(STALLED_SECONDS, self.fell_behind)

    def resume_writing(self) -> None:
        super().resume_writing()
        self._stop_stall_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_stall_timer()
        self.transport.forget()
        super().connection_lost(exc)

    async def send(self, message: ASGISendEvent) -> None:
        if not self.behind:
            await self.writable.wait()  # while the buffers are full: until drained or behind
        if self.behind:
            if message["type"] == "websocket.close":
                return  # closed already, with the reason
            raise ClientDisconnected
        await super().send(message)

    def fell_behind(self) -> None:
        """Close with a reason the client can act on, behind what it has not read; drop
        the connection, and all queued for it, unless it reads that within
        ``CLOSE_SECONDS``. Senders waiting on the socket learn it is gone."""
        self.stall_timer = None
        self.behind = True
        DROPPED.labels("socket").inc()
        self.writable.set()
        talking = self.conn.state is State.OPEN and not self.close_sent
        if talking and not self.transport.is_closing():
            code, reason = FELL_BEHIND_CLOSE_CODE, FELL_BEHIND_REASON
            self.queue.put_nowait({"type": "websocket.disconnect", "code": code, "reason": reason})
            self.conn.send_close(code, reason)
            self.transport.write(b"".join(self.conn.data_to_send()))
            self.close_sent = True
            if self.read_paused:  # to hear the client's answer to the close
                self.read_paused = False
                self.transport.resume_reading()
        self.transport.abort_after(CLOSE_SECONDS)

    def _stop_stall_timer(self) -> None:
        if self.stall_timer is not None:
            self.stall_timer.cancel()
            self.stall_timer = None
