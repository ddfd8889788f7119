"""Reminders ahead of what must not be missed: an offer lapsing, a screening call, a
session, the end of a term.

``do_send_reminders`` runs on every process's beat. A reminder is due from a set time
before its moment until the moment itself, so one missed while the service was down
still goes when it is back, if it can still help; when several of one kind have come
due meanwhile (three days and one day before), only the nearest goes. Each goes once,
to each person, across processes: the ``SentReminder`` row written in the reminder's
own transaction is unique (``models.reminders``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError

from auth.access import current_memberships
from models import (
    Application,
    ApplicationStatus,
    Group,
    GroupSession,
    MailKind,
    Membership,
    SentReminder,
    SessionStatus,
)
from resolvers.inbox import notify
from resolvers.steps import london
from subscriptions.outbox import transaction

OFFER_LEADS = (timedelta(days=3), timedelta(days=1))
CALL_LEADS = (timedelta(hours=1),)
SESSION_LEADS = (timedelta(hours=24), timedelta(hours=1))
TERM_LEADS = (timedelta(weeks=2),)
KEEP_SENT = timedelta(days=60)
# A beat gives at most this many, pausing between them: a thousand people reminded at
# once must not hold the embedded SQLite's one writer away from a live session's posts
# (another process waits for it). The rest are still due, and go on the next beats.
MOST_PER_BEAT = 100
PAUSE_SECONDS = 0.01


@dataclass(frozen=True)
class Due:
    """One reminder to give: to whom, about what, for which moment, and in what words."""

    kind: str
    subject_id: int
    recipient_id: int
    moment: datetime
    leads: Sequence[timedelta]
    subject: str
    body: str
    email: MailKind


def nearest_due(moment: datetime, leads: Sequence[timedelta], now: datetime) -> datetime | None:
    """When the nearest reminder now due was due, or ``None`` before the first or after
    the moment."""
    if not now < moment:
        return None
    due = [moment - lead for lead in leads if moment - lead <= now]
    return max(due) if due else None


async def give(reminder: Due, now: datetime) -> bool:
    """Give one reminder unless it was given; ``True`` if this call gave it."""
    due_at = nearest_due(reminder.moment, reminder.leads, now)
    if due_at is None:
        return False
    key = {
        "kind": reminder.kind,
        "subject_id": reminder.subject_id,
        "recipient_id": reminder.recipient_id,
        "due_at": due_at,
    }
    if await SentReminder.filter(**key).exists():
        return False
    try:
        async with transaction():
            await SentReminder.create(**key, sent_at=now)
            await notify(
                reminder.recipient_id, reminder.subject, reminder.body, email=reminder.email
            )
    except IntegrityError:  # another process gave it first
        return False
    return True


def _within(leads: Sequence[timedelta], now: datetime) -> tuple[datetime, datetime]:
    return now, now + max(leads)


async def offers_lapsing(now: datetime) -> list[Due]:
    after, before = _within(OFFER_LEADS, now)
    offers = await Application.filter(
        status=ApplicationStatus.PLACE_OFFERED,
        offer_expires_at__gt=after,
        offer_expires_at__lte=before,
    )
    groups = await _groups({offer.group_id for offer in offers})
    return [
        Due(
            "OFFER_LAPSING",
            offer.id,
            offer.applicant_id,
            offer.offer_expires_at,
            OFFER_LEADS,
            f"Your place in {groups[offer.group_id].name} is held until "
            f"{london(offer.offer_expires_at)}",
            "Accept the place before then to keep it; after that it goes to the next person "
            "waiting. If you do not want it, you can say so, and it goes on at once.",
            MailKind.ACTION_NEEDED,
        )
        for offer in offers
        if offer.offer_expires_at is not None
    ]


async def calls_coming(now: datetime) -> list[Due]:
    after, before = _within(CALL_LEADS, now)
    calls = await Application.filter(
        status=ApplicationStatus.CALL_SCHEDULED, call_at__gt=after, call_at__lte=before
    )
    groups = await _groups({call.group_id for call in calls})
    reminders = []
    for call in calls:
        assert call.call_at is not None
        when = london(call.call_at)
        group = groups[call.group_id]
        told = (
            (
                call.applicant_id,
                "Your telephone chat is within the hour",
                f"Your facilitator will telephone you on {when} (UK time).",
            ),
            (
                group.facilitator_id,
                f"A screening call for {group.name} is within the hour",
                f"You arranged to telephone an applicant on {when} (UK time).",
            ),
        )
        reminders += [
            Due("CALL", call.id, person, call.call_at, CALL_LEADS, subject, body, MailKind.REMINDER)
            for person, subject, body in told
        ]
    return reminders


async def sessions_coming(now: datetime) -> list[Due]:
    after, before = _within(SESSION_LEADS, now)
    sessions = await GroupSession.filter(
        status=SessionStatus.SCHEDULED, starts_at__gt=after, starts_at__lte=before
    )
    groups = await _groups({session.group_id for session in sessions})
    reminders = []
    for session in sessions:
        group = groups[session.group_id]
        members = (
            await current_memberships(now)
            .filter(group_id=group.id)
            .values_list("user_id", flat=True)
        )
        for person in sorted({group.facilitator_id, *members}):  # type: ignore[arg-type]
            reminders.append(
                Due(
                    "SESSION",
                    session.id,
                    person,
                    session.starts_at,
                    SESSION_LEADS,
                    f"{group.name} meets on {london(session.starts_at)}",
                    f"The session starts on {london(session.starts_at)} (UK time) and lasts "
                    f"about {session.duration_minutes} minutes. Join it from the app.",
                    MailKind.REMINDER,
                )
            )
    return reminders


async def terms_ending(now: datetime) -> list[Due]:
    after, before = _within(TERM_LEADS, now)
    memberships = await Membership.filter(ended_at=None, ends_at__gt=after, ends_at__lte=before)
    groups = await _groups({membership.group_id for membership in memberships})
    return [
        Due(
            "TERM_ENDING",
            membership.id,
            membership.user_id,
            membership.ends_at,
            TERM_LEADS,
            f"Your time in {groups[membership.group_id].name} ends on {london(membership.ends_at)}",
            (
                "Your place ends then. If you would like twelve more weeks, you can extend it "
                "once, from your membership, before it ends."
                if not membership.extended
                else "Your place ends then, after its one extension. The transcripts of the "
                "sessions you took part in stay available to you."
            ),
            MailKind.REMINDER,
        )
        for membership in memberships
    ]


async def _groups(ids: Iterable[int]) -> dict[int, Group]:
    return {group.id: group for group in await Group.filter(id__in=list(ids))}


KINDS: tuple[Callable[[datetime], Awaitable[list[Due]]], ...] = (
    offers_lapsing,
    calls_coming,
    sessions_coming,
    terms_ending,
)


async def do_send_reminders(now: datetime | None = None) -> int:
    """Give the reminders now due and not yet given, up to ``MOST_PER_BEAT``; how many
    this call gave."""
    now = now or datetime.now(UTC)
    given = 0
    for reminders_of in KINDS:
        for reminder in await reminders_of(now):
            if given >= MOST_PER_BEAT:
                return given
            if await give(reminder, now):
                given += 1
                await asyncio.sleep(PAUSE_SECONDS)
    return given


async def do_forget_old_reminders(now: datetime | None = None) -> int:
    """Reminders long past need no remembering: their moments will not come again."""
    return await SentReminder.filter(sent_at__lt=(now or datetime.now(UTC)) - KEEP_SENT).delete()
