"""The WebSockets of each sign-in in this process, closed when the sign-in ends anywhere.

A socket opened with an access token that names its sign-in lives as long as that
sign-in, not as the token (minutes): a member's phone holds one socket through a whole
session while her app refreshes tokens over HTTP. So the socket must close the moment
the sign-in ends (she signs out, sets a new password, closes her profile), on whichever
process serves it: each process keeps its sockets by sign-in, and one listener on
``channels.sign_ins_ended`` closes those of each sign-in ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from subscriptions import channels
from subscriptions.hub import Hub, Overflow, Resync

logger = logging.getLogger("haven.subscriptions")

Close = Callable[[], Awaitable[None]]
StillLive = Callable[[int, str], Awaitable[bool]]


class SignInSockets:
    def __init__(self) -> None:
        self._open: dict[tuple[int, str], set[Close]] = {}

    def add(self, user_id: int, sign_in: str, close: Close) -> Callable[[], None]:
        """Keep ``close`` for the sign-in; the returned function forgets it again."""
        key = (user_id, sign_in)
        self._open.setdefault(key, set()).add(close)

        def forget() -> None:
            closes = self._open.get(key)
            if closes is not None:
                closes.discard(close)
                if not closes:
                    del self._open[key]

        return forget

    def __len__(self) -> int:
        return sum(len(closes) for closes in self._open.values())

    async def end(self, user_id: int, sign_ins: list[str]) -> int:
        """Close every socket of these sign-ins here; how many were closed."""
        closing = [
            close for sign_in in sign_ins for close in self._open.pop((user_id, sign_in), set())
        ]
        await asyncio.gather(*(close() for close in closing), return_exceptions=True)
        return len(closing)

    async def follow(self, hub: Hub, still_live: StillLive) -> None:
        """Close sockets as sign-ins end, for the life of the process. After the pub/sub
        was away (``Resync``), endings may have been missed: every sign-in is asked."""
        while True:
            with contextlib.suppress(Overflow):
                async with hub.listen(channels.sign_ins_ended()) as ended:
                    async for event in ended:
                        if isinstance(event, Resync):
                            await self.recheck(still_live)
                        else:
                            await self._on_ended(event)

    async def recheck(self, still_live: StillLive) -> int:
        """Close the sockets of every sign-in here that no longer holds."""
        closed = 0
        for user_id, sign_in in list(self._open):
            if not await still_live(user_id, sign_in):
                closed += await self.end(user_id, [sign_in])
        return closed

    async def _on_ended(self, event: dict[str, Any]) -> None:
        try:
            await self.end(int(event["user_id"]), [str(s) for s in event["sign_ins"]])
        except (KeyError, TypeError, ValueError):
            logger.warning("a malformed sign-in ending was ignored")
