"""Reminders come once, on time, from however many processes, on a clock the test holds.

Every moment here is a month ahead, where the server's own beat, on the real clock,
does not reach; ``do_send_reminders(now=…)`` is the beat at the moment the test says.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from models import (
    Application,
    ApplicationStatus,
    GroupSession,
    MailKind,
    Membership,
    OutgoingMail,
    PersonalMessage,
    Role,
    SentReminder,
)
from resolvers.notices import do_set_mail_choices
from resolvers.reminders import do_send_reminders
from tests.conftest import join, make_group
from tests.workflow import WITHDRAW, apply, data, found_suitable, screen


@pytest.fixture
def later() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=30)


async def group_without_sessions(facilitator, **fields):
    """A group whose weekly sessions are not there to be recalled alongside."""
    group = await make_group(facilitator, **fields)
    await GroupSession.filter(group_id=group.id).delete()
    return group


async def applying(person, **fields) -> tuple:
    """A facilitator, an applicant, and her application to a group without sessions."""
    facilitator = await person(Role.FACILITATOR)
    member = await person()
    await Application.create(
        group=await group_without_sessions(facilitator, name="Tuesday group"),
        applicant=member.user,
        support_sought="Someone to talk to",
        **fields,
    )
    return facilitator, member


async def beat_in_two_processes(now: datetime) -> int:
    return sum(await asyncio.gather(do_send_reminders(now), do_send_reminders(now)))


async def test_an_offer_is_recalled_three_days_and_one_day_before_it_lapses(person, later):
    # Given a place offered that lapses a month ahead
    _, member = await applying(
        person, status=ApplicationStatus.PLACE_OFFERED, offer_expires_at=later
    )

    # When two processes beat before, at and after each reminder's moment
    given = [
        await beat_in_two_processes(later - timedelta(days=3, minutes=1)),
        await beat_in_two_processes(later - timedelta(days=3)),
        await beat_in_two_processes(later - timedelta(days=2)),
        await beat_in_two_processes(later - timedelta(days=1)),
        await beat_in_two_processes(later - timedelta(minutes=1)),
        await beat_in_two_processes(later),
    ]

    # Then each reminder came once, in her inbox and as an e-mail she cannot turn off
    assert given == [0, 1, 0, 1, 0, 0]
    notices = await PersonalMessage.filter(recipient_id=member.user.id).values_list(
        "subject", flat=True
    )
    assert len(notices) == 2
    assert all(notice.startswith("Your place in Tuesday group is held until") for notice in notices)
    kinds = await OutgoingMail.filter(user_id=member.user.id).values_list("kind", flat=True)
    assert kinds == [MailKind.ACTION_NEEDED, MailKind.ACTION_NEEDED]


async def test_after_downtime_only_the_nearest_reminder_goes(person, later):
    await applying(person, status=ApplicationStatus.PLACE_OFFERED, offer_expires_at=later)

    # When the service comes back twelve hours before the offer lapses
    given = [await do_send_reminders(later - timedelta(hours=12)) for _ in range(2)]

    # Then one reminder goes, the one-day one, and the three-day one never
    assert given == [1, 0]
    (sent,) = await SentReminder.all()
    assert sent.due_at == later - timedelta(days=1)


async def test_a_session_is_recalled_the_day_before_and_the_hour_before(person, later):
    # Given a group with two members, one of whom wants no reminder e-mails
    facilitator = await person(Role.FACILITATOR)
    keen, quiet = await person(), await person()
    group = await group_without_sessions(facilitator, name="Tuesday group")
    for member in (keen, quiet):
        membership = await join(group, member)
        membership.ends_at = later + timedelta(weeks=8)
        await membership.save()
    await do_set_mail_choices(quiet.user.id, reminders=False)
    session = await GroupSession.create(group=group, starts_at=later)

    # When two processes beat through the day before
    given = [
        await beat_in_two_processes(later - timedelta(hours=25)),
        await beat_in_two_processes(later - timedelta(hours=24)),
        await beat_in_two_processes(later - timedelta(hours=1)),
        await beat_in_two_processes(later),
    ]

    # Then the facilitator and both members heard twice, and only one by e-mail
    assert given == [0, 3, 3, 0]
    for person_ in (facilitator, keen, quiet):
        assert await PersonalMessage.filter(recipient_id=person_.user.id).count() == 2
    assert await OutgoingMail.filter(user_id=quiet.user.id).count() == 0
    assert await OutgoingMail.filter(user_id=keen.user.id, kind=MailKind.REMINDER).exists()

    # When the session is cancelled, nothing more is recalled
    session.status = "CANCELLED"
    await session.save()
    assert await do_send_reminders(later - timedelta(minutes=30)) == 0


async def test_the_end_of_a_term_is_recalled_two_weeks_ahead_with_the_extension(person, later):
    facilitator = await person(Role.FACILITATOR)
    member = await person()
    membership = await join(await group_without_sessions(facilitator), member)
    await Membership.filter(id=membership.id).update(ends_at=later)

    given = [
        await do_send_reminders(later - timedelta(days=15)),
        await do_send_reminders(later - timedelta(days=14)),
        await do_send_reminders(later - timedelta(days=1)),
    ]

    assert given == [0, 1, 0]
    (notice,) = await PersonalMessage.filter(recipient_id=member.user.id)
    assert "extend it once" in notice.body


async def test_a_screening_call_is_recalled_to_both_an_hour_before(person, later):
    facilitator, member = await applying(
        person, status=ApplicationStatus.CALL_SCHEDULED, call_at=later
    )

    given = [
        await beat_in_two_processes(later - timedelta(minutes=61)),
        await beat_in_two_processes(later - timedelta(minutes=60)),
        await beat_in_two_processes(later - timedelta(minutes=10)),
    ]

    assert given == [0, 2, 0]
    for someone in (facilitator, member):
        (notice,) = await PersonalMessage.filter(recipient_id=someone.user.id)
        assert "within the hour" in notice.subject


async def test_those_waiting_hear_when_they_move_up_the_list(gql, person):
    # Given a full group and two applicants waiting, Ann first
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator, name="Tuesday group", capacity=1)
    await join(group, await person())
    ann, bea = await person(), await person()
    waiting = {}
    for applicant in (ann, bea):
        waiting[applicant.id] = await apply(gql, applicant, group)
        await screen(gql, facilitator, waiting[applicant.id])
        await found_suitable(gql, facilitator, waiting[applicant.id])

    # When Ann withdraws
    data(await gql(WITHDRAW, {"id": waiting[ann.id]}, token=ann.token), "withdrawApplication")

    # Then Bea is told she is now first
    (moved,) = await PersonalMessage.filter(
        recipient_id=bea.user.id, subject__startswith="You have moved up"
    )
    assert "number 1" in moved.body
    assert not await PersonalMessage.filter(
        recipient_id=ann.user.id, subject__startswith="You have moved up"
    ).exists()


async def test_a_beat_gives_a_bounded_number_and_the_next_beats_the_rest(
    person, later, monkeypatch
):
    # Given three applicants whose offers all lapse a day from the beat, and a bound of two
    monkeypatch.setattr("resolvers.reminders.MOST_PER_BEAT", 2)
    for _ in range(3):
        await applying(person, status=ApplicationStatus.PLACE_OFFERED, offer_expires_at=later)
    now = later - timedelta(hours=12)

    # When the beat comes twice
    given = [await do_send_reminders(now), await do_send_reminders(now + timedelta(minutes=1))]

    # Then two go on the first, the last on the next, and each once
    assert given == [2, 1]
    assert await SentReminder.all().count() == 3
