"""The process's one connection to the pub/sub backend (``BROADCAST_URL``)."""

from __future__ import annotations

import logging

from broadcaster import Broadcast

logger = logging.getLogger("haven.subscriptions")

HEALTH_CHANNEL = "haven:health"


class Hub:
    """Owns the broadcaster connection: opened and closed by the application's lifespan."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.broadcast = Broadcast(url)
        self.connected = False

    async def connect(self) -> None:
        await self.broadcast.connect()
        self.connected = True

    async def disconnect(self) -> None:
        if self.connected:
            self.connected = False
            await self.broadcast.disconnect()

    async def is_ready(self) -> bool:
        """Whether a message can be published now: the readiness probe asks this."""
        if not self.connected:
            return False
        try:
            await self.broadcast.publish(HEALTH_CHANNEL, "ping")
        except Exception:  # the backend's own errors vary: any failure means not ready
            logger.warning("pub/sub backend %s is not reachable", self.url, exc_info=True)
            return False
        return True
