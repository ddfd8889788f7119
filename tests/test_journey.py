"""Nine people want the eight places of one group: the whole way in, as they live it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models import Application, ApplicationStatus, Membership, Role
from resolvers.places import settle
from tests.conftest import make_group
from tests.workflow import (
    EXTEND,
    LEAVE,
    MY_APPLICATIONS,
    accept,
    apply,
    code,
    data,
    found_suitable,
    inbox_subjects,
    join_through_the_front_door,
    screen,
)

GROUP = "{ groups { placesLeft waitingListLength } }"


async def test_nine_applicants_for_eight_places(gql, person):
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator, name="Tuesday group")
    members = [await person(name=f"Member {i}") for i in range(8)]
    ninth = await person(name="Ninth")

    joined = [await join_through_the_front_door(gql, facilitator, m, group) for m in members]
    ninth_application = await apply(gql, ninth, group)
    await screen(gql, facilitator, ninth_application)
    waiting = await found_suitable(gql, facilitator, ninth_application)

    assert [j["status"] for j in joined] == ["JOINED"] * 8
    assert await Membership.filter(group_id=group.id, ended_at=None).count() == 8
    assert waiting["status"] == "WAITLISTED"
    assert waiting["waitingListPosition"] == 1
    assert data(await gql(GROUP), "groups") == [{"placesLeft": 0, "waitingListLength": 1}]
    assert "You are on the waiting list for Tuesday group" in await inbox_subjects(gql, ninth)

    # When a member leaves, the first on the waiting list is offered the place.
    leaving = joined[0]["membership"]["id"]
    data(await gql(LEAVE, {"id": leaving}, token=members[0].token), "leaveGroup")

    mine = data(await gql(MY_APPLICATIONS, token=ninth.token), "myApplications")
    assert mine[0]["status"] == "PLACE_OFFERED"
    assert mine[0]["waitingListPosition"] is None
    assert "A place for you in Tuesday group" in await inbox_subjects(gql, ninth)
    assert data(await gql(GROUP), "groups") == [{"placesLeft": 0, "waitingListLength": 0}]

    # Accepting starts a twelve-week membership and sends the access details.
    accepted = await accept(gql, ninth, ninth_application)
    assert accepted["status"] == "JOINED"
    assert "Welcome to Tuesday group: how to join" in await inbox_subjects(gql, ninth)
    ends_at = datetime.fromisoformat(accepted["membership"]["endsAt"])
    assert abs(ends_at - (datetime.now(UTC) + timedelta(weeks=12))) < timedelta(minutes=1)


async def test_a_lapsed_offer_goes_to_the_next_in_line(gql, person):
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator, capacity=1)
    first, second = await person(name="First"), await person(name="Second")
    offered = await apply(gql, first, group)
    await screen(gql, facilitator, offered)
    assert (await found_suitable(gql, facilitator, offered))["status"] == "PLACE_OFFERED"
    waiting = await apply(gql, second, group)
    await screen(gql, facilitator, waiting)
    assert (await found_suitable(gql, facilitator, waiting))["waitingListPosition"] == 1

    # Seven days pass without an answer.
    await Application.filter(id=offered).update(
        offer_expires_at=datetime.now(UTC) - timedelta(minutes=1)
    )
    too_late = await gql(
        "mutation ($id: ID!) { acceptPlace(applicationId: $id) { status } }",
        {"id": offered},
        token=first.token,
    )
    assert code(too_late) == "CONFLICT"
    await settle()

    assert (await Application.get(id=offered)).status == ApplicationStatus.OFFER_LAPSED
    assert (await Application.get(id=waiting)).status == ApplicationStatus.PLACE_OFFERED
    assert "Your offer of a place in Tuesday group has lapsed" in await inbox_subjects(gql, first)
    assert (await accept(gql, second, waiting))["status"] == "JOINED"


async def test_a_membership_is_extended_once(gql, person):
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator)
    member = await person()
    membership = (await join_through_the_front_door(gql, facilitator, member, group))["membership"]

    extended = data(
        await gql(EXTEND, {"id": membership["id"]}, token=member.token), "extendMembership"
    )
    again = await gql(EXTEND, {"id": membership["id"]}, token=member.token)

    before = datetime.fromisoformat(membership["endsAt"])
    assert datetime.fromisoformat(extended["endsAt"]) - before == timedelta(weeks=12)
    assert extended["extended"] is True
    assert code(again) == "CONFLICT"
    stored = await Membership.get(id=membership["id"])
    assert stored.ends_at.replace(microsecond=0) - before == timedelta(weeks=12)


async def test_the_end_of_term_frees_the_place_for_the_next_in_line(gql, person):
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator, capacity=1)
    member, waiting_member = await person(), await person()
    membership = (await join_through_the_front_door(gql, facilitator, member, group))["membership"]
    waiting = await apply(gql, waiting_member, group)
    await screen(gql, facilitator, waiting)
    await found_suitable(gql, facilitator, waiting)

    await Membership.filter(id=membership["id"]).update(
        ends_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    places = data(await gql("{ groups { placesLeft } }"), "groups")
    await settle()

    assert places == [{"placesLeft": 1}]  # read as free at once, before settling
    ended = await Membership.get(id=membership["id"])
    assert ended.end_reason == "TERM_ENDED"
    assert (await Application.get(id=waiting)).status == ApplicationStatus.PLACE_OFFERED
    assert f"Your time in {group.name} has ended" in await inbox_subjects(gql, member)


async def test_a_larger_group_makes_room_for_those_waiting(gql, person):
    facilitator = await person(Role.FACILITATOR)
    manager = await person(Role.ONLINE_MANAGER)
    group = await make_group(facilitator, capacity=1)
    await join_through_the_front_door(gql, facilitator, await person(), group)
    waiting_member = await person()
    waiting = await apply(gql, waiting_member, group)
    await screen(gql, facilitator, waiting)
    assert (await found_suitable(gql, facilitator, waiting))["status"] == "WAITLISTED"

    await gql(
        "mutation ($id: ID!) { updateGroup(id: $id, input: {capacity: 2}) { capacity } }",
        {"id": str(group.id)},
        token=manager.token,
    )

    assert (await Application.get(id=waiting)).status == ApplicationStatus.PLACE_OFFERED
