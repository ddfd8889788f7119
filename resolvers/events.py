"""Domain events for integrations: what happened, to which ids, when. Never any content.

An event is a row written in the transaction of the change it tells of, so it exists if
and only if the change committed. After commit a relay numbers it (``position``, in the
order events became visible) and publishes it; a relay that dies between the two leaves
the event in the table, where every stream finds it (``resolvers.live.follow_events``).
Events are kept ``EVENTS_KEPT_DAYS`` (30 by default) for integrations to catch up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from tortoise.expressions import F

from errors import BadUserInput, Conflict
from models import DomainEvent, EventCounter
from subscriptions import channels
from subscriptions.hub import Hub, Overflow
from subscriptions.outbox import after_commit, transaction

logger = logging.getLogger("haven.events")
BATCH = 500
POLL_SECONDS = 1.0


class EventType(StrEnum):
    APPLICATION_SUBMITTED = "APPLICATION_SUBMITTED"
    APPLICATION_STATUS_CHANGED = "APPLICATION_STATUS_CHANGED"
    MEMBERSHIP_STARTED = "MEMBERSHIP_STARTED"
    MEMBERSHIP_ENDED = "MEMBERSHIP_ENDED"
    SESSION_STARTED = "SESSION_STARTED"
    SESSION_ENDED = "SESSION_ENDED"
    TRANSCRIPT_KEPT = "TRANSCRIPT_KEPT"
    BREACH_REPORTED = "BREACH_REPORTED"
    CONCERN_RAISED = "CONCERN_RAISED"


async def record_event(
    event_type: EventType,
    *,
    group_id: int | None = None,
    application_id: int | None = None,
    session_id: int | None = None,
) -> None:
    """Write the event in the current transaction; the relay is woken once it commits.

    The row is built here and only here, from a type and ids: nothing a person wrote
    can reach an integration.
    """
    await DomainEvent.create(
        type=event_type.value,
        group_id=group_id,
        application_id=application_id,
        session_id=session_id,
        occurred_at=datetime.now(UTC),
    )
    after_commit(channels.events_recorded(), {})


def payload(event: DomainEvent) -> dict[str, Any]:
    return {
        "position": event.position,
        "type": event.type,
        "group_id": event.group_id,
        "application_id": event.application_id,
        "session_id": event.session_id,
        "occurred_at": event.occurred_at.isoformat(),
    }


async def do_number_events() -> int:
    """Number the committed events not yet numbered, in the order written, and publish
    them once that commits. The counter row is written first, so one relay at a time
    numbers (a row lock on PostgreSQL, the write lock on SQLite)."""
    if not await DomainEvent.filter(position=None).exists():
        return 0  # nothing waiting: no need to take the counter's lock
    async with transaction():
        await EventCounter.filter(id=1).update(last_position=F("last_position"))
        waiting = await DomainEvent.filter(position=None).order_by("id").limit(BATCH)
        if not waiting:
            return 0
        counter = await EventCounter.get(id=1)
        for event in waiting:
            counter.last_position += 1
            event.position = counter.last_position
            await event.save(update_fields=["position"])
            after_commit(channels.events(), payload(event))
        await counter.save(update_fields=["last_position"])
    return len(waiting)


async def relay_events_forever(hub: Hub, every: float = POLL_SECONDS) -> None:
    """Number and publish events as they come: woken by a commit anywhere that recorded
    one, and every ``every`` seconds regardless, for those a crash left behind."""
    while True:
        with contextlib.suppress(Overflow):  # woken more often than it could count
            async with hub.listen(channels.events_recorded()) as recorded:
                while True:
                    try:
                        while await do_number_events() == BATCH:
                            pass
                    except Exception:  # another relay numbering, or the database away
                        logger.warning("numbering events failed: tried again shortly")
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(recorded.get(), every)


async def last_position() -> int:
    counter = await EventCounter.get(id=1)
    return counter.last_position


async def events_after(position: int, limit: int = BATCH) -> list[dict[str, Any]]:
    """Numbered events after ``position``, in order."""
    found = await DomainEvent.filter(position__gt=position).order_by("position").limit(limit)
    return [payload(event) for event in found]


async def check_still_kept(after: int) -> None:
    """Refuse to replay from a position older than what is kept: the stream would
    silently skip the events forgotten since."""
    newest = await last_position()
    if after > newest:
        raise BadUserInput("No event has that id yet.")
    oldest = await DomainEvent.filter(position__not_isnull=True).order_by("position").first()
    forgotten = oldest.position - 1 if oldest is not None else newest
    if after < forgotten:
        raise Conflict(
            "Events up to that one are no longer kept: subscribe without `after` to follow "
            "from now."
        )


async def do_forget_old_events(days: int, now: datetime | None = None) -> int:
    """Events older than ``days``: integrations have had their time to catch up."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    old = DomainEvent.filter(occurred_at__lt=cutoff, position__not_isnull=True)
    through = await old.order_by("-position").first()
    if through is None:
        return 0
    # A prefix of positions, never a hole: an event numbered late may be older than one
    # numbered before it.
    return await DomainEvent.filter(position__lte=through.position).delete()
