"""A graphql-transport-ws client, as a browser or app would speak it, for the live tests."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict
from typing import Any

import websockets
from websockets.exceptions import ConnectionClosed

from subscriptions.hub import current_hub

PROTOCOL = "graphql-transport-ws"
WAIT_SECONDS = 10


class LiveClient:
    """One WebSocket connection carrying any number of subscriptions."""

    def __init__(self, socket: websockets.ClientConnection) -> None:
        self.socket = socket
        self.ids = itertools.count(1)
        self.inbox: dict[str, asyncio.Queue[dict[str, Any]]] = defaultdict(asyncio.Queue)
        self.reader = asyncio.create_task(self._read())
        self.closed_with: int | None = None

    @classmethod
    async def connect(cls, url: str, token: str | None) -> LiveClient:
        socket = await websockets.connect(url, subprotocols=[PROTOCOL])
        payload = {"authorization": f"Bearer {token}"} if token else {}
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await asyncio.wait_for(socket.recv(), 5))
        assert ack["type"] == "connection_ack", ack
        return cls(socket)

    async def _read(self) -> None:
        try:
            async for raw in self.socket:
                message = json.loads(raw)
                if "id" in message:
                    await self.inbox[message["id"]].put(message)
        except ConnectionClosed as closed:
            self.closed_with = closed.rcvd.code if closed.rcvd else None
        else:
            self.closed_with = self.socket.close_code

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        operation = str(next(self.ids))
        await self.socket.send(
            json.dumps(
                {
                    "id": operation,
                    "type": "subscribe",
                    "payload": {"query": query, "variables": variables or {}},
                }
            )
        )
        return operation

    async def next(self, operation: str) -> dict[str, Any]:
        """The next message for ``operation``: ``next``, ``error`` or ``complete``."""
        return await asyncio.wait_for(self.inbox[operation].get(), WAIT_SECONDS)

    async def data(self, operation: str, field: str) -> Any:
        message = await self.next(operation)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message["payload"]
        return message["payload"]["data"][field]

    async def refusal(self, operation: str) -> str:
        """The code of the error that refused ``operation`` (sent as ``error`` or ``next``)."""
        message = await self.next(operation)
        payload = message["payload"]
        errors = payload if message["type"] == "error" else payload["errors"]
        return errors[0]["extensions"]["code"]

    async def nothing_for(self, operation: str, seconds: float = 0.5) -> bool:
        try:
            await asyncio.wait_for(self.inbox[operation].get(), seconds)
        except TimeoutError:
            return True
        return False

    async def close(self) -> None:
        await self.socket.close()
        await self.reader


async def listening(channel: str, count: int = 1) -> None:
    """Wait until ``count`` streams listen on ``channel``, subscribed to the pub/sub.

    The test server runs in the tests' own event loop and process, so its hub can be
    asked directly: a test publishes only once its listeners are really there.
    """
    hub = current_hub()
    for _ in range(WAIT_SECONDS * 100):
        ready = hub.ready.get(channel)
        if ready is not None and ready.is_set() and len(hub.listeners.get(channel, ())) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"nobody listens on {channel}")
