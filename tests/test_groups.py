"""Groups: the public listing, the online manager's changes and who sees the members."""

from __future__ import annotations

import pytest

from models import Group, Need, Role
from tests.conftest import join, make_group

CREATE = """
mutation ($input: CreateGroupInput!) {
  createGroup(input: $input) {
    id name capacity placesLeft weekday startTime need facilitator { profileName }
  }
}
"""
UPDATE = """
mutation ($id: ID!, $input: UpdateGroupInput!) {
  updateGroup(id: $id, input: $input) { name capacity openForApplications }
}
"""
MEMBERS = "query ($id: ID!) { group(id: $id) { members { profileName } } }"


def code(result: dict) -> str:
    return result["errors"][0]["extensions"]["code"]


def new_group(facilitator, **changes):
    return {
        "input": {
            "name": "Thursday evening group",
            "need": "Living with cancer",
            "description": "For people living with cancer.",
            "facilitatorId": facilitator.id,
            "weekday": "THURSDAY",
            "startTime": "19:00:00",
            "capacity": 8,
            **changes,
        }
    }


@pytest.fixture
async def need():
    return await Need.create(name="Living with cancer")


async def test_anyone_lists_groups_with_places_left(gql, person):
    facilitator = await person(Role.FACILITATOR, name="Dr Ellis")
    group = await make_group(facilitator, capacity=8)
    await make_group(facilitator, name="Closed group", open_for_applications=False)
    for _ in range(3):
        await join(group, await person())

    result = await gql(
        "{ groups(openForApplications: true) { name placesLeft facilitator { profileName } } }"
    )

    assert result == {
        "data": {
            "groups": [
                {
                    "name": "Tuesday group",
                    "placesLeft": 5,
                    "facilitator": {"profileName": "Dr Ellis"},
                }
            ]
        }
    }


async def test_groups_filter_by_need(gql, person):
    facilitator = await person(Role.FACILITATOR)
    await make_group(facilitator, name="Carers", need="Caring for someone")
    await make_group(facilitator, name="Living", need="Living with cancer")

    result = await gql('{ groups(need: "caring for someone") { name need } }')

    assert result["data"]["groups"] == [{"name": "Carers", "need": "Caring for someone"}]


async def test_an_unknown_group_is_not_found(gql):
    result = await gql('{ group(id: "999") { name } }')

    assert code(result) == "NOT_FOUND"


async def test_the_online_manager_creates_a_group(gql, person, need):
    manager = await person(Role.ONLINE_MANAGER)
    facilitator = await person(Role.FACILITATOR, name="Dr Ellis")

    result = await gql(CREATE, new_group(facilitator), token=manager.token)

    assert result["data"]["createGroup"] | {"id": None} == {
        "id": None,
        "name": "Thursday evening group",
        "capacity": 8,
        "placesLeft": 8,
        "weekday": "THURSDAY",
        "startTime": "19:00:00",
        "need": "Living with cancer",
        "facilitator": {"profileName": "Dr Ellis"},
    }
    assert await Group.filter(name="Thursday evening group").count() == 1


@pytest.mark.parametrize(
    ("role", "expected"),
    [(None, "UNAUTHENTICATED"), (Role.MEMBER, "FORBIDDEN"), (Role.FACILITATOR, "FORBIDDEN")],
)
async def test_only_the_online_manager_creates_groups(gql, person, need, role, expected):
    facilitator = await person(Role.FACILITATOR)
    token = (await person(role)).token if role else None

    result = await gql(CREATE, new_group(facilitator), token=token)

    assert result["data"]["createGroup"] is None
    assert code(result) == expected
    assert await Group.all().count() == 0


@pytest.mark.parametrize("capacity", [0, 9, 100])
async def test_a_group_holds_one_to_eight_members(gql, person, need, capacity):
    manager = await person(Role.ONLINE_MANAGER)
    facilitator = await person(Role.FACILITATOR)

    result = await gql(CREATE, new_group(facilitator, capacity=capacity), token=manager.token)

    assert code(result) == "BAD_USER_INPUT"
    assert await Group.all().count() == 0


async def test_a_group_is_run_by_a_facilitator(gql, person, need):
    manager = await person(Role.ONLINE_MANAGER)
    member = await person()

    result = await gql(CREATE, new_group(member), token=manager.token)

    assert code(result) == "BAD_USER_INPUT"
    assert await Group.all().count() == 0


async def test_an_unknown_need_is_refused(gql, person, need):
    manager = await person(Role.ONLINE_MANAGER)
    facilitator = await person(Role.FACILITATOR)

    result = await gql(CREATE, new_group(facilitator, need="Astrology"), token=manager.token)

    assert code(result) == "BAD_USER_INPUT"
    assert "Living with cancer" in result["errors"][0]["message"]


async def test_the_online_manager_updates_a_group(gql, person):
    manager = await person(Role.ONLINE_MANAGER)
    group = await make_group(await person(Role.FACILITATOR))

    result = await gql(
        UPDATE,
        {"id": str(group.id), "input": {"capacity": 6, "openForApplications": False}},
        token=manager.token,
    )

    assert result["data"]["updateGroup"] == {
        "name": "Tuesday group",
        "capacity": 6,
        "openForApplications": False,
    }


async def test_capacity_cannot_drop_below_the_members(gql, person):
    manager = await person(Role.ONLINE_MANAGER)
    group = await make_group(await person(Role.FACILITATOR), capacity=8)
    for _ in range(3):
        await join(group, await person())

    result = await gql(UPDATE, {"id": str(group.id), "input": {"capacity": 2}}, token=manager.token)

    assert code(result) == "CONFLICT"
    assert (await Group.get(id=group.id)).capacity == 8


async def test_capacity_above_eight_is_refused_on_update(gql, person):
    manager = await person(Role.ONLINE_MANAGER)
    group = await make_group(await person(Role.FACILITATOR), capacity=8)

    result = await gql(UPDATE, {"id": str(group.id), "input": {"capacity": 9}}, token=manager.token)

    assert code(result) == "BAD_USER_INPUT"
    assert (await Group.get(id=group.id)).capacity == 8


async def test_a_facilitator_cannot_update_a_group(gql, person):
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator)

    result = await gql(
        UPDATE, {"id": str(group.id), "input": {"name": "Mine now"}}, token=facilitator.token
    )

    assert code(result) == "FORBIDDEN"
    assert (await Group.get(id=group.id)).name == "Tuesday group"


async def test_members_are_seen_by_the_group_its_facilitator_and_the_manager(gql, person):
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator)
    member = await person(name="Anna")
    await join(group, member)
    manager = await person(Role.ONLINE_MANAGER)

    for reader in (member, facilitator, manager):
        result = await gql(MEMBERS, {"id": str(group.id)}, token=reader.token)
        assert result == {"data": {"group": {"members": [{"profileName": "Anna"}]}}}


async def test_members_are_hidden_from_everyone_else(gql, person):
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator)
    await join(group, await person(name="Anna"))
    other_group = await make_group(await person(Role.FACILITATOR), name="Other group")
    other_member = await person()
    await join(other_group, other_member)
    other_facilitator = await person(Role.FACILITATOR)
    await make_group(other_facilitator, name="Third group")

    for reader, expected in (
        (None, "UNAUTHENTICATED"),
        (await person(), "FORBIDDEN"),
        (other_member, "FORBIDDEN"),
        (other_facilitator, "FORBIDDEN"),
    ):
        token = reader.token if reader else None
        result = await gql(MEMBERS, {"id": str(group.id)}, token=token)
        assert result["data"]["group"] == {"members": None}
        assert code(result) == expected


async def test_a_former_member_no_longer_sees_the_members(gql, person):
    from datetime import UTC, datetime

    group = await make_group(await person(Role.FACILITATOR))
    member = await person()
    membership = await join(group, member)
    membership.ended_at = datetime.now(UTC)
    await membership.save()

    result = await gql(MEMBERS, {"id": str(group.id)}, token=member.token)

    assert code(result) == "FORBIDDEN"


async def test_the_online_manager_extends_the_needs(gql, person):
    manager = await person(Role.ONLINE_MANAGER)
    member = await person()
    mutation = 'mutation { createNeed(name: "Young adults") { name } }'

    refused = await gql(mutation, token=member.token)
    created = await gql(mutation, token=manager.token)
    again = await gql(mutation, token=manager.token)

    assert code(refused) == "FORBIDDEN"
    assert created["data"]["createNeed"] == {"name": "Young adults"}
    assert code(again) == "CONFLICT"
    assert (await gql("{ needs { name } }"))["data"]["needs"] == [{"name": "Young adults"}]


PAGE = "query ($first: Int, $after: ID) { groups(first: $first, after: $after) { id name } }"
LISTING = "{ groups { name } }"


async def test_the_listing_comes_in_pages_in_the_order_groups_were_made(gql, person):
    # Given 52 groups
    facilitator = await person(Role.FACILITATOR)
    need, _ = await Need.get_or_create(name="Living with cancer")
    await Group.bulk_create(
        Group(
            name=f"Group {n:02}",
            need=need,
            facilitator=facilitator.user,
            weekday=1,
            start_minute=19 * 60,
        )
        for n in range(52)
    )

    # When a visitor lists them as before, then page by page
    listed = (await gql(LISTING))["data"]["groups"]
    first = (await gql(PAGE, {"first": 2}))["data"]["groups"]
    second = (await gql(PAGE, {"first": 2, "after": first[-1]["id"]}))["data"]["groups"]
    last = (await gql(PAGE, {"first": 100, "after": first[-1]["id"]}))["data"]["groups"]

    # Then fifty come at once unless asked, and the pages follow one another to the end
    assert [g["name"] for g in listed] == [f"Group {n:02}" for n in range(50)]
    assert [g["name"] for g in first + second] == ["Group 00", "Group 01", "Group 02", "Group 03"]
    assert [g["name"] for g in last] == [f"Group {n:02}" for n in range(2, 52)]


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"first": 0}, "BAD_USER_INPUT"),
        ({"first": 101}, "BAD_USER_INPUT"),
        ({"first": 5, "after": "not-an-id"}, "BAD_USER_INPUT"),
    ],
)
async def test_a_page_out_of_bounds_is_refused(gql, variables, expected):
    result = await gql(PAGE, variables)

    assert code(result) == expected
    assert result["data"] in (None, {"groups": None})
