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


REVIEW_ALL = "{ applicationsToReview { group { name } applicant { profileName } } }"


async def test_applications_of_all_my_groups_when_none_is_named(gql, person):
    # Given a facilitator of two groups, each with an application, and another's group
    facilitator = await person(Role.FACILITATOR)
    tuesday = await make_group(facilitator, name="Tuesday group")
    carers = await make_group(facilitator, name="Carers' group")
    elsewhere = await make_group(await person(Role.FACILITATOR), name="Other group")
    for group in (tuesday, carers, elsewhere):
        await apply(gql, await person(), group)
    member = await person()

    # When she, the online manager and a member ask without naming a group
    hers = data(await gql(REVIEW_ALL, token=facilitator.token), "applicationsToReview")
    managers = await gql(REVIEW_ALL, token=(await person(Role.ONLINE_MANAGER)).token)
    members = await gql(REVIEW_ALL, token=member.token)

    # Then she sees her two groups' applications only, the manager every group's,
    # and the member is refused
    assert [a["group"]["name"] for a in hers] == ["Tuesday group", "Carers' group"]
    assert len(data(managers, "applicationsToReview")) == 3
    assert code(members) == "FORBIDDEN"
    assert members["data"]["applicationsToReview"] is None


async def test_times_come_back_to_the_second(gql, person):
    # Given a message said at a moment with a fraction of a second
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator)
    session = await GroupSession.filter(group_id=group.id).order_by("starts_at").first()
    assert session is not None
    session.started_at = datetime(2030, 7, 2, 9, 30, 15, 987654, tzinfo=UTC)
    await session.save()

    # When the facilitator reads it
    result = await gql(
        "query ($id: ID!) { session(id: $id) { startedAt } }",
        {"id": str(session.id)},
        token=facilitator.token,
    )

    # Then it reads to the second
    assert data(result, "session") == {"startedAt": "2030-07-02T09:30:15+00:00"}


PAGE = """
query ($after: ID) {
  applicationsToReview(first: 2, after: $after) { id applicant { profileName } }
}"""


async def test_the_online_manager_reads_every_application_a_page_at_a_time(gql, person):
    # Given three applications to two facilitators' groups
    facilitators_of = [await person(Role.FACILITATOR) for _ in range(2)]
    groups = [await make_group(f) for f in facilitators_of]
    for name, group in (("Ann", groups[0]), ("Bea", groups[1]), ("Cy", groups[0])):
        await apply(gql, await person(name=name), group)
    manager = await person(Role.ONLINE_MANAGER)

    # When she reads them two at a time
    first = data(await gql(PAGE, token=manager.token), "applicationsToReview")
    second = data(
        await gql(PAGE, {"after": first[-1]["id"]}, token=manager.token), "applicationsToReview"
    )
    too_many = await gql("{ applicationsToReview(first: 101) { id } }", token=manager.token)

    # And narrows them by group and step in her overview, which a facilitator may not use
    overview = "query ($g: ID) { applications(groupId: $g, status: SUBMITTED) { id } }"
    one_group = await gql(overview, {"g": str(groups[0].id)}, token=manager.token)
    facilitators = await gql(overview, {"g": str(groups[0].id)}, token=facilitators_of[0].token)

    # Then she has them all, oldest first, once each; and a page too large is refused
    assert [a["applicant"]["profileName"] for a in first + second] == ["Ann", "Bea", "Cy"]
    assert code(too_many) == "BAD_USER_INPUT"
    assert [a["id"] for a in data(one_group, "applications")] == [first[0]["id"], second[0]["id"]]
    assert code(facilitators) == "FORBIDDEN"
