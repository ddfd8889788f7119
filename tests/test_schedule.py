"""The weekly schedule: sessions generated in London time, one-offs and cancellations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from models import GroupSession, Need, PersonalMessage, Role, SessionStatus
from resolvers.sessions import ensure_upcoming, weekly_starts
from tests.conftest import join, make_group
from tests.workflow import code, data

SESSIONS = "query ($id: ID!) { group(id: $id) { sessions { id status startsAt oneOff } } }"


def test_a_weekly_meeting_keeps_london_time_across_the_clock_change():
    # British Summer Time starts on Sunday 28 March 2027.
    before = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)

    starts = weekly_starts(weekday=6, start_minute=19 * 60, now=before, count=3)

    assert starts == [
        datetime(2027, 3, 21, 19, 0, tzinfo=UTC),  # GMT
        datetime(2027, 3, 28, 18, 0, tzinfo=UTC),  # BST: 19:00 in London
        datetime(2027, 4, 4, 18, 0, tzinfo=UTC),
    ]


def test_todays_meeting_counts_until_it_starts():
    tuesday_morning = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    starts = weekly_starts(weekday=1, start_minute=19 * 60, now=tuesday_morning, count=1)

    assert starts == [datetime(2026, 12, 1, 19, 0, tzinfo=UTC)]


async def test_a_group_lists_its_next_four_sessions(gql, person):
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator)

    sessions = data(await gql(SESSIONS, {"id": str(group.id)}, token=facilitator.token), "group")[
        "sessions"
    ]
    again = data(await gql(SESSIONS, {"id": str(group.id)}, token=facilitator.token), "group")[
        "sessions"
    ]

    assert len(sessions) == 4
    assert sessions == again  # generated once, not on every read
    starts = [datetime.fromisoformat(s["startsAt"]) for s in sessions]
    assert all(
        b - a in (timedelta(days=7), timedelta(days=7, hours=1), timedelta(days=6, hours=23))
        for a, b in pairwise(starts)
    )
    assert await GroupSession.filter(group_id=group.id).count() == 4


async def test_reading_a_group_writes_nothing(gql, person):
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator)
    await GroupSession.filter(group_id=group.id).delete()

    sessions = data(await gql(SESSIONS, {"id": str(group.id)}, token=facilitator.token), "group")

    assert sessions["sessions"] == []
    assert await GroupSession.filter(group_id=group.id).count() == 0


async def test_as_a_meeting_passes_the_beat_adds_the_one_four_weeks_on(person):
    group = await make_group(await person(Role.FACILITATOR))
    first = await GroupSession.filter(group_id=group.id).order_by("starts_at").first()
    just_after = first.starts_at + timedelta(minutes=1)

    made = await ensure_upcoming([group], now=just_after)
    again = await ensure_upcoming([group], now=just_after)

    starts = (
        await GroupSession.filter(group_id=group.id, starts_at__gt=just_after)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
    )
    assert (made, again) == (1, 0)
    assert len(starts) == 4
    assert starts[-1] - first.starts_at in (
        timedelta(weeks=4),
        timedelta(weeks=4, hours=1),
        timedelta(weeks=4, hours=-1),
    )


async def test_a_new_group_has_its_next_four_sessions_at_once(gql, person):
    manager = await person(Role.ONLINE_MANAGER)
    facilitator = await person(Role.FACILITATOR)
    await Need.create(name="Living with cancer", description="")
    made = await gql(
        """mutation ($f: ID!) { createGroup(input: {name: "Friday group",
          need: "Living with cancer", facilitatorId: $f, weekday: FRIDAY, startTime: "18:30"})
          { id } }""",
        {"f": facilitator.id},
        token=manager.token,
    )

    group_id = int(data(made, "createGroup")["id"])

    assert await GroupSession.filter(group_id=group_id).count() == 4


async def test_sessions_are_for_the_groups_people(gql, person):
    group = await make_group(await person(Role.FACILITATOR))
    outsider = await person()

    result = await gql(SESSIONS, {"id": str(group.id)}, token=outsider.token)

    assert code(result) == "FORBIDDEN"


async def test_the_facilitator_adds_a_one_off_and_cancels_a_session(gql, person):
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator)
    member = await person()
    await join(group, member)
    when = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)

    added = await gql(
        "mutation ($g: ID!, $at: DateTime!) "
        "{ addSession(groupId: $g, startsAt: $at) { id oneOff } }",
        {"g": str(group.id), "at": when.isoformat()},
        token=facilitator.token,
    )
    session_id = data(added, "addSession")["id"]
    refused = await gql(
        "mutation ($id: ID!) { cancelSession(sessionId: $id) { status } }",
        {"id": session_id},
        token=member.token,
    )
    cancelled = await gql(
        "mutation ($id: ID!) { cancelSession(sessionId: $id) { status } }",
        {"id": session_id},
        token=facilitator.token,
    )

    assert code(refused) == "FORBIDDEN"
    assert data(cancelled, "cancelSession") == {"status": "CANCELLED"}
    assert (await GroupSession.get(id=session_id)).status == SessionStatus.CANCELLED
    assert await PersonalMessage.filter(
        recipient_id=member.user.id, subject__contains="session cancelled"
    ).exists()


async def test_a_session_is_started_on_its_day(gql, person):
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator)
    far = await GroupSession.create(
        group=group, starts_at=datetime.now(UTC) + timedelta(days=5), one_off=True
    )

    result = await gql(
        "mutation ($id: ID!) { startSession(sessionId: $id) { status } }",
        {"id": str(far.id)},
        token=facilitator.token,
    )

    assert code(result) == "CONFLICT"
    assert (await GroupSession.get(id=far.id)).status == SessionStatus.SCHEDULED


async def test_a_new_schedule_replaces_the_sessions_still_to_come(gql, person):
    facilitator = await person(Role.FACILITATOR)
    manager = await person(Role.ONLINE_MANAGER)
    group = await make_group(facilitator, weekday=1)
    await gql(SESSIONS, {"id": str(group.id)}, token=facilitator.token)

    await gql(
        "mutation ($id: ID!) { updateGroup(id: $id, input: {weekday: FRIDAY}) { id } }",
        {"id": str(group.id)},
        token=manager.token,
    )
    sessions = data(await gql(SESSIONS, {"id": str(group.id)}, token=facilitator.token), "group")[
        "sessions"
    ]

    days = {datetime.fromisoformat(s["startsAt"]).astimezone(UTC).weekday() for s in sessions}
    assert days == {4}
