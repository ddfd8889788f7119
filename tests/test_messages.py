"""Personal messages: who may write to whom, threads, reading, and the live inbox."""

from __future__ import annotations

import asyncio

import pytest

from models import PersonalMessage, Role
from tests.conftest import join, make_group
from tests.live import LiveClient
from tests.workflow import code, data

SEND = """
mutation ($to: ID!, $subject: String!, $body: String!) {
  sendPersonalMessage(toUserId: $to, subject: $subject, body: $body) { id subject threadId }
}"""
REPLY = """
mutation ($id: ID!, $body: String!) {
  replyToMessage(messageId: $id, body: $body) { id subject threadId }
}"""
READ = "mutation ($id: ID!) { markMessageRead(messageId: $id) { readAt } }"


@pytest.fixture
async def people(person):
    facilitator = await person(Role.FACILITATOR, name="Dr Ellis")
    group = await make_group(facilitator)
    member = await person(name="Anna")
    await join(group, member)
    fellow = await person(name="Bea")
    await join(group, fellow)
    other_facilitator = await person(Role.FACILITATOR, name="Dr Other")
    await make_group(other_facilitator, name="Other group")
    manager = await person(Role.ONLINE_MANAGER)
    return facilitator, member, fellow, other_facilitator, manager


async def send(gql, sender, to, subject="Hello", body="How are you?"):
    return await gql(SEND, {"to": to.id, "subject": subject, "body": body}, token=sender.token)


async def test_staff_write_to_anyone(gql, people):
    facilitator, member, _, other_facilitator, manager = people

    for sender, recipient in (
        (facilitator, member),
        (manager, member),
        (other_facilitator, member),
    ):
        assert "errors" not in await send(gql, sender, recipient)


async def test_members_write_to_their_facilitator_and_the_manager_only(gql, people):
    facilitator, member, fellow, other_facilitator, manager = people

    allowed = [await send(gql, member, facilitator), await send(gql, member, manager)]
    refused = [await send(gql, member, fellow), await send(gql, member, other_facilitator)]

    assert all("errors" not in r for r in allowed)
    assert [code(r) for r in refused] == ["FORBIDDEN", "FORBIDDEN"]
    assert await PersonalMessage.filter(recipient_id=fellow.user.id).count() == 0


async def test_a_reply_stays_in_the_thread(gql, people):
    facilitator, member, *_ = people
    first = data(await send(gql, facilitator, member, "Your call"), "sendPersonalMessage")

    reply = data(
        await gql(REPLY, {"id": first["id"], "body": "Thanks!"}, token=member.token),
        "replyToMessage",
    )
    again = data(
        await gql(REPLY, {"id": reply["id"], "body": "See you"}, token=facilitator.token),
        "replyToMessage",
    )

    assert reply == {"id": reply["id"], "subject": "Re: Your call", "threadId": first["id"]}
    assert again["threadId"] == first["id"]
    assert again["subject"] == "Re: Your call"


async def test_only_the_recipient_replies_to_or_marks_a_message(gql, people):
    facilitator, member, fellow, *_ = people
    message = data(await send(gql, facilitator, member), "sendPersonalMessage")

    snooping = await gql(REPLY, {"id": message["id"], "body": "Hi"}, token=fellow.token)
    marking = await gql(READ, {"id": message["id"]}, token=fellow.token)
    read = await gql(READ, {"id": message["id"]}, token=member.token)

    assert code(snooping) == "FORBIDDEN"
    assert code(marking) == "FORBIDDEN"
    assert data(read, "markMessageRead")["readAt"] is not None


async def test_the_unread_count_is_ones_own(gql, people):
    facilitator, member, fellow, *_ = people
    first = data(await send(gql, facilitator, member), "sendPersonalMessage")
    await send(gql, facilitator, member)
    await gql(READ, {"id": first["id"]}, token=member.token)

    mine = data(await gql("{ me { unreadCount } }", token=member.token), "me")
    theirs = data(await gql("{ me { unreadCount } }", token=fellow.token), "me")

    assert mine == {"unreadCount": 1}
    assert theirs == {"unreadCount": 0}


async def test_the_live_inbox_delivers_to_its_owner_only(server, gql, people):
    facilitator, member, fellow, *_ = people
    owner = await LiveClient.connect(server.ws_url, member.token)
    other = await LiveClient.connect(server.ws_url, fellow.token)
    query = "subscription { inbox { subject body } }"
    mine, theirs = await owner.subscribe(query), await other.subscribe(query)
    await asyncio.sleep(0.1)

    await send(gql, facilitator, member, "Live", "Just for you")

    assert await owner.data(mine, "inbox") == {"subject": "Live", "body": "Just for you"}
    assert await other.nothing_for(theirs, 0.5)
    await owner.close()
    await other.close()


async def test_an_empty_message_is_refused(gql, people):
    facilitator, member, *_ = people

    result = await send(gql, facilitator, member, "Subject", "   ")

    assert code(result) == "BAD_USER_INPUT"
    assert await PersonalMessage.filter(recipient_id=member.user.id).count() == 0
