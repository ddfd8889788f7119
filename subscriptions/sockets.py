"""WebSockets whose client has stopped reading: closed within seconds, not held for a minute.

A phone in a pocket, a frozen tab, a link that went dead without a word: the client
reads nothing, its socket's buffers fill, and every frame sent to it waits. Left to
the keepalive ping it would be cut after some 45 s, with megabytes queued for it in
the process and a stream of the live session stuck behind them.

uvicorn's WebSocket protocol is given a bound instead. Sending waits only when the
socket's buffers are full; a wait longer than ``STALLED_SECONDS`` closes the socket
with ``FELL_BEHIND_CLOSE_CODE`` and a reason that says what to do: connect again and
subscribe with ``afterSequence``, from which nothing is lost. The application hears at
once that the socket is gone, and its streams end; the close frame waits behind what
the client has not read, and unless the client reads it within ``CLOSE_SECONDS`` the
connection is dropped, with everything queued for it.

A client that reads slowly but reads is never closed for it: its sends wait, and go.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

if TYPE_CHECKING:
    from uvicorn._types import ASGISendEvent

STALLED_SECONDS = 3.0
CLOSE_SECONDS = 2.0
FELL_BEHIND_CLOSE_CODE = 4408
FELL_BEHIND_REASON = "FELL_BEHIND: connect again and subscribe with afterSequence"

# What ``haven serve`` and the tests' servers give uvicorn as ``ws``.
PROTOCOL = "subscriptions.sockets:HavenWebSocketProtocol"


class HavenWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol, closing a socket whose client stopped reading."""

    async def send(self, message: ASGISendEvent) -> None:
        if not self.writable.is_set():  # the buffers are full: the client must read first
            try:
                async with asyncio.timeout(STALLED_SECONDS):
                    await self.writable.wait()
            except TimeoutError:
                self.fell_behind()
                raise ClientDisconnected from None
        await super().send(message)

    def fell_behind(self) -> None:
        """Close with a reason the client can act on, behind what it has not read; drop
        the connection, and all queued for it, unless it reads that within
        ``CLOSE_SECONDS``."""
        if self.close_sent or self.transport.is_closing():
            return
        code, reason = FELL_BEHIND_CLOSE_CODE, FELL_BEHIND_REASON
        self.queue.put_nowait({"type": "websocket.disconnect", "code": code, "reason": reason})
        self.conn.send_close(code, reason)
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        if self.read_paused:  # to hear the client's answer to the close
            self.read_paused = False
            self.transport.resume_reading()
        self.close_timer = self.loop.call_later(CLOSE_SECONDS, self.transport.abort)
