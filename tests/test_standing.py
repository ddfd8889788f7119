"""A live stream holds its reader's standing, and loses it the moment it changes.

The stream checks its reader's standing in memory before each message. Whatever ends
her part in the group is announced on the session's channel, in order with the
messages, so the stream ends at once and nothing said after the change reaches her;
a term that runs out ends the standing at that moment. Two processes on one PostgreSQL
and one Redis behave the same: ``tests/test_scale_out.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from auth.identity import Viewer
from errors import Forbidden
from models import Membership, Role
from resolvers.live import ASK_AGAIN_AFTER, Admission
from resolvers.retention import do_close_profile
from tests.test_live_sessions import MESSAGES, POST, clients, live_session
from tests.workflow import REMOVE, data

__all__ = ["clients"]  # the fixture, shared with the live-session tests

HANDOVER = """
mutation ($id: ID!, $to: ID!) { updateGroup(id: $id, input: {facilitatorId: $to}) { id } }"""


def refused(frame: dict) -> bool:
    return (
        frame["type"] == "next"
        and frame["payload"]["data"] is None
        and frame["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    )


async def test_a_removed_member_s_stream_ends_at_the_removal(server, gql, person, clients):
    scene = await live_session(gql, person)
    removed = scene.members[0]
    client = await clients(server, removed)
    stream = await client.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})
    await gql(POST, {"session": scene.session_id, "body": "Before"}, token=scene.members[1].token)
    assert (await client.data(stream, "sessionMessages"))["body"] == "Before"

    data(
        await gql(
            REMOVE,
            {"id": str(scene.memberships[0].id), "reason": "Breach of confidentiality."},
            token=scene.facilitator.token,
        ),
        "removeMember",
    )

    assert refused(await client.next(stream))  # at once, before anything more is said


async def test_the_others_hear_on_after_one_is_removed(server, gql, person, clients):
    scene = await live_session(gql, person)
    staying = await clients(server, scene.members[1])
    stream = await staying.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})

    await gql(
        REMOVE,
        {"id": str(scene.memberships[0].id), "reason": "Breach of confidentiality."},
        token=scene.facilitator.token,
    )
    await gql(POST, {"session": scene.session_id, "body": "After"}, token=scene.members[2].token)

    assert (await staying.data(stream, "sessionMessages"))["body"] == "After"


async def test_a_closed_profile_s_stream_ends_at_once(server, gql, person, clients):
    scene = await live_session(gql, person)
    client = await clients(server, scene.members[0])
    stream = await client.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})
    await gql(POST, {"session": scene.session_id, "body": "Before"}, token=scene.members[1].token)
    await client.data(stream, "sessionMessages")

    await do_close_profile(scene.members[0].user.id)

    assert refused(await client.next(stream))


async def test_a_facilitator_who_closes_her_profile_follows_no_more(server, gql, person, clients):
    scene = await live_session(gql, person)
    client = await clients(server, scene.facilitator)
    stream = await client.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})
    await gql(POST, {"session": scene.session_id, "body": "Before"}, token=scene.members[1].token)
    await client.data(stream, "sessionMessages")

    await do_close_profile(scene.facilitator.user.id)

    assert refused(await client.next(stream))


async def test_a_group_handed_over_ends_the_old_facilitator_s_stream(server, gql, person, clients):
    scene = await live_session(gql, person)
    manager = await person(Role.ONLINE_MANAGER)
    successor = await person(Role.FACILITATOR, name="Dr Successor")
    client = await clients(server, scene.facilitator)
    stream = await client.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})
    await gql(POST, {"session": scene.session_id, "body": "Before"}, token=scene.members[1].token)
    await client.data(stream, "sessionMessages")

    data(
        await gql(HANDOVER, {"id": str(scene.group.id), "to": successor.id}, token=manager.token),
        "updateGroup",
    )

    assert refused(await client.next(stream))


async def test_a_standing_ends_with_the_term_without_a_word(gql, person):
    scene = await live_session(gql, person)
    member = scene.members[0]
    ends = datetime.now(UTC) + timedelta(hours=1)
    await Membership.filter(id=scene.memberships[0].id).update(ends_at=ends)
    admission = await Admission.of(Viewer(user_id=member.user.id, role=Role.MEMBER), scene.group.id)

    await admission.check(now=ends - timedelta(seconds=1))
    with pytest.raises(Forbidden):
        await admission.check(now=ends)


async def test_an_extended_term_keeps_the_standing_past_its_old_end(gql, person):
    scene = await live_session(gql, person)
    member = scene.members[0]
    ends = datetime.now(UTC) + timedelta(hours=1)
    await Membership.filter(id=scene.memberships[0].id).update(ends_at=ends)
    admission = await Admission.of(Viewer(user_id=member.user.id, role=Role.MEMBER), scene.group.id)

    await Membership.filter(id=scene.memberships[0].id).update(ends_at=ends + timedelta(weeks=12))

    await admission.check(now=ends + timedelta(seconds=1))


async def test_the_standing_is_asked_again_while_the_stream_delivers(gql, person):
    """A notice lost on its way is made good within ``ASK_AGAIN_AFTER``."""
    scene = await live_session(gql, person)
    member = scene.members[0]
    admission = await Admission.of(Viewer(user_id=member.user.id, role=Role.MEMBER), scene.group.id)
    now = datetime.now(UTC)
    await Membership.filter(id=scene.memberships[0].id).update(ended_at=now)  # and no notice

    await admission.check(now=now + timedelta(seconds=1))  # still believed
    with pytest.raises(Forbidden):
        await admission.check(now=now + ASK_AGAIN_AFTER + timedelta(seconds=1))
