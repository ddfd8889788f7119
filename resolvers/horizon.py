"""When an answer could change by time alone, with nothing written.

Most of what Haven answers changes only when something is written, and every write
moves the data version (``models.versions``). A few rules compare stored times with
the clock instead; each such rule's moments are listed here, so that an answer kept
from before one of them is never given after it:

- a membership counts from ``starts_at`` until ``ends_at`` (``current_memberships``);
- an offer holds a place until ``offer_expires_at`` (``open_offers``);
- the sessions listed are those still to come: each start moves a group's list
  (``ensure_upcoming``), and a session may be started from ``START_EARLY`` before;
- a group's ``nextMeetingAt`` moves on at each weekly meeting (``next_meeting``).

A new rule that reads the clock adds its moments to ``next_change_after``.
"""

from __future__ import annotations

from datetime import datetime, time

from tortoise.functions import Min

from models import Application, ApplicationStatus, Group, GroupSession, Membership
from resolvers.groups import next_meeting
from resolvers.sessions import START_EARLY


def _earliest(moments: list[datetime | None]) -> datetime | None:
    known = [moment for moment in moments if moment is not None]
    return min(known) if known else None


async def _first_after(rows: object, field: str, now: datetime) -> datetime | None:
    found = (
        await rows.filter(**{f"{field}__gt": now})
        .annotate(m=Min(field))
        .values_list(  # type: ignore[attr-defined]
            "m", flat=True
        )
    )
    return found[0] if found else None


async def next_change_after(now: datetime) -> datetime | None:
    """The first moment after ``now`` at which time alone changes some answer."""
    open_memberships = Membership.filter(ended_at=None)
    offers = Application.filter(status=ApplicationStatus.PLACE_OFFERED)
    schedules = (
        await Group.all()
        .order_by("weekday", "start_minute")
        .distinct()
        .values_list("weekday", "start_minute")
    )
    session_starts = GroupSession.all()
    moments = [
        await _first_after(open_memberships, "starts_at", now),
        await _first_after(open_memberships, "ends_at", now),
        await _first_after(offers, "offer_expires_at", now),
        await _first_after(session_starts, "starts_at", now),
        await _first_after(session_starts, "starts_at", now + START_EARLY),
    ]
    if moments[-1] is not None:
        moments[-1] -= START_EARLY
    moments += [
        next_meeting(weekday, time(minute // 60, minute % 60), now) for weekday, minute in schedules
    ]
    return _earliest(moments)
