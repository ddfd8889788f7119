"""What a facilitator's day asks of the API: her groups, and times as people read them."""

from __future__ import annotations

from datetime import UTC, datetime

from models import GroupSession, Role
from schema.scalars import readable
from tests.conftest import join, make_group
from tests.workflow import SCHEDULE, apply, code, data

MY_GROUPS = "{ myGroups { name } }"


async def test_my_groups_are_those_i_run_or_belong_to_now(gql, person):
    # Given a facilitator of two groups, a member of one, and a group of someone else's
    facilitator = await person(Role.FACILITATOR)
    member = await person()
    tuesday = await make_group(facilitator, name="Tuesday group")
    await make_group(facilitator, name="Carers' group")
    await join(await make_group(await person(Role.FACILITATOR), name="Other group"), await person())
    await join(tuesday, member)

    # When each asks for their groups
    hers = data(await gql(MY_GROUPS, token=facilitator.token), "myGroups")
    his = data(await gql(MY_GROUPS, token=member.token), "myGroups")

    # Then each gets their own, and someone not signed in is refused
    assert hers == [{"name": "Carers' group"}, {"name": "Tuesday group"}]
    assert his == [{"name": "Tuesday group"}]
    assert code(await gql(MY_GROUPS)) == "UNAUTHENTICATED"


def test_a_time_reads_as_london_clocks_show_it():
    assert readable(datetime(2027, 3, 2, 19, 0, tzinfo=UTC)) == "Tuesday 2 March, 19:00"
    assert readable(datetime(2027, 7, 6, 18, 0, tzinfo=UTC)) == "Tuesday 6 July, 19:00"


async def test_sessions_and_calls_carry_their_local_time(gql, person):
    facilitator = await person(Role.FACILITATOR)
    applicant = await person()
    group = await make_group(facilitator)
    application = await apply(gql, applicant, group)
    data(
        await gql(SCHEDULE, {"id": application, "at": "2030-07-02T10:30"}, token=facilitator.token),
        "scheduleScreeningCall",
    )
    session = await GroupSession.filter(group_id=group.id).order_by("starts_at").first()

    call = await gql(
        "query ($id: ID!) { application(id: $id) { callAtLocal } }",
        {"id": application},
        token=applicant.token,
    )
    sessions = await gql(
        "query ($id: ID!) { group(id: $id) { sessions { startsAtLocal } } }",
        {"id": str(group.id)},
        token=facilitator.token,
    )

    assert data(call, "application") == {"callAtLocal": "Tuesday 2 July, 10:30"}
    first = data(sessions, "group")["sessions"][0]["startsAtLocal"]
    assert first == readable(session.starts_at)
    assert first.startswith("Tuesday ")
    assert first.endswith(", 19:00")
