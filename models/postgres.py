"""Tortoise's PostgreSQL client, with bounds on taking a connection and giving it back.

asyncpg bounds a statement (``command_timeout``) and opening a connection
(``timeout``), but a task that finds every pooled connection taken waits for one
without end: behind a frozen database, a live stream or the server's beat would queue
there for as long as the freeze lasts. Here it gives up after ``ACQUIRE_SECONDS`` with
``TimeoutError``, which answers ``SERVICE_UNAVAILABLE`` like any other wait on a
database that does not answer.

A transaction cut short at its ``BEGIN`` (its statement's bound, or the request's)
would keep its connection for good: Tortoise gives it back only once the transaction
has begun. Here it is given back, and each one so lost no longer shrinks the pool.

Giving a connection back waits, too, when its statement was cut short: for the server
to confirm the cancel, which a frozen database never does, so a statement's 5 s bound
became 10 s. Past ``RELEASE_SECONDS`` the connection is closed instead (the pool opens
another when one is needed) and the work that used it goes on. The bound holds for
every give-back: a healthy database confirms a cancel or resets a session in
milliseconds.

``settings.database_connection`` names this module as the engine of a PostgreSQL URL.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import asyncpg
from asyncpg.pool import PoolAcquireContext
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import TransactionContext, TransactionContextPooled
from tortoise.connection import get_connections

logger = logging.getLogger("haven.database")

ACQUIRE_SECONDS = 5.0
RELEASE_SECONDS = 1.0


class BoundedPool:
    """asyncpg's pool, taking a connection within ``ACQUIRE_SECONDS`` and giving it
    back within ``RELEASE_SECONDS``.

    Tortoise awaits ``acquire()`` and calls ``release()``; ``async with
    pool.acquire()`` would give the connection back through asyncpg's own pool,
    unbounded, and is not used.
    """

    __slots__ = ("pool",)

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    def acquire(self, *, timeout: float | None = None) -> PoolAcquireContext:
        return self.pool.acquire(timeout=ACQUIRE_SECONDS if timeout is None else timeout)

    async def release(self, connection: Any) -> None:
        """Give ``connection`` back; if it cannot be reset in time or at all, asyncpg
        closes it, and the work that used it, done, is not failed for that."""
        try:
            await self.pool.release(connection, timeout=RELEASE_SECONDS)
        except Exception as error:
            logger.warning(
                "a connection could not be given back: closed (%s)", type(error).__name__
            )

    def __getattr__(self, name: str) -> Any:  # close, terminate, sizes…
        return getattr(self.pool, name)


class GivingBackTransaction(TransactionContextPooled):
    """Tortoise's transaction on a pooled connection, giving the connection back when
    its ``BEGIN`` fails or is cancelled, as it does when the transaction ends."""

    __slots__ = ()

    async def __aenter__(self) -> Any:
        try:
            return await super().__aenter__()
        except BaseException:
            if hasattr(self, "token"):  # the connection was taken: BEGIN did not end
                get_connections().reset(self.token)
                begun = getattr(self.client, "transaction", None)
                if begun is not None:
                    # Given back, the connection is rolled back; asyncpg warns of that
                    # unless the transaction is one it ends itself, as this one now is.
                    begun._managed = True
                with contextlib.suppress(Exception):  # what stopped BEGIN is what to raise
                    await self.client._parent._pool.release(self.client._connection)
            raise


class BoundedAsyncpgClient(AsyncpgDBClient):
    async def create_pool(self, **kwargs: Any) -> Any:
        return BoundedPool(await super().create_pool(**kwargs))

    def _in_transaction(self) -> TransactionContext:
        return GivingBackTransaction(TransactionWrapper(self), self._pool_init_lock)


client_class = BoundedAsyncpgClient
