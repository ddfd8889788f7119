"""Tortoise's PostgreSQL client, with a bound on waiting for a free connection.

asyncpg bounds a statement (``command_timeout``) and opening a connection
(``timeout``), but a task that finds every pooled connection taken waits for one
without end: behind a frozen database, a live stream or the server's beat would queue
there for as long as the freeze lasts. Here it gives up after ``ACQUIRE_SECONDS`` with
``TimeoutError``, which answers ``SERVICE_UNAVAILABLE`` like any other wait on a
database that does not answer.

``settings.database_connection`` names this module as the engine of a PostgreSQL URL.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from asyncpg.pool import PoolAcquireContext
from tortoise.backends.asyncpg.client import AsyncpgDBClient

ACQUIRE_SECONDS = 5.0


class BoundedPool:
    """asyncpg's pool, whose ``acquire`` gives up after ``ACQUIRE_SECONDS``."""

    __slots__ = ("pool",)

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    def acquire(self, *, timeout: float | None = None) -> PoolAcquireContext:
        return self.pool.acquire(timeout=ACQUIRE_SECONDS if timeout is None else timeout)

    def __getattr__(self, name: str) -> Any:  # release, close, terminate, sizes…
        return getattr(self.pool, name)


class BoundedAsyncpgClient(AsyncpgDBClient):
    async def create_pool(self, **kwargs: Any) -> Any:
        return BoundedPool(await super().create_pool(**kwargs))


client_class = BoundedAsyncpgClient
