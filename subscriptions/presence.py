"""Who is in a live session: one row per open subscription, in any server process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from models import SessionPresence
from subscriptions import channels
from subscriptions.hub import current_hub

REFRESH_SECONDS = 30
STALE_AFTER = timedelta(seconds=3 * REFRESH_SECONDS)


async def present_user_ids(session_id: int) -> list[int]:
    """Users following the session now (rows a crashed process left behind go stale)."""
    fresh = datetime.now(UTC) - STALE_AFTER
    rows = await SessionPresence.filter(session_id=session_id, seen_at__gt=fresh).values_list(
        "user_id", flat=True
    )
    return sorted(set(rows))  # type: ignore[arg-type]


async def _announce(session_id: int, user_id: int, change: str) -> None:
    await current_hub().publish(
        channels.session_presence(session_id), {"user_id": user_id, "change": change}
    )


@contextlib.asynccontextmanager
async def present(session_id: int, user_id: int) -> AsyncIterator[None]:
    """Count the user as present in the session for as long as the block runs."""
    was_present = user_id in await present_user_ids(session_id)
    row = await SessionPresence.create(
        session_id=session_id, user_id=user_id, seen_at=datetime.now(UTC)
    )
    if not was_present:
        await _announce(session_id, user_id, "joined")
    keep_fresh = asyncio.create_task(_refresh(row.id))
    try:
        yield
    finally:
        keep_fresh.cancel()
        await SessionPresence.filter(id=row.id).delete()
        if user_id not in await present_user_ids(session_id):
            await _announce(session_id, user_id, "left")


async def _refresh(row_id: int) -> None:
    while True:
        await asyncio.sleep(REFRESH_SECONDS)
        await SessionPresence.filter(id=row_id).update(seen_at=datetime.now(UTC))
