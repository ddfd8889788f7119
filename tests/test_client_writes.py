"""A message sent again under its ``clientMessageId`` is stored once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from models import ClientWrite, Conversation, PersonalMessage, Post, Role, SessionMessage
from resolvers.writes import KEPT_FOR, do_forget_client_writes
from tests.test_live_sessions import live_session
from tests.workflow import code, data

POST = """
mutation ($session: ID!, $body: String!, $id: String) {
  postSessionMessage(sessionId: $session, body: $body, clientMessageId: $id) { sequence body }
}"""
START = """
mutation ($group: ID, $body: String!, $id: String) {
  startConversation(groupId: $group, title: "Scans", body: $body, clientMessageId: $id) { id }
}"""
REPLY = """
mutation ($conversation: ID!, $body: String!, $id: String) {
  replyToConversation(conversationId: $conversation, body: $body, clientMessageId: $id) { id }
}"""
SEND = """
mutation ($to: ID!, $body: String!, $id: String) {
  sendPersonalMessage(toUserId: $to, subject: "Hello", body: $body, clientMessageId: $id) {
    id
  }
}"""
ANSWER = """
mutation ($message: ID!, $body: String!, $id: String) {
  replyToMessage(messageId: $message, body: $body, clientMessageId: $id) { id }
}"""


async def post(gql, scene, member, body: str, client_id: str | None) -> dict:
    variables = {"session": scene.session_id, "body": body, "id": client_id}
    return await gql(POST, variables, token=member.token)


async def test_a_message_sent_twice_under_one_id_is_stored_once(gql, person):
    # Given a member in a live session who sent a message under her own id
    scene = await live_session(gql, person)
    member = scene.members[0]
    first = data(await post(gql, scene, member, "Hello all", "a1b2"), "postSessionMessage")

    # When she sends it again, as after an answer that never came
    again = data(await post(gql, scene, member, "Hello all", "a1b2"), "postSessionMessage")

    # Then she is answered with the first, and the session holds it once
    assert again == first
    assert await SessionMessage.filter(session_id=scene.session.id).count() == 1


async def test_racing_retries_store_one_message(gql, person):
    # Given a member whose app sends the same message eight times at once
    scene = await live_session(gql, person)
    member = scene.members[0]

    answers = await asyncio.gather(
        *(post(gql, scene, member, "Are you there?", "race-1") for _ in range(8))
    )

    # Then every answer is the one message, stored once
    sequences = {data(answer, "postSessionMessage")["sequence"] for answer in answers}
    assert sequences == {1}
    assert await SessionMessage.filter(session_id=scene.session.id).count() == 1
    assert await ClientWrite.filter(client_id="race-1").count() == 1


async def test_one_id_for_another_message_is_a_conflict_and_stores_nothing(gql, person):
    # Given a message sent under an id
    scene = await live_session(gql, person)
    member = scene.members[0]
    data(await post(gql, scene, member, "First thought", "same"), "postSessionMessage")

    # When another message is sent under the same id
    refused = await post(gql, scene, member, "Second thought", "same")

    # Then it is refused, and only the first is stored
    assert code(refused) == "CONFLICT"
    bodies = await SessionMessage.filter(session_id=scene.session.id).values_list("body", flat=True)
    assert bodies == ["First thought"]


async def test_an_id_is_the_authors_own(gql, person):
    # Given two members who happen to pick the same id
    scene = await live_session(gql, person)
    for member in scene.members[:2]:
        data(await post(gql, scene, member, "Hello", "my-first"), "postSessionMessage")

    # Then each message is stored
    assert await SessionMessage.filter(session_id=scene.session.id).count() == 2


@pytest.mark.parametrize("client_id", ["", "x" * 65, "with space", "naïve", "a/b"])
async def test_an_id_that_is_not_one_is_refused_and_nothing_is_stored(gql, person, client_id):
    scene = await live_session(gql, person)

    refused = await post(gql, scene, scene.members[0], "Hello", client_id)

    assert code(refused) == "BAD_USER_INPUT"
    assert await SessionMessage.filter(session_id=scene.session.id).count() == 0


async def test_an_id_is_kept_for_a_day_then_forgotten(gql, person):
    # Given a message sent under an id, a day and a minute ago
    scene = await live_session(gql, person)
    member = scene.members[0]
    data(await post(gql, scene, member, "Hello", "daily"), "postSessionMessage")
    long_ago = datetime.now(UTC) - KEPT_FOR - timedelta(minutes=1)
    await ClientWrite.filter(client_id="daily").update(written_at=long_ago)

    # When the same message is sent under the same id
    again = data(await post(gql, scene, member, "Hello", "daily"), "postSessionMessage")

    # Then it is a new message: the id was forgotten
    assert again["sequence"] == 2
    assert await SessionMessage.filter(session_id=scene.session.id).count() == 2


async def test_the_ids_past_their_day_are_forgotten_on_the_beat(gql, person):
    # Given two ids, one older than a day
    scene = await live_session(gql, person)
    member = scene.members[0]
    for client_id in ("old", "new"):
        data(await post(gql, scene, member, client_id, client_id), "postSessionMessage")
    now = datetime.now(UTC)
    await ClientWrite.filter(client_id="old").update(written_at=now - KEPT_FOR - timedelta(1))

    # When the beat forgets what is past its day
    forgotten = await do_forget_client_writes(now)

    # Then the old id is gone and the new one kept
    assert forgotten == 1
    assert await ClientWrite.all().values_list("client_id", flat=True) == ["new"]


async def test_every_kind_of_message_is_stored_once(gql, person):
    # Given a member of a group, and the online manager she may write to
    scene = await live_session(gql, person)
    member = scene.members[0]
    manager = await person(Role.ONLINE_MANAGER)
    group = str(scene.group.id)

    async def twice(query: str, field: str, variables: dict) -> dict:
        answers = [await gql(query, variables, token=member.token) for _ in range(2)]
        assert data(answers[0], field) == data(answers[1], field)
        return data(answers[0], field)

    # When each kind of message is sent twice under its id
    started = await twice(START, "startConversation", {"group": group, "body": "b", "id": "c1"})
    await twice(
        REPLY, "replyToConversation", {"conversation": started["id"], "body": "r"} | {"id": "r1"}
    )
    await twice(SEND, "sendPersonalMessage", {"to": str(manager.user.id), "body": "p", "id": "p1"})
    to_answer = await PersonalMessage.create(
        recipient_id=member.user.id, sender_id=manager.user.id, subject="Hi", body="How are you?"
    )
    await twice(ANSWER, "replyToMessage", {"message": str(to_answer.id), "body": "a", "id": "a1"})

    # Then each is stored once
    assert await Conversation.filter(started_by_id=member.user.id).count() == 1
    assert await Post.filter(author_id=member.user.id).count() == 2  # the opening post, a reply
    assert await PersonalMessage.filter(sender_id=member.user.id).count() == 2
