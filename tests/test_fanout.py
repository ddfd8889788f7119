"""A live message is executed once for every reader who asked the same of it, and never
shared where the answer depends on who reads it."""

from __future__ import annotations

from graphql import OperationDefinitionNode, parse

from schema import build_schema
from schema.fanout import counts, same_for_every_reader
from subscriptions import channels
from tests.live import listening
from tests.test_live_sessions import MESSAGES as PLAIN
from tests.test_live_sessions import POST, clients, live_session

__all__ = ["clients"]

WITH_EMAIL = """
subscription ($session: ID!) {
  sessionMessages(sessionId: $session) { sequence author { profileName email } }
}"""
SEQUENCE_ONLY = "subscription ($s: ID!) { sessionMessages(sessionId: $s) { sequence } }"


async def follow(server, clients, scene, document, variables):
    followers = []
    for member in scene.members:
        client = await clients(server, member)
        followers.append((client, await client.subscribe(document, variables)))
    await listening(channels.session_messages(scene.session.id), len(followers))
    return followers


async def test_readers_asking_the_same_share_one_execution(server, gql, person, clients):
    # Given three members following a session with the same selection (one from the start,
    # two having seen nothing either: the root field's arguments do not shape the answer)
    scene = await live_session(gql, person, names=["Anna", "Ben", "Cleo"])
    followers = await follow(
        server, clients, scene, PLAIN, {"session": scene.session_id, "after": 0}
    )
    executed, shared = counts.executed, counts.shared

    # When Anna says something
    await gql(
        POST, {"session": scene.session_id, "body": "Hello all"}, token=scene.members[0].token
    )

    # Then all three receive the same answer, executed once and shared twice
    heard = [await client.data(stream, "sessionMessages") for client, stream in followers]
    assert heard == [{"sequence": 1, "body": "Hello all", "author": {"profileName": "Anna"}}] * 3
    assert (counts.executed - executed, counts.shared - shared) == (1, 2)


async def test_an_answer_that_depends_on_the_reader_is_made_for_each(server, gql, person, clients):
    # Given Anna and Ben following with a selection that includes the author's e-mail,
    # which only the author herself (or a manager) may read
    scene = await live_session(gql, person, names=["Anna", "Ben"])
    followers = await follow(server, clients, scene, WITH_EMAIL, {"session": scene.session_id})
    executed, shared = counts.executed, counts.shared

    # When Anna says something
    await gql(POST, {"session": scene.session_id, "body": "Hello"}, token=scene.members[0].token)

    # Then Anna reads her own address, and Ben is refused it: nothing was shared
    (anna, anna_stream), (ben, ben_stream) = followers
    assert (await anna.data(anna_stream, "sessionMessages"))["author"] == {
        "profileName": "Anna",
        "email": scene.members[0].user.email,
    }
    bens = await ben.next(ben_stream)
    assert bens["payload"]["data"]["sessionMessages"]["author"] == {
        "profileName": "Anna",
        "email": None,
    }
    assert bens["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert scene.members[0].user.email not in str(bens)
    assert (counts.executed - executed, counts.shared - shared) == (0, 0)


async def test_different_selections_are_answered_each_their_own(server, gql, person, clients):
    # Given Anna selecting only the sequence, and Ben the sequence, body and author
    scene = await live_session(gql, person, names=["Anna", "Ben"])
    anna = await clients(server, scene.members[0])
    ben = await clients(server, scene.members[1])
    anna_stream = await anna.subscribe(SEQUENCE_ONLY, {"s": scene.session_id})
    ben_stream = await ben.subscribe(PLAIN, {"session": scene.session_id, "after": 0})
    await listening(channels.session_messages(scene.session.id), 2)

    # When Ben says something
    await gql(POST, {"session": scene.session_id, "body": "Hi"}, token=scene.members[1].token)

    # Then each receives exactly what they asked for
    assert await anna.data(anna_stream, "sessionMessages") == {"sequence": 1}
    assert await ben.data(ben_stream, "sessionMessages") == {
        "sequence": 1,
        "body": "Hi",
        "author": {"profileName": "Ben"},
    }


def test_only_plain_unguarded_fields_are_the_same_for_every_reader(settings):
    schema = build_schema(settings)._schema
    message_type = schema.subscription_type.fields["sessionMessages"].type

    def shared(selection: str) -> bool:
        document = parse(f"subscription {{ sessionMessages(sessionId: 1) {selection} }} {FRAGS}")
        operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
        fragments = {d.name.value: d for d in document.definitions if d not in (operation,)}
        root = operation.selection_set.selections[0]
        return same_for_every_reader(root.selection_set, message_type, fragments)

    assert shared("{ __typename id sequence body redacted sentAt author { id profileName role } }")
    assert shared("{ ...Plain }")
    assert shared("{ ... on SessionMessage { sequence } }")
    assert not shared("{ sequence author { email } }")
    assert not shared("{ author { unreadCount } }")
    assert not shared("{ ...Email }")
    assert not shared("{ ... on SessionMessage { author { researchConsent } } }")


FRAGS = """
fragment Plain on SessionMessage { sequence author { profileName } }
fragment Email on SessionMessage { author { email } }
"""
