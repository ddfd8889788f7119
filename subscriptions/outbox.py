"""Publish only what committed: messages queued during a transaction, sent after it.

``async with transaction():`` is Tortoise's ``in_transaction`` plus an outbox:
``after_commit(channel, payload)`` inside it queues a message, and the queue is
published once the transaction has committed. A transaction that fails publishes
nothing, so no client ever hears of what did not happen.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from contextvars import ContextVar
from typing import Any

from tortoise.transactions import in_transaction

from subscriptions import hub as hub_module

logger = logging.getLogger("haven.subscriptions")

_outbox: ContextVar[list[tuple[str, dict[str, Any]]] | None] = ContextVar("outbox", default=None)


@contextlib.asynccontextmanager
async def transaction() -> AsyncIterator[None]:
    if _outbox.get() is not None:  # already inside one: it commits and publishes
        yield
        return
    pending: list[tuple[str, dict[str, Any]]] = []
    token = _outbox.set(pending)
    try:
        async with in_transaction():
            yield
    finally:
        _outbox.reset(token)
    if pending and hub_module.hub is None:
        # A command-line process has no listeners to tell; the database holds it all.
        logger.info("no pub/sub hub in this process: %d messages not published", len(pending))
    elif pending:
        for channel, payload in pending:
            await hub_module.hub.publish(channel, payload)


def after_commit(channel: str, payload: dict[str, Any]) -> None:
    """Queue ``payload`` for ``channel`` until the current transaction commits."""
    pending = _outbox.get()
    if pending is None:
        raise RuntimeError("after_commit() needs an enclosing transaction()")
    pending.append((channel, payload))
