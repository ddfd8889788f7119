"""Who is in a live session: one row per open subscription, in any server process."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from models import SessionPresence
from subscriptions import channels
from subscriptions.hub import current_hub

logger = logging.getLogger("haven.presence")

REFRESH_SECONDS = 10
REFRESH_BATCH = 500  # row ids per UPDATE, well under any database's limit on parameters
STALE_AFTER = timedelta(seconds=3 * REFRESH_SECONDS)  # a process this silent has died


async def present_user_ids(session_id: int) -> list[int]:
    """Users following the session now (rows a crashed process left behind go stale)."""
    fresh = datetime.now(UTC) - STALE_AFTER
    rows = await SessionPresence.filter(session_id=session_id, seen_at__gt=fresh).values_list(
        "user_id", flat=True
    )
    return sorted(set(rows))  # type: ignore[arg-type]


async def do_sweep_stale(now: datetime | None = None) -> int:
    """Remove the rows a dead process left behind, and tell each session who left.

    Every process sweeps on its beat; a row is swept by the one whose delete took it,
    so a departure is announced once. How many rows this process swept.
    """
    before = (now or datetime.now(UTC)) - STALE_AFTER
    stale = await SessionPresence.filter(seen_at__lte=before).values_list(
        "id", "session_id", "user_id"
    )
    swept, gone = 0, {}  # gone: session -> the users whose rows this process swept
    for row_id, session_id, user_id in stale:
        if await SessionPresence.filter(id=row_id).delete():  # 0: another process swept it
            swept += 1
            gone.setdefault(session_id, set()).add(user_id)
    for session_id, users in gone.items():
        still = set(await present_user_ids(session_id))  # once a session, not once a row
        for user_id in sorted(users - still):
            await _announce(session_id, user_id, "left")
    return swept


async def _announce(session_id: int, user_id: int, change: str) -> None:
    await current_hub().publish(
        channels.session_presence(session_id), {"user_id": user_id, "change": change}
    )


class Presence:
    """Count the user as present in the session for as long as the block runs.

    A class rather than a generator: a socket holds one for hours, and each byte it
    keeps is kept a thousand times over.
    """

    __slots__ = ("row_id", "session_id", "user_id")

    def __init__(self, session_id: int, user_id: int) -> None:
        self.session_id = session_id
        self.user_id = user_id
        self.row_id: int | None = None

    async def __aenter__(self) -> None:
        was_present = self.user_id in await present_user_ids(self.session_id)
        row = await SessionPresence.create(
            session_id=self.session_id, user_id=self.user_id, seen_at=datetime.now(UTC)
        )
        self.row_id = row.id
        held.add(row.id)
        if not was_present:
            await _announce(self.session_id, self.user_id, "joined")

    async def __aexit__(self, *exc_info: object) -> None:
        if self.row_id is None:
            return
        held.discard(self.row_id)
        await SessionPresence.filter(id=self.row_id).delete()
        if self.user_id not in await present_user_ids(self.session_id):
            await _announce(self.session_id, self.user_id, "left")


class HeldRows:
    """The presence rows this process holds, kept fresh by one task however many.

    The task runs while there is a row to keep fresh and stops with the last one.
    """

    def __init__(self) -> None:
        self.rows: set[int] = set()
        self.task: asyncio.Task[None] | None = None

    def add(self, row_id: int) -> None:
        self.rows.add(row_id)
        loop = asyncio.get_running_loop()
        if self.task is None or self.task.get_loop() is not loop:
            self.task = loop.create_task(self._keep_fresh())

    def discard(self, row_id: int) -> None:
        self.rows.discard(row_id)
        if not self.rows and self.task is not None:
            self.task.cancel()
            self.task = None

    async def refresh(self) -> None:
        """Mark every row held as seen now."""
        rows, now = sorted(self.rows), datetime.now(UTC)
        for start in range(0, len(rows), REFRESH_BATCH):
            batch = rows[start : start + REFRESH_BATCH]
            await SessionPresence.filter(id__in=batch).update(seen_at=now)

    async def _keep_fresh(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            try:
                await self.refresh()
            except Exception:  # the next round tries again, long before the rows go stale
                logger.exception("refreshing presence rows failed")


held = HeldRows()
