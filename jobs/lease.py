"""One process at a time: a lease on a piece of scheduled work, held while renewed.

Every server process beats, but only the holder of the ``beat`` lease does the work, so
the work runs once however many processes serve. The holder renews the lease at each
beat; if it dies, the lease lapses and the next process to beat takes it over, and
with it whatever was left undone (the jobs catch up from the database).
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from models import Lease

# This process, as a lease holder: its host, its pid, and a nonce for a pid reused.
THIS_PROCESS = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def hold(
    name: str, lasting: timedelta, holder: str = THIS_PROCESS, now: datetime | None = None
) -> bool:
    """Take or renew the lease ``name`` for ``lasting``; ``True`` if ``holder`` has it."""
    now = now or datetime.now(UTC)
    until = now + lasting
    taken = await Lease.filter(Q(holder=holder) | Q(expires_at__lte=now), name=name).update(
        holder=holder, expires_at=until
    )
    if taken:
        return True
    if await Lease.filter(name=name).exists():
        return False  # another process holds it
    try:
        await Lease.create(name=name, holder=holder, expires_at=until)
    except IntegrityError:  # another process made it first
        return False
    return True


async def release(name: str, holder: str = THIS_PROCESS) -> None:
    """Let the lease go at once (a process shutting down), so another takes it next beat."""
    await Lease.filter(name=name, holder=holder).delete()
