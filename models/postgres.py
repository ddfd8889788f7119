"""Tortoise's PostgreSQL client, with bounds on taking a connection and giving it back.

asyncpg bounds a statement (``command_timeout``) and opening a connection
(``timeout``), but a task that finds every pooled connection taken waits for one
without end: behind a frozen database, a live stream or the server's beat would queue
there for as long as the freeze lasts. Here it gives up after ``ACQUIRE_SECONDS`` with
``TimeoutError``, which answers ``SERVICE_UNAVAILABLE`` like any other wait on a
database that does not answer.

Giving a connection back waits, too, when its statement was cut short: for the server
to confirm the cancel, which a frozen database never does, so a statement's 5 s bound
became 10 s. Past ``RELEASE_SECONDS`` the connection is closed instead (the pool opens
another when one is needed) and the work that used it goes on.

``settings.database_connection`` names this module as the engine of a PostgreSQL URL.
"""

from __future__ import annotations

import contextlib
from typing import Any

import asyncpg
from asyncpg.pool import PoolAcquireContext
from tortoise.backends.asyncpg.client import AsyncpgDBClient

ACQUIRE_SECONDS = 5.0
RELEASE_SECONDS = 1.0


class BoundedPool:
    """asyncpg's pool, taking a connection within ``ACQUIRE_SECONDS`` and giving it
    back within ``RELEASE_SECONDS``."""

    __slots__ = ("pool",)

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    def acquire(self, *, timeout: float | None = None) -> PoolAcquireContext:
        return self.pool.acquire(timeout=ACQUIRE_SECONDS if timeout is None else timeout)

    async def release(self, connection: Any) -> None:
        with contextlib.suppress(TimeoutError):  # asyncpg has closed the connection
            await self.pool.release(connection, timeout=RELEASE_SECONDS)

    def __getattr__(self, name: str) -> Any:  # close, terminate, sizes…
        return getattr(self.pool, name)


class BoundedAsyncpgClient(AsyncpgDBClient):
    async def create_pool(self, **kwargs: Any) -> Any:
        return BoundedPool(await super().create_pool(**kwargs))


client_class = BoundedAsyncpgClient
