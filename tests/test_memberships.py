"""Leaving, removal and extension: each by the people allowed to, and no one else."""

from __future__ import annotations

import pytest

from models import AuditEntry, Membership, Role
from tests.conftest import make_group
from tests.workflow import (
    EXTEND,
    LEAVE,
    REMOVE,
    code,
    data,
    inbox_subjects,
    join_through_the_front_door,
)


@pytest.fixture
async def membership(gql, person):
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator)
    member = await person()
    joined = await join_through_the_front_door(gql, facilitator, member, group)
    return facilitator, member, joined["membership"]["id"]


async def test_only_the_member_leaves_or_extends(gql, person, membership):
    facilitator, _, membership_id = membership
    someone_else = await person()

    for mutation in (LEAVE, EXTEND):
        for reader in (someone_else, facilitator):
            result = await gql(mutation, {"id": membership_id}, token=reader.token)
            assert code(result) == "FORBIDDEN"
    stored = await Membership.get(id=membership_id)
    assert (stored.ended_at, stored.extended) == (None, False)


@pytest.mark.parametrize("remover", [Role.FACILITATOR, Role.ONLINE_MANAGER])
async def test_the_facilitator_or_the_manager_removes_a_member(gql, person, membership, remover):
    facilitator, member, membership_id = membership
    actor = facilitator if remover == Role.FACILITATOR else await person(Role.ONLINE_MANAGER)

    result = await gql(
        REMOVE, {"id": membership_id, "reason": "Repeated breaches."}, token=actor.token
    )

    assert data(result, "removeMember")["endReason"] == "REMOVED"
    assert "Your membership of the group has ended" in await inbox_subjects(gql, member)
    entry = await AuditEntry.get(action="MEMBERSHIP_REMOVED")
    assert (entry.actor_id, entry.detail) == (actor.user.id, "Repeated breaches.")


async def test_members_cannot_remove_each_other(gql, person, membership):
    _, _, membership_id = membership
    other = await person()

    result = await gql(REMOVE, {"id": membership_id, "reason": "Dislike"}, token=other.token)

    assert code(result) == "FORBIDDEN"
    assert (await Membership.get(id=membership_id)).ended_at is None


async def test_an_ended_membership_cannot_be_left_again(gql, membership):
    _, member, membership_id = membership
    data(await gql(LEAVE, {"id": membership_id}, token=member.token), "leaveGroup")

    again = await gql(LEAVE, {"id": membership_id}, token=member.token)

    assert code(again) == "CONFLICT"


async def test_my_memberships_lists_the_members_own(gql, person, membership):
    _, member, membership_id = membership
    other = await person()
    query = "{ myMemberships { id group { name } } }"

    mine = data(await gql(query, token=member.token), "myMemberships")
    theirs = data(await gql(query, token=other.token), "myMemberships")

    assert mine == [{"id": membership_id, "group": {"name": "Tuesday group"}}]
    assert theirs == []
