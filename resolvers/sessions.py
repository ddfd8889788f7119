"""Weekly sessions: the schedule, starting and ending, and what is said while live.

A message is stored and committed, then published: subscribers learn of nothing
the database does not hold, and a subscriber that missed some catches up from it.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError

from auth.access import EVERYTHING, Room, current_memberships, may_take_part_now
from auth.sealed import seal_text
from errors import BadUserInput, Conflict, Forbidden, NotFound
from models import (
    GROUP_TIMEZONE,
    Group,
    GroupSession,
    SessionMessage,
    SessionStatus,
    User,
)
from resolvers.audit import audit
from resolvers.events import EventType, record_event
from resolvers.inbox import notify
from resolvers.steps import london
from resolvers.text import NOTE, check_has_offset, check_text
from resolvers.writes import check_client_write, write_once
from subscriptions import channels
from subscriptions.outbox import after_commit, transaction

LONDON = ZoneInfo(GROUP_TIMEZONE)
UPCOMING = 4
START_EARLY = timedelta(hours=24)


def weekly_starts(weekday: int, start_minute: int, now: datetime, count: int) -> list[datetime]:
    """The next ``count`` starts of a weekly meeting after ``now``, in UTC.

    Each is the group's wall-clock time in London on its day, so the UTC time moves
    by an hour across the clock changes while the meeting stays at, say, 19:00.
    """
    today = now.astimezone(LONDON).date()
    first = today + timedelta(days=(weekday - today.weekday()) % 7)
    starts = []
    day: date = first
    while len(starts) < count:
        local = datetime(
            day.year, day.month, day.day, start_minute // 60, start_minute % 60, tzinfo=LONDON
        )
        if local > now:
            starts.append(local.astimezone(UTC))
        day += timedelta(days=7)
    return starts


async def ensure_upcoming(groups: list[Group], now: datetime | None = None) -> int:
    """Make sure each group has rows for its next weekly sessions (kept, if cancelled).

    Written when a group is made or rescheduled, and by the server's beat as meetings
    pass (``app.keep_places_settled``), never on a read. Returns how many were made.
    """
    now = now or datetime.now(UTC)
    wanted = {
        group.id: (group, weekly_starts(group.weekday, group.start_minute, now, UPCOMING))
        for group in groups
    }
    if not wanted:
        return 0
    existing = {
        (group_id, moment.astimezone(UTC))
        for group_id, moment in await GroupSession.filter(
            group_id__in=list(wanted), starts_at__gt=now
        ).values_list("group_id", "starts_at")
    }
    made = 0
    for group_id, (group, starts) in wanted.items():
        for start in starts:
            if (group_id, start) in existing:
                continue
            with contextlib.suppress(IntegrityError):  # another process made it just now
                await GroupSession.create(
                    group_id=group_id, starts_at=start, duration_minutes=group.duration_minutes
                )
                made += 1
    return made


async def drop_unheld_weekly_sessions(group_id: int, now: datetime | None = None) -> None:
    """After a schedule change: forget the generated sessions still to come."""
    await GroupSession.filter(
        group_id=group_id,
        one_off=False,
        status=SessionStatus.SCHEDULED,
        starts_at__gt=now or datetime.now(UTC),
    ).delete()


async def next_session(group_id: int) -> GroupSession | None:
    """The group's next session still to be held."""
    return (
        await GroupSession.filter(
            group_id=group_id, status=SessionStatus.SCHEDULED, starts_at__gt=datetime.now(UTC)
        )
        .order_by("starts_at")
        .first()
    )


async def get_session(session_id: int) -> GroupSession:
    session = await GroupSession.filter(id=session_id).first()
    if session is None:
        raise NotFound("No such session.")
    return session


async def session_for_change(
    session_id: int, allowed: set[SessionStatus], doing: str
) -> GroupSession:
    # FOR NO KEY UPDATE: messages and concerns that refer to the session can still be written.
    session = await GroupSession.filter(id=session_id).select_for_update(no_key=True).first()
    if session is None:
        raise NotFound("No such session.")
    if session.status not in allowed:
        raise Conflict(f"This session is {session.status.value.lower()}: it cannot be {doing}.")
    return session


async def do_add_session(actor_id: int, group_id: int, starts_at: datetime) -> GroupSession:
    check_has_offset(starts_at, "the session's time")
    if starts_at <= datetime.now(UTC):
        raise BadUserInput("A session is added for a time still to come.")
    group = await Group.filter(id=group_id).first()
    if group is None:
        raise NotFound("No such group.")
    try:
        async with transaction():
            session = await GroupSession.create(
                group=group,
                starts_at=starts_at.astimezone(UTC),
                duration_minutes=group.duration_minutes,
                one_off=True,
            )
            await audit(actor_id, "SESSION_ADDED", "GroupSession", session.id, group_id)
            await tell_members(
                group,
                f"{group.name}: a session added",
                f"The group will also meet on {london(session.starts_at)} (UK time).",
            )
    except IntegrityError as error:
        raise Conflict("The group already has a session at that time.") from error
    return session


async def do_cancel_session(actor_id: int, session_id: int) -> GroupSession:
    async with transaction():
        session = await session_for_change(session_id, {SessionStatus.SCHEDULED}, "cancelled")
        session.status = SessionStatus.CANCELLED
        await session.save(update_fields=["status"])
        group = await Group.get(id=session.group_id)
        await tell_members(
            group,
            f"{group.name}: session cancelled",
            f"The session on {london(session.starts_at)} (UK time) will not take place.",
        )
    return session


async def tell_members(group: Group, subject: str, body: str) -> None:
    """A notice to each current member of ``group``, in the caller's transaction."""
    members = (
        await current_memberships().filter(group_id=group.id).values_list("user_id", flat=True)
    )
    for user_id in sorted(members):  # type: ignore[type-var]
        await notify(user_id, subject, body)  # type: ignore[arg-type]


async def do_start_session(actor_id: int, session_id: int) -> GroupSession:
    now = datetime.now(UTC)
    async with transaction():
        session = await session_for_change(session_id, {SessionStatus.SCHEDULED}, "started")
        if session.starts_at - now > START_EARLY:
            raise Conflict(f"This session is on {london(session.starts_at)}: start it on the day.")
        if await GroupSession.filter(group_id=session.group_id, status=SessionStatus.LIVE).exists():
            raise Conflict("Another session of this group is live: end it first.")
        session.status = SessionStatus.LIVE
        session.started_at = now
        await session.save(update_fields=["status", "started_at"])
        after_commit(channels.session_messages(session.id), {"type": "started"})
        await record_event(
            EventType.SESSION_STARTED, group_id=session.group_id, session_id=session.id
        )
    return session


async def do_end_session(
    actor_id: int | None, session_id: int, now: datetime | None = None
) -> GroupSession:
    async with transaction():
        session = await session_for_change(session_id, {SessionStatus.LIVE}, "ended")
        session.status = SessionStatus.ENDED
        session.ended_at = now or datetime.now(UTC)
        await session.save(update_fields=["status", "ended_at"])
        await audit(actor_id, "TRANSCRIPT_KEPT", "GroupSession", session.id, session.group_id)
        for kind in (EventType.SESSION_ENDED, EventType.TRANSCRIPT_KEPT):
            await record_event(kind, group_id=session.group_id, session_id=session.id)
        after_commit(
            channels.session_messages(session.id),
            {"type": "ended", "last_sequence": session.last_sequence},
        )
    return session


async def do_end_forgotten_sessions(longest: timedelta, now: datetime | None = None) -> int:
    """End each live session still open ``longest`` after it started, as ``endSession``
    would (its transcript kept), and tell its facilitator; how many this call ended.

    A facilitator who forgets to end a session would otherwise leave it open for good,
    and the group's next one could not start. Every process runs this on its beat; a
    session is ended by the one whose transaction found it still live, so once.
    """
    now = now or datetime.now(UTC)
    overdue = await GroupSession.filter(
        status=SessionStatus.LIVE, started_at__lte=now - longest
    ).values_list("id", flat=True)
    ended = 0
    for session_id in overdue:
        try:
            async with transaction():
                session = await do_end_session(None, session_id, now)
                group = await Group.get(id=session.group_id)
                await notify(
                    group.facilitator_id,
                    "A session was ended for you",
                    f"The session of {group.name} that started {london(session.started_at)} "
                    f"was still open {longest.total_seconds() / 60:.0f} minutes later, so it "
                    "was ended. Its transcript is kept; the next session can start.",
                )
        except Conflict:  # ended meanwhile, by hand or by another process
            continue
        ended += 1
    return ended


def check_message(body: str) -> str:
    return check_text(body, "something in your message", longest=NOTE)


def message_payload(message: SessionMessage, author: User) -> dict[str, Any]:
    """What subscribers receive: enough to show the message without asking the database."""
    return {
        "type": "message",
        "id": message.id,
        "sequence": message.sequence,
        "body": message.body,
        "redacted": message.redacted_at is not None,
        "sent_at": message.sent_at.isoformat(),
        "author_id": author.id,
        "author_name": author.public_name,
        "author_role": author.role.value,
    }


async def do_post_message(
    author: User, session_id: int, body: str, client_id: str | None = None
) -> SessionMessage:
    """Store the next message of a live session, then publish it; sent again under the
    same ``client_id``, the message stored the first time.

    The author's membership is checked again inside the transaction that writes: a member
    removed a moment ago has nothing stored in her name after her removal.
    """
    body = check_message(body)
    key = check_client_write(author.id, client_id, "SESSION_MESSAGE", session_id, body)
    return await write_once(key, SessionMessage, lambda: _post_message(author, session_id, body))


async def _post_message(author: User, session_id: int, body: str) -> SessionMessage:
    async with transaction():
        session = await session_for_change(session_id, {SessionStatus.LIVE}, "written in")
        if not await may_take_part_now(author.id, session.group_id):
            raise Forbidden("You no longer take part in this group.")
        session.last_sequence += 1
        await session.save(update_fields=["last_sequence"])
        message = await SessionMessage.create(
            session=session, author=author, sequence=session.last_sequence, body=body
        )
        after_commit(channels.session_messages(session.id), message_payload(message, author))
    return message


async def do_redact_message(
    actor_id: int, keys: tuple[str, ...], message_id: int, reason: str
) -> SessionMessage:
    """Withdraw a message from every reader and stream at once; keep the original sealed.

    The words are gone from the transcript, the live session and the research export,
    but not destroyed: the audit may need them, so they are kept encrypted.
    """
    reason = check_text(reason, "why the message is redacted", longest=NOTE)
    async with transaction():
        message = await SessionMessage.filter(id=message_id).select_for_update().first()
        if message is None:
            raise NotFound("No such message.")
        if message.redacted_at is not None:
            raise Conflict("This message is already redacted.")
        session = await GroupSession.get(id=message.session_id)
        message.sealed_body = seal_text(keys, message.body)
        message.body = ""
        message.redacted_at = datetime.now(UTC)
        message.redacted_by_id = actor_id  # type: ignore[attr-defined]
        await message.save(update_fields=["sealed_body", "body", "redacted_at", "redacted_by_id"])
        await audit(
            actor_id,
            "SESSION_MESSAGE_REDACTED",
            "SessionMessage",
            message.id,
            session.group_id,
            reason,
        )
        author = await User.get(id=message.author_id)
        after_commit(
            channels.session_messages(session.id),
            {**message_payload(message, author), "type": "redacted"},
        )
    return message


async def messages_after(
    session_id: int, sequence: int, until: int | None = None, room: Room = EVERYTHING
) -> list[dict[str, Any]]:
    """Messages after ``sequence`` (up to ``until``) that ``room`` shows, as subscribers
    receive them."""
    messages = SessionMessage.filter(
        room.said_within("sent_at"), session_id=session_id, sequence__gt=sequence
    )
    if until is not None:
        messages = messages.filter(sequence__lte=until)
    rows = await messages.order_by("sequence").select_related("author")
    return [message_payload(m, m.author) for m in rows]


async def missed_since(session_id: int, sequence: int, room: Room) -> list[dict[str, Any]]:
    """What a client that saw up to ``sequence`` may have missed: the redactions of what
    it holds, then the messages after it, all as ``room`` shows them."""
    return await redactions_up_to(session_id, sequence, room) + await messages_after(
        session_id, sequence, room=room
    )


async def redactions_up_to(session_id: int, sequence: int, room: Room) -> list[dict[str, Any]]:
    """The redacted messages up to ``sequence`` that ``room`` shows, as the stream sends a
    redaction: for a client that may have missed one while away."""
    if sequence <= 0:
        return []
    rows = await (
        SessionMessage.filter(
            room.said_within("sent_at"),
            session_id=session_id,
            sequence__lte=sequence,
            redacted_at__isnull=False,
        )
        .order_by("sequence")
        .select_related("author")
    )
    return [{**message_payload(m, m.author), "type": "redacted"} for m in rows]


async def sessions_of(group_ids: list[int]) -> dict[int, list[GroupSession]]:
    """Each group's sessions: those held, and the next four (``ensure_upcoming``)."""
    by_group: dict[int, list[GroupSession]] = {group_id: [] for group_id in group_ids}
    for session in await GroupSession.filter(group_id__in=list(by_group)).order_by("starts_at"):
        by_group[session.group_id].append(session)
    return by_group
