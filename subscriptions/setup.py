"""Subscriptions set up a few at a time.

When a thousand clients subscribe at once (a restart, a hospital's Wi-Fi back after a
drop), every subscription's setup would start at once: parsing, its guard, its first
database reads. All but a few then wait for the database holding half-built queries
and rows, about 15 KiB each at the peak, and the process keeps what it peaked at: freed
into a fragmented heap, the memory is not given back. So an operation on a socket holds
one of ``AT_ONCE`` slots from its ``subscribe`` message until its stream first waits on
a ``Listener`` (it is set up: ``set_up``), or it ends; the next one starts then. A stream
that has not got that far within ``LONGEST_SECONDS`` (a client that stopped reading its
backlog) gives its slot up anyway, so no few clients can hold the door shut.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar

AT_ONCE = 16
LONGEST_SECONDS = 5.0

_current: ContextVar[Slot | None] = ContextVar("setup_slot", default=None)


class Gate:
    """One process's slots for setting subscriptions up."""

    def __init__(self, at_once: int = AT_ONCE, longest_seconds: float = LONGEST_SECONDS) -> None:
        self.slots = asyncio.Semaphore(at_once)
        self.longest_seconds = longest_seconds

    async def enter(self) -> Slot:
        """Wait for a slot; it is this task's until released or ``set_up`` is called."""
        await self.slots.acquire()
        slot = Slot(self.slots, self.longest_seconds)
        _current.set(slot)
        return slot


class Slot:
    __slots__ = ("semaphore", "timer")

    def __init__(self, semaphore: asyncio.Semaphore, longest_seconds: float) -> None:
        self.semaphore: asyncio.Semaphore | None = semaphore
        self.timer = asyncio.get_running_loop().call_later(longest_seconds, self.release)

    def release(self) -> None:
        """Give the slot to the next; once only, however often asked."""
        if self.semaphore is not None:
            self.timer.cancel()
            self.semaphore.release()
            self.semaphore = None


def set_up() -> None:
    """The current task's subscription is set up: its slot goes to the next."""
    slot = _current.get()
    if slot is not None:
        slot.release()
        _current.set(None)
