"""Waits on the database that end on time, whatever the database does.

``asyncio.timeout`` cancels what it bounds and then waits for it to end. Cancelled in
the middle of a query, asyncpg gives its connection back to the pool only once the
server has confirmed the cancel, which a frozen database never does: a 1 s bound
became 6 s, the statement's own bound and more. Here the bounded work runs as a task
of its own; past the bound it is cancelled and left to end in the background.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

T = TypeVar("T")


async def within(seconds: float, work: Awaitable[T]) -> T:
    """What ``work`` gives, or ``TimeoutError`` once ``seconds`` have passed."""
    task = asyncio.ensure_future(work)
    try:
        done, _ = await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:
        abandon(task)
        raise
    if not done:
        abandon(task)
        raise TimeoutError
    return task.result()


def abandon(task: asyncio.Future[Any]) -> None:
    """Cancel ``task``, and take what it ends with so that nothing logs it as lost."""
    task.cancel()
    task.add_done_callback(_retrieve)


def _retrieve(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()
