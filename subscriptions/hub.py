"""The process's pub/sub: one broadcaster subscription per channel, fanned out locally.

broadcaster is the transport between processes, not the design. On top of it:

- one broadcaster subscription per channel per process, however many local clients
  listen, so two clients joining a new channel at once cannot leave one deaf;
- each local listener has a bounded queue: a client that cannot keep up is cut off
  (``Overflow``) rather than allowed to grow the process's memory;
- a supervisor publishes a heartbeat to a channel of its own; when the heartbeat stops
  arriving (the backend's listener died, Redis restarted) it rebuilds the connection,
  re-subscribes every channel and tells every listener to ``Resync`` from the database,
  which is the source of truth;
- a publish that fails (the backend stalled before the message was written) is not lost
  silently: once the backend answers again, its channel is told to ``Resync``, in every
  process, so a listener elsewhere reads from the database what it did not hear.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from typing import Any

from broadcaster import Broadcast

from observe.metrics import DELIVERIES, DROPPED
from subscriptions.setup import set_up

logger = logging.getLogger("haven.subscriptions")

QUEUE_SIZE = 256
HEARTBEAT_SECONDS = 1.0
DEAD_AFTER_SECONDS = 3.5
RECONNECT_PAUSE_SECONDS = 0.5
# Every wait on the backend is bounded: a frozen Redis answers nothing, not even an error.
PUBLISH_SECONDS = 1.0  # by default; HAVEN_PUBLISH_TIMEOUT sets it
PROBE_SECONDS = 0.5
CONNECT_SECONDS = 2.0
# Published in place of a message that could not be: listeners of the channel resync.
RESYNC_MARKER = {"haven:resync": True}


class Resync:
    """Delivered to listeners after a reconnection: messages may have been missed."""


class Overflow(Exception):
    """The listener fell too far behind and was cut off."""


class Listener:
    """One local client's view of a channel: a bounded queue of messages, listening
    from when its ``async with`` block starts until it ends.

    A list and at most one waiting future, not an ``asyncio.Queue`` (three deques, 2 KiB
    empty): a process holds one per subscribed socket, thousands of them, each read by
    one task only and empty nearly always.
    """

    __slots__ = ("channel", "hub", "items", "overflowed", "size", "waiter")

    def __init__(self, hub: Hub, channel: str, size: int) -> None:
        self.hub = hub
        self.channel = channel
        self.size = size
        self.items: list[dict[str, Any] | Resync] = []
        self.waiter: asyncio.Future[None] | None = None
        self.overflowed = False

    async def __aenter__(self) -> Listener:
        await self.hub._add(self)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.hub._remove(self)

    def deliver(self, item: dict[str, Any] | Resync) -> None:
        if self.overflowed:
            return
        if len(self.items) >= self.size:
            DROPPED.labels("listener").inc()
            self.overflowed = True
            self.items.clear()  # free the backlog at once
            self.items.append(Resync())
        else:
            self.items.append(item)
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def get(self) -> dict[str, Any] | Resync:
        while not self.items:
            set_up()  # a stream waiting for its first event has finished setting up
            self.waiter = asyncio.get_running_loop().create_future()
            try:
                await self.waiter
            finally:
                self.waiter = None
        item = self.items.pop(0)
        if self.overflowed:
            raise Overflow(self.channel)
        return item

    def __aiter__(self) -> Listener:
        return self

    async def __anext__(self) -> dict[str, Any] | Resync:
        return await self.get()


class Hub:
    """Owns the broadcaster connection; opened and closed by the application's lifespan."""

    def __init__(
        self, url: str, queue_size: int = QUEUE_SIZE, publish_seconds: float = PUBLISH_SECONDS
    ) -> None:
        self.url = url
        self.queue_size = queue_size
        self.publish_seconds = publish_seconds
        self.listeners: dict[str, set[Listener]] = {}
        self.readers: dict[str, asyncio.Task[None]] = {}
        self.ready: dict[str, asyncio.Event] = {}
        self.heartbeat_channel = f"haven:heartbeat:{uuid.uuid4().hex}"
        self.last_heartbeat = time.monotonic()
        self.broadcast: Broadcast | None = None
        self.supervisor: asyncio.Task[None] | None = None
        self.reconnections = 0
        self.reconnecting = False
        self.unsent: set[str] = set()  # channels a publish to failed, not yet told to resync
        self.lock = asyncio.Lock()

    @property
    def connected(self) -> bool:
        return self.broadcast is not None

    async def connect(self) -> None:
        await self._open()
        self.supervisor = asyncio.create_task(self._supervise())

    async def disconnect(self) -> None:
        if self.supervisor is not None:
            self.supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.supervisor
        await self._close()

    async def publish(
        self, channel: str, payload: dict[str, Any], within: float | None = None
    ) -> bool:
        """Send ``payload`` to every process listening on ``channel``, waiting at most
        ``within`` seconds (by default the hub's ``publish_seconds``).

        A failure is logged, not raised: what is published was committed first. The
        channel is remembered, and once the backend answers again its listeners are told
        to resync from the database (``resend_resyncs``).
        """
        try:
            assert self.broadcast is not None, "the hub is not connected"
            async with asyncio.timeout(within or self.publish_seconds):
                await self.broadcast.publish(channel, json.dumps(payload, default=str))
        except Exception:  # the backend's errors vary: any failure means not delivered
            logger.warning("could not publish to %s", channel, exc_info=True)
            if channel != self.heartbeat_channel:
                self.unsent.add(channel)
            return False
        return True

    async def resend_resyncs(self) -> None:
        """Tell every channel a publish to failed to resync, in every process listening.

        The failed message itself is not sent again: it may have been written before the
        stall and heard already, and a late copy would arrive out of order. A resync asks
        each listener to read what it lacks from the database, which costs one query.
        """
        while self.unsent:
            channel = self.unsent.pop()
            if not await self.publish(channel, RESYNC_MARKER):  # remembered again
                return  # stalled again: the next heartbeat heard tries the rest

    def listen(self, channel: str) -> Listener:
        """Listen on ``channel`` in an ``async with`` block: subscribed when it starts."""
        return Listener(self, channel, self.queue_size)

    async def _add(self, listener: Listener) -> None:
        """Listen from now on; while the backend is away, from when it is back.

        A stream started during an outage must not wait for the backend: it reads what
        it missed from the database at once, and is told to ``Resync`` when the backend
        returns, by which time its channel is subscribed again.
        """
        channel = listener.channel
        if self.reconnecting:
            self.listeners.setdefault(channel, set()).add(listener)
            return
        async with self.lock:
            self.listeners.setdefault(channel, set()).add(listener)
            if channel not in self.readers:
                self._start_reader(channel)
        try:
            await self._subscribed(channel)
        except Exception:
            # The backend failed it: the supervisor, seeing the reader gone, reconnects,
            # subscribes the channel again and tells the listener to resync.
            logger.warning("could not subscribe to %s yet", channel, exc_info=True)
        except BaseException:
            await self._remove(listener)
            raise

    async def _remove(self, listener: Listener) -> None:
        channel = listener.channel
        async with self.lock:
            listeners = self.listeners.get(channel, set())
            listeners.discard(listener)
            if not listeners and channel != self.heartbeat_channel:
                self.listeners.pop(channel, None)
                self.ready.pop(channel, None)
                reader = self.readers.pop(channel, None)
                if reader is not None:
                    reader.cancel()

    async def is_ready(self) -> bool:
        """Whether the backend answers now, within ``PROBE_SECONDS``: the readiness probe
        asks this. A heartbeat that went quiet says so too."""
        fresh = time.monotonic() - self.last_heartbeat < DEAD_AFTER_SECONDS
        if not (self.connected and fresh):
            return False
        return await self.publish(self.heartbeat_channel, {"at": time.time()}, PROBE_SECONDS)

    async def _subscribed(self, channel: str) -> None:
        """Wait until ``channel``'s reader has subscribed; raise if it failed to, or did
        not within ``CONNECT_SECONDS``."""
        ready = asyncio.ensure_future(self.ready[channel].wait())
        reader = self.readers[channel]
        await asyncio.wait(
            {ready, reader}, timeout=CONNECT_SECONDS, return_when=asyncio.FIRST_COMPLETED
        )
        if not ready.done():
            ready.cancel()
            if reader.done() and not reader.cancelled():
                reader.result()  # raises what stopped it
            raise ConnectionError(f"could not subscribe to {channel}")

    def _start_reader(self, channel: str) -> None:
        self.ready[channel] = asyncio.Event()
        self.readers[channel] = asyncio.create_task(self._read(channel, self.ready[channel]))

    async def _read(self, channel: str, ready: asyncio.Event) -> None:
        assert self.broadcast is not None
        async with self.broadcast.subscribe(channel) as subscriber:
            ready.set()
            async for event in subscriber:  # type: ignore[union-attr]
                if event is None:
                    return
                payload = json.loads(event.message)
                item = Resync() if payload == RESYNC_MARKER else payload
                listeners = list(self.listeners.get(channel, ()))
                for listener in listeners:
                    listener.deliver(item)
                DELIVERIES.inc(len(listeners))  # once an event, not once a listener

    async def _open(self) -> None:
        self.broadcast = Broadcast(self.url)
        async with asyncio.timeout(CONNECT_SECONDS):
            await self.broadcast.connect()
            self.last_heartbeat = time.monotonic()
            self.listeners.setdefault(self.heartbeat_channel, set())
            await self._subscribe_all()

    async def _subscribe_all(self) -> None:
        """Give every channel listened to a reader, and wait until each has subscribed;
        channels first listened to meanwhile are subscribed too."""
        while missing := [channel for channel in self.listeners if channel not in self.readers]:
            for channel in missing:
                self._start_reader(channel)
            for channel in missing:
                await self._subscribed(channel)

    async def _close(self) -> None:
        for reader in self.readers.values():
            reader.cancel()
        await asyncio.gather(*self.readers.values(), return_exceptions=True)
        self.readers.clear()
        self.ready.clear()
        broadcast, self.broadcast = self.broadcast, None
        if broadcast is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(CONNECT_SECONDS):
                    await broadcast.disconnect()

    async def _supervise(self) -> None:
        beat = Listener(self, self.heartbeat_channel, 8)
        self.listeners[self.heartbeat_channel].add(beat)
        while True:
            await self.publish(self.heartbeat_channel, {"at": time.time()})
            heard = False
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(HEARTBEAT_SECONDS):
                    while True:
                        await beat.get()
                        self.last_heartbeat = time.monotonic()
                        heard = True
            dead = time.monotonic() - self.last_heartbeat > DEAD_AFTER_SECONDS
            readers_died = any(reader.done() for reader in self.readers.values())
            if dead or readers_died:
                await self._reconnect()
            elif heard and self.unsent:  # the backend answers again
                await self.resend_resyncs()

    async def _reconnect(self) -> None:
        logger.warning("pub/sub connection lost: reconnecting to %s", self.url)
        self.reconnecting = True
        try:
            async with self.lock:
                await self._close()
            while True:
                async with self.lock:
                    try:
                        await self._open()
                        break
                    except Exception:  # the backend is still down: try again shortly
                        logger.warning("pub/sub backend unreachable; retrying", exc_info=True)
                        await self._close()
                await asyncio.sleep(RECONNECT_PAUSE_SECONDS)
        finally:
            self.reconnecting = False
        self.reconnections += 1
        for listeners in list(self.listeners.values()):
            for listener in list(listeners):
                listener.deliver(Resync())
        logger.warning("pub/sub connection re-established")


hub: Hub | None = None


def current_hub() -> Hub:
    """The hub of this process, set by the application's lifespan."""
    if hub is None:
        raise RuntimeError("the pub/sub hub is not connected")
    return hub
