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
application, the keepalive, a shutdown) is dropped the same way if the client has not
drained its buffers by then.

A client that reads slowly but keeps up, draining its buffers within ``STALLED_SECONDS``
of their filling, is never closed for it: its sends wait, and go.
"""

from __future__ import annotations

from asyncio import TimerHandle
from typing import TYPE_CHECKING

from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

if TYPE_CHECKING:
    from uvicorn._types import ASGISendEvent

STALLED_SECONDS = 3.0
CLOSE_SECONDS = 2.0
# An application's own code (4000-4999) that graphql-transport-ws does not use itself.
FELL_BEHIND_CLOSE_CODE = 4410
FELL_BEHIND_REASON = "FELL_BEHIND: connect again and subscribe with afterSequence"

# What ``haven serve`` and the tests' servers give uvicorn as ``ws``.
PROTOCOL = "subscriptions.sockets:HavenWebSocketProtocol"


class HavenWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol, closing a socket whose client stopped reading."""

    stall_timer: TimerHandle | None = None
    behind = False  # the client fell behind: nothing more is sent

    def pause_writing(self) -> None:
        super().pause_writing()
        if self.stall_timer is None and not self.behind:
            self.stall_timer = self.loop.call_later(STALLED_SECONDS, self.fell_behind)

    def resume_writing(self) -> None:
        super().resume_writing()
        self._stop_stall_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_stall_timer()
        super().connection_lost(exc)

    async def send(self, message: ASGISendEvent) -> None:
        await self.writable.wait()  # while the buffers are full: until drained, or behind
        if self.behind:
            raise ClientDisconnected
        await super().send(message)

    def fell_behind(self) -> None:
        """Close with a reason the client can act on, behind what it has not read; drop
        the connection, and all queued for it, unless it reads that within
        ``CLOSE_SECONDS``. Senders waiting on the socket learn it is gone."""
        self.stall_timer = None
        self.behind = True
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
        if self.close_timer is not None:  # a close begun otherwise waits for no drain
            self.close_timer.cancel()
        self.close_timer = self.loop.call_later(CLOSE_SECONDS, self.transport.abort)

    def _stop_stall_timer(self) -> None:
        if self.stall_timer is not None:
            self.stall_timer.cancel()
            self.stall_timer = None
